#!/usr/bin/env bash
# Timing-model benchmark (issue 3 item 10): the full ResNet-50 trace on a 128x128 array, once per dataflow.
# Prints wall time, simulated cycles per wall second and peak RSS (GNU time). Targets: < 1 s, < 200 MB.
# Then the memory models (issue 22): ResNet-50 and BERT-base timing-only on one core under reuse (tiling search
# included, target <= 0.2 s each) against the same runs under scalesim, and a GEMM 65536^3 (target <= 1 s).
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

# Scale (issue 14): timing-only layers far beyond any network, on configs/default.yaml (32x32 os, 256/256/128 KiB,
# 32 B/cycle). Targets: GEMM 65536^3 < 10 s and < 500 MB, memory independent of the number of folds; the
# baseline is the same GEMM at 16384^3 (64x fewer folds) in the same run: wall and memory should scale with
# the folds (about 64x) and not at all, respectively.
echo
printf '%-30s %10s %12s %18s %14s\n' layer "folds" "wall [s]" "sim cycles" "peak RSS [MB]"
scale_case() {  # name, trace line
  printf 'name: %s\nops:\n  - %s\n' "$1" "$2" > "$tmp/$1.yaml"
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$BUILD/lpsim" run configs/default.yaml \
    --set workload.trace="$tmp/$1.yaml" --out "$tmp/out_$1" --format csv > "$tmp/layers.csv"
  read -r wall rss_kb < "$tmp/time"
  read -r folds cycles < <(awk -F, 'NR==1{for(i=1;i<=NF;i++){if($i=="folds")f=i; if($i=="total_cycles")c=i}}
                                    $1=="TOTAL"{print $f, $c}' "$tmp/layers.csv")
  printf '%-30s %10s %12.2f %18s %14.1f\n' "$1" "$folds" "$wall" "$cycles" "$(awk -v r="$rss_kb" 'BEGIN{print r/1024}')"
  echo "$wall" > "$tmp/$1.wall"
}
scale_case gemm_16384 '{name: g, type: gemm, m: 16384, n: 16384, k: 16384}'
scale_case gemm_65536 '{name: g, type: gemm, m: 65536, n: 65536, k: 65536}'
scale_case tall_conv_1e9_rows '{name: c, type: conv2d, in_h: 1000000000, in_w: 1, in_c: 1, out_c: 1, kernel_h: 1, kernel_w: 1}'
scale_case dp_1e6_channels '{name: dw, type: conv2d, in_h: 14, in_w: 14, in_c: 1000000, out_c: 1000000, kernel_h: 3, kernel_w: 3, groups: 1000000}'
awk -v a="$(cat "$tmp/gemm_16384.wall")" -v b="$(cat "$tmp/gemm_65536.wall")" \
  'BEGIN{printf "GEMM 65536^3 / 16384^3 wall: %.1fx for 64x the folds\n", b / (a > 0 ? a : 0.01)}'

# Memory models (issue 22): configs/default.yaml (32x32 os, 256/256/128 KiB, LPDDR5-6400) on one core; the scalesim
# run of the same workload is the baseline of the ratio. The reuse figure includes the tiling search of every op.
echo
printf '%-26s %12s %14s %16s %12s\n' workload "reuse [s]" "scalesim [s]" "reuse/scalesim" "ops searched"
model_case() {  # name, trace
  for m in reuse scalesim; do
    /usr/bin/time -f '%e' -o "$tmp/time_$m" taskset -c 0 "$BUILD/lpsim" run configs/default.yaml \
      --set workload.trace="$(realpath "$2")" --set accelerator.memory.model=$m --out "$tmp/out_mm_$m" --format csv \
      > "$tmp/mm_$m.csv"
  done
  ops=$(awk -F, '$1!="layer" && $1!="TOTAL"' "$tmp/mm_reuse.csv" | wc -l)
  awk -v n="$1" -v a="$(cat "$tmp/time_reuse")" -v b="$(cat "$tmp/time_scalesim")" -v o="$ops" \
    'BEGIN{printf "%-26s %12.3f %14.3f %16.2f %12d\n", n, a, b, a / (b > 0 ? b : 0.005), o}'
}
model_case resnet50 traces/resnet50.yaml
model_case bert_base_s512 traces/bert_base_s512.yaml
printf 'name: g\nops:\n  - {name: g, type: gemm, m: 65536, n: 65536, k: 65536}\n' > "$tmp/g65536.yaml"
model_case gemm_65536 "$tmp/g65536.yaml"
