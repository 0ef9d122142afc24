#!/usr/bin/python3
"""Trade-off plots and a self-contained HTML page from an lpsim sweep's results.csv.

Run through `lpsim report RESULTS.csv --out DIR` (which finds this script and /usr/bin/python3), or directly:
    /usr/bin/python3 scripts/lpsim-report.py RESULTS.csv --out DIR [--x COL --y COL] [--title TEXT]
    /usr/bin/python3 scripts/lpsim-report.py --self-test      # hand-worked checks of the Pareto front

Plots (PNG, each also embedded in DIR/index.html):
  accuracy_vs_energy.png   SQNR [dB] vs energy per MAC [pJ/MAC]   front: min energy, max SQNR
  cycles_vs_area.png       total cycles vs area [mm^2]            front: min area, min cycles
  accuracy_vs_cycles.png   SQNR [dB] vs total cycles              front: min cycles, max SQNR
  energy_breakdown.png     stacked energy_*_uj components per point
  area_breakdown.png       stacked area_*_mm2 components per point
  custom_<x>_vs_<y>.png    with --x/--y
A plot whose columns are absent (e.g. no cost model in the results) is skipped with a note in the HTML.
Exit codes: 0 written, 2 bad input (unreadable CSV, unknown --x/--y column, no matplotlib).
"""
import argparse
import base64
import csv
import html
import io
import math
import os
import sys

# results.csv layout (sim/sweep/results.h): point, id, <axis columns>, <figures>, wall_s, status, error.
CORE = ["sqnr_db", "total_cycles", "stall_cycles", "time_us", "macs", "compute_util_pct", "dram_read_bytes",
        "dram_write_bytes"]
COST = ["area_mm2", "energy_uj", "power_mw", "tops_per_w", "tops_per_mm2", "energy_per_mac_pj"]
TRAILING = ["wall_s", "status", "error"]
BREAKDOWN_PREFIXES = ("energy_", "area_", "power_")
# Figures where more is better; everything else (cycles, energy, area, bytes, time) is a cost.
MAXIMISE = {"sqnr_db", "sqnr_vs_ideal_db", "tops_per_w", "tops_per_mm2", "compute_util_pct", "overall_util_pct",
            "mapping_eff_pct", "bit_identical_pct", "cosine_sim"}
NAMES = {"sqnr_db": "SQNR", "energy_per_mac_pj": "energy per MAC", "total_cycles": "total cycles",
         "area_mm2": "area", "energy_uj": "energy", "power_mw": "power", "tops_per_w": "efficiency",
         "tops_per_mm2": "area efficiency", "time_us": "time", "macs": "MACs", "compute_util_pct": "compute util",
         "dram_read_bytes": "DRAM reads", "dram_write_bytes": "DRAM writes", "stall_cycles": "stall cycles"}
UNITS = {"energy_per_mac_pj": "pJ/MAC", "tops_per_w": "TOPS/W", "tops_per_mm2": "TOPS/mm\u00b2", "macs": "MAC"}
SUFFIX_UNITS = [("_mm2", "mm\u00b2"), ("_uj", "\u00b5J"), ("_nj", "nJ"), ("_pj", "pJ"), ("_mw", "mW"),
                ("_db", "dB"), ("_cycles", "cycles"), ("_us", "\u00b5s"), ("_pct", "%"), ("_bytes", "B"),
                ("_s", "s")]


def fail(msg):
    print("error: " + msg, file=sys.stderr)
    sys.exit(2)


def unit_of(col):
    if col in UNITS:
        return UNITS[col]
    for suffix, unit in SUFFIX_UNITS:
        if col.endswith(suffix):
            return unit
    return ""


def axis_title(col):
    unit = unit_of(col)
    return NAMES.get(col, col) + (" [" + unit + "]" if unit else "")


def is_metric(col):
    return col in CORE or col in COST or col in TRAILING or col.startswith(BREAKDOWN_PREFIXES)


