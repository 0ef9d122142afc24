#!/usr/bin/python3
"""Trade-off plots and a self-contained HTML page from an lpsim sweep's results.csv.

Run through `lpsim report RESULTS.csv --out DIR` (which finds this script and /usr/bin/python3), or directly:
    /usr/bin/python3 scripts/lpsim-report.py RESULTS.csv --out DIR [--group-by COL] [--filter COL=VALUE]...
                                              [--x COL --y COL] [--title TEXT]
    /usr/bin/python3 scripts/lpsim-report.py --self-test      # hand-worked checks of the front, labels, reader

Plots (PNG, each also embedded in DIR/index.html), from the PLOTS table below:
  accuracy_vs_energy.png   SQNR [dB] vs energy per MAC [pJ/MAC]   front: min energy, max SQNR
  cycles_vs_area.png       total cycles vs area [mm^2]            front: min area, min cycles
  accuracy_vs_cycles.png   SQNR [dB] vs total cycles              front: min cycles, max SQNR
  top1_vs_energy_per_image.png  top-1 [%] vs energy per image [uJ] front: min energy, max top-1 (data-set runs)
  energy_breakdown.png     energy_*_uj per point: shares of the total, and each component on a log scale
  area_breakdown.png       area_*_mm2 per point, the same way
  custom_<y>_vs_<x>.png    with --x/--y
Like is compared with like: every scatter draws one Pareto front per group (--group-by COLUMN; by default the
workload when the sweep varies it), so a point of one workload never dominates a point of another. Points are
named by the axes that vary, each value by its short name (a file's stem, not its path). A plot whose columns are
absent (e.g. no cost model in the results) is skipped with a note in the HTML.

Adding a plot is one PLOTS entry: {file, x, y, title, why}; the direction of each axis comes from MAXIMISE
(columns where more is better), names and units from NAMES/UNITS or the column's unit suffix.

Exit codes: 0 written, 2 bad input (unreadable or malformed CSV, unknown column, no matplotlib): one line naming
the file (and line) or option, never a traceback; 1 an unexpected failure (one line as well).
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
CORE = ["sqnr_db", "accuracy_scope", "total_cycles", "stall_cycles", "time_us", "macs", "compute_util_pct", "dram_read_bytes",
        "dram_write_bytes"]
TASK = ["images", "top1_pct", "top5_pct", "top1_agreement_pct", "logits_sqnr_db", "energy_per_image_uj",
        "cycles_per_image", "batch", "correct_top1", "correct_top5", "agree_top1", "logits_signal", "logits_noise"]
COST = ["area_mm2", "energy_uj", "power_mw", "tops_per_w", "tops_per_mm2", "energy_per_mac_pj"]
TRAILING = ["wall_s", "status", "error"]
BREAKDOWN_PREFIXES = ("energy_", "area_", "power_")
# Figures where more is better; everything else (cycles, energy, area, bytes, time) is a cost.
MAXIMISE = {"sqnr_db", "sqnr_vs_ideal_db", "tops_per_w", "tops_per_mm2", "compute_util_pct", "overall_util_pct",
            "mapping_eff_pct", "bit_identical_pct", "cosine_sim", "top1_pct", "top5_pct"}
NAMES = {"sqnr_db": "SQNR", "energy_per_mac_pj": "energy per MAC", "total_cycles": "total cycles",
         "area_mm2": "area", "energy_uj": "energy", "power_mw": "power", "tops_per_w": "efficiency",
         "tops_per_mm2": "area efficiency", "time_us": "time", "macs": "MACs", "compute_util_pct": "compute util",
         "dram_read_bytes": "DRAM reads", "dram_write_bytes": "DRAM writes", "stall_cycles": "stall cycles",
         "top1_pct": "top-1 accuracy", "top5_pct": "top-5 accuracy", "energy_per_image_uj": "energy per image"}
UNITS = {"energy_per_mac_pj": "pJ/MAC", "tops_per_w": "TOPS/W", "tops_per_mm2": "TOPS/mm\u00b2", "macs": "MAC"}
SUFFIX_UNITS = [("_mm2", "mm\u00b2"), ("_uj", "\u00b5J"), ("_nj", "nJ"), ("_pj", "pJ"), ("_mw", "mW"),
                ("_db", "dB"), ("_cycles", "cycles"), ("_us", "\u00b5s"), ("_pct", "%"), ("_bytes", "B"),
                ("_s", "s")]
# The trade-off scatters, in page order. Each is drawn when some ok point has values in both columns.
PLOTS = [
    dict(file="accuracy_vs_energy.png", x="energy_per_mac_pj", y="sqnr_db", title="Accuracy vs energy per MAC",
         why="SQNR of the worst layer against the energy per multiply-accumulate of the whole trace."),
    dict(file="cycles_vs_area.png", x="area_mm2", y="total_cycles", title="Cycles vs area",
         why="Total cycles of the trace against the accelerator's area."),
    dict(file="accuracy_vs_cycles.png", x="total_cycles", y="sqnr_db", title="Accuracy vs cycles",
         why="SQNR of the worst layer against the trace's total cycles."),
    dict(file="top1_vs_energy_per_image.png", x="energy_per_image_uj", y="top1_pct",
         title="Task accuracy vs energy per image",
         why="Top-1 accuracy on the data set (workload.dataset) against the energy the accelerator spends per image."),
]
# Summary table of the page: these figures when present (the full table is below it, folded).
SUMMARY = ["sqnr_db", "top1_pct", "total_cycles", "time_us", "energy_per_mac_pj", "energy_per_image_uj",
           "energy_uj", "area_mm2", "power_mw", "tops_per_w"]
# Values this large or larger are left out of the plots (with a note): no axis can show them next to real data.
PLOTTABLE = 1e100


class InputError(Exception):
    """Bad input: printed as one line 'error: ...', exit code 2."""


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
    return col in CORE or col in TASK or col in COST or col in TRAILING or col.startswith(BREAKDOWN_PREFIXES)


def number(text):
    """The cell as a finite float, or None (empty, not a number, inf/nan)."""
    if text is None or text.strip() == "":
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def plottable(text):
    v = number(text)
    return v if v is not None and abs(v) < PLOTTABLE else None


def short_value(v):
    """A cell as a point name shows it: a file's stem instead of its path, the text otherwise."""
    v = v or ""
    base = v.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    if "/" in v or base.lower().endswith((".yaml", ".yml", ".csv", ".cfg", ".npy", ".onnx", ".json")):
        stem = base.rsplit(".", 1)[0] if "." in base else base
        return stem or v
    return v


