#!/usr/bin/python3
"""lpsim's SCALE-Sim report files against the SCALE-Sim v2 oracle (tests/data/scalesim/results.csv).

For every (config, topology) pair whose layers are all in the oracle, runs `lpsim run CFG --trace TOPO` (a .cfg
turns run.scalesim_reports on) and checks OUT/<run_name>/COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and
DETAILED_ACCESS_REPORT.csv: the headers exactly as SCALE-Sim v2's simulator.generate_reports() writes them, one row
per layer, every cycle, start/stop cycle and access count equal, percentages and bandwidths equal to 1e-9 relative
(README, "SCALE-Sim report files").
    scalesim_reports_check.py LPSIM DATA_DIR WORK_DIR
"""
import collections
import csv
import os
import subprocess
import sys

HEADERS = {
    "COMPUTE_REPORT.csv": "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,",
    "BANDWIDTH_REPORT.csv": "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, "
                            "Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,",
    "DETAILED_ACCESS_REPORT.csv": "LayerID, "
        "SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, "
        "SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, "
        "SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, "
        "DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, "
        "DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, "
        "DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,",
}
# report file -> [(report column, oracle column, kind)]; kind: int = exact, real = 1e-9 relative.
CHECKS = {
    "COMPUTE_REPORT.csv": [("Total Cycles", "total_cycles", "int"), ("Stall Cycles", "stall_cycles", "int"),
                           ("Overall Util %", "overall_util", "real"), ("Mapping Efficiency %", "mapping_eff", "real"),
                           ("Compute Util %", "compute_util", "real")],
    "BANDWIDTH_REPORT.csv": [("Avg %s %s BW" % (o.upper(), m), "avg_%s_%s_bw" % (o, m.lower()), "real")
                             for m in ("SRAM", "DRAM") for o in ("ifmap", "filter", "ofmap")],
    "DETAILED_ACCESS_REPORT.csv": [("%s %s %s" % (m, name, what), "%s_%s_%s" % (m.lower(), op, col), "int")
                                   for m in ("SRAM", "DRAM")
                                   for op, name, count in (("ifmap", "IFMAP", "Reads"), ("filter", "Filter", "Reads"),
                                                           ("ofmap", "OFMAP", "Writes"))
                                   for what, col in (("Start Cycle", "start"), ("Stop Cycle", "stop"),
                                                     (count, count.lower()))],
}


def read_report(path):
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    # As a SCALE-Sim user's script would read it (pandas/csv with skipinitialspace); the trailing comma gives an
    # empty last field.
    rows = list(csv.reader(lines, skipinitialspace=True))
    header = [h for h in rows[0] if h != ""]
    return lines[0], [dict(zip(header, r)) for r in rows[1:]]


def main():
    lpsim, data, work = sys.argv[1:4]
    oracle = collections.defaultdict(list)
    with open(os.path.join(data, "results.csv"), newline="") as f:
        for r in csv.DictReader(f):
            oracle[(r["config_name"], r["topology"])].append(r)
    # Pairs whose every layer is in the oracle (some expensive layers were not simulated by SCALE-Sim): the oracle's
    # layer_ids are 0..n-1 and lpsim's report has n rows.
    runs = {}
    for (cfg, topo), rows in sorted(oracle.items()):
        out = os.path.join(work, cfg + "_" + topo)
        p = subprocess.run([lpsim, "run", os.path.join(data, "configs", cfg + ".cfg"), "--trace",
                            os.path.join(data, "topologies", topo + ".csv"), "--out", out, "--format", "none"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("%s/%s: lpsim run exited %d: %s" % (cfg, topo, p.returncode, p.stderr))
        _, got = read_report(os.path.join(out, cfg, "COMPUTE_REPORT.csv"))
        ids = sorted(int(r["layer_id"]) for r in rows)
        if ids == list(range(len(got))):
            runs[(cfg, topo)] = out
    pairs = sorted(runs)
    if len(pairs) < 10:
        sys.exit("only %d complete (config, topology) pairs in the oracle" % len(pairs))
    checked = stall_rows = 0
    for cfg, topo in pairs:
        rows = sorted(oracle[(cfg, topo)], key=lambda r: int(r["layer_id"]))
        out = runs[(cfg, topo)]
        for name, header in HEADERS.items():
            path = os.path.join(out, cfg, name)  # run_name of these .cfg files = their stem
            first, got = read_report(path)
            if first != header:
                sys.exit("%s: header\n  %r\nexpected\n  %r" % (path, first, header))
            if len(got) != len(rows):
                sys.exit("%s: %d rows, the oracle has %d layers" % (path, len(got), len(rows)))
            for g, r in zip(got, rows):
                if g["LayerID"] != r["layer_id"]:
                    sys.exit("%s: LayerID %s where the oracle has %s" % (path, g["LayerID"], r["layer_id"]))
                for col, ocol, kind in CHECKS[name]:
                    a, b = float(g[col]), float(r[ocol])
                    where = "%s, layer %s (%s), %s: lpsim %s, SCALE-Sim %s" % (path, r["layer_id"], r["layer"], col, g[col], r[ocol])
                    if kind == "int" and g[col] != r[ocol]:
                        sys.exit(where)
                    if kind == "real" and abs(a - b) > 1e-9 * max(1.0, abs(b)):
                        sys.exit(where)
                    checked += 1
            stall_rows += sum(1 for r in rows if int(r["stall_cycles"]) > 0) if name == "COMPUTE_REPORT.csv" else 0
    print("scalesim reports ok: %d (config, topology) runs, %d layers (%d with stalls), all %d cells equal to SCALE-Sim v2"
          % (len(pairs), sum(len(oracle[k]) for k in pairs), stall_rows, checked))


if __name__ == "__main__":
    main()
