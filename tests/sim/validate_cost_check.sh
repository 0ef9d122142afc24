#!/bin/bash
# validate_cost_check.sh LPSIM README.md: every row of the shipped validation table is within its band
# (lpsim validate-cost --check) and README's table (between the validate-cost markers) is the one lpsim prints now.
set -u
lpsim=$1 readme=$2
table=$("$lpsim" validate-cost --check --format markdown --quiet)
rc=$?
if [ $rc -ne 0 ]; then
  echo "lpsim validate-cost --check exited $rc: a row left its band (run lpsim validate-cost for the table)"
  echo "$table"
  exit 1
fi
readme_table=$(sed -n '/<!-- validate-cost table: begin/,/<!-- validate-cost table: end/p' "$readme" | sed '1d;$d')
if [ "$table" != "$readme_table" ]; then
  echo "README.md's validation table differs from lpsim validate-cost --format markdown; regenerate it:"
  diff <(echo "$readme_table") <(echo "$table")
  exit 1
fi
echo "validate-cost table ok"