def short(col):
    return col.rsplit(".", 1)[-1]


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


def read_results(path):
    """(columns, axis columns, rows) of a results.csv; InputError naming the file and line on malformed input."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (path, e.strerror))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError("%s:%d: invalid UTF-8 (byte 0x%02x at column %d); results.csv is UTF-8 text"
                         % (path, line, raw[e.start], col))
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    columns = None
    try:
        for cells in reader:
            line = reader.line_num
            if columns is None:
                columns = [c.strip() for c in cells]
                seen = set()
                for i, c in enumerate(columns):
                    if c in seen:
                        raise InputError('%s:%d: column %d: "%s" appears twice in the header' % (path, line, i + 1, c[:60]))
                    seen.add(c)
                for need in ("id", "status"):
                    if need not in columns:
                        raise InputError('%s:%d: column "%s" is missing: not a results table of lpsim sweep (point, '
                                         'id, <axes>, <figures>, status, error)' % (path, line, need))
                continue
            if not cells or cells == [""]:
                continue
            if len(cells) != len(columns):
                extra = len(cells) > len(columns)
                raise InputError("%s:%d: %d cells where the header has %d columns (%s)" % (
                    path, line, len(cells), len(columns),
                    "extra cell %r in column %d" % (cells[len(columns)][:40], len(columns) + 1) if extra
                    else "the row ends after column %d, '%s'" % (len(cells), columns[len(cells) - 1][:60])))
            rows.append(dict(zip(columns, cells)))
    except csv.Error as e:
        raise InputError("%s:%d: malformed CSV: %s" % (path, reader.line_num, e))
    if columns is None:
        raise InputError("%s: empty file: not a results table of lpsim sweep" % path)
    axes, after_id = [], False
    for c in columns:
        if is_metric(c):
            break
        if after_id:
            axes.append(c)
        if c == "id":
            after_id = True
    return columns, axes, rows


def label_columns(axes, rows, exclude=()):
    """The axis columns that tell the points apart: constant columns and columns determined by an earlier kept
    column (a group's keys after its label, the second of two tied keys) are left out, and so is `exclude`
    (the group column, shown by colour)."""
    kept = []
    for c in axes:
        if c in exclude:
            continue
        values = [r.get(c, "") for r in rows]
        if len(set(values)) <= 1:
            continue
        determined = False
        for k in list(kept) + list(exclude):
            mapping = {}
            for r in rows:
                mapping.setdefault(r.get(k, ""), set()).add(r.get(c, ""))
            if all(len(v) == 1 for v in mapping.values()):
                determined = True
                break
        if not determined:
            kept.append(c)
    return kept


def point_label(row, cols):
    parts = []
    for c in cols:
        v = short_value(row.get(c, ""))
        parts.append(v if c == "label" else "%s=%s" % (short(c), v))
    return " ".join(parts) if parts else "point " + row.get("point", "?")


def default_group(axes, rows):
    """The workload column when the sweep varies it (a front per workload), else None (one front)."""
    for c in axes:
        if (c == "workload.trace" or short(c) in ("trace", "workload")) and len({r.get(c, "") for r in rows}) > 1:
            return c
    return None


def apply_filters(filters, columns, rows, path):
    """Rows matching every --filter COLUMN=VALUE (several values of one column: any of them)."""
    wanted = {}
    for f in filters:
        if "=" not in f:
            raise InputError("--filter %s: expected COLUMN=VALUE, e.g. --filter format=bf16" % f)
        col, val = f.split("=", 1)
        if col not in columns:
            raise InputError("--filter %s: column '%s' is not in %s; columns: %s" % (f, col, path, ", ".join(columns)))
        wanted.setdefault(col, set()).add(val)
    if not wanted:
        return rows
    out = [r for r in rows if all(r.get(c, "") in vs or short_value(r.get(c, "")) in vs for c, vs in wanted.items())]
    if not out:
        c, vs = next(iter(wanted.items()))
        values = sorted({short_value(r.get(c, "")) for r in rows})
        raise InputError("--filter: no row of %s matches %s (values of %s: %s)" % (
            path, " and ".join("%s=%s" % (c, "|".join(sorted(v))) for c, v in wanted.items()), c,
            ", ".join(values[:20])))
    return out


# Labels come from file names, sweep values and column names: every text drawn from the data is literal (LIT),
# so a '$' is a dollar sign, not the start of mathtext (which would fail or garble the label).
LIT = {"parse_math": False}


def literal_legend(legend):
    for t in legend.get_texts():
        t.set_parse_math(False)
    return legend


def png(fig):
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def ordered(values):
    """Distinct values: numerically sorted if all are numbers, else in order of first appearance (sweep order)."""
    distinct = list(dict.fromkeys(values))
    if all(number(v) is not None for v in distinct):
        return sorted(distinct, key=number)
    return distinct


def use_log(values):
    vals = [v for v in values if v is not None]
    return bool(vals) and min(vals) > 0 and max(vals) / min(vals) > 30


def place_labels(ax, items, fontsize=7):
    """Annotates (x, y, text, colour) items without overlapping each other: each label tries a few offsets around
    its point and is dropped (its point stays unlabelled; the page's tables name it) when none is free."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    taken = []
    offsets = [(5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
               (-5, -4, "right", "top"), (0, 9, "center", "bottom"), (0, -9, "center", "top")]
    placed = 0
    for x, y, text, colour in items:
        for dx, dy, ha, va in offsets:
            t = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), ha=ha, va=va,
                            fontsize=fontsize, color=colour, **LIT)
            bb = t.get_window_extent(renderer).expanded(1.05, 1.15)
            axbb = ax.get_window_extent(renderer)
            inside = bb.x0 >= axbb.x0 and bb.x1 <= axbb.x1 and bb.y0 >= axbb.y0 and bb.y1 <= axbb.y1
            if inside and not any(bb.overlaps(o) for o in taken):
                taken.append(bb)
                placed += 1
                break
            t.remove()
    return placed


def scatter(rows, lcols, group_col, xcol, ycol, title):
    """A scatter of the ok points with one Pareto front per group; returns (png, {group: front rows}, n points)."""
    import matplotlib.pyplot as plt
    pts = []
    for i, r in enumerate(rows):
        x, y = plottable(r.get(xcol)), plottable(r.get(ycol))
        if x is not None and y is not None:
            pts.append((x, y, i))
    min_x, max_y = xcol not in MAXIMISE, ycol in MAXIMISE
    groups = ordered([rows[i].get(group_col, "") for _, _, i in pts]) if group_col else [""]
    fronts = {}
    for g in groups:
        gp = [p for p in pts if not group_col or rows[p[2]].get(group_col, "") == g]
        fronts[g] = pareto_front(gp, min_x, max_y)
    front_set = {i for f in fronts.values() for i in f}
    fig, ax = plt.subplots(figsize=(8.0, 5.4))
    cmap = plt.get_cmap("tab10")
    # Colour: the group (or the first label column); marker: the next label column.
    colour_col = group_col or (lcols[0] if lcols else None)
    marker_cols = [c for c in lcols if c != colour_col]
    marker_col = marker_cols[0] if marker_cols else None
    colour_vals = ordered([rows[i].get(colour_col, "") for _, _, i in pts]) if colour_col else [""]
    marker_vals = ordered([rows[i].get(marker_col, "") for _, _, i in pts]) if marker_col else [""]
    markers = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]
    colour_of = lambda r: cmap(colour_vals.index(r.get(colour_col, "")) % 10) if colour_col else cmap(0)
    for x, y, i in pts:
        r = rows[i]
        m = markers[marker_vals.index(r.get(marker_col, "")) % len(markers)] if marker_col else "o"
        ax.scatter([x], [y], color=colour_of(r), marker=m, s=46, zorder=3,
                   edgecolors="black" if i in front_set else "none", linewidths=1.4)
    for g, front in fronts.items():
        fx = sorted((p for p in pts if p[2] in front), key=lambda p: p[0])
        colour = colour_of(rows[fx[0][2]]) if (group_col and fx) else "crimson"
        ax.plot([p[0] for p in fx], [p[1] for p in fx], color=colour, lw=1.4, ls="--", zorder=2,
                drawstyle="steps-post" if len(fx) > 1 else "default")
    for col, setter in ((xcol, ax.set_xscale), (ycol, ax.set_yscale)):
        if use_log([plottable(rows[i].get(col)) for _, _, i in pts]):
            setter("log")
    ax.set_xlabel(axis_title(xcol) + ("  (lower is better)" if min_x else "  (higher is better)"), **LIT)
    ax.set_ylabel(axis_title(ycol) + ("  (higher is better)" if max_y else "  (lower is better)"), **LIT)
    ax.set_title(title, **LIT)
    ax.grid(True, alpha=0.3)
    front_label = ("Pareto front per %s" % short(group_col)) if group_col else "Pareto front"
    handles = [plt.Line2D([], [], color="crimson" if not group_col else "gray", ls="--",
                          label="%s (%d of %d)" % (front_label, len(front_set), len(pts)))]
    if colour_col:
        handles += [plt.Line2D([], [], color=cmap(k % 10), marker="o", ls="",
                               label="%s=%s" % (short(colour_col), short_value(v))) for k, v in enumerate(colour_vals)]
    if marker_col:
        handles += [plt.Line2D([], [], color="gray", marker=markers[k % len(markers)], ls="",
                               label="%s=%s" % (short(marker_col), short_value(v))) for k, v in enumerate(marker_vals)]
    literal_legend(ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0)))
    fig.tight_layout()
    # Name the front points (all points of a small sweep) where there is room; colour and marker name the rest.
    label_cols = [c for c in lcols if c != group_col]
    items = [(x, y, point_label(rows[i], label_cols), "black") for x, y, i in pts if i in front_set]
    if len(pts) <= 8:
        items += [(x, y, point_label(rows[i], label_cols), "dimgray") for x, y, i in pts if i not in front_set]
    if label_cols:
        place_labels(ax, items)
    return png(fig), {g: [rows[i] for i in f] for g, f in fronts.items()}, len(pts)


