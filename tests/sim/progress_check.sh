#!/usr/bin/env bash
# Progress bars: shown with an ETA on stderr when stderr is a terminal, silent otherwise and with --quiet.
# A pseudo-terminal comes from script(1) (util-linux, in every Debian install).
#   usage: progress_check.sh LPSIM
set -euo pipefail
LPSIM=$1
command -v script >/dev/null || { echo "SKIP: script(1) is missing"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# A GEMM long enough for the bar (drawn after 0.5 s) to show its longest stage: M x 1024 x 2048 bit-true plus its
# FP64 references, M scaled from a timed 4096-row run so that it takes about 3 s whatever the machine's speed
# (the 4096-row run alone took 1.4 s on this project's 2-core VM, too close to 0.5 s on a faster one).
gemm() { echo "$LPSIM gemm --m $1 --n 1024 --k 2048 --dist normal --format mxfp8_e4m3 --threads 2"; }
t0=$(date +%s%N)
$(gemm 4096) >"$T/out.txt" 2>"$T/err.txt"
ms=$((($(date +%s%N) - t0) / 1000000))
[[ ! -s "$T/err.txt" ]] || fail "stderr is not a terminal but got: $(head -c 300 "$T/err.txt")"
grep -q "SQNR" "$T/out.txt" || fail "gemm printed no report"
M=$((4096 * ((3000 + ms - 1) / (ms > 0 ? ms : 1))))
((M <= 65536)) || M=65536
GEMM=$(gemm $M)

script -qfec "$GEMM >/dev/null" /dev/null >"$T/tty.txt" </dev/null
grep -aq "gemm \[#*" "$T/tty.txt" || fail "no progress bar on a terminal: $(head -c 300 "$T/tty.txt")"
grep -aq "elapsed, ETA [0-9]* s" "$T/tty.txt" || fail "the bar has no ETA"
grep -aq "(accuracy references (FP64))" "$T/tty.txt" || fail "the bar does not name the running stage"

script -qfec "$GEMM --quiet >/dev/null" /dev/null >"$T/quiet.txt" </dev/null
[[ ! -s "$T/quiet.txt" ]] || fail "--quiet printed on the terminal: $(head -c 300 "$T/quiet.txt")"

echo "progress ok: bar with ETA on a terminal (M = $M; 4096 rows took $ms ms), silent with --quiet and on a pipe"
