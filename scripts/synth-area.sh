#!/usr/bin/env bash
# Area of the RTL blocks from yosys generic synthesis: cell counts and a NAND2-equivalent gate estimate, written
# as JSON for the cost model (accelerator.cost.pe_area: synth) and the README.
#
# usage: scripts/synth-area.sh [--check] [-o DIR] [UNIT...]
#   UNIT      what to synthesize (default: all): ktanh_l1 ktanh_l8 (K-TanH, LANES 1 / 8) fp8_mac bf16_mac
#             int16_fma int16_fma_sat int8_fma mx_dot pe_fp8 pe_int16 (the systolic tile's PEs)
#   -o DIR    write ktanh_area.json and pe_area.json to DIR (default: rtl/, the copies kept in the repository);
#             a file is rewritten only when all of its units were synthesized
#   --check   write nothing; compare the units' cell counts and NAND2 equivalents with the committed
#             rtl/*.json and exit 1 if any differs (ctest cosim.synth_area_<unit>)
#
# Flow (yosys 0.23, Debian bookworm): read_verilog -sv; chparam; synth -flatten -nordff (-nordff keeps yosys
# from moving K-TanH's input register behind its 32-entry table, which it turns into a ROM, and so adding 11
# flops per lane); dffunmap (enables/sync resets become plain D flip-flops plus gates, as in a library without
# enable flops); abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX (NOT is always available); stat -json. Two units run at a time.
#
# NAND2 equivalents weight each generic cell by the area of the matching NanGate FreePDK45 X1 cell divided by
# NAND2_X1 (0.798 um^2): INV 0.532, NAND2/NOR2 0.798, AND2/OR2 1.064, XOR2/XNOR2 1.596, MUX2 1.862, DFF 4.522
# um^2 [M: NanGate Open Cell Library areas as widely quoted; NAND2_X1, INV_X1 and DFF_X1 cross-checked in
# third-party liberty excerpts; shared notes/cost.md also quotes DFF_X1 = 4.52 um^2].
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rtl="$root/rtl"
out="$rtl"
check=0
units=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "synth-area.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) units+=("$1"); shift ;;
  esac
done