def breakdown(rows, lcols, prefix, total_col, unit_suffix, title):
    """Per point: each component's share of the total (stacked to 100 %) and its absolute value on a log axis, so
    that a component 50x smaller than the largest one still shows its differences. Returns (png, components,
    check) or (None, reason, None)."""
    import matplotlib.pyplot as plt
    comps = [c for c in (rows[0].keys() if rows else []) if c.startswith(prefix) and c.endswith(unit_suffix)
             and c != total_col and not c.startswith(prefix + "per_")]
    comps = [c for c in comps if any((plottable(r.get(c)) or 0.0) > 0.0 for r in rows)]
    if not comps:
        return None, "the results have no %s*%s component columns" % (prefix, unit_suffix), None
    n = len(rows)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11.0, 1.2 + 0.28 * n), sharey=True,
                                   gridspec_kw={"width_ratios": [1, 1.3]})
    cmap = plt.get_cmap("tab20")
    labels = [point_label(r, lcols) for r in rows]
    ys = list(range(n))[::-1]  # first point at the top
    totals = [sum(plottable(r.get(c)) or 0.0 for c in comps) for r in rows]
    left = [0.0] * n
    for k, c in enumerate(comps):
        vals = [plottable(r.get(c)) or 0.0 for r in rows]
        shares = [100.0 * v / t if t > 0 else 0.0 for v, t in zip(vals, totals)]
        name = c[len(prefix):-len(unit_suffix)].replace("_", " ")
        ax1.barh(ys, shares, left=left, color=cmap(k % 20), height=0.7, label=name)
        left = [a + b for a, b in zip(left, shares)]
        pos = [(v, y) for v, y in zip(vals, ys) if v > 0]
        ax2.scatter([p[0] for p in pos], [p[1] for p in pos], color=cmap(k % 20), s=22, zorder=3)
    ax2.scatter(totals, ys, marker="|", s=160, color="black", zorder=4, label="total")
    ax1.set_yticks(ys)
    ax1.set_yticklabels(labels, fontsize=7, **LIT)
    ax1.set_xlim(0, 100)
    ax1.set_xlabel("share of the total [%]")
    ax2.set_xscale("log")
    ax2.set_xlabel(axis_title(total_col) + " per component (log scale)", **LIT)
    for ax in (ax1, ax2):
        ax.grid(True, axis="x", alpha=0.3)
        ax.set_ylim(-0.6, n - 0.4)
    fig.suptitle(title, **LIT)
    handles, names = ax1.get_legend_handles_labels()
    h2, n2 = ax2.get_legend_handles_labels()
    literal_legend(ax2.legend(handles + h2, names + n2, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0)))
    fig.tight_layout()
    # The components should add up to the total column; say how closely they do.
    worst = 0.0
    for r, b in zip(rows, totals):
        t = plottable(r.get(total_col))
        if t:
            worst = max(worst, abs(b - t) / abs(t))
    check = ("Components sum to %s within %.2g %%." % (total_col, 100 * worst)) if any(
        plottable(r.get(total_col)) for r in rows) else ""
    return png(fig), comps, check