def number(text):
    if text is None or text.strip() == "":
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def pareto_front(points, minimise_x=True, maximise_y=True):
    """Indices of the non-dominated points among (x, y, index) triples.

    A point is dominated if another is at least as good on both axes and better on one. Sorted by x (best
    first, ties: best y first), a point is on the front iff its y beats every y before it; an exact duplicate
    of a front point is on the front too.
    """
    sx = 1.0 if minimise_x else -1.0
    sy = -1.0 if maximise_y else 1.0  # after the sign change, smaller is better on both axes
    pts = sorted(((sx * x, sy * y, i) for x, y, i in points))
    front, best = [], None
    for x, y, i in pts:
        if best is None or y < best[1] or (y == best[1] and x == best[0]):
            front.append(i)
            if best is None or y < best[1]:
                best = (x, y)
    return sorted(front)


def self_test():
    # Hand-worked: (cost, accuracy) with accuracy maximised.
    pts = [(1.0, 10.0, 0), (2.0, 20.0, 1), (2.0, 15.0, 2), (3.0, 20.0, 3), (0.5, 5.0, 4), (4.0, 30.0, 5),
           (1.0, 10.0, 6)]
    # 2 is beaten by 1 (same cost, more accuracy); 3 by 1 (less cost, same accuracy); 6 duplicates 0.
    assert pareto_front(pts) == [0, 1, 4, 5, 6], pareto_front(pts)
    # Both minimised: (area, cycles).
    pts = [(4.0, 4743.0, 0), (5.7, 2155.0, 1), (11.8, 1206.0, 2), (6.0, 2155.0, 3), (4.2, 9999.0, 4)]
    assert pareto_front(pts, True, False) == [0, 1, 2], pareto_front(pts, True, False)
    # Both maximised.
    pts = [(1.0, 1.0, 0), (2.0, 0.5, 1), (0.5, 2.0, 2), (0.5, 0.5, 3)]
    assert pareto_front(pts, False, True) == [0, 1, 2], pareto_front(pts, False, True)
    assert pareto_front([]) == []
    print("self-test ok: pareto_front (4 cases)")


def read_results(path):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            columns = reader.fieldnames or []
            rows = list(reader)
    except OSError as e:
        fail("%s: cannot read: %s" % (path, e.strerror))
    except csv.Error as e:
        fail("%s: malformed CSV: %s" % (path, e))
    for need in ("id", "status"):
        if need not in columns:
            fail('%s:1: column "%s" is missing: not a results table of lpsim sweep (point, id, <axes>, '
                 '<figures>, status, error)' % (path, need))
    axes, after_id = [], False
    for c in columns:
        if is_metric(c):
            break
        if after_id:
            axes.append(c)
        if c == "id":
            after_id = True
    return columns, axes, rows


def label_columns(axes, rows):
    """The axis columns that tell the points apart: constant columns and columns determined by an earlier kept
    column (a group's keys after its label, the second of two tied keys) are left out."""
    kept = []
    for c in axes:
        values = [r.get(c, "") for r in rows]
        if len(set(values)) <= 1 and len(axes) > 1:
            continue
        determined = False
        for k in kept:
            mapping = {}
            for r in rows:
                mapping.setdefault(r.get(k, ""), set()).add(r.get(c, ""))
            if all(len(v) == 1 for v in mapping.values()):
                determined = True
                break
        if not determined:
            kept.append(c)
    return kept or axes[:1]


def short(col):
    return col.rsplit(".", 1)[-1]


def point_label(row, cols):
    parts = []
    for c in cols:
        v = row.get(c, "")
        parts.append(v if c == "label" else "%s=%s" % (short(c), v))
    return " ".join(parts) if parts else row.get("id", "?")


def png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return buf.getvalue()