# unit -> "top|params (chparam -set list)|sources|macs per cycle|latency cycles|description"
declare -A U=(
  [ktanh_l1]="ktanh|LANES 1|ktanh.sv|0|2|K-TanH, 1 lane"
  [ktanh_l8]="ktanh|LANES 8|ktanh.sv|0|2|K-TanH, 8 lanes"
  [fp8_mac]="fp8_mac||fp8_mac.sv fp8_mul.sv fp8_decode.sv fp32_acc_pipe.sv fp32_add.sv|1|3|FP8 (E4M3/E5M2) MAC, FP32 accumulator"
  [bf16_mac]="bf16_mac||bf16_mac.sv bf16_mul.sv fp32_acc_pipe.sv fp32_add.sv|1|3|BF16 MAC, FP32 accumulator"
  [int16_fma]="int16_fma|SATURATE 0|int16_fma.sv vnni_dot.sv int32_acc.sv|2|3|INT16 VNNI FMA, INT32 wrap"
  [int16_fma_sat]="int16_fma|SATURATE 1|int16_fma.sv vnni_dot.sv int32_acc.sv|2|3|INT16 VNNI FMA, INT32 saturate"
  [int8_fma]="int16_fma|SATURATE 0 -set OPW 8|int16_fma.sv vnni_dot.sv int32_acc.sv|2|3|INT8 VNNI FMA (int16_fma, OPW 8), INT32 wrap"
  [mx_dot]="mx_dot||mx_dot.sv mx_elem_decode.sv fp32_acc_pipe.sv fp32_add.sv|32|3|MX dot unit, 32 MXFP8-E4M3/MXINT8 elements, FP32 accumulator"
  [pe_fp8]="systolic_pe|KIND 0|systolic_pe.sv fp8_mul.sv fp8_decode.sv fp32_add.sv vnni_dot.sv int32_acc.sv|1|3|systolic tile PE, FP8 MAC"
  [pe_int16]="systolic_pe|KIND 1|systolic_pe.sv fp8_mul.sv fp8_decode.sv fp32_add.sv vnni_dot.sv int32_acc.sv|2|3|systolic tile PE, INT16 VNNI FMA (wrap)"
)
all_units=(ktanh_l1 ktanh_l8 fp8_mac bf16_mac int16_fma int16_fma_sat int8_fma mx_dot pe_fp8 pe_int16)
[[ ${#units[@]} -eq 0 ]] && units=("${all_units[@]}")
for u in "${units[@]}"; do
  [[ -n "${U[$u]:-}" ]] || { echo "synth-area.sh: unknown unit '$u' (${all_units[*]})" >&2; exit 2; }
done

command -v yosys >/dev/null || { echo "synth-area.sh: yosys not found (apt-get install yosys)" >&2; exit 2; }
py=/usr/bin/python3  # the system python (json module only)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
synth_one() {  # unit
  local u="$1" top params srcs files="" chp=""
  IFS='|' read -r top params srcs _ _ _ <<<"${U[$u]}"
  for f in $srcs; do files="$files $rtl/$f"; done
  [[ -n "$params" ]] && chp="chparam -set $params $top"
  yosys -q -l "$work/yosys_$u.log" -p "
    read_verilog -sv $files
    $chp
    synth -flatten -top $top -nordff
    dffunmap
    abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX
    opt_clean
    tee -q -o $work/stat_$u.json stat -json"
}
export -f synth_one
export rtl work
for u in "${units[@]}"; do
  printf '%s\t%s\n' "$u" "${U[$u]}"
done >"$work/units.tsv"
# Two at a time (2-core machine); each unit's description goes to the JSON through units.tsv.
for u in "${units[@]}"; do echo "$u"; done |
  U_DECL="$(declare -p U)" xargs -P 2 -I{} bash -c 'eval "$U_DECL"; synth_one {}'

"$py" - "$work" "$out" "$check" "$rtl" "$(yosys -V)" <<'EOF'
import json, os, sys
work, out, check, rtl, version = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5]
nand2_um2 = 0.798
area_um2 = {"$_NOT_": 0.532, "$_NAND_": 0.798, "$_NOR_": 0.798, "$_AND_": 1.064, "$_OR_": 1.064,
            "$_XOR_": 1.596, "$_XNOR_": 1.596, "$_MUX_": 1.862, "$_DFF_P_": 4.522}
flow = "synth -flatten -nordff; dffunmap; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX"
units = {}
for line in open(f"{work}/units.tsv"):
    name, spec = line.rstrip("\n").split("\t")
    top, params, srcs, macs, lat, desc = spec.split("|")
    stat = json.load(open(f"{work}/stat_{name}.json"))["design"]
    cells = stat["num_cells_by_type"]
    unknown = sorted(set(cells) - set(area_um2))
    if unknown:
        sys.exit(f"synth-area.sh: no NAND2 weight for cell types {unknown} ({name})")
    nand2 = sum(n * area_um2[c] / nand2_um2 for c, n in cells.items())
    units[name] = {
        "description": desc, "top": top, "sources": ["rtl/" + s for s in srcs.split()],
        "params": dict(zip(params.replace("-set ", "").split()[::2], map(int, params.replace("-set ", "").split()[1::2]))),
        "cells": dict(sorted(cells.items())), "num_cells": stat["num_cells"],
        "flip_flops": cells.get("$_DFF_P_", 0), "nand2_eq": round(nand2, 1),
        "area_um2_nangate45": round(nand2 * nand2_um2, 1),
        "macs_per_cycle": int(macs), "latency_cycles": int(lat),
    }
common = {
    "generator": "scripts/synth-area.sh", "tool": version, "flow": flow,
    "nand2_eq_weights": {c: round(a / nand2_um2, 3) for c, a in area_um2.items()},
    "nand2_weight_source": "NanGate FreePDK45 X1 cell areas / NAND2_X1 (0.798 um^2) [M]",
}

def ktanh_doc(u):  # the layout rtl/ktanh_area.json always had
    configs = []
    for name in ("ktanh_l1", "ktanh_l8"):
        x = u[name]
        configs.append({"lanes": x["params"]["LANES"], "cells": x["cells"], "num_cells": x["num_cells"],
                        "flip_flops": x["flip_flops"], "nand2_eq": x["nand2_eq"],
                        "area_um2_nangate45": x["area_um2_nangate45"]})
    return {"block": "ktanh", "source": "rtl/ktanh.sv", "generator": common["generator"], "tool": version,
            "flow": flow, "nand2_eq_weights": common["nand2_eq_weights"],
            "nand2_weight_source": common["nand2_weight_source"], "latency_cycles": 2,
            "per_lane_nand2_eq": u["ktanh_l1"]["nand2_eq"], "configs": configs}

def pe_doc(u):
    return dict(common, blocks={k: u[k] for k in ("fp8_mac", "bf16_mac", "int16_fma", "int16_fma_sat", "int8_fma",
                                                  "mx_dot", "pe_fp8", "pe_int16")})

files = {"ktanh_area.json": (("ktanh_l1", "ktanh_l8"), ktanh_doc),
         "pe_area.json": (("fp8_mac", "bf16_mac", "int16_fma", "int16_fma_sat", "int8_fma", "mx_dot", "pe_fp8",
                           "pe_int16"), pe_doc)}
for name, x in sorted(units.items()):
    print("  %-14s %6d cells, %4d flip-flops, %8.1f NAND2-eq, %8.1f um^2 (NanGate45 X1)"
          % (name, x["num_cells"], x["flip_flops"], x["nand2_eq"], x["area_um2_nangate45"]))
if check:
    bad = []
    for fname, (names, _) in files.items():
        ref = json.load(open(os.path.join(rtl, fname)))
        for n in names:
            if n not in units:
                continue
            if fname == "ktanh_area.json":
                lanes = units[n]["params"]["LANES"]
                r = next((c for c in ref["configs"] if c["lanes"] == lanes), None)
            else:
                r = ref["blocks"].get(n)
            new = (units[n]["cells"], units[n]["nand2_eq"])
            if r is None or (r["cells"], r["nand2_eq"]) != new:
                bad.append(f"  {n}: new {new}\n  {' ' * len(n)}  ref {None if r is None else (r['cells'], r['nand2_eq'])}")
    if bad:
        sys.exit("synth-area.sh: synthesis differs from the committed rtl/*_area.json (re-run scripts/synth-area.sh "
                 "and commit):\n" + "\n".join(bad))
    print("synth-area.sh: matches the committed rtl/ktanh_area.json and rtl/pe_area.json")
else:
    os.makedirs(out, exist_ok=True)
    for fname, (names, make) in files.items():
        if all(n in units for n in names):
            path = os.path.join(out, fname)
            with open(path + ".tmp", "w") as f:
                json.dump(make(units), f, indent=2)
                f.write("\n")
            os.replace(path + ".tmp", path)
            print(f"synth-area.sh: wrote {path}")
EOF
