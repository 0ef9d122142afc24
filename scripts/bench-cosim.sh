#!/usr/bin/env bash
# Co-verification throughput (issue 16 item 6; not a test): `lpsim cosim` on every block, median of REPS runs.
# Prints the vectors checked, the RTL simulation wall time and rate lpsim reports, the whole-process wall time
# (vector generation, model and comparison included) and the rate in simulated cycles per second relative to the
# baseline run in the same script: the K-TanH exhaustive run on one lane (the smallest verilated block, one input
# per cycle), so the ratio says what a block's wider ports and deeper logic cost per cycle.
# Targets: the exhaustive FP8 MAC run and 1,000,000 random MX dot blocks each well under a minute on 2 cores.
# usage: scripts/bench-cosim.sh [BUILD_DIR] [REPS]     (default build dir: build, REPS 3)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
reps="${2:-3}"
exe="$build/lpsim"
[[ -x "$exe" ]] || { echo "bench-cosim.sh: $exe not found (build the lpsim target first)" >&2; exit 2; }
echo "lpsim cosim, median of $reps runs, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
printf "%-10s %-16s %10s %10s %12s %10s %14s %9s\n" block inputs vectors "rtl_s" "rtl_vec/s" "process_s" "cycles/s" \
  "x ktanh"
base=""
run() {  # block inputs [extra args]
  local block="$1" inputs="$2"
  shift 2
  local rows=()
  for ((i = 0; i < reps; ++i)); do
    local t0 t1 out
    t0=$(date +%s.%N)
    out="$("$exe" cosim "$block" --inputs "$inputs" "$@")"
    t1=$(date +%s.%N)
    grep -q "result: PASS" <<<"$out" || { echo "bench-cosim.sh: $block did not pass" >&2; exit 1; }
    local vec rtl cyc
    vec=$(sed -n 's/.*vectors checked: *\([0-9]*\) .*/\1/p' <<<"$out")
    rtl=$(sed -n 's/.*RTL simulation: *\([0-9.]*\) s wall.*/\1/p' <<<"$out")
    cyc=$(sed -n 's/.*cycles: *\([0-9]*\) cycles measured.*/\1/p' <<<"$out")
    rows+=("$rtl $vec $cyc $(echo "$t1 - $t0" | bc)")
  done
  local med
  med=$(printf "%s\n" "${rows[@]}" | sort -n | sed -n "$(((reps + 1) / 2))p")
  read -r rtl vec cyc proc <<<"$med"
  local cps
  cps=$(echo "$cyc / $rtl" | bc -l)
  [[ -z "$base" ]] && base="$cps"
  printf "%-10s %-16s %10d %10.3f %12.0f %10.2f %14.0f %9.2f\n" "$block" "$inputs" "$vec" "$rtl" \
    "$(echo "$vec / $rtl" | bc -l)" "$proc" "$cps" "$(echo "$cps / $base" | bc -l)"
}
run ktanh exhaustive --lanes 1
run fp8_mac exhaustive
run fp8_mac random:1000000
run bf16_mac random:1000000
run int16_fma random:1000000
run mx_dot random:1000000
run tile random:300
