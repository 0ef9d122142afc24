#!/usr/bin/env bash
# GEMM datapath benchmark (issue 5 item 7; not a test): a 1024x1024x1024 GEMM computed bit-true by lpsim_pe in
# MXFP8-E4M3 with FP32 accumulation, in BF16 (FP32 acc) and in INT16 -> INT32 (DFP16, wrap), and OpenBLAS SGEMM
# on the same data, all in one run. Prints seconds, GFLOP/s (2*M*N*K / wall time, operand quantization included)
# and the ratio to SGEMM. Target: MXFP8 >= 0.10x SGEMM on the 2-core machine (all cores for both).
# Usage: scripts/bench-gemm.sh [BUILD_DIR] [bench_gemm options: --size S --reps R --threads T]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build
if [[ $# -gt 0 && $1 != --* ]]; then BUILD=$1; shift; fi
if ! compgen -G "/usr/include/*/cblas.h" >/dev/null && ! compgen -G "/usr/include/*/*/cblas.h" >/dev/null &&
   [[ ! -f /usr/include/cblas.h ]]; then
  echo "bench-gemm.sh: installing libopenblas-dev (OpenBLAS SGEMM baseline)" >&2
  LPSIM_EXTRAS=1 bash scripts/install-deps.sh
fi
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j2 --target bench_gemm >/dev/null
nproc_out=$(nproc); cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "machine: $cpu, $nproc_out cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/models/pe/bench_gemm" "$@"
