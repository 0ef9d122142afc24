#!/usr/bin/env bash
# Fuzzes every input reader of lpsim with libFuzzer under AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 30)
#   LPSIM_FUZZ_SEED=N scripts/fuzz.sh ...     libFuzzer's -seed=N: every target walks the same sequence of inputs
#                                              from the same seeds (CI's smoke, scripts/sanitize.sh, uses 1, so a
#                                              clean-clone CI run repeats what was checked before submitting);
#                                              unset: a new random walk each run (campaigns)
#
# Builds the targets of tests/fuzz in build-fuzz (clang++, -fsanitize=fuzzer,address,undefined; override the
# folder with LPSIM_FUZZ_BUILD), seeds each target's corpus from tests/data, configs/ and traces/, runs the
# targets one after the other (LPSIM_FUZZ_JOBS=2: two at a time) and prints executions, speed, corpus size and
# result per target. A crash, sanitizer report, leak, hang (> 10 s per input) or run-away memory (> 2 GB) stops
# that target with its input saved as build-fuzz/fuzz-artifacts/<target>-...; the script then exits 1.
# Reproduce one with: build-fuzz/tests/fuzz/fuzz_<target> build-fuzz/fuzz-artifacts/<file>; once fixed, copy
# the file to tests/fuzz/regressions/<target>/ (ctest fuzz.<target>.replay keeps it fixed).
# Corpora persist in build-fuzz/fuzz-corpus, so longer campaigns continue where earlier ones stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
[[ "$secs" =~ ^[0-9]+$ && "$secs" -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2; exit 2; }
build=${LPSIM_FUZZ_BUILD:-build-fuzz}
jobs=${LPSIM_FUZZ_JOBS:-1}
seed=()
if [[ -n "${LPSIM_FUZZ_SEED:-}" ]]; then
  [[ "$LPSIM_FUZZ_SEED" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: LPSIM_FUZZ_SEED must be a positive integer" >&2; exit 2; }
  seed=(-seed="$LPSIM_FUZZ_SEED")
fi
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (bash scripts/install-deps.sh)" >&2; exit 2; }

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
  -DLPSIM_SANITIZE=address,undefined -DLPSIM_FUZZ=ON -DLPSIM_WERROR=ON >/dev/null
mapfile -t targets < "$build/tests/fuzz/targets.txt"
targets=("${targets[@]//[[:space:]]/}")
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
run_one() {
  local t=$1 corpus="$build/fuzz-corpus/$1" log="$build/fuzz-logs/$1.log"
  mkdir -p "$corpus"
  while IFS= read -r f; do  # seed files keep their names, prefixed to stay unique
    [[ -n "$f" && -f "$f" ]] && cp -n "$f" "$corpus/seed_$(echo "$f" | md5sum | cut -c1-8)_$(basename "$f")"
  done < "$build/tests/fuzz/$t.seeds"
  local dict=()
  [[ -f "$build/tests/fuzz/$t.dict.path" ]] && dict=(-dict="$(cat "$build/tests/fuzz/$t.dict.path")")
  local rc=0
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t-" "${seed[@]}" "${dict[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  echo "$rc" > "$log.rc"
}

start=$(date +%s)
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if (( running >= jobs )); then wait -n || true; running=$((running - 1)); fi
done
wait

total=0
failed=0
printf '%-14s %12s %10s %8s  %s\n' target executions "exec/s" corpus result
for t in "${targets[@]}"; do
  log="$build/fuzz-logs/$t.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  corpus=$(find "$build/fuzz-corpus/$t" -type f | wc -l)
  rc=$(cat "$log.rc")
  result=ok
  if [[ "$rc" != 0 ]]; then
    result="FAILED (see $log; input in $build/fuzz-artifacts)"
    failed=$((failed + 1))
  fi
  total=$((total + ${execs:-0}))
  printf '%-14s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "$corpus" "$result"
done
echo "total: $total executions in $(( $(date +%s) - start )) s, ${#targets[@]} targets, $failed failed"
# A failure's report goes to the terminal too: a CI run on a clean clone keeps nothing else of it.
for t in "${targets[@]}"; do
  log="$build/fuzz-logs/$t.log"
  [[ "$(cat "$log.rc")" == 0 ]] && continue
  echo "---- $t: end of $log ----"
  grep -v -E '^(#[0-9]+ +(NEW|REDUCE|pulse|INITED|RELOAD)|INFO:|MERGE)' "$log" | tail -n 60 || true
  for a in "$build/fuzz-artifacts/$t-"*; do [[ -f "$a" ]] && echo "input $a (base64): $(head -c 3000 "$a" | base64 -w0)"; done
done
[[ $failed -eq 0 ]]
