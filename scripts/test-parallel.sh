#!/usr/bin/env bash
# End-to-end test of `lpsim sweep --emit parallel` with Debian's GNU parallel: installs it when absent, runs part
# of the emitted command list with a job log (an interrupted run), checks that sweep-merge names the missing
# points, resumes with `parallel --resume` (only the rest runs), merges, and compares results.csv with the same
# sweep run locally.
#   usage: scripts/test-parallel.sh LPSIM [SWEEP.yaml]     (ctest label slurm, with the Slurm test)
# Prints "SKIP: ..." and exits 0 when GNU parallel is absent and cannot be installed (not root).
set -euo pipefail

LPSIM=$(readlink -f "${1:?usage: test-parallel.sh LPSIM [SWEEP.yaml]}")
SRC=$(cd "$(dirname "$0")/.." && pwd)
SWEEP=$(readlink -f "${2:-$SRC/configs/sweeps/format_by_array.yaml}")

# shellcheck source=scripts/test-lib.sh
source "$SRC/scripts/test-lib.sh"
ensure_packages "GNU parallel" parallel -- parallel
# moreutils also ships a `parallel`; GNU parallel identifies itself with --version.
parallel --version 2>/dev/null | grep -q "GNU parallel" || fail "'parallel' is not GNU parallel (moreutils?): apt-get install parallel"

T=$(mktemp -d /tmp/lpsim-parallel.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"

"$LPSIM" sweep "$SWEEP" --out local --jobs 2 --quiet >local.txt 2>&1 || fail "local sweep failed: $(cat local.txt)"
N=$(($(wc -l <local/results.csv) - 1))
"$LPSIM" sweep "$SWEEP" --emit parallel --out par >emit.txt
cat emit.txt
[[ $(wc -l <par/commands.txt) -eq $N ]] || fail "commands.txt does not have $N lines"

# An interrupted run: parallel stops after the first 5 jobs (GNU parallel --halt now,done=5).
PART=5
set +e
parallel --will-cite --jobs 2 --joblog par/logs/parallel.log --halt now,done=$PART <par/commands.txt >/dev/null 2>&1
set -e
# Jobs that finished ok (Exitval and Signal 0): --halt now kills the jobs still running, and the job log lists
# those too, with their signal, so they count as not done (how many depends on the machine's load).
done_jobs=$(awk -F'\t' 'NR > 1 && $7 == 0 && $8 == 0' par/logs/parallel.log | wc -l)
((done_jobs >= PART && done_jobs < N)) || fail "the interrupted run finished $done_jobs jobs, expected $PART..$((N - 1))"
# sweep-merge counts the points whose row.csv exists. A job killed by --halt after it wrote its row (atomically, by
# rename) but before it exited is "not done" in the job log yet complete on disk, so count rows, not log lines.
rows=$(find par/points -name row.csv | wc -l)
((rows >= done_jobs && rows < N)) || fail "the interrupted run left $rows rows, expected $done_jobs..$((N - 1))"
run_expect 1 merge1.txt "$LPSIM" sweep-merge par
grep -q "$rows ok, 0 failed, $((N - rows)) missing" merge1.txt || fail "partial merge does not list $((N - rows)) missing points"

# Resume: only the jobs not done run (--resume-failed also reruns the killed ones; what sweep-merge suggests).
parallel --will-cite --jobs 2 --joblog par/logs/parallel.log --resume-failed <par/commands.txt >resume.txt 2>&1 ||
  fail "parallel --resume-failed failed: $(cat resume.txt)"
ok_jobs=$(awk -F'\t' 'NR > 1 && $7 == 0 && $8 == 0' par/logs/parallel.log | wc -l)
[[ $ok_jobs -eq $N ]] || fail "after resuming the job log has $ok_jobs ok jobs, expected $N"
ran=$(grep -c "): ok" resume.txt || true)
[[ $ran -eq $((N - done_jobs)) ]] || fail "--resume ran $ran points, expected $((N - done_jobs))"
"$LPSIM" sweep-merge par >merge2.txt || { cat merge2.txt; fail "sweep-merge after resuming failed"; }
cat merge2.txt
grep -q "$N ok, 0 failed, 0 missing" merge2.txt || fail "full merge: expected $N ok"

same_results local/results.csv par/results.csv parallel
echo "parallel test ok: $done_jobs points before the interruption, $((N - done_jobs)) after --resume"
