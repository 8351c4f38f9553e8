#!/usr/bin/env bash
# Benchmark: a generated city, 10× and 100× a city (about 7M report rows at 100×).
# Prints, for each: ingest rows/s, evaluate seconds, the whole warm quarterly run
# (`run` on an ingested dataset: every file a duplicate, then evaluate and report) and
# the peak memory of each step. Release build; figures go in the README.
#
#   scripts/bench.sh            # 1×, 10×, 100×
#   SCALES="1 10" scripts/bench.sh
#   BENCH_DIR=/big/disk scripts/bench.sh   # 100× needs about 1.5 GB of disk
set -euo pipefail
cd "$(dirname "$0")/.."
scales=${SCALES:-"1 10 100"}
work=${BENCH_DIR:-$(mktemp -d)}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/clusterkpi/release}
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/clusterkpi"
plan="$PWD/data/plans/sjz-county-clusters-2021-2025.toml"
tmp=$(mktemp)

measure() { # command… → sets secs and peak_mb (GNU time: wall seconds, max RSS)
  /usr/bin/time -o "$tmp.time" -f '%e %M' "$@" >"$tmp.out" 2>"$tmp.err" || true
  secs=$(tail -1 "$tmp.time" | awk '{print $1}')
  peak_mb=$(tail -1 "$tmp.time" | awk '{printf "%.0f", $2 / 1024}')
}

printf '%-6s %12s %12s %14s %10s %12s %10s %12s %10s\n' scale enterprises rows "ingest rows/s" "peak MB" "evaluate s" "peak MB" "warm run s" "peak MB"
for s in $scales; do
  dir="$work/city-$s"
  rm -rf "$dir"
  n=$((2700 * s))
  "$bin" generate --out "$dir" --enterprises "$n" --from 2020Q1 --to 2026Q3 --seed 7 >/dev/null
  cat >"$dir/pipeline.toml" <<TOML
[pipeline]
plan = "$plan"
clusters = "reference/clusters.csv"
roster = "reference/roster.csv"
inbox = "inbox"
lake = "lake"
out = "reports"
TOML
  files=("$dir/reference/clusters.csv" "$dir/reference/roster.csv")
  while IFS= read -r f; do files+=("$f"); done < <(find "$dir/inbox" -type f | sort)
  measure "$bin" -q ingest --lake "$dir/lake" --plan "$plan" "${files[@]}"
  rows=$(grep -o '[0-9]* rows ingested' "$tmp.out" | awk '{print $1}')
  ingest_rate=$(awk -v r="$rows" -v t="$secs" 'BEGIN { printf "%.0f", r / t }')
  ingest_mb=$peak_mb
  measure "$bin" -q evaluate --pipeline "$dir/pipeline.toml"
  eval_s=$secs; eval_mb=$peak_mb
  measure "$bin" -q run "$dir/pipeline.toml"
  printf '%-6s %12s %12s %14s %10s %12s %10s %12s %10s\n' "${s}x" "$n" "$rows" "$ingest_rate" "$ingest_mb" "$eval_s" "$eval_mb" "$secs" "$peak_mb"
done
rm -f "$tmp" "$tmp.out" "$tmp.err" "$tmp.time"
[ -n "${BENCH_DIR:-}" ] || rm -rf "$work"
