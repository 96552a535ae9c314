"""results.csv, the Markdown table and the benchmarks/RESULTS.md record."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from . import progress, scoring
from .reference import short_name

ANYTIME_COSTS = [progress.anytime_column(f) for f in progress.ANYTIME_FRACTIONS]
# cost_at_25pct -> score_at_25pct: the anytime cost against best_known, else the best seen
ANYTIME_SCORES = {c: c.replace("cost_at_", "score_at_") for c in ANYTIME_COSTS}

# The columns of results.csv, in order. The first ones are the required set.
COLUMNS = [
    "benchmark", "timeout_s", "cost", "feasible",
    "score_vs_contest_best", "score_vs_best_known", "score_vs_first_place_here",
    "wall_s", "peak_rss_mb", "overrun", "exit_code", "status",
    "bound", "gap_pct", "claimed_best", "last_improvement_s", "progress_events",
    "peak_usage", "usage_limit", "crosscheck",
    "run", "variant", "seed", "best_seen", "score_vs_best_seen",
    *ANYTIME_COSTS, "anytime_vs", *ANYTIME_SCORES.values(),
    "longest_stall_pct", "longest_stall_from_s",
]
SCORE_KEYS = list(scoring.SCORE_COLUMNS.values())
RELATIVE_KEYS = ["score_vs_best_seen", *ANYTIME_SCORES.values()]


def add_relative_columns(rows: list[dict], reference: dict[str, dict]) -> None:
    """Scores that need every run of a sweep: `best_seen` (the cheapest feasible answer of the
    instance over the sweep's runs), the final cost against it, and the anytime costs against
    best_known when the instance has one in reference.csv, else against best_seen (so derived
    instances without a reference row still get an anytime view)."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.get("feasible") and row.get("cost") is not None:
            b = row["benchmark"]
            seen[b] = min(seen.get(b, row["cost"]), row["cost"])
    for row in rows:
        best = seen.get(row["benchmark"])
        row["best_seen"] = best
        row["score_vs_best_seen"] = scoring.score(best, row.get("cost"), bool(row.get("feasible")))
        known = reference.get(row["benchmark"], {}).get("best_known")
        yardstick, name = (known, "best_known") if known else (best, "best_seen")
        row["anytime_vs"] = name if yardstick is not None else None
        for cost_col, score_col in ANYTIME_SCORES.items():
            row[score_col] = (scoring.score(yardstick, row.get(cost_col))
                              if yardstick is not None and row.get(cost_col) is not None
                              else None)
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
    digits = {k: 6 for k in SCORE_KEYS + RELATIVE_KEYS} | {
        "wall_s": 2, "peak_rss_mb": 1, "gap_pct": 4, "last_improvement_s": 2,
        "longest_stall_pct": 2, "longest_stall_from_s": 2}
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


# bounds.csv: one row per `--bound-runs` job.
BOUND_COLUMNS = ["benchmark", "run", "timeout_s", "bound", "method", "bound_found_s",
                 "bound_vs_best_known", "gap_to_best_known_pct", "wall_s", "peak_rss_mb",
                 "overrun", "exit_code", "status"]


def write_bounds_csv(path: Path, rows: list[dict]) -> None:
    digits = {"bound_vs_best_known": 6, "gap_to_best_known_pct": 4, "wall_s": 2,
              "peak_rss_mb": 1, "bound_found_s": 2}
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=BOUND_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _fmt(row.get(c), digits.get(c)) for c in BOUND_COLUMNS})
    tmp.replace(path)


def bounds_table(rows: list[dict]) -> str:
    """The bound runs as a Markdown table."""
    lines = ["| instance | time limit s | bound | method | found at s | bound / best known | "
             "gap to best known % | wall s | peak RSS MB | notes |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        note = "" if row.get("status") == "ok" else str(row.get("status"))
        cells = [short_name(row["benchmark"]), row["timeout_s"], _num(_fmt(row.get("bound"))),
                 row.get("method") or "", _fmt(row.get("bound_found_s"), 2),
                 _fmt(row.get("bound_vs_best_known"), 6), _fmt(row.get("gap_to_best_known_pct"), 4),
                 _fmt(row.get("wall_s"), 1), _fmt(row.get("peak_rss_mb"), 0), note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


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
            "usage_limit", "seed", "best_seen", *ANYTIME_COSTS}
    floats = set(SCORE_KEYS + RELATIVE_KEYS) | {"wall_s", "peak_rss_mb", "gap_pct",
                                                "last_improvement_s", "longest_stall_pct",
                                                "longest_stall_from_s"}
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


def anytime_cell(row: dict, column: str) -> str:
    """An anytime score, marked `*` when it is against the best seen (no best_known)."""
    text = _fmt(row.get(column), 4)
    return text + "*" if text and row.get("anytime_vs") == "best_seen" else text


def markdown_table(rows: list[dict]) -> str:
    """The results as a Markdown table with a bold total line. @25% and @50% are the scores of
    the incumbent at that share of the timeout against best_known (`*`: against the best answer
    of the sweep, for instances without a reference); the longest stall is the longest time
    between two improvements, in percent of the timeout."""
    header = ["instance", "timeout s", "cost", "feasible", "vs contest best", "vs best known",
              "vs 1st place here", "@25%", "@50%", "longest stall %", "gap %", "wall s",
              "peak RSS MB", "notes"]
    align = ["---", "---:", "---:", ":---:", "---:", "---:", "---:", "---:", "---:", "---:",
             "---:", "---:", "---:", "---"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for row in rows:
        s = csv_row(row)
        cells = [short_name(row.get("run") or row["benchmark"]), s["timeout_s"], _num(s["cost"]),
                 s["feasible"],
                 _fmt(row.get("score_vs_contest_best"), 4),
                 _fmt(row.get("score_vs_best_known"), 4),
                 _fmt(row.get("score_vs_first_place_here"), 4),
                 anytime_cell(row, "score_at_25pct"), anytime_cell(row, "score_at_50pct"),
                 _fmt(row.get("longest_stall_pct"), 1),
                 _fmt(row.get("gap_pct"), 2), _fmt(row.get("wall_s"), 1),
                 _fmt(row.get("peak_rss_mb"), 0), notes(row)]
        lines.append("| " + " | ".join(cells) + " |")
    if rows:
        t = totals(rows)
        bold = lambda v: f"**{_fmt(v, 4)}**" if v is not None else ""
        cells = [f"**points ({len(rows)})**", "", "", t["feasible"],
                 bold(t["score_vs_contest_best"]), bold(t["score_vs_best_known"]),
                 bold(t["score_vs_first_place_here"]), "", "", "", "", _fmt(t["wall_s"], 1),
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
