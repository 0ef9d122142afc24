#!/usr/bin/env bash
# Numerics throughput benchmark (issue 4): quantizes 64 Mi float32 values to MXFP8-E4M3, MXFP4-E2M1,
# FP8-E4M3 (per-tensor scale) and BF16 with 1 and then 2 threads, and prints elements/s and the ratio to a
# memcpy of the same bytes measured in the same run. Target: >= 0.25x memcpy on one core for MXFP8 and BF16.
# A benchmark, not a test: the figures depend on the machine and on its load (check `uptime`).
#
# usage: scripts/bench-numerics.sh [BUILD_DIR] [N_MEBI_ELEMENTS=64] [REPEATS=5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-64}
repeats=${3:-5}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_numerics -j2 >/dev/null

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
     "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build:   $build (Release; array kernels compiled for default/AVX2/AVX-512 and picked at load time)"
"$build/models/numerics/bench_numerics" "$n" "$repeats"
