#!/bin/bash
# validate_cost_check.sh LPSIM README.md: every row of the shipped validation table is within its band
# (lpsim validate-cost --check), and README's validation, per-format and dot-product PE tables (between their
# markers) are the ones lpsim prints now.
set -u
lpsim=$1 readme=$2
table=$("$lpsim" validate-cost --check --format markdown --quiet)
rc=$?
if [ $rc -ne 0 ]; then
  echo "lpsim validate-cost --check exited $rc: a row left its band (run lpsim validate-cost for the table)"
  echo "$table"
  exit 1
fi
block() { sed -n "/<!-- $1: begin/,/<!-- $1: end/p" "$readme" | sed '1d;$d'; }
if [ "$table" != "$(block 'validate-cost table')" ]; then
  echo "README.md's validation table differs from lpsim validate-cost --format markdown; regenerate it:"
  diff <(block 'validate-cost table') <(echo "$table")
  exit 1
fi
pe=$("$lpsim" validate-cost --pe-table)
if [ "$pe" != "$(block 'pe-table')" ]; then
  echo "README.md's per-format table differs from lpsim validate-cost --pe-table; regenerate it:"
  diff <(block 'pe-table') <(echo "$pe")
  exit 1
fi
dot=$("$lpsim" validate-cost --dot-table 32)
if [ "$dot" != "$(block 'dot-table')" ]; then
  echo "README.md's dot-product PE table differs from lpsim validate-cost --dot-table 32; regenerate it:"
  diff <(block 'dot-table') <(echo "$dot")
  exit 1
fi
echo "validate-cost table ok"
