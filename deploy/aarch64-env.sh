# shellcheck shell=bash
# The cross-build environment for the Raspberry Pi (Raspberry Pi OS bookworm, arm64) on an x86-64
# Debian bookworm machine without Docker. Sourced, not run: `. deploy/aarch64-env.sh`.
#
# Installs what is missing (with sudo when not root; quick when everything is there): rustup's
# aarch64-unknown-linux-gnu target, Debian's cross gcc, pkg-config, and the arm64 libraries the
# kiosk links through Debian's multiarch (`dpkg --add-architecture arm64`). Then exports, for the
# aarch64 target only (build scripts and proc macros still build and run natively), the linker,
# the C compiler and archiver for SQLite's and ring's C, and pkg-config aimed at the arm64 .pc
# files. Sets URNE_AARCH64_TARGET.

URNE_AARCH64_TARGET=aarch64-unknown-linux-gnu

# Build machine: the cross compiler (and its binutils: readelf, objcopy, strip), pkg-config, a
# native C compiler for build scripts, dpkg-dev (dpkg-shlibdeps finds the arm64 packages behind
# the libraries a binary links).
urne_aarch64_host_packages=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu pkg-config gcc dpkg-dev)
# arm64 side: libc6 (the loader and libc), fontconfig and freetype (Slint's font discovery), and
# for the Pi's linuxkms backend libinput, libudev and xkbcommon.
urne_aarch64_arm64_packages=(libc6:arm64 libfontconfig1-dev:arm64 libfreetype-dev:arm64
  libinput-dev:arm64 libudev-dev:arm64 libxkbcommon-dev:arm64)

urne_aarch64_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the packages named (any architecture qualifier allowed) that are not installed yet.
urne_aarch64_ensure_packages() {
  local missing=() update=""
  # A newly added architecture has no package lists yet: update even if nothing seems missing.
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "Adding the arm64 architecture to dpkg (multiarch)"
    urne_aarch64_sudo dpkg --add-architecture arm64
    update=yes
  fi
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ] || [ -n "$update" ]; then
    echo "Installing system packages: ${missing[*]:-(none; package lists only)}"
    urne_aarch64_sudo apt-get update -qq
    if [ ${#missing[@]} -gt 0 ]; then
      urne_aarch64_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
  fi
}

urne_aarch64_ensure_packages "${urne_aarch64_host_packages[@]}" "${urne_aarch64_arm64_packages[@]}"
command -v cargo >/dev/null || { echo "Rust is needed: https://rustup.rs" >&2; return 1; }
rustup target list --installed | grep -qx "$URNE_AARCH64_TARGET" || rustup target add "$URNE_AARCH64_TARGET"

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export PKG_CONFIG_ALLOW_CROSS_aarch64_unknown_linux_gnu=1
export PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