def fmt_cell(v):
    n = number(v)
    if n is None or v.strip().lstrip("-").isdigit():
        return html.escape(v or "")
    return "%.4g" % n


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
    # Point names: file stems, not paths; only the axes that vary; a group's keys follow from its label.
    assert short_value("../../x/traces/bert_base_s512.yaml") == "bert_base_s512"
    assert short_value("int8") == "int8" and short_value("2:4") == "2:4" and short_value("1.5") == "1.5"
    rows = [{"workload.trace": "../t/bert.yaml", "format": f, "accelerator.pe.weights": f + "w",
             "accelerator.array.rows": "128", "accelerator.array.cols": c} for f in ("int8", "bf16") for c in ("8", "16")]
    axes = ["workload.trace", "format", "accelerator.pe.weights", "accelerator.array.rows", "accelerator.array.cols"]
    assert label_columns(axes, rows) == ["format", "accelerator.array.cols"], label_columns(axes, rows)
    assert point_label(rows[1], label_columns(axes, rows)) == "format=int8 cols=16"
    rows[0]["workload.trace"] = "../t/resnet50.yaml"
    assert default_group(axes, rows) == "workload.trace"
    assert apply_filters(["format=bf16"], axes, rows, "r.csv") == rows[2:]
    assert apply_filters(["workload.trace=resnet50"], axes, rows, "r.csv") == rows[:1]
    print("self-test ok: pareto_front (4 cases), point names, groups and filters")


