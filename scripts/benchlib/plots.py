"""The convergence chart (cost over time, one panel per instance, one line per run) and the
memory-profile chart (summed usage over time against the limit, peak marked)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from . import progress, report
from .problem import Evaluation, peak_of, usage_steps
from .reference import short_name
from .svg import (AXIS, MUTED, PALETTE, Linear, Log10, Svg, axes, nice_ceiling, nice_ticks,
                  num, seconds_label, si, step_path)

# --- run folders -------------------------------------------------------------------------------


@dataclass
class Series:
    """One run of one instance: the incumbent's improvements and how the run ended."""

    points: list[tuple[float, int]]  # (seconds, best)
    end_s: float | None = None  # the run's wall time: the last best holds until then
    timeout_s: float | None = None
    cost: int | None = None  # the evaluated final cost
    feasible: bool | None = None
    status: str = ""


@dataclass
class RunData:
    label: str
    series: dict[str, Series] = field(default_factory=dict)
    points_vs_contest_best: float | None = None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def load_run_folder(folder: Path, label: str | None = None) -> list[RunData]:
    """A folder written by scripts/bench: results.csv (optional), run.json (optional) and
    <run>.err / .out logs. One RunData per variant and seed of the sweep (one line each in the
    convergence chart); a folder of one run per instance gives one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    meta = {}
    if (folder / "run.json").is_file():
        meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    if label is None:
        label = folder.resolve().name
        commit = meta.get("commit")
        if commit and commit.split("+")[0] not in label:
            label += f" ({commit})"
    rows = []
    if (folder / "results.csv").is_file():
        rows = report.read_csv(folder / "results.csv")
    else:  # logs only: one run per instance, named after it
        rows = [{"benchmark": p.name[:-4]} for p in sorted(folder.glob("*.err"))]
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row.get("variant") or "", row.get("seed") or ""), []).append(row)
    runs = []
    for (variant, seed), members in groups.items():
        suffix = " ".join(t for t in (variant, f"seed {seed}" if seed else "") if t)
        run = RunData(f"{label} {suffix}" if suffix else label)
        scores = [_float(r.get("score_vs_contest_best")) for r in members]
        if any(s is not None for s in scores):
            run.points_vs_contest_best = sum(s for s in scores if s is not None)
        for row in members:
            name = row["benchmark"]
            key = row.get("run") or name
            events = progress.parse_run_logs(folder / f"{key}.err", folder / f"{key}.out")
            conv = progress.convergence(events)
            run.series[name] = Series(
                conv.points, _float(row.get("wall_s")), _float(row.get("timeout_s")),
                _int(row.get("cost")),
                {"yes": True, "no": False}.get(row.get("feasible", "")), row.get("status", ""))
        runs.append(run)
    return runs


# --- convergence -------------------------------------------------------------------------------

HALO = {"stroke": "#ffffff", "stroke_width": 3.0, "paint_order": "stroke"}  # text over lines
CEILING_PCT = 1e6  # higher costs (forbidden pairs used) are drawn at the chart's top edge


def _ratio_label(r: float) -> str:
    """2.0 -> '2x', 1390.2 -> '1,390x', 2.8e13 -> '2.8e13x'."""
    if r < 100:
        return f"{r:.3g}x"
    if r < 1e6:
        return f"{r:,.0f}x"
    mantissa, exponent = f"{r:.1e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}x"


def _pct_label(v: float) -> str:
    if v >= 1e4 or v < 1e-3:
        return f"1e{round(math.log10(v))}%"
    return f"{v:g}%"


def _panel_base(name: str, runs: list[RunData], reference: dict) -> tuple[int | None, str]:
    ref = reference.get(name, {})
    if ref.get("best_known"):
        return ref["best_known"], "best known"
    costs = [c for r in runs if name in r.series for _, c in r.series[name].points]
    return (min(costs), "best seen here") if costs else (None, "")


def convergence_svg(runs: list[RunData], reference: dict, title: str | None = None) -> Svg:
    """One panel per instance: cost above the best known (log scale, %) against seconds, a step
    line per run, dashed lines for the contest's best and the first-place solver on this
    hardware."""
    names = sorted({n for r in runs for n in r.series})
    cols = 1 if len(names) <= 1 else 2 if len(names) <= 4 else 3
    rows = max(1, math.ceil(len(names) / cols))
    pw, ph = 450, 270  # panel size
    legend_h = 26 + 18 * len(runs)
    head = 40
    svg = Svg(cols * pw + 20, head + legend_h + rows * ph + 10,
              title or "iopddl convergence")
    svg.text(16, 26, title or "Convergence: incumbent cost above the best known cost",
             size=16, font_weight="bold", fill="#222")
    for i, run in enumerate(runs):
        y = head + 12 + 18 * i
        color = PALETTE[i % len(PALETTE)]
        svg.line(20, y, 50, y, stroke=color, stroke_width=2.5)
        text = run.label
        if run.points_vs_contest_best is not None:
            text += f"  ({run.points_vs_contest_best:.4f} points vs contest best)"
        svg.text(58, y + 4, text, size=12, fill="#222")
    if not names:
        svg.text(20, head + legend_h + 30, "no progress lines found", size=14, fill=MUTED)
    for k, name in enumerate(names):
        ox = 10 + (k % cols) * pw
        oy = head + legend_h + (k // cols) * ph
        _convergence_panel(svg, name, runs, reference, (ox, oy, pw, ph), k)
    return svg


def _convergence_panel(svg: Svg, name: str, runs: list[RunData], reference: dict,
                       frame: tuple[float, float, float, float], index: int) -> None:
    ox, oy, pw, ph = frame
    box = (ox + 72, oy + 28, pw - 92, ph - 72)
    x, y, w, h = box
    base, base_name = _panel_base(name, runs, reference)
    ref = reference.get(name, {})
    timeouts = sorted({s.timeout_s or ref.get("timeout_s") for r in runs
                       if (s := r.series.get(name)) and (s.timeout_s or ref.get("timeout_s"))})
    timeout = max(timeouts) if timeouts else None
    head = f"{short_name(name)}"
    if timeouts:
        head += f" · timeout {' / '.join(seconds_label(t) for t in timeouts)} s"
    if base is not None:
        head += f" · {base_name} {base:,}"
    svg.text(ox + 8, oy + 18, head, size=13, font_weight="bold", fill="#222")
    if base is None or base <= 0:
        svg.rect(x, y, w, h, fill="none", stroke=AXIS)
        svg.text(x + w / 2, y + h / 2, "no progress lines", size=12, anchor="middle", fill=MUTED)
        return

    def excess(cost: int) -> float:
        return (cost - base) * 100.0 / base

    levels = {"contest best": ref.get("contest_best"),
              "1st place here": ref.get("first_place_solver_here_2cores")}
    all_excess = [excess(c) for r in runs if name in r.series for _, c in r.series[name].points]
    all_excess += [excess(v) for v in levels.values() if v]
    positive = [e for e in all_excess if e > 0]
    floor = 1e-4
    if positive:
        floor = min(1e-2, max(1e-6, 10 ** math.floor(math.log10(min(positive)))))
    highest = max(positive + [floor * 100])
    top = min(10 ** math.ceil(math.log10(highest * 1.05)), max(CEILING_PCT, floor * 100))
    ys = Log10(floor, top, y + h, y)
    ends = [t for r in runs if (s := r.series.get(name))
            for t in [s.end_s or 0] + [p[0] for p in s.points[-1:]]]
    xmax = timeout or max(ends + [1e-3]) * 1.02
    xmax = max([xmax] + ends)
    xs = Linear(0, xmax, x, x + w)
    decades = list(range(round(math.log10(floor)), round(math.log10(top)) + 1))
    stride = max(1, math.ceil((len(decades) - 1) / 6))
    picked = decades[::stride]
    if picked[-1] != decades[-1]:
        picked[-1] = decades[-1]
    yticks = [10.0 ** d for d in picked]

    def yfmt(v: float) -> str:
        if v == yticks[0]:
            return "≤" + _pct_label(v)
        if v == yticks[-1] and highest > top:
            return "≥" + _pct_label(v)
        return _pct_label(v)

    axes(svg, box, xs, ys, nice_ticks(0, xmax, 5), yticks, seconds_label, yfmt,
         "seconds", f"above {base_name} (log)")
    if timeout:  # the anytime view's checkpoints (results.csv's cost_at_25pct, cost_at_50pct)
        for frac in progress.ANYTIME_FRACTIONS[:-1]:
            tx = xs(frac * timeout)
            svg.line(tx, y, tx, y + h, stroke="#999", stroke_dasharray="2 3", stroke_width=1)
            svg.text(tx + 3, y + h - 4, f"{round(frac * 100)}%", size=9, fill="#666", **HALO)
    clip = svg.clip_rect(f"panel{index}", x, y - 4, w + 4, h + 8)

    # reference levels: dashed lines labelled at the right
    placed: dict[float, list[str]] = {}
    for label, value in levels.items():
        if value:
            py = round(ys(excess(value)), 0)
            placed.setdefault(py, []).append(label)
    previous = None
    for py in sorted(placed):  # top to bottom; a label too close to the one above goes below
        svg.line(x, py, x + w, py, stroke="#888", stroke_dasharray="5 4", stroke_width=1)
        ty = py - 4 if previous is None or py - 4 - previous >= 12 or py + 12 > y + h else py + 12
        svg.text(x + w - 4, ty, " = ".join(placed[py]), size=10, anchor="end", fill="#555",
                 **HALO)
        previous = ty

    svg.open_group(clip_path=clip)
    finals = []
    for i, run in enumerate(runs):
        s = run.series.get(name)
        color = PALETTE[i % len(PALETTE)]
        if s is None:
            continue
        if not s.points:
            finals.append((color, s.status or "no progress"))
            continue
        pts = [(xs(t), ys(excess(c))) for t, c in s.points]
        end = xs(min(max(s.end_s or 0, s.points[-1][0]), xmax))
        svg.path(step_path(pts, end), fill="none", stroke=color, stroke_width=2,
                 stroke_linejoin="round")
        svg.circle(pts[-1][0], pts[-1][1], 3, fill=color)
        final = s.points[-1][1]
        e = excess(final)
        if e == 0:
            text = f"= {base_name}"
        elif e >= 100:
            text = f"{_ratio_label(final / base)} {base_name}"
        else:
            text = f"{e:+.3g}%"
        if s.feasible is False:
            text += " (infeasible!)"
        elif s.cost is not None and s.cost != final:
            text += f" (evaluated {s.cost:,})"
        finals.append((color, text))
        if final < base:
            svg.text(pts[-1][0] + 5, pts[-1][1] - 5, "below best known!", size=10, fill=color)
    svg.close_group()
    for i, (color, text) in enumerate(finals):
        svg.text(x + w - 6, y + 14 + 14 * i, text, size=11, anchor="end", fill=color,
                 font_weight="bold", **HALO)


def write_convergence(folders: list[Path], out: Path, reference: dict,
                      labels: list[str] | None = None, instances: set[str] | None = None,
                      title: str | None = None) -> Svg:
    runs = []
    for i, folder in enumerate(folders):
        for run in load_run_folder(folder, labels[i] if labels and i < len(labels) else None):
            if instances:
                run.series = {k: v for k, v in run.series.items() if k in instances}
            runs.append(run)
    svg = convergence_svg(runs, reference, title)
    svg.write(out)
    return svg


# --- memory profile ----------------------------------------------------------------------------

def envelope(times: list[int], levels: list[int], t0: float, t1: float,
             buckets: int) -> tuple[list[float], list[int]]:
    """The maximum of a step function per bucket of [t0, t1): a step function again, with at
    most `buckets` steps, that keeps every peak (what matters for memory)."""
    if len(times) <= 2 * buckets:
        return list(times), list(levels)
    width = (t1 - t0) / buckets
    top: list[int | None] = [None] * buckets
    for i in range(len(times) - 1):
        a = int((times[i] - t0) / width)
        b = min(buckets - 1, max(a, math.ceil((times[i + 1] - t0) / width) - 1))
        for k in range(max(a, 0), b + 1):
            if top[k] is None or levels[i] > top[k]:
                top[k] = levels[i]
    out_t, out_l = [], []
    for k, v in enumerate(top):
        v = v if v is not None else (out_l[-1] if out_l else 0)
        if not out_l or v != out_l[-1]:
            out_t.append(t0 + k * width)
            out_l.append(v)
    out_t.append(t1)
    out_l.append(levels[-1])
    return out_t, out_l


def area_path(points: list[tuple[float, float]], base_y: float) -> str:
    """The region between a step function through `points` and the line y = base_y."""
    d = [f"M{num(points[0][0])} {num(base_y)}V{num(points[0][1])}"]
    d += [f"H{num(px)}V{num(py)}" for px, py in points[1:]]
    return "".join(d) + f"V{num(base_y)}Z"


def memory_svg(name: str, intervals: list, chosen: list[int], lowest: list[int],
               limit: int | None, evaluation: Evaluation | None = None,
               solution_label: str = "") -> Svg:
    """Summed usage over time of the chosen strategies (filled), of every node's smallest
    strategy (dashed), the limit, and the peak marked."""
    times, levels = usage_steps(intervals, chosen)
    mtimes, mlevels = usage_steps(intervals, lowest)
    peak, peak_t = peak_of(times, levels)
    W, H = 1000, 470
    box = (96, 74, W - 96 - 40, H - 74 - 58)
    x, y, w, h = box
    svg = Svg(W, H, f"{name} memory profile")
    svg.text(16, 26, f"{name}: memory over time" + (f" ({solution_label})" if solution_label
                                                    else ""),
             size=16, font_weight="bold", fill="#222")
    facts = []
    if evaluation is not None:
        facts.append(f"cost {evaluation.cost:,}")
    facts.append(f"peak {peak:,}" + (f" at t={peak_t}" if peak_t is not None else ""))
    if limit is not None:
        facts.append(f"limit {limit:,}" + (f" ({peak * 100 / limit:.1f}% used)" if limit else ""))
        facts.append("feasible" if peak <= limit else "INFEASIBLE")
    else:
        facts.append("no memory limit")
    svg.text(16, 46, " · ".join(facts), size=12,
             fill="#b00020" if limit is not None and peak > limit else "#333")
    if not times:
        svg.rect(x, y, w, h, fill="none", stroke=AXIS)
        svg.text(x + w / 2, y + h / 2, "no live intervals", size=13, anchor="middle", fill=MUTED)
        return svg
    t0 = min(times[0], mtimes[0] if mtimes else times[0])
    t1 = max(times[-1], mtimes[-1] if mtimes else times[-1])
    ymax = nice_ceiling(max(peak, limit or 0, 1) * 1.08)
    xs = Linear(t0, t1, x, x + w)
    ys = Linear(0, ymax, y + h, y)
    axes(svg, box, xs, ys, nice_ticks(t0, t1, 8), nice_ticks(0, ymax, 6),
         lambda v: f"{v:g}", si, "time", "summed usage")

    et, el = envelope(times, levels, t0, t1, int(w))
    pts = [(xs(t), ys(v)) for t, v in zip(et, el)]
    area = area_path(pts, ys(0))
    svg.path(area, fill="#cfe3f3", stroke="none")
    if limit is not None and peak > limit:  # the part above the limit in red
        clip = svg.clip_rect("over", x, y, w, ys(limit) - y)
        svg.path(area, fill="#f4a6a6", stroke="none", clip_path=clip)
    svg.path(step_path(pts), fill="none", stroke=PALETTE[0], stroke_width=1.4)
    if mtimes:
        mt, ml = envelope(mtimes, mlevels, t0, t1, int(w))
        svg.path(step_path([(xs(t), ys(v)) for t, v in zip(mt, ml)]), fill="none",
                 stroke="#555", stroke_width=1, stroke_dasharray="4 3")
    if limit is not None:
        ly = ys(limit)
        svg.line(x, ly, x + w, ly, stroke="#b00020", stroke_width=1.5, stroke_dasharray="7 4")
        svg.text(x + w - 4, ly - 5, f"limit {limit:,}", size=11, anchor="end", fill="#b00020",
                 **HALO)
    if peak_t is not None:
        px, py = xs(peak_t), ys(peak)
        svg.line(px, py, px, y + h, stroke="#222", stroke_width=1, stroke_dasharray="2 3")
        svg.circle(px, py, 5, fill="#222", stroke="#fff", stroke_width=1.5)
        label = f"peak {peak:,} at t={peak_t}"
        right = px < x + w * 0.7
        svg.text(px + (9 if right else -9), py - 9, label, size=12,
                 anchor="start" if right else "end", fill="#222", font_weight="bold", **HALO)
    # legend under the title
    lx, ly0 = W - 440, 60
    svg.rect(lx, ly0 - 9, 18, 10, fill="#cfe3f3", stroke=PALETTE[0])
    svg.text(lx + 24, ly0, "chosen strategies", size=11, fill="#333")
    svg.line(lx + 140, ly0 - 4, lx + 164, ly0 - 4, stroke="#555", stroke_dasharray="4 3")
    svg.text(lx + 170, ly0, "each node's smallest usage", size=11, fill="#333")
    if limit is not None:
        svg.line(lx + 340, ly0 - 4, lx + 364, ly0 - 4, stroke="#b00020", stroke_dasharray="7 4")
        svg.text(lx + 370, ly0, "limit", size=11, fill="#333")
    return svg


# --- the gap over time ------------------------------------------------------------------------

GAP_TOP_FACTOR = 3  # the y range shows the incumbent up to 3x the final gap above its final cost


def gap_svg(name: str, best: list[tuple[float, int]], bound: list[tuple[float, int]],
            timeout_s: float, end_s: float | None = None) -> Svg:
    """One run: above, the incumbent (best) and the lower bound against seconds, both in percent
    of the final best cost above or below it, so that they meet towards 0% (earlier costs far
    above, e.g. with forbidden pairs, are drawn at the top edge); below, the gap (best - bound) /
    best in percent on a log scale. Dotted lines mark 25%, 50% and 100% of the timeout."""
    W, H = 760, 620
    box = (90, 62, W - 90 - 30, 290)
    x, y, w, h = box
    svg = Svg(W, H, f"{name} gap over time")
    svg.text(16, 26, f"{name}: incumbent and lower bound over time", size=16,
             font_weight="bold", fill="#222")
    if not best:
        svg.rect(x, y, w, h, fill="none", stroke=AXIS)
        svg.text(x + w / 2, y + h / 2, "no progress lines", size=13, anchor="middle", fill=MUTED)
        return svg
    final = best[-1][1]
    scale = abs(final) or 1

    def rel(v: int) -> float:
        return (v - final) * 100.0 / scale

    facts = [f"final best {final:,}"]
    if bound:
        last = bound[-1][1]
        facts.append(f"bound {last:,}")
        facts.append(f"gap {rel(final) - rel(last):.4g}%" if final else "gap 0%")
    else:
        facts.append("no bound printed")
    svg.text(16, 46, " · ".join(facts), size=12, fill="#333")
    low = min([rel(b) for _, b in bound] + [0.0])
    span = max(-low, 1e-3)
    high = max(rel(c) for _, c in best)
    top = min(high, GAP_TOP_FACTOR * span) if high > 0 else span
    top = max(top, span * 0.25)
    ys = Linear(low - 0.05 * span, top + 0.05 * span, y + h, y)
    xmax = max([timeout_s, end_s or 0, best[-1][0]] + [t for t, _ in bound[-1:]])
    xs = Linear(0, xmax, x, x + w)
    axes(svg, box, xs, ys, nice_ticks(0, xmax, 6), nice_ticks(low, top, 6), seconds_label,
         lambda v: f"{v:+.3g}%" if v else "0%", "seconds", "% of the final best cost")
    for frac in (0.25, 0.5, 1.0):
        tx = xs(frac * timeout_s)
        svg.line(tx, y, tx, y + h, stroke="#888", stroke_dasharray="2 3", stroke_width=1)
        svg.text(tx + 3, y + 12, f"{round(frac * 100)}%", size=10, fill="#555", **HALO)
    clip = svg.clip_rect("gap-area", x, y - 2, w, h + 4)
    svg.open_group(clip_path=clip)
    end = xs(max(end_s or 0, best[-1][0]))
    ceiling = top + 0.05 * span
    best_pts = [(xs(t), ys(min(rel(c), ceiling))) for t, c in best]
    svg.path(step_path(best_pts, end), fill="none", stroke=PALETTE[0], stroke_width=2)
    if bound:
        bound_pts = [(xs(t), ys(rel(b))) for t, b in bound]
        svg.path(step_path(bound_pts, end), fill="none", stroke=PALETTE[1], stroke_width=2,
                 stroke_dasharray="6 3")
    svg.close_group()
    _gap_panel(svg, (x, y + h + 60, w, H - (y + h + 60) - 50), xs, xmax, best, bound, timeout_s,
               max(end_s or 0, best[-1][0]))
    lx, ly = W - 300, 46
    svg.line(lx, ly - 4, lx + 24, ly - 4, stroke=PALETTE[0], stroke_width=2)
    svg.text(lx + 30, ly, "best (incumbent)", size=11, fill="#333")
    svg.line(lx + 150, ly - 4, lx + 174, ly - 4, stroke=PALETTE[1], stroke_width=2,
             stroke_dasharray="6 3")
    svg.text(lx + 180, ly, "lower bound", size=11, fill="#333")
    return svg


GAP_FLOOR_PCT = 1e-4  # gaps below (and a closed gap) are drawn at the bottom edge


def gap_series(best: list[tuple[float, int]],
               bound: list[tuple[float, int]]) -> list[tuple[float, float]]:
    """(seconds, gap %) wherever the incumbent or the bound changes, once both exist."""
    times = sorted({t for t, _ in best} | {t for t, _ in bound})
    out: list[tuple[float, float]] = []
    for t in times:
        b = progress.best_at(best, t)
        lb = progress.best_at(bound, t)
        if b is None or lb is None or b <= 0:
            continue
        out.append((t, max(b - lb, 0) * 100.0 / b))
    return out


def _gap_panel(svg: Svg, box: tuple[float, float, float, float], xs: Linear, xmax: float,
               best: list[tuple[float, int]], bound: list[tuple[float, int]], timeout_s: float,
               end_s: float) -> None:
    x, y, w, h = box
    series = gap_series(best, bound)
    if not series:
        svg.rect(x, y, w, h, fill="none", stroke=AXIS)
        svg.text(x + w / 2, y + h / 2, "no bound: no gap", size=12, anchor="middle", fill=MUTED)
        return
    positive = [g for _, g in series if g > 0]
    floor = max(GAP_FLOOR_PCT, 10 ** math.floor(math.log10(min(positive)))) if positive \
        else GAP_FLOOR_PCT
    top = max(100.0, floor * 10)
    ys = Log10(floor, top, y + h, y)
    decades = list(range(round(math.log10(floor)), round(math.log10(top)) + 1))
    axes(svg, box, xs, ys, nice_ticks(0, xmax, 6), [10.0 ** d for d in decades], seconds_label,
         _pct_label, "seconds", "gap (log)")
    for frac in progress.ANYTIME_FRACTIONS:
        tx = xs(frac * timeout_s)
        svg.line(tx, y, tx, y + h, stroke="#888", stroke_dasharray="2 3", stroke_width=1)
    pts = [(xs(t), ys(max(g, floor))) for t, g in series]
    svg.path(step_path(pts, xs(end_s)), fill="none", stroke=PALETTE[2], stroke_width=2)
    svg.text(x + w - 6, y + 14, f"gap {series[-1][1]:.4g}%", size=11, anchor="end",
             fill=PALETTE[2], font_weight="bold", **HALO)
