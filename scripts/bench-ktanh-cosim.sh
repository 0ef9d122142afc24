#!/usr/bin/env bash
# Benchmark of the K-TanH RTL co-simulation: exhaustive `lpsim cosim ktanh` (65536 inputs through the verilated
# rtl/ktanh.sv in SystemC), median over REPS runs per lane count of the RTL simulation wall time and the
# evaluations per second that lpsim reports, plus the whole-process wall time.
# usage: scripts/bench-ktanh-cosim.sh [BUILD_DIR] [REPS]     (default build dir: build, REPS 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
reps="${2:-5}"
exe="$build/lpsim"
[[ -x "$exe" ]] || { echo "bench-ktanh-cosim.sh: $exe not found (build the lpsim target first)" >&2; exit 2; }
echo "lpsim cosim ktanh (exhaustive, 65536 inputs), median of $reps runs, $(nproc) cores, $(date -u +%F)"
printf "%6s %10s %14s %16s %16s\n" lanes cycles "rtl_wall_s" "evaluations/s" "process_wall_s"
for lanes in 1 8 32; do
  rows=()
  for ((i = 0; i < reps; ++i)); do
    t0=$(date +%s.%N)
    out="$("$exe" cosim ktanh --lanes "$lanes")"
    t1=$(date +%s.%N)
    rtl=$(sed -n 's/.*RTL simulation: *\([0-9.]*\) s wall, \([0-9]*\) evaluations.*/\1 \2/p' <<<"$out")
    cyc=$(sed -n 's/.*cycles: *\([0-9]*\) cycles measured.*/\1/p' <<<"$out")
    rows+=("$rtl $cyc $(echo "$t1 - $t0" | bc)")
  done
  printf "%s\n" "${rows[@]}" | sort -n | sed -n "$(((reps + 1) / 2))p" |
    awk -v l="$lanes" '{ printf "%6d %10d %14.4f %16d %16.3f\n", l, $3, $1, $2, $4 }'
done
