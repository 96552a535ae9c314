"""Read a problem, evaluate a solution, compute memory profiles.

A slow, obvious evaluator in Python: the harness uses it to draw memory profiles and to
cross-check `iopddl evaluate`. Costs are Python integers (no overflow).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

_LIST = re.compile(r"\[\s*(?:[+-]?\d+\s*(?:,\s*[+-]?\d+\s*)*)?\]")


def load_problem(path: Path) -> dict:
    """The `problem` object of a .json or .json.gz file (gzip recognised by its magic bytes)."""
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rt", encoding="utf-8") if gz else open(path, encoding="utf-8")) as f:
        data = json.load(f)
    if isinstance(data, dict) and isinstance(data.get("problem"), dict):
        return data["problem"]
    raise ValueError(f"{path}: expected an object with key 'problem'")


def parse_list(line: str) -> list[int] | None:
    """`[1, 2, 3]` -> [1, 2, 3]; None when the line is not a bracketed list of integers."""
    line = line.strip()
    if not _LIST.fullmatch(line):
        return None
    inner = line[1:-1].strip()
    return [int(x) for x in inner.split(",")] if inner else []


def last_line_solution(text: str) -> list[int] | None:
    """The contest's reading: the LAST non-empty stdout line must be the solution."""
    lines = [line for line in text.splitlines() if line.strip()]
    return parse_list(lines[-1]) if lines else None


def last_list_solution(text: str) -> list[int] | None:
    """The evaluator's reading: the last line that is a bracketed list."""
    for line in reversed(text.splitlines()):
        solution = parse_list(line)
        if solution is not None:
            return solution
    return None


def read_solution(path: Path) -> list[int]:
    solution = last_list_solution(Path(path).read_text(encoding="utf-8", errors="replace"))
    if solution is None:
        raise ValueError(f"{path}: no line of the form [s0, s1, ...]")
    return solution


@dataclass
class Evaluation:
    cost: int
    peak: int
    peak_time: int | None
    limit: int | None
    feasible: bool


def check_solution(problem: dict, solution: list[int]) -> None:
    costs = problem["nodes"]["costs"]
    if len(solution) != len(costs):
        raise ValueError(f"solution has {len(solution)} entries, problem has {len(costs)} nodes")
    for i, s in enumerate(solution):
        if not 0 <= s < len(costs[i]):
            raise ValueError(f"solution[{i}] = {s}: node {i} has {len(costs[i])} strategies")


def cost_of(problem: dict, solution: list[int]) -> int:
    check_solution(problem, solution)
    node_costs = problem["nodes"]["costs"]
    total = sum(node_costs[i][s] for i, s in enumerate(solution))
    edges = problem.get("edges") or {}
    for nodes, table in zip(edges.get("nodes", []), edges.get("costs", [])):
        index = 0
        for node in nodes:  # row-major over the edge's nodes' strategies
            index = index * len(node_costs[node]) + solution[node]
        total += table[index]
    return total


def usage_steps(intervals: list, values: list[int]) -> tuple[list[int], list[int]]:
    """Summed usage as a step function: level[i] holds on [times[i], times[i+1]).
    Node i contributes values[i] at times lo .. hi-1 of its interval [lo, hi)."""
    delta: dict[int, int] = {}
    for (lo, hi), value in zip(intervals, values):
        if hi > lo and value:
            delta[lo] = delta.get(lo, 0) + value
            delta[hi] = delta.get(hi, 0) - value
    times = sorted(delta)
    levels = []
    running = 0
    for t in times:
        running += delta[t]
        levels.append(running)
    return times, levels


def chosen_usages(problem: dict, solution: list[int]) -> list[int]:
    check_solution(problem, solution)
    usages = problem["nodes"]["usages"]
    return [usages[i][s] for i, s in enumerate(solution)]


def min_usages(problem: dict) -> list[int]:
    return [min(u) if u else 0 for u in problem["nodes"]["usages"]]


def peak_of(times: list[int], levels: list[int]) -> tuple[int, int | None]:
    if not levels:
        return 0, None
    peak = max(levels)
    return peak, times[levels.index(peak)]


def evaluate(problem: dict, solution: list[int]) -> Evaluation:
    cost = cost_of(problem, solution)
    times, levels = usage_steps(problem["nodes"]["intervals"], chosen_usages(problem, solution))
    peak, peak_time = peak_of(times, levels)
    limit = problem.get("usage_limit")
    return Evaluation(cost, peak, peak_time, limit, limit is None or peak <= limit)
