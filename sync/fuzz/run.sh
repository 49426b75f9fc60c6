#!/usr/bin/env bash
# Runs every cargo-fuzz target for FUZZ_SECONDS seconds each (default 20): the ballot file
# parsers seeded with the sample files of sync/cli/tests/data, the roster import with the demo roster
# and the shared spreadsheet fixtures (../shared/fixtures beside the repository), the badge
# parser with the texts of docs/vectors/badges.json, the hall's frame reader with the frames of
# docs/vectors/hall.json. Exits non-zero on the first crash (the
# input is left in sync/fuzz/artifacts/<target>/).
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
    for file in ../cli/tests/data/$pattern; do
      [ -e "$file" ] && cp -n "$file" "corpus/$target/" || true
    done
  done
}
seed preflib '*.soc' '*.soi' '*.toc' '*.toi'
seed pabulib '*.pb'
seed urne_json '*.json'

mkdir -p corpus/roster_csv corpus/credential
for file in ../../demo/roster.csv ../../../shared/fixtures/roster-*.csv; do
  [ -e "$file" ] && cp -n "$file" "corpus/roster_csv/" || true
done
# One file per badge text of the test vectors (valid ones and each kind of refusal).
n=0
grep -o '"text": "[^"]*"' ../../docs/vectors/badges.json | sed 's/^"text": "//; s/"$//' |
  while IFS= read -r text; do
    n=$((n + 1))
    printf '%s' "$text" >"corpus/credential/vector-$n"
  done

# One file per frame of the hall's test vectors (each request and answer), behind a first byte
# that the target reads as the size of the reads to cut the stream into.
mkdir -p corpus/hall_frame
n=0
grep -o '"frame": "[0-9a-f]*"' ../../docs/vectors/hall.json | sed 's/^"frame": "//; s/"$//' |
  while IFS= read -r frame; do
    n=$((n + 1))
    # Hex to bytes with printf's own escapes (no xxd on a bare machine).
    printf "\\x03$(printf '%s' "$frame" | sed 's/../\\x&/g')" >"corpus/hall_frame/vector-$n"
  done

for target in preflib pabulib urne_json roster_csv credential hall_frame; do
  echo "== fuzzing $target for ${seconds}s"
  # -rss_limit_mb: the parsers hold a whole file in memory; 2 GiB is far beyond any input here.
  # --fuzz-dir: this folder sits in sync/, beside the crates it fuzzes, not inside one of them
  # (cargo-fuzz would otherwise look for fuzz/ in the workspace's root).
  cargo fuzz run --fuzz-dir . "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
echo "== no crash"
