#!/usr/bin/env bash
# Runs every cargo-fuzz target of urne-sync's ballot file parsers for FUZZ_SECONDS seconds each
# (default 20), seeded with the sample files of sync/tests/data. Exits non-zero on the first
# crash (the input is left in sync/fuzz/artifacts/<target>/).
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, sanitizer coverage) to rustc;
# RUSTC_BOOTSTRAP=1 lets a stable toolchain accept them, so no nightly toolchain is needed.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-20}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "Installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

seed() {
  local target="$1"
  shift
  mkdir -p "corpus/$target"
  for pattern in "$@"; do
    for file in ../tests/data/$pattern; do
      [ -e "$file" ] && cp -n "$file" "corpus/$target/" || true
    done
  done
}
seed preflib '*.soc' '*.soi' '*.toc' '*.toi'
seed pabulib '*.pb'
seed urne_json '*.json'

for target in preflib pabulib urne_json; do
  echo "== fuzzing $target for ${seconds}s"
  # -rss_limit_mb: the parsers hold a whole file in memory; 2 GiB is far beyond any input here.
  cargo fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
echo "== no crash"
