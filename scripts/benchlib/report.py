"""results.csv, the Markdown table and the benchmarks/RESULTS.md record."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from . import scoring
from .reference import short_name

# The columns of results.csv, in order. The first ones are the required set.
COLUMNS = [
    "benchmark", "timeout_s", "cost", "feasible",
    "score_vs_contest_best", "score_vs_best_known", "score_vs_first_place_here",
    "wall_s", "peak_rss_mb", "overrun", "exit_code", "status",
    "bound", "gap_pct", "claimed_best", "last_improvement_s", "progress_events",
    "peak_usage", "usage_limit", "crosscheck",
]
SCORE_KEYS = list(scoring.SCORE_COLUMNS.values())
TOTAL = "TOTAL"


def _fmt(value, digits: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:.{digits if digits is not None else 3}f}"
    return str(value)


def csv_row(row: dict) -> dict[str, str]:
    """A result row (typed values) as results.csv strings."""
    digits = {k: 6 for k in SCORE_KEYS} | {"wall_s": 2, "peak_rss_mb": 1, "gap_pct": 4,
                                           "last_improvement_s": 2}
    return {c: _fmt(row.get(c), digits.get(c)) for c in COLUMNS}


def totals(rows: list[dict]) -> dict:
    """The TOTAL row: points (sum of scores) per yardstick, feasible count, wall sum, RSS max."""
    total: dict = {"benchmark": TOTAL}
    for key in SCORE_KEYS:
        values = [r.get(key) for r in rows]
        total[key] = scoring.total(values) if any(v is not None for v in values) else None
    total["feasible"] = f"{sum(1 for r in rows if r.get('feasible'))}/{len(rows)}"
    total["wall_s"] = sum(r.get("wall_s") or 0.0 for r in rows)
    rss = [r["peak_rss_mb"] for r in rows if r.get("peak_rss_mb") is not None]
    total["peak_rss_mb"] = max(rss) if rss else None
    total["overrun"] = f"{sum(1 for r in rows if r.get('overrun'))}/{len(rows)}"
    return total


def write_csv(path: Path, rows: list[dict]) -> None:
    """One line per instance, then the TOTAL line (the contest's points)."""
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(csv_row(row))
        if rows:
            writer.writerow(csv_row(totals(rows)))
    tmp.replace(path)


def read_csv(path: Path) -> list[dict[str, str]]:
    """The instance rows of a results.csv (strings; the TOTAL line left out)."""
    with open(path, newline="", encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row.get("benchmark") != TOTAL]


def typed_row(row: dict[str, str]) -> dict:
    """A results.csv row back as the typed values `csv_row` wrote (inverse up to rounding;
    `timeout_s` stays text, as the runner writes it)."""
    ints = {"cost", "exit_code", "bound", "claimed_best", "progress_events", "peak_usage",
            "usage_limit"}
    floats = set(SCORE_KEYS) | {"wall_s", "peak_rss_mb", "gap_pct",
                                "last_improvement_s"}
    bools = {"feasible", "overrun"}
    out: dict = {}
    for key, text in row.items():
        if text is None or text == "":
            out[key] = None
        elif key in bools:
            out[key] = text == "yes"
        elif key in ints:
            out[key] = int(text)
        elif key in floats:
            out[key] = math.inf if text == "inf" else float(text)
        else:
            out[key] = text
    return out


def _num(text: str) -> str:
    """Thousands separators for integers in the Markdown table."""
    try:
        return f"{int(text):,}"
    except (TypeError, ValueError):
        return text or ""


def notes(row: dict) -> str:
    parts = []
    if row.get("status") not in (None, "", "ok"):
        parts.append(str(row["status"]))
    if row.get("overrun"):
        parts.append("overrun")
    if row.get("exit_code") not in (None, 0):
        parts.append(f"exit {row['exit_code']}")
    if row.get("crosscheck") not in (None, "", "ok"):
        parts.append(f"crosscheck: {row['crosscheck']}")
    if (row.get("claimed_best") is not None and row.get("cost") is not None
            and row["claimed_best"] != row["cost"]):
        parts.append(f"solver claimed {row['claimed_best']:,}")
    return "; ".join(parts)


def markdown_table(rows: list[dict]) -> str:
    """The results as a Markdown table with a bold total line."""
    header = ["instance", "timeout s", "cost", "feasible", "vs contest best", "vs best known",
              "vs 1st place here", "gap %", "wall s", "peak RSS MB", "notes"]
    align = ["---", "---:", "---:", ":---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for row in rows:
        s = csv_row(row)
        cells = [short_name(row["benchmark"]), s["timeout_s"], _num(s["cost"]), s["feasible"],
                 _fmt(row.get("score_vs_contest_best"), 4),
                 _fmt(row.get("score_vs_best_known"), 4),
                 _fmt(row.get("score_vs_first_place_here"), 4),
                 _fmt(row.get("gap_pct"), 2), _fmt(row.get("wall_s"), 1),
                 _fmt(row.get("peak_rss_mb"), 0), notes(row)]
        lines.append("| " + " | ".join(cells) + " |")
    if rows:
        t = totals(rows)
        bold = lambda v: f"**{_fmt(v, 4)}**" if v is not None else ""
        cells = [f"**points ({len(rows)})**", "", "", t["feasible"],
                 bold(t["score_vs_contest_best"]), bold(t["score_vs_best_known"]),
                 bold(t["score_vs_first_place_here"]), "", _fmt(t["wall_s"], 1),
                 _fmt(t["peak_rss_mb"], 0), f"overruns {t['overrun']}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --- benchmarks/RESULTS.md ---------------------------------------------------------------------

HISTORY_END = "<!-- scripts/bench --record inserts history rows above this line -->"
RESULTS_HEADER = f"""# Benchmark results

Written by `scripts/bench --record` (see `benchmarks/README.md`); do not edit the numbers by hand.
Score per instance = reference cost / our cost (the contest's formula; 0 when infeasible or
missing), against `contest_best`, `best_known` and `first_place_solver_here_2cores` (the contest
winner's solver run on this kind of machine) from `../shared/benchmarks/reference.csv`. Points
are the sums of the scores over the instances run. A scale below 1 means shortened timeouts:
only scale-1 runs compare with the contest.

## History

One line per recorded run, oldest first; each run's full table follows under "Runs".

| date (UTC) | commit | machine | scale | instances | points vs contest best | points vs best known | points vs 1st place here | feasible | overruns |
|---|---|---|---:|---|---:|---:|---:|---:|---:|

{HISTORY_END}

## Runs
"""


def scale_text(meta: dict) -> str:
    scale = meta.get("scale")
    return f"{scale:g}" if isinstance(scale, (int, float)) else str(scale)


def history_row(rows: list[dict], meta: dict) -> str:
    t = totals(rows)
    instances = ",".join(short_name(r["benchmark"]) for r in rows)
    cells = [meta["date"], f"`{meta['commit']}`",
             f"{meta['machine']['nproc']} cores, {meta['machine']['ram_gb']:.0f} GB",
             scale_text(meta),
             instances,
             _fmt(t["score_vs_contest_best"], 4), _fmt(t["score_vs_best_known"], 4),
             _fmt(t["score_vs_first_place_here"], 4), t["feasible"], t["overrun"]]
    return "| " + " | ".join(cells) + " |"


def run_section(rows: list[dict], meta: dict) -> str:
    from .runner import machine_text
    lines = [f"### {meta['date']} UTC, `{meta['commit']}`, scale {scale_text(meta)}", "",
             f"- machine: {machine_text(meta['machine'])}",
             f"- command: `{meta['command']}`",
             f"- solver: `{meta['binary']}`" + (f" with `{' '.join(meta['solver_args'])}`"
                                                if meta.get("solver_args") else ""),
             f"- results folder: `{meta['out']}`", "", markdown_table(rows)]
    return "\n".join(lines)


def append_record(path: Path, rows: list[dict], meta: dict) -> None:
    """Add one history line and one run section to RESULTS.md (created with its header)."""
    text = path.read_text(encoding="utf-8") if path.exists() else RESULTS_HEADER
    if HISTORY_END not in text:
        text = text.rstrip("\n") + "\n\n## History\n\n" + HISTORY_END + "\n"
    lines = text.split("\n")
    at = lines.index(HISTORY_END)
    while at > 0 and not lines[at - 1].strip():  # insert right under the table's last line
        at -= 1
    lines.insert(at, history_row(rows, meta))
    text = "\n".join(lines).rstrip("\n") + "\n\n" + run_section(rows, meta)
    path.write_text(text, encoding="utf-8")
