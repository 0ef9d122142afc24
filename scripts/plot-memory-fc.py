#!/usr/bin/python3
"""Plots README "Memory models": DRAM reads of the FC GEMV (traces/fc_gemv.yaml) per compulsory byte against the
filter SRAM size, one line per word size, one plot per memory model.

Usage: /usr/bin/python3 scripts/plot-memory-fc.py RESULTS.csv [OUT_DIR]
       RESULTS.csv from `lpsim sweep configs/sweeps/memory_fc.yaml`; OUT_DIR defaults to configs/sweeps.
Writes memory_fc_scalesim.png and memory_fc_reuse.png and prints the table behind them.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

A, B, C = 1280, 1280 * 1000, 1000  # elements of the GEMV's input, weights and output


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "configs",
                                                         "sweeps")
    rows = [r for r in csv.DictReader(open(argv[0])) if r["status"] == "ok"]
    bits_key = "accelerator.memory.filter.word_bits"
    table = {}
    for r in rows:
        bits = int(r[bits_key])
        compulsory = (A + B) * bits / 8
        table.setdefault(r["accelerator.memory.model"], {}).setdefault(bits, []).append(
            (float(r["accelerator.memory.filter.sram_kib"]), float(r["dram_read_bytes"]) / compulsory,
             int(r["total_cycles"])))
    print("model     bits  " + "  ".join(f"{int(k):>6} KiB" for k, _, _ in sorted(next(iter(table.values()))[8])))
    for model in ("scalesim", "reuse"):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for bits, pts in sorted(table[model].items()):
            pts.sort()
            print(f"{model:<9} {bits:>4}  " + "  ".join(f"{x:>9.2f}x" for _, x, _ in pts))
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"{bits}-bit words")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("filter SRAM [KiB] (double buffered)")
        ax.set_ylabel("DRAM reads / compulsory bytes [ratio]")
        ax.set_title(f"FC 1280 -> 1000 GEMV, 32x32 ws: memory.model {model}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = os.path.join(out_dir, f"memory_fc_{model}.png")
        fig.savefig(path, dpi=100)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
