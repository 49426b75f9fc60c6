#!/usr/bin/env bash
# Builds the Raspberry Pi appliance's Debian package, urne-kiosk_<version>_arm64.deb, on an x86-64
# Debian bookworm machine, and prints its path on the last line:
#
#   deploy/build-deb.sh
#
# 1. installs what it needs (deploy/aarch64-env.sh: the cross compiler and the arm64 libraries;
#    cargo-deb from crates.io);
# 2. cross-builds, with the `pi` profile (Cargo.toml: release optimised for size, aborting on a
#    panic), urne-kiosk with the Pi's features (linuxkms + libinput, software renderer, udisks2)
#    and the `urne` command line;
# 3. packages them with cargo-deb (metadata: [package.metadata.deb] in firmware-ui/Cargo.toml)
#    with the systemd unit, the udev and polkit rules and the maintainer scripts of deploy/.
#
# deploy/test-deb.sh builds it and checks what it holds. Uses $CARGO_TARGET_DIR when set, else
# the workspace's target/; the package is $CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/debian/.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The cargo-deb this script was written and tested with.
CARGO_DEB_VERSION=3.8.0
started=$SECONDS

# The package's dependencies are read from the build machine's arm64 libraries and the binaries
# link against its glibc: built elsewhere than on bookworm, they would ask for libraries Raspberry
# Pi OS bookworm does not have.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ "$codename" != bookworm ] && [ -z "${URNE_DEB_ANY_HOST:-}" ]; then
  echo "build-deb: this machine runs '${codename:-unknown}', not Debian bookworm: a package built here would not install on Raspberry Pi OS bookworm. Set URNE_DEB_ANY_HOST=1 to build anyway." >&2
  exit 1
fi

# shellcheck source=deploy/aarch64-env.sh
. deploy/aarch64-env.sh
target=$URNE_AARCH64_TARGET

if ! cargo deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
  echo "Installing cargo-deb $CARGO_DEB_VERSION"
  cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked
fi

echo "== Binaries for $target (profile pi)"
cargo build --profile pi --target "$target" -p urne-kiosk --no-default-features --features pi --bin urne-kiosk
cargo build --profile pi --target "$target" -p urne-cli --bin urne

echo "== Package"
# --no-build: the binaries above are the ones packaged (cargo-deb alone would build only the
# kiosk). The profile already strips symbols (Cargo.toml), so cargo-deb has nothing to strip.
# cargo-deb prints the package's path on its last line of standard output.
deb=$(cargo deb -p urne-kiosk --no-build --profile pi --target "$target" --output "$CARGO_TARGET_DIR/$target/debian/" | tail -n 1)
case "$deb" in
  "$CARGO_TARGET_DIR/$target/debian/urne-kiosk_"*"_arm64.deb") ;;
  *) echo "build-deb: unexpected package path from cargo-deb: $deb" >&2; exit 1 ;;
esac
[ -f "$deb" ] || { echo "build-deb: cargo-deb did not write $deb" >&2; exit 1; }
echo "build-deb: $(stat -c %s "$deb") bytes in $((SECONDS - started)) s"
echo "$deb"
