#!/usr/bin/env bash
# Sparse-datapath benchmark (issue 7): (1) the cost of analyze_sparsity per scheme and dataflow on a ResNet-50-sized
# layer (1.2e8 MACs, half zeros) next to the dense closed form it refines, and (2) the sparse PE kernels
# (skip_zero_products) against the dense kernels on the same GEMM in the same process (ratio = skip / dense time).
# A benchmark, not a test: figures depend on the machine and its load.
#
# usage: scripts/bench-sparsity.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_sparsity -j2 >/dev/null
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
     "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/models/sparsity/bench_sparsity"
