"""Parse the solver's progress lines.

Grammar (one line per event on stderr, fields separated by single spaces):

    #<seq> <seconds>s best:<integer> [bound:<integer>] [gap:<percent>%] src:<name> [key:value ...]

e.g. `#12 3.41s best:6550261230 bound:6513812172 gap:0.56% src:lns-bfs`.

A line counts as a progress event when it starts with `#<seq> <seconds>s` and carries an integer
`best:`. Everything else is ignored (the solver may print other diagnostics). Unknown `key:value`
fields are kept in `extra`; a malformed optional field (`bound:x`) is dropped, not the event.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

_SEQ = re.compile(r"#(\d+)\Z")
_SECONDS = re.compile(r"(\d+(?:\.\d*)?|\.\d+)s\Z")
_INT = re.compile(r"[+-]?\d+\Z")


@dataclass
class ProgressEvent:
    seq: int
    seconds: float
    best: int
    bound: int | None = None
    gap_pct: float | None = None
    src: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _parse_int(text: str) -> int | None:
    return int(text) if _INT.match(text) else None


def _parse_pct(text: str) -> float | None:
    if text.endswith("%"):
        text = text[:-1]
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def parse_line(line: str) -> ProgressEvent | None:
    """One progress event, or None when the line does not follow the grammar."""
    tokens = line.strip().split()
    if len(tokens) < 3:
        return None
    seq = _SEQ.match(tokens[0])
    seconds = _SECONDS.match(tokens[1])
    if not seq or not seconds:
        return None
    fields: dict[str, str] = {}
    for token in tokens[2:]:
        key, sep, value = token.partition(":")
        if sep and key and key not in fields:
            fields[key] = value
    best = _parse_int(fields.pop("best", ""))
    if best is None:
        return None
    bound = _parse_int(fields.pop("bound", "")) if "bound" in fields else None
    gap = _parse_pct(fields.pop("gap")) if "gap" in fields else None
    src = fields.pop("src", None) or None
    return ProgressEvent(int(seq.group(1)), float(seconds.group(1)), best, bound, gap, src, fields)


def parse_text(text: str) -> list[ProgressEvent]:
    """All progress events in a log, in the order printed."""
    events = []
    for line in text.splitlines():
        event = parse_line(line)
        if event is not None:
            events.append(event)
    return events


def parse_run_logs(err_path: Path, out_path: Path | None = None) -> list[ProgressEvent]:
    """Events of one run: from its stderr; from `#` lines on stdout when stderr has none."""
    events = parse_text(_read(err_path))
    if not events and out_path is not None:
        events = parse_text(_read(out_path))
    return events


def _read(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


@dataclass
class Convergence:
    """The incumbent over time: `points` are (seconds, best) at each improvement."""

    points: list[tuple[float, int]]
    last_bound: int | None
    last_gap_pct: float | None

    @property
    def final_best(self) -> int | None:
        return self.points[-1][1] if self.points else None

    @property
    def last_improvement_s(self) -> float | None:
        return self.points[-1][0] if self.points else None


def convergence(events: list[ProgressEvent]) -> Convergence:
    """Reduce events to the improvements of `best` (lines repeating the same best are dropped)."""
    points: list[tuple[float, int]] = []
    bound = None
    gap = None
    for event in events:
        if not points or event.best != points[-1][1]:
            points.append((event.seconds, event.best))
        if event.bound is not None:
            bound = event.bound
        if event.gap_pct is not None:
            gap = event.gap_pct
    return Convergence(points, bound, gap)


# --- the anytime view ---------------------------------------------------------------------------

# Fractions of the timeout at which results.csv reports the incumbent: a quarter and a half show
# how fast a run gets good (a user with less time), the whole timeout what the contest scores.
ANYTIME_FRACTIONS = (0.25, 0.5, 1.0)


def anytime_column(fraction: float) -> str:
    """0.25 -> 'cost_at_25pct' (the results.csv column)."""
    return f"cost_at_{round(fraction * 100)}pct"


def best_at(points: list[tuple[float, int]], seconds: float) -> int | None:
    """The incumbent at `seconds`: the last improvement printed at or before then (None when the
    first solution came later)."""
    best = None
    for t, cost in points:
        if t > seconds:
            break
        best = cost
    return best


def anytime(points: list[tuple[float, int]], timeout_s: float) -> dict[str, int | None]:
    """The incumbent at each of ANYTIME_FRACTIONS of the timeout, by results.csv column."""
    return {anytime_column(f): best_at(points, f * timeout_s) for f in ANYTIME_FRACTIONS}


@dataclass
class Stall:
    seconds: float  # the longest time between two consecutive improvements of best
    from_s: float  # when it started (the improvement before it)


def longest_stall(points: list[tuple[float, int]]) -> Stall | None:
    """The longest wait between consecutive improvements; None with fewer than two. The time after
    the last improvement is not a stall here (the run may have reached the optimum): results.csv
    shows it as last_improvement_s."""
    best = None
    for (t0, _), (t1, _) in zip(points, points[1:]):
        if best is None or t1 - t0 > best.seconds:
            best = Stall(t1 - t0, t0)
    return best


def bound_points(events: list[ProgressEvent]) -> list[tuple[float, int]]:
    """(seconds, bound) at each change of the printed bound."""
    points: list[tuple[float, int]] = []
    for event in events:
        if event.bound is not None and (not points or event.bound != points[-1][1]):
            points.append((event.seconds, event.bound))
    return points
