# Shared by the end-to-end test scripts (scripts/test-*.sh); source it, do not run it.

fail() { echo "FAIL: $*" >&2; exit 1; }

# ensure_packages "WHAT" COMMAND... -- PACKAGE...: installs the Debian packages when one of the commands is
# missing (as root; /usr/sbin is searched too), or prints "SKIP: ..." and exits 0 when that needs root.
ensure_packages() {
  local what=$1 missing=() cmds=() pkgs=()
  shift
  while [[ $# -gt 0 && $1 != -- ]]; do cmds+=("$1"); shift; done
  shift
  pkgs=("$@")
  export PATH="$PATH:/usr/sbin"
  for c in "${cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: $what is not installed (${missing[*]}) and installing it needs root"
    exit 0
  fi
  echo "installing ${pkgs[*]} (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}

# run_expect RC OUT COMMAND...: runs COMMAND with stdout and stderr to OUT, shows OUT, fails unless it exits RC.
run_expect() {
  local want=$1 out=$2 rc=0
  shift 2
  "$@" >"$out" 2>&1 || rc=$?
  cat "$out"
  [[ $rc -eq $want ]] || fail "$* exited $rc, expected $want"
}

# same_results LOCAL.csv OTHER.csv LABEL: every row and every column but wall_s equal.
same_results() {
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
a, b = ([r for r in csv.DictReader(open(p, newline=""))] for p in sys.argv[1:3])
if len(a) != len(b):
    sys.exit("FAIL: row counts differ: %d vs %d" % (len(a), len(b)))
for ra, rb in zip(a, b):
    for k in ra:
        if k != "wall_s" and ra[k] != rb.get(k):
            sys.exit("FAIL: point %s, column %s: local %r, %s %r" % (ra["point"], k, ra[k], sys.argv[3], rb.get(k)))
print("results.csv: %d points, every column but wall_s equal to the local sweep" % len(a))
PY
}