def scatter(rows, lcols, xcol, ycol, title):
    """A scatter of ok points with the Pareto front drawn; returns (png bytes, front rows) or (None, reason)."""
    import matplotlib.pyplot as plt
    pts = []
    for i, r in enumerate(rows):
        x, y = number(r.get(xcol)), number(r.get(ycol))
        if x is not None and y is not None:
            pts.append((x, y, i))
    if not pts:
        return None, "no point has both %s and %s" % (xcol, ycol)
    min_x, max_y = xcol not in MAXIMISE, ycol in MAXIMISE
    front = pareto_front(pts, min_x, max_y)
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    # Colour by the first label column, marker by the second.
    colour_col = lcols[0] if lcols else None
    marker_col = lcols[1] if len(lcols) > 1 else None
    colour_vals = ordered([rows[i].get(colour_col, "") for _, _, i in pts]) if colour_col else [""]
    marker_vals = ordered([rows[i].get(marker_col, "") for _, _, i in pts]) if marker_col else [""]
    cmap = plt.get_cmap("tab10")
    markers = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]
    for x, y, i in pts:
        r = rows[i]
        c = cmap(colour_vals.index(r.get(colour_col, "")) % 10) if colour_col else cmap(0)
        m = markers[marker_vals.index(r.get(marker_col, "")) % len(markers)] if marker_col else "o"
        ax.scatter([x], [y], color=c, marker=m, s=46, zorder=3, edgecolors="black" if i in front else "none",
                   linewidths=1.4)
    fx = sorted((p for p in pts if p[2] in front), key=lambda p: p[0])
    ax.plot([p[0] for p in fx], [p[1] for p in fx], color="crimson", lw=1.4, ls="--", zorder=2,
            drawstyle="steps-post" if len(fx) > 1 else "default",
            label="Pareto front (%d of %d)" % (len(front), len(pts)))
    # Label every point of a small sweep; in a bigger one only the front (colour and marker identify the rest).
    for x, y, i in pts:
        if len(pts) <= 8 or i in front:
            ax.annotate(point_label(rows[i], lcols), (x, y), textcoords="offset points", xytext=(5, 4),
                        fontsize=7, color="black" if i in front else "dimgray")
    for col, setter in ((xcol, ax.set_xscale), (ycol, ax.set_yscale)):
        vals = [number(rows[i].get(col)) for _, _, i in pts]
        if min(vals) > 0 and max(vals) / min(vals) > 30:
            setter("log")
    ax.set_xlabel(axis_title(xcol) + ("  (lower is better)" if min_x else "  (higher is better)"))
    ax.set_ylabel(axis_title(ycol) + ("  (higher is better)" if max_y else "  (lower is better)"))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    handles = [plt.Line2D([], [], color="crimson", ls="--", label="Pareto front (%d of %d)" % (len(front), len(pts)))]
    if colour_col:
        handles += [plt.Line2D([], [], color=cmap(k % 10), marker="o", ls="", label="%s=%s" % (short(colour_col), v))
                    for k, v in enumerate(colour_vals)]
    if marker_col:
        handles += [plt.Line2D([], [], color="gray", marker=markers[k % len(markers)], ls="",
                               label="%s=%s" % (short(marker_col), v)) for k, v in enumerate(marker_vals)]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return png(fig), [rows[i] for i in front]


def ordered(values):
    """Distinct values: numerically sorted if all are numbers, else in order of first appearance (sweep order)."""
    distinct = list(dict.fromkeys(values))
    if all(number(v) is not None for v in distinct):
        return sorted(distinct, key=number)
    return distinct


