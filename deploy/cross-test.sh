#!/usr/bin/env bash
# Cross-builds Urne for the Raspberry Pi (Raspberry Pi OS bookworm, arm64) on an x86-64 Debian
# bookworm machine without Docker, runs the tests of the crates the Pi runs as arm64 code under
# qemu, and builds the Pi's release binaries:
#
#   deploy/cross-test.sh [extra arguments for cargo test, e.g. -- --test-threads=1]
#
# 1. installs what it needs (once; quick when everything is there): rustup's
#    aarch64-unknown-linux-gnu target, Debian's gcc-aarch64-linux-gnu, qemu-user-static, and the
#    arm64 libraries through Debian's multiarch (`dpkg --add-architecture arm64`);
# 2. lets the kernel start arm64 programs itself (binfmt_misc → qemu-aarch64-static), because
#    the tests start Urne's own binaries and themselves as child processes;
# 3. runs the tests of every crate linked into the Pi's binaries (urne-core, urne-codec,
#    urne-papers, urne-sync, urne-organiser, urne-kiosk, urne-cli), built for aarch64 and run
#    under qemu-aarch64-static. The registry (a server) and the end-to-end scenarios of urne-tests
#    (the registry's, and the workspace's shape) never run on a Pi: `./dev test` runs them
#    natively, and running them again under emulation took a third of CI's time;
# 4. builds the Pi's release binaries (urne-kiosk with the `pi` feature, and `urne`), checks
#    they are arm64 programs that start, and prints their sizes.
#
# Uses $CARGO_TARGET_DIR when set (CI shares its own), else the workspace's target/. With Docker,
# Cross.toml does the same builds through cross-rs instead.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=aarch64-unknown-linux-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
started=$SECONDS

# The cross environment (deploy/aarch64-env.sh, shared with build-deb.sh): rustup's target,
# Debian's cross gcc and the arm64 libraries through multiarch — libc6:arm64 lets qemu run the
# programs with the system's own arm64 loader and libraries (no -L: with -L every threaded program
# hangs) —, and the linker, C compiler and pkg-config for the aarch64 target only (build scripts
# and proc macros are still built and run natively).
# shellcheck source=deploy/aarch64-env.sh
. deploy/aarch64-env.sh
# What the tests call besides (as in ./dev): qemu, openssl, poppler-utils, dbus-daemon; python3
# for demo/make_deck.py; unshare from util-linux.
urne_aarch64_ensure_packages qemu-user-static openssl ca-certificates poppler-utils dbus-daemon \
  python3 util-linux

# The kernel must hand arm64 programs to qemu by itself: cargo's runner only covers the test
# executables cargo starts, while the tests start `urne`, `urne-registry`, `urne-kiosk` and their
# own executable (crash and fault tests) as children, some inside a private mount namespace. The
# F flag makes the kernel open qemu-aarch64-static at registration, so it is found from any
# namespace. The rule is the one Debian's qemu-user-static ships (ELF, 64-bit, little-endian,
# machine 0xb7 = AArch64). It stays registered afterwards, as qemu-user-static with binfmt-support
# or systemd-binfmt would leave it; registering again is a no-op.
binfmt=/proc/sys/fs/binfmt_misc
binfmt_rule=':qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F'

# The arm64 dynamic loader (libc6:arm64) is itself a program: started directly, it prints its
# version only if the kernel can run arm64 code.
can_run_arm64() { /lib/ld-linux-aarch64.so.1 --version >/dev/null 2>&1; }

ensure_binfmt() {
  can_run_arm64 && return 0
  echo "Registering qemu-aarch64-static with binfmt_misc"
  [ -e "$binfmt/register" ] || $sudo mount -t binfmt_misc binfmt_misc "$binfmt" || true
  if [ -e "$binfmt/register" ]; then
    # An entry of the same name that does not work (disabled, or a missing interpreter) goes.
    if [ -e "$binfmt/qemu-aarch64" ]; then
      echo -1 | $sudo tee "$binfmt/qemu-aarch64" >/dev/null || true
    fi
    printf '%s' "$binfmt_rule" | $sudo tee "$binfmt/register" >/dev/null || true
  fi
  if ! can_run_arm64; then
    cat >&2 <<EOF
cross-test: this machine cannot start arm64 programs through binfmt_misc (it needs root or sudo,
and a kernel or container that allows mounting $binfmt and registering an interpreter).
The tests start Urne's own binaries and their own executables as child processes, which only the
kernel can hand to qemu-aarch64-static; without that they cannot run, and no test is skipped
silently. Register qemu-aarch64-static by hand (e.g. apt-get install binfmt-support) and retry.
EOF
    exit 1
  fi
}

ensure_binfmt

# Cargo runs the test executables with qemu-aarch64-static — without -L: the arm64 loader and
# libraries are installed where qemu looks by default.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64-static