class ArgParser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every lpsim command
        raise InputError("lpsim-report.py: %s (see --help)" % message)


def main():
    ap = ArgParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="?")
    ap.add_argument("--out", default=None)
    ap.add_argument("--x", default=None)
    ap.add_argument("--y", default=None)
    ap.add_argument("--group-by", default=None, dest="group_by")
    ap.add_argument("--filter", action="append", default=[], dest="filters")
    ap.add_argument("--title", default=None)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        self_test()
        return 0
    if not a.results:
        raise InputError("lpsim-report.py: give RESULTS.csv (see --help)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        raise InputError("matplotlib is missing for %s: install python3-matplotlib: sudo apt-get install "
                         "python3-matplotlib" % sys.executable)
    matplotlib.rcParams["text.usetex"] = False
    if (a.x is None) != (a.y is None):
        raise InputError("--x and --y go together")
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(a.results)), "report")
    columns, axes, all_rows = read_results(a.results)
    for opt, col in (("--x", a.x), ("--y", a.y), ("--group-by", a.group_by)):
        if col is not None and col not in columns:
            raise InputError("%s: column '%s' is not in %s; columns: %s" % (
                opt, col, a.results, ", ".join(c for c in columns if c not in ("id", "status", "error"))))
    all_rows = apply_filters(a.filters, columns, all_rows, a.results)
    rows = [r for r in all_rows if r.get("status") == "ok"]
    group_col = a.group_by or default_group(axes, all_rows)
    lcols = label_columns(axes, all_rows, exclude=[group_col] if group_col else [])
    title = a.title or os.path.basename(os.path.dirname(os.path.abspath(a.results))) or "lpsim sweep"

    sections, notes, files = [], [], {}
    dropped = sum(1 for r in rows for c in columns if number(r.get(c)) is not None and plottable(r.get(c)) is None)
    if dropped:
        notes.append("%d values of magnitude %.0e or more are left out of the plots (the table shows them)."
                     % (dropped, PLOTTABLE))

    plots = list(PLOTS)
    if a.x:
        plots.append(dict(file="custom_%s_vs_%s.png" % (a.y, a.x), x=a.x, y=a.y,
                          title="%s vs %s" % (NAMES.get(a.y, a.y), NAMES.get(a.x, a.x)),
                          why="Requested with --x %s --y %s." % (a.x, a.y)))
    for p in plots:
        prows = rows
        if "sqnr_db" in (p["x"], p["y"]) and "accuracy_scope" in columns:
            # An SQNR axis compares GEMM accuracy: points whose accuracy came from no GEMM (timing-only runs,
            # whose activation ops alone computed values) would be compared with nothing like them.
            prows = [r for r in rows if r.get("accuracy_scope") in ("gemm", "all")]
            left = len(rows) - len(prows)
            if left:
                notes.append("%s: %d point%s without GEMM accuracy (accuracy_scope not gemm/all: no values were "
                             "computed for its array ops; give tensors or workload.synthetic) left out."
                             % (p["title"], left, "" if left == 1 else "s"))
        missing = [c for c in (p["x"], p["y"]) if c not in columns or not any(plottable(r.get(c)) is not None for r in prows)]
        if missing:
            notes.append("%s: skipped, the results have no values in %s%s." % (
                p["title"], " and ".join(missing),
                " (cost columns come from the cost model; they appear when reports have them)"
                if any(m in COST for m in missing) else ""))
            continue
        image, fronts, npts = scatter(prows, lcols, group_col, p["x"], p["y"], p["title"])
        files[p["file"]] = image
        sections.append((p, fronts, npts))
    bars = []
    for name, prefix, total, suffix, heading in (
            ("energy_breakdown.png", "energy_", "energy_uj", "_uj", "Energy by component"),
            ("area_breakdown.png", "area_", "area_mm2", "_mm2", "Area by component")):
        if not rows:
            continue
        image, comps, check = breakdown(rows, lcols + ([group_col] if group_col else []), prefix, total, suffix,
                                        heading)
        if image is None:
            notes.append("%s: skipped, %s." % (heading, comps))
            continue
        files[name] = image
        bars.append((heading, name, comps, check))
    if not rows:
        notes.append("No point finished ok, so there is nothing to plot; the table below has the errors.")

    # Write every file to .tmp first, then rename: a failed report leaves no half-written page.
    page = render_html(title, a.results, columns, all_rows, lcols, group_col, a.filters, sections, bars, notes, files)
    staged = []
    try:
        os.makedirs(out, exist_ok=True)
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
        raise InputError("%s: cannot write the report: %s" % (e.filename or out, e.strerror))
    print("wrote %s (%d plots: %s)" % (os.path.join(out, "index.html"), len(files), ", ".join(sorted(files))))
    for n in notes:
        print("note: " + n)
    return 0