def breakdown(rows, lcols, prefix, total_col, unit_suffix, title):
    """Stacked bars of the prefix*unit_suffix component columns per ok point; (png, components, check) or
    (None, reason, None)."""
    import matplotlib.pyplot as plt
    comps = [c for c in (rows[0].keys() if rows else []) if c.startswith(prefix) and c.endswith(unit_suffix)
             and c != total_col and not c.startswith(prefix + "per_")]
    comps = [c for c in comps if any((number(r.get(c)) or 0.0) != 0.0 for r in rows)]
    if not comps:
        return None, "the results have no %s*%s component columns" % (prefix, unit_suffix), None
    fig, ax = plt.subplots(figsize=(max(6.5, 0.55 * len(rows) + 3), 5.2))
    cmap = plt.get_cmap("tab20")
    bottoms = [0.0] * len(rows)
    for k, c in enumerate(comps):
        vals = [number(r.get(c)) or 0.0 for r in rows]
        ax.bar(range(len(rows)), vals, bottom=bottoms, color=cmap(k % 20),
               label=c[len(prefix):-len(unit_suffix)].replace("_", " "))
        bottoms = [b + v for b, v in zip(bottoms, vals)]
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([point_label(r, lcols) for r in rows], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(axis_title(total_col))
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    # The components should add up to the total column; say how closely they do.
    worst = 0.0
    for r, b in zip(rows, bottoms):
        t = number(r.get(total_col))
        if t:
            worst = max(worst, abs(b - t) / abs(t))
    check = ("Components sum to %s within %.2g %%." % (total_col, 100 * worst)) if any(
        number(r.get(total_col)) for r in rows) else ""
    return png(fig), comps, check


def fmt_cell(v):
    n = number(v)
    if n is None or v.strip().lstrip("-").isdigit():
        return html.escape(v or "")
    return "%.4g" % n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="?")
    ap.add_argument("--out", default=None)
    ap.add_argument("--x", default=None)
    ap.add_argument("--y", default=None)
    ap.add_argument("--title", default=None)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        self_test()
        return 0
    if not a.results:
        fail("lpsim-report.py: give RESULTS.csv (see --help)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        fail("matplotlib is missing for %s: install python3-matplotlib: sudo apt-get install python3-matplotlib"
             % sys.executable)
    if (a.x is None) != (a.y is None):
        fail("--x and --y go together")
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(a.results)), "report")
    columns, axes, all_rows = read_results(a.results)
    for opt, col in (("--x", a.x), ("--y", a.y)):
        if col is not None and col not in columns:
            fail("%s: column '%s' is not in %s; numeric columns: %s" % (
                opt, col, a.results, ", ".join(c for c in columns if c not in axes and c not in ("id", "status", "error"))))
    rows = [r for r in all_rows if r.get("status") == "ok"]
    lcols = label_columns(axes, all_rows)
    title = a.title or os.path.basename(os.path.dirname(os.path.abspath(a.results))) or "lpsim sweep"

    sections, notes, files = [], [], {}

    def add_scatter(name, xcol, ycol, heading, why):
        missing = [c for c in (xcol, ycol) if c not in columns or not any(number(r.get(c)) is not None for r in rows)]
        if missing:
            notes.append("%s: skipped, the results have no values in %s%s." % (
                heading, " and ".join(missing),
                " (cost columns come from the cost model; they appear when reports have them)"
                if any(m in COST for m in missing) else ""))
            return
        image, front = scatter(rows, lcols, xcol, ycol, heading)
        files[name] = image
        sections.append((heading, name, why, front, xcol, ycol))

    add_scatter("accuracy_vs_energy.png", "energy_per_mac_pj", "sqnr_db", "Accuracy vs energy per MAC",
                "SQNR of the worst layer against the energy per multiply-accumulate of the whole trace.")
    add_scatter("cycles_vs_area.png", "area_mm2", "total_cycles", "Cycles vs area",
                "Total cycles of the trace against the accelerator's area.")
    add_scatter("accuracy_vs_cycles.png", "total_cycles", "sqnr_db", "Accuracy vs cycles",
                "SQNR of the worst layer against the trace's total cycles.")
    if a.x:
        add_scatter("custom_%s_vs_%s.png" % (a.y, a.x), a.x, a.y, "%s vs %s" % (NAMES.get(a.y, a.y), NAMES.get(a.x, a.x)),
                    "Requested with --x %s --y %s." % (a.x, a.y))
    bars = []
    for name, prefix, total, suffix, heading in (
            ("energy_breakdown.png", "energy_", "energy_uj", "_uj", "Energy by component"),
            ("area_breakdown.png", "area_", "area_mm2", "_mm2", "Area by component")):
        if not rows:
            continue
        image, comps, check = breakdown(rows, lcols, prefix, total, suffix, heading)
        if image is None:
            notes.append("%s: skipped, %s." % (heading, comps))
            continue
        files[name] = image
        bars.append((heading, name, comps, check))
    if not rows:
        notes.append("No point finished ok, so there is nothing to plot; the table below has the errors.")

    # Write every file to .tmp first, then rename: a failed report leaves no half-written page.
    os.makedirs(out, exist_ok=True)
    page = render_html(title, a.results, columns, all_rows, lcols, sections, bars, notes, files)
    staged = []
    try:
        for name, data in list(files.items()) + [("index.html", page.encode("utf-8"))]:
            tmp = os.path.join(out, name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            staged.append((tmp, os.path.join(out, name)))
        for tmp, final in staged:
            os.replace(tmp, final)
    except OSError as e:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.remove(tmp)
        print("error: cannot write %s: %s" % (out, e.strerror), file=sys.stderr)
        return 1
    print("wrote %s (%d plots: %s)" % (os.path.join(out, "index.html"), len(files), ", ".join(sorted(files))))
    for n in notes:
        print("note: " + n)
    return 0


def render_html(title, results, columns, rows, lcols, sections, bars, notes, files):
    e = html.escape
    ok = sum(1 for r in rows if r.get("status") == "ok")
    h = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title>" % e(title),
         "<style>body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;"
         "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}"
         "td.t{text-align:left}tr.failed{background:#fdd}tr.front{background:#efe}img{max-width:100%}"
         ".note{color:#a60}</style></head><body>",
         "<h1>%s</h1>" % e(title),
         "<p>%d points from <code>%s</code>: %d ok, %d failed. Points are labelled by %s.</p>" % (
             len(rows), e(results), ok, len(rows) - ok, e(", ".join(short(c) for c in lcols) or "id"))]
    for n in notes:
        h.append("<p class='note'>%s</p>" % e(n))
    for heading, name, why, front, xcol, ycol in sections:
        npts = sum(1 for r in rows if r.get("status") == "ok" and number(r.get(xcol)) is not None
                   and number(r.get(ycol)) is not None)
        h.append("<h2>%s</h2><p>%s Pareto front (%d of %d points): the points no other point beats on both axes "
                 "(%s %s, %s %s).</p>" % (
                     e(heading), e(why), len(front), npts, "lower" if xcol not in MAXIMISE else "higher",
                     e(NAMES.get(xcol, xcol)), "higher" if ycol in MAXIMISE else "lower", e(NAMES.get(ycol, ycol))))
        h.append("<img alt='%s' src='data:image/png;base64,%s'>" % (e(name), base64.b64encode(files[name]).decode()))
        h.append("<table><tr><th>front point</th><th>%s</th><th>%s</th></tr>" % (e(axis_title(xcol)), e(axis_title(ycol))))
        for r in front:
            h.append("<tr><td class='t'>%s</td><td>%s</td><td>%s</td></tr>" % (
                e(point_label(r, lcols)), fmt_cell(r.get(xcol, "")), fmt_cell(r.get(ycol, ""))))
        h.append("</table>")
    for heading, name, comps, check in bars:
        h.append("<h2>%s</h2><p>Components: %s. %s</p>" % (e(heading), e(", ".join(comps)), e(check)))
        h.append("<img alt='%s' src='data:image/png;base64,%s'>" % (e(name), base64.b64encode(files[name]).decode()))
    h.append("<h2>Results</h2><table><tr>")
    h.extend("<th>%s%s</th>" % (e(c), "<br><small>[%s]</small>" % e(unit_of(c)) if unit_of(c) else "")
             for c in columns)
    h.append("</tr>")
    for r in rows:
        h.append("<tr class='%s'>" % ("" if r.get("status") == "ok" else "failed"))
        for c in columns:
            cls = " class='t'" if number(r.get(c, "")) is None else ""
            h.append("<td%s>%s</td>" % (cls, fmt_cell(r.get(c, ""))))
        h.append("</tr>")
    h.append("</table><p><small>Generated by lpsim report (scripts/lpsim-report.py).</small></p></body></html>")
    return "\n".join(h)


if __name__ == "__main__":
    sys.exit(main())
