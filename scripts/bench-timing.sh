#!/usr/bin/env bash
# Timing-model benchmark (issue 3 item 10): the full ResNet-50 trace on a 128x128 array, once per dataflow.
# Prints wall time, simulated cycles per wall second and peak RSS (GNU time). Targets: < 1 s, < 200 MB.
# Usage: scripts/bench-timing.sh [BUILD_DIR]   (default: build; builds lpsim first)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
cmake -S . -B "$BUILD" >/dev/null && cmake --build "$BUILD" -j2 --target lpsim >/dev/null
[[ -x /usr/bin/time ]] || { echo "bench-timing.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%-8s %12s %16s %22s %14s\n' dataflow "wall [s]" "sim cycles" "sim cycles/wall s" "peak RSS [MB]"
for df in os ws is; do
  /usr/bin/time -f '%e %M' -o "$tmp/time" taskset -c 0 "$BUILD/lpsim" run configs/default.yaml \
    --set workload.trace="$PWD/traces/resnet50.yaml" --set accelerator.array.rows=128 \
    --set accelerator.array.cols=128 --set accelerator.array.dataflow=$df \
    --set accelerator.memory.ifmap.sram_kib=1024 --set accelerator.memory.filter.sram_kib=1024 \
    --set accelerator.memory.ofmap.sram_kib=512 \
    --out "$tmp/out_$df" --format csv > "$tmp/layers.csv"
  read -r wall rss_kb < "$tmp/time"
  cycles=$(awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="total_cycles") c=i} $1=="TOTAL"{print $c}' "$tmp/layers.csv")
  awk -v df=$df -v w="$wall" -v c="$cycles" -v r="$rss_kb" 'BEGIN{
    ws = (w > 0 ? w : 0.005); printf "%-8s %12.3f %16d %22.3g %14.1f\n", df, w, c, c / ws, r / 1024 }'
done