CSS = ("body{font-family:sans-serif;margin:1.5em auto;max-width:1340px;padding:0 1em}"
       "table{border-collapse:collapse;font-size:12px;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
       "text-align:right;overflow-wrap:anywhere}th{background:#eee}td.t{text-align:left}"
       "table.fit{table-layout:fixed;width:100%}tr.failed{background:#fdd}img{max-width:100%;height:auto}"
       ".note{color:#a60}.scroll{overflow-x:auto;max-width:100%}details{margin:1em 0}")


def render_html(title, results, columns, rows, lcols, group_col, filters, sections, bars, notes, files):
    e = html.escape
    ok = sum(1 for r in rows if r.get("status") == "ok")
    name_cols = lcols + ([group_col] if group_col else [])
    h = ["<!DOCTYPE html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
         "<title>%s</title><style>%s</style></head><body>" % (e(title), CSS),
         "<h1>%s</h1>" % e(title),
         "<p>%d points from <code>%s</code>%s: %d ok, %d failed. Points are named by %s%s.</p>" % (
             len(rows), e(results), (" (filter: " + e(", ".join(filters)) + ")") if filters else "", ok,
             len(rows) - ok, e(", ".join(short(c) for c in lcols) or "their number"),
             ("; one Pareto front per " + e(short(group_col))) if group_col else "")]
    for n in notes:
        h.append("<p class='note'>%s</p>" % e(n))
    for p, fronts, npts in sections:
        xcol, ycol = p["x"], p["y"]
        total_front = sum(len(f) for f in fronts.values())
        h.append("<h2>%s</h2><p>%s Pareto front%s (%d of %d points): the points no other point%s beats on both axes "
                 "(%s %s, %s %s).</p>" % (
                     e(p["title"]), e(p["why"]), " per " + e(short(group_col)) if group_col else "", total_front, npts,
                     " of the same " + e(short(group_col)) if group_col else "",
                     "lower" if xcol not in MAXIMISE else "higher", e(NAMES.get(xcol, xcol)),
                     "higher" if ycol in MAXIMISE else "lower", e(NAMES.get(ycol, ycol))))
        h.append("<img alt='%s' src='data:image/png;base64,%s'>" % (e(p["file"]), base64.b64encode(files[p["file"]]).decode()))
        h.append("<table><tr>%s<th>front point</th><th>%s</th><th>%s</th></tr>" % (
            "<th>%s</th>" % e(short(group_col)) if group_col else "", e(axis_title(xcol)), e(axis_title(ycol))))
        for g, front in fronts.items():
            for r in front:
                h.append("<tr>%s<td class='t'>%s</td><td>%s</td><td>%s</td></tr>" % (
                    "<td class='t'>%s</td>" % e(short_value(g)) if group_col else "", e(point_label(r, lcols)),
                    fmt_cell(r.get(xcol, "")), fmt_cell(r.get(ycol, ""))))
        h.append("</table>")
    for heading, name, comps, check in bars:
        h.append("<h2>%s</h2><p>Left: each component's share of the total; right: each component on a log scale, "
                 "so that differences in the small ones show next to a dominant one. Components: %s. %s</p>" % (
                     e(heading), e(", ".join(comps)), e(check)))
        h.append("<img alt='%s' src='data:image/png;base64,%s'>" % (e(name), base64.b64encode(files[name]).decode()))
    # Summary: the point's name and the key figures, fitted to the page; the full table folded below it.
    summary = [c for c in SUMMARY if c in columns]
    h.append("<h2>Results</h2><table class='fit'><tr><th>#</th>%s%s<th>status</th></tr>" % (
        "".join("<th>%s</th>" % e(short(c)) for c in name_cols),
        "".join("<th>%s%s</th>" % (e(NAMES.get(c, c)), "<br><small>[%s]</small>" % e(unit_of(c)) if unit_of(c) else "")
                for c in summary)))
    for r in rows:
        status = r.get("status", "")
        err = r.get("error", "")
        h.append("<tr class='%s'><td>%s</td>%s%s<td class='t'%s>%s</td></tr>" % (
            "" if status == "ok" else "failed", e(r.get("point", "")),
            "".join("<td class='t'>%s</td>" % e(short_value(r.get(c, ""))) for c in name_cols),
            "".join("<td>%s</td>" % fmt_cell(r.get(c, "")) for c in summary),
            " title='%s'" % e(err) if err else "", e(status + (": " + err[:160] + ("..." if len(err) > 160 else "")
                                                                 if err else ""))))
    h.append("</table>")
    h.append("<details><summary>All %d columns of %s</summary><div class='scroll'><table><tr>" % (len(columns), e(results)))
    h.extend("<th>%s%s</th>" % (e(c), "<br><small>[%s]</small>" % e(unit_of(c)) if unit_of(c) else "")
             for c in columns)
    h.append("</tr>")
    for r in rows:
        h.append("<tr class='%s'>" % ("" if r.get("status") == "ok" else "failed"))
        for c in columns:
            cls = " class='t'" if number(r.get(c, "")) is None else ""
            h.append("<td%s>%s</td>" % (cls, fmt_cell(r.get(c, ""))))
        h.append("</tr>")
    h.append("</table></div></details><p><small>Generated by lpsim report (scripts/lpsim-report.py).</small></p>"
             "</body></html>")
    return "\n".join(h)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InputError as err:
        print("error: %s" % err, file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(1)
    except Exception as err:  # one line, never a traceback (README: bad input and failures)
        print("error: lpsim-report.py: %s: %s" % (type(err).__name__, str(err).splitlines()[0][:300] if str(err) else ""),
              file=sys.stderr)
        sys.exit(1)