# qemu-user lacks the termios2 ioctls the serialport crate sets a serial line's speed with (see
# deploy/qemu-termios2.c): the emulated tests get a small library that provides them from the
# termios ones qemu has, preloaded by the runner. LD_PRELOAD is inherited by every child, so its
# path holds $LIB, which the loader expands to lib/aarch64-linux-gnu in an arm64 program and to
# lib/x86_64-linux-gnu in a native one (openssl, tar, dbus-daemon…), which gets an empty twin.
shim="$CARGO_TARGET_DIR/qemu-termios2"
mkdir -p "$shim/lib/aarch64-linux-gnu" "$shim/lib/x86_64-linux-gnu"
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$shim/lib/aarch64-linux-gnu/liburne-termios2.so" deploy/qemu-termios2.c
gcc -shared -fPIC -o "$shim/lib/x86_64-linux-gnu/liburne-termios2.so" -x c /dev/null
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="env LD_PRELOAD=$shim/\$LIB/liburne-termios2.so qemu-aarch64-static"

# The power-cut test (firmware-ui/tests/store_crash.rs) kills its child at a random moment up to
# 80 ms after it starts, 200 times. An emulated child needs about 200 ms to reach its first
# ballot on a fast machine, more on a slower one: with a 500 ms window a run on 2026-12-03 saw
# only 44 casts acknowledged in 60 kills (the test wants more casts than kills, so that the kills
# land while ballots are cast, not only during start-up). The window is 800 ms, so that the kills
# still land from start-up to well into the casting; and it kills 60 times instead of 200 (the
# same checks after every kill, fewer kills) to keep the run short. The native run (./dev test)
# keeps 80 ms × 200.
export URNE_CRASH_CYCLES="${URNE_CRASH_CYCLES:-60}"
export URNE_CRASH_WINDOW_MS="${URNE_CRASH_WINDOW_MS:-800}"

# 3. The tests of the Pi's crates, in the dev profile (debug assertions on, dependencies at
# opt-level 2, see Cargo.toml) but with our own crates at opt-level 1 instead of 0: emulated,
# unoptimised code made some tests minutes long (byte scans, QR rasterising, bundle mutations),
# and opt-level 1 costs little to build. Building the test executables with the release
# profile's LTO would cost far more time than it saves. (Build scripts keep their own settings,
# so what the native run built for the host is reused.)
#
# ./dev test builds twice: the workspace, then the kiosk with its `udisks` feature for the udisks2
# code's own tests (the lib's and tests/stick.rs's). Here one build with `udisks` on runs both
# sets: that feature changes zbus's features, which would otherwise rebuild Slint and everything
# above it a second time for aarch64. (The builds without `udisks` are covered natively.)
export CARGO_PROFILE_DEV_OPT_LEVEL=1
echo "== Tests for $TARGET under qemu-aarch64-static"
cargo test --target "$TARGET" -p urne-core -p urne-codec -p urne-papers -p urne-sync \
  -p urne-organiser -p urne-kiosk -p urne-cli --features urne-kiosk/udisks "$@"
tested=$SECONDS

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64-static
unset CARGO_PROFILE_DEV_OPT_LEVEL

# 4. The Pi's release binaries: the kiosk with its appliance backend (linuxkms + libinput,
# software renderer, udisks2), and the organiser's command line.
# They are built with the `pi` profile (Cargo.toml: release, optimised for size, whole-program
# LTO, abort on panic), exactly as deploy/build-deb.sh packages them, so that CI builds them once.
echo "== Release binaries for $TARGET (profile pi)"
cargo build --profile pi --target "$TARGET" -p urne-kiosk --no-default-features --features pi --bin urne-kiosk
cargo build --profile pi --target "$TARGET" -p urne-cli --bin urne
out="$CARGO_TARGET_DIR/$TARGET/pi"
for bin in urne-kiosk urne; do
  # e_machine, the two bytes at offset 18 of the ELF header: b7 00 is AArch64.
  machine=$(od -An -tx1 -j18 -N2 "$out/$bin" | tr -d ' \n')
  [ "$machine" = "b700" ] || { echo "cross-test: $out/$bin is not an AArch64 ELF ($machine)" >&2; exit 1; }
  # The profile strips symbols (Cargo.toml): the file's size is the installed size.
  size=$(stat -c %s "$out/$bin")
  printf '%-11s %s bytes (%s MiB), AArch64, needs: %s\n' "$bin" "$size" \
    "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')" \
    "$(aarch64-linux-gnu-readelf -d "$out/$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
done
# They start: through cargo's runner, and through binfmt_misc as a child would.
qemu-aarch64-static "$out/urne-kiosk" --version
"$out/urne-kiosk" --help >/dev/null
"$out/urne" --version
echo "cross-test: tests $((tested - started)) s, release binaries $((SECONDS - tested)) s, total $((SECONDS - started)) s"
