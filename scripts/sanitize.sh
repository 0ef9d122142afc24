#!/usr/bin/env bash
# The sanitizer step of CI (.ci/run, after README's test command): builds the fuzz targets and the test folders
# that exercise lpsim's own C++ (numerics, PE datapaths, array engine, readers, driver, ONNX, data sets, cost,
# sparsity, pruning, hardening) with clang++ -fsanitize=address,undefined and warnings as errors for lpsim's own
# code, runs those tests, then fuzzes every input reader for SECONDS_PER_TARGET (default 30) from its seeds.
#
#   scripts/sanitize.sh [SECONDS_PER_TARGET]     (0: no fuzzing)
#
# Left to the main suite (README's test command runs them unsanitized): tests/cosim (Verilator-generated RTL and
# yosys synthesis, minutes of exhaustive vectors; the C++ models they compare against are tested here), tests/sweep
# (process orchestration around `lpsim run`, whose readers are fuzzed here) and the run of every shipped config
# (10,000 Fashion-MNIST images: arithmetic the tests here cover on small inputs), and the progress-bar test (terminal
# rendering of long runs, 2 minutes under ASan). That keeps .ci/run within its
# 20 minutes on 2 cores (README "Fuzzing and sanitizers" has the figures).
# Build folder: build-san (LPSIM_SAN_BUILD overrides). Any sanitizer report aborts the process and fails its
# test. ASan runs without stack poisoning here because of SystemC's coroutine stacks (CMakeLists.txt,
# README "Fuzzing and sanitizers"); UndefinedBehaviorSanitizer covers everything.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
build=${LPSIM_SAN_BUILD:-build-san}
start=$(date +%s)
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
  -DLPSIM_SANITIZE=address,undefined -DLPSIM_FUZZ=ON -DLPSIM_WERROR=ON \
  -DLPSIM_TEST_ONLY="array;cost;fuzz;harden;numerics;onnx;pe;prune;sim;sparsity" >/dev/null
cmake --build "$build" -j2
built=$(date +%s)
# Leaks are checked by the fuzz targets (scripts/fuzz.sh: every reader, detect_leaks=1). Here LeakSanitizer is off:
# its exit-time tracer occasionally crashed ("Tracer caught signal 11") while a model run's worker threads ended,
# failing a test that had passed.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$PWD/tests/fuzz/lsan.supp"
ctest --test-dir "$build" --output-on-failure -j2 -E "^cli: every shipped config runs|^progress_bars$"
tested=$(date +%s)
# A fixed libFuzzer seed (LPSIM_FUZZ_SEED, default 1): a clean-clone CI run walks the inputs the same fixed-seed
# run walked before the submission, instead of a new random walk that may turn up an old bug at a bad time (new
# bugs are the job of campaigns: scripts/fuzz.sh without a seed, README "Fuzzing and sanitizers").
if [[ "$secs" -gt 0 ]]; then
  LPSIM_FUZZ_BUILD="$build" LPSIM_FUZZ_JOBS=2 LPSIM_FUZZ_SEED="${LPSIM_FUZZ_SEED:-1}" scripts/fuzz.sh "$secs"
fi
echo "sanitize.sh: build $((built - start)) s, ctest $((tested - built)) s, fuzzing $(( $(date +%s) - tested )) s"
