#!/usr/bin/env bash
# End-to-end test of `lpsim sweep --emit slurm` on a real, private one-node Slurm (Debian's slurm-wlm 22.05 with
# munge): installs slurm-wlm and munge when absent, starts munged, slurmctld and slurmd on localhost with a
# configuration generated in a temporary folder, submits an emitted sweep in two parts (a partial run first, so
# that sweep-merge must name the missing points, then the rest with the command it suggests), waits with a
# bounded timeout, merges, and compares results.csv with the same sweep run locally. Stops exactly the daemons it
# started, by their PIDs, and removes the folder.
#   usage: scripts/test-slurm.sh LPSIM [SWEEP.yaml]      (ctest label slurm; needs root to install/start daemons)
# Prints "SKIP: ..." and exits 0 when it cannot run here (not root and the packages are missing).
set -euo pipefail

LPSIM=$(readlink -f "${1:?usage: test-slurm.sh LPSIM [SWEEP.yaml]}")
SRC=$(cd "$(dirname "$0")/.." && pwd)
SWEEP=$(readlink -f "${2:-$SRC/configs/sweeps/format_by_array.yaml}")
TIMEOUT_S=${LPSIM_SLURM_TIMEOUT:-240}

# shellcheck source=scripts/test-lib.sh
source "$SRC/scripts/test-lib.sh"
ensure_packages "Slurm with munge" munged slurmctld slurmd sbatch squeue sinfo scancel -- slurm-wlm munge
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: starting slurmd needs root (it launches the tasks as their user)"
  exit 0
fi

T=$(mktemp -d /tmp/lpsim-slurm.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
  local rc=$?
  if [[ -n "${JOBS:-}" ]]; then scancel $JOBS 2>/dev/null || true; fi
  # Stop exactly the daemons started here, newest first, and wait for each.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [[ $rc -ne 0 ]]; then
    for f in munged.log slurmctld.log slurmd.log; do
      [[ -f "$T/$f" ]] && { echo "--- $f (last 30 lines)"; tail -n 30 "$T/$f"; }
    done
  fi
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT
# Two free TCP ports on localhost for slurmctld and slurmd.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return; fi
  done
  fail "no free port"
}
CTLD_PORT=$(free_port)
SLURMD_PORT=$(free_port)
while [[ $SLURMD_PORT == "$CTLD_PORT" ]]; do SLURMD_PORT=$(free_port); done
while [[ $SLURMD_PORT == "$CTLD_PORT" ]]; do SLURMD_PORT=$(free_port); done

# 1. munged with a fresh key and its own socket (a system munged, if any, is left alone).
mkdir -p "$T/munge" "$T/state" "$T/spool"
chmod 700 "$T/munge"
head -c 1024 /dev/urandom >"$T/munge/munge.key"
chmod 400 "$T/munge/munge.key"
munged -F -f --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/munged.log" --seed-file="$T/munge/munged.seed" >>"$T/munged.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [[ -S "$T/munge/munge.socket" ]] && break; sleep 0.1; done
[[ -S "$T/munge/munge.socket" ]] || fail "munged did not create its socket"

# 2. A one-node cluster: this machine's CPUs and memory as slurmd detects them, everything under $T.
NODE=lpsimnode
HW=$(slurmd -C | head -n 1 | sed -e "s/^NodeName=[^ ]*//")
cat >"$T/slurm.conf" <<EOF
ClusterName=lpsimtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MaxArraySize=1001
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) $HW State=UNKNOWN
PartitionName=lpsimq Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >>"$T/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -N "$NODE" -f "$SLURM_CONF" >>"$T/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 120); do
  state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  [[ "$state" == idle ]] && break
  sleep 0.5
done
[[ "$state" == idle ]] || fail "node $NODE is '$state', not idle, after 60 s"
echo "slurm: one-node cluster up (slurmctld :$CTLD_PORT, slurmd :$SLURMD_PORT, node $NODE idle)"

# 3. The reference: the same sweep run locally.
cd "$T"
"$LPSIM" sweep "$SWEEP" --out local --jobs 2 --quiet >local.txt || fail "local sweep failed: $(cat local.txt)"
N=$(($(wc -l <local/results.csv) - 1))

# 4. Emit; merging before anything ran lists every point as missing (exit 1).
"$LPSIM" sweep "$SWEEP" --emit slurm --out cluster --slurm-time 0:10:00 --slurm-mem 400M --slurm-cpus 1 \
  --slurm-partition lpsimq >emit.txt
cat emit.txt
grep -q "^#SBATCH --time=0:10:00$" cluster/sweep.slurm || fail "sweep.slurm lacks --time"
grep -q "^#SBATCH --mem=400M$" cluster/sweep.slurm || fail "sweep.slurm lacks --mem"
grep -q "^#SBATCH --cpus-per-task=1$" cluster/sweep.slurm || fail "sweep.slurm lacks --cpus-per-task"
grep -q "^#SBATCH --partition=lpsimq$" cluster/sweep.slurm || fail "sweep.slurm lacks --partition"
run_expect 1 merge0.txt "$LPSIM" sweep-merge cluster
grep -q "0 ok, 0 failed, $N missing" merge0.txt || fail "sweep-merge of an empty run does not list $N missing points"

wait_jobs() {  # wait_jobs JOBID...: until squeue no longer lists them, at most TIMEOUT_S
  local t0=$SECONDS
  while [[ -n "$(squeue -h -j "$(echo "$@" | tr ' ' ,)" -o %i 2>/dev/null)" ]]; do
    ((SECONDS - t0 < TIMEOUT_S)) || { squeue; fail "jobs $* still queued or running after ${TIMEOUT_S} s"; }
    sleep 1
  done
}

# 5. A partial run (the first half of the points) through the emitted wrapper, which creates the log folder.
rm -rf cluster/logs cluster/points  # as after copying the emitted files elsewhere: submit.sh recreates them
HALF=$((N / 2))
t0=$SECONDS
out=$(bash cluster/submit.sh --array=0-$((HALF - 1)) --parsable)
JOBS=${out%%;*}
wait_jobs $JOBS
run_expect 1 merge1.txt "$LPSIM" sweep-merge cluster
grep -q "$HALF ok, 0 failed, $((N - HALF)) missing" merge1.txt || fail "partial merge: expected $HALF ok, $((N - HALF)) missing"
rerun=$(sed -n 's/^re-run them: bash cluster\/submit.sh \(--array=[0-9,-]*\) .*/\1/p' merge1.txt)
[[ "$rerun" == "--array=$HALF-$((N - 1))" ]] || fail "sweep-merge suggests '$rerun', expected --array=$HALF-$((N - 1))"

# 6. The rest, with the array sweep-merge suggested.
out=$(bash cluster/submit.sh "$rerun" --parsable)
JOBS="$JOBS ${out%%;*}"
wait_jobs $JOBS
wall=$((SECONDS - t0))
"$LPSIM" sweep-merge cluster >merge2.txt || { cat merge2.txt; fail "sweep-merge after the full run failed"; }
cat merge2.txt
grep -q "$N ok, 0 failed, 0 missing" merge2.txt || fail "full merge: expected $N ok"
logs=$(ls cluster/logs/slurm-*_*.out | wc -l)
[[ $logs -eq $N ]] || fail "expected $N task logs in cluster/logs, found $logs"
grep -l "): ok" cluster/logs/slurm-*_*.out | wc -l | grep -qx "$N" || fail "not every task log reports its point ok"

# 7. Same figures as the local sweep (every column but the wall time).
same_results local/results.csv cluster/results.csv slurm
echo "slurm test ok: $N array tasks in two submissions, ${wall} s from first submit to last task"
