#!/usr/bin/env bash
# Builds the Raspberry Pi package (deploy/build-deb.sh) and checks what it holds with urne-tests'
# `deb_package` tests (tests/tests/it/deb_package.rs, a module of its one test binary `it`): control fields and Depends, both arm64
# binaries (stripped, AArch64, start under qemu), the systemd unit (and systemd-analyze verify),
# the udev rule, the polkit rule evaluated with node, the maintainer scripts, permissions.
#
#   deploy/test-deb.sh
#
# Installs what the checks use when missing: qemu-user-static, nodejs, systemd (systemd-analyze).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# build-deb.sh's progress goes on to our stderr through a copy of the descriptor: `tee
# /dev/stderr` would reopen the path, and when stderr is a log file, truncate it (CI's log lost
# everything before the package that way).
deb=$(deploy/build-deb.sh | tee >(cat >&2) | tail -n 1)

# shellcheck source=deploy/aarch64-env.sh
. deploy/aarch64-env.sh
urne_aarch64_ensure_packages qemu-user-static nodejs systemd

started=$SECONDS
echo "== Checking $deb"
cargo clippy -p urne-tests --features deb --test it -- -D warnings
URNE_DEB="$deb" cargo test -p urne-tests --features deb --test it deb_package::
echo "test-deb: checks $((SECONDS - started)) s"
