#!/usr/bin/env bash
# Area of the K-TanH block (rtl/ktanh.sv) from yosys generic synthesis: cell counts and a NAND2-equivalent
# gate estimate, written as JSON for the cost model and the report.
#
# usage: scripts/synth-area.sh [-o OUT.json] [--lanes "1 8"] [--check REF.json]
#   -o OUT.json     where to write (default: rtl/ktanh_area.json, the copy kept in the repository)
#   --lanes LIST    LANES values to synthesize (default "1 8"); per-lane figures come from LANES=1
#   --check REF     after writing, compare cell counts and NAND2 equivalents with REF; exit 1 if they differ
#
# Flow (yosys 0.23, Debian bookworm): read_verilog -sv; chparam LANES; synth -flatten -nordff (-nordff keeps
# yosys from moving the input register behind the 32-entry table, which it turns into a ROM, and so adding
# 11 flops per lane); dffunmap (enables/sync resets become plain D flip-flops plus gates, as in a library
# without enable flops); abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX (NOT is always available); stat -json.
#
# NAND2 equivalents weight each generic cell by the area of the matching NanGate FreePDK45 X1 cell divided by
# NAND2_X1 (0.798 um^2): INV 0.532, NAND2/NOR2 0.798, AND2/OR2 1.064, XOR2/XNOR2 1.596, MUX2 1.862, DFF 4.522
# um^2 [M: NanGate Open Cell Library areas as widely quoted; NAND2_X1, INV_X1 and DFF_X1 cross-checked in
# third-party liberty excerpts; shared notes/cost.md also quotes DFF_X1 = 4.52 um^2].
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/rtl/ktanh_area.json"
lanes_list="1 8"
check=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    --lanes) lanes_list="$2"; shift 2 ;;
    --check) check="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "synth-area.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

command -v yosys >/dev/null || { echo "synth-area.sh: yosys not found (apt-get install yosys)" >&2; exit 2; }
py=/usr/bin/python3  # the system python (json module only)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for lanes in $lanes_list; do
  yosys -q -l "$work/yosys_$lanes.log" -p "
    read_verilog -sv $root/rtl/ktanh.sv
    chparam -set LANES $lanes ktanh
    synth -flatten -top ktanh -nordff
    dffunmap
    abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX
    opt_clean
    tee -q -o $work/stat_$lanes.json stat -json"
done

"$py" - "$work" "$out.tmp" "$(yosys -V)" $lanes_list <<'EOF'
import json, sys
work, out, version, lanes_list = sys.argv[1], sys.argv[2], sys.argv[3], [int(x) for x in sys.argv[4:]]
nand2_um2 = 0.798
area_um2 = {"$_NOT_": 0.532, "$_NAND_": 0.798, "$_NOR_": 0.798, "$_AND_": 1.064, "$_OR_": 1.064,
            "$_XOR_": 1.596, "$_XNOR_": 1.596, "$_MUX_": 1.862, "$_DFF_P_": 4.522}
configs = []
for lanes in lanes_list:
    stat = json.load(open(f"{work}/stat_{lanes}.json"))["design"]
    cells = stat["num_cells_by_type"]
    unknown = sorted(set(cells) - set(area_um2))
    if unknown:
        sys.exit(f"synth-area.sh: no NAND2 weight for cell types {unknown}")
    nand2 = sum(n * area_um2[c] / nand2_um2 for c, n in cells.items())
    configs.append({
        "lanes": lanes,
        "cells": dict(sorted(cells.items())),
        "num_cells": stat["num_cells"],
        "flip_flops": cells.get("$_DFF_P_", 0),
        "nand2_eq": round(nand2, 1),
        "area_um2_nangate45": round(nand2 * nand2_um2, 1),
    })
per_lane = next((c for c in configs if c["lanes"] == 1), None)
doc = {
    "block": "ktanh",
    "source": "rtl/ktanh.sv",
    "generator": "scripts/synth-area.sh",
    "tool": version,
    "flow": "synth -flatten -nordff; dffunmap; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX",
    "nand2_eq_weights": {c: round(a / nand2_um2, 3) for c, a in area_um2.items()},
    "nand2_weight_source": "NanGate FreePDK45 X1 cell areas / NAND2_X1 (0.798 um^2) [M]",
    "latency_cycles": 2,
    "per_lane_nand2_eq": per_lane["nand2_eq"] if per_lane else None,
    "configs": configs,
}
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
EOF
mv "$out.tmp" "$out"
echo "synth-area.sh: wrote $out"
"$py" - "$out" <<'EOF'
import json, sys
for c in json.load(open(sys.argv[1]))["configs"]:
    print("  LANES=%d: %d cells, %d flip-flops, %.1f NAND2-eq, %.1f um^2 (NanGate45 X1)"
          % (c["lanes"], c["num_cells"], c["flip_flops"], c["nand2_eq"], c["area_um2_nangate45"]))
EOF

if [[ -n "$check" ]]; then
  "$py" - "$out" "$check" <<'EOF'
import json, sys
new, ref = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: [(c["lanes"], c["cells"], c["nand2_eq"]) for c in d["configs"]]
if key(new) != key(ref):
    sys.exit(f"synth-area.sh: {sys.argv[1]} differs from {sys.argv[2]} (re-run scripts/synth-area.sh and commit)\n"
             f"  new: {key(new)}\n  ref: {key(ref)}")
print(f"synth-area.sh: matches {sys.argv[2]}")
EOF
fi
