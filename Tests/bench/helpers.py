"""Shared fixtures for the harness tests: paths, a tiny hand-made instance, a reference.csv."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
BENCH = SCRIPTS / "bench"
PLOT = SCRIPTS / "plot"
FAKE = Path(__file__).resolve().parent / "fake_iopddl.py"
SHARED = ROOT.parent / "shared" / "benchmarks"

if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

# Three nodes in a chain, limit 6.
#   node costs: n0 [10, 4], n1 [5, 1], n2 [3, 8]; usages n0 [1, 5], n1 [2, 4], n2 [1, 3]
#   intervals [0,2) [1,3) [2,4): t0 = {n0}, t1 = {n0, n1}, t2 = {n1, n2}, t3 = {n2}
#   edge (0,1) table [0, 1, 2, 3], edge (1,2) table [1, 0, 0, 1] (index s_u * 2 + s_v)
# [0,0,0]: 10+5+3 + 0 + 1 = 19, peak 3 (the minimum-usage start)
# [0,1,0]: 10+1+3 + 1 + 0 = 15, peak 5 (t1 = 1+4, t2 = 4+1): the optimum
# [1,1,0]: 4+1+3 + 3 + 0 = 11 but t1 = 5+4 = 9 > 6: infeasible
# [1,1,1] (maximum usage): 4+1+8 + 3 + 1 = 17, peak 9 at t1: infeasible
TINY = {"problem": {
    "name": "tiny",
    "nodes": {"intervals": [[0, 2], [1, 3], [2, 4]],
              "costs": [[10, 4], [5, 1], [3, 8]],
              "usages": [[1, 5], [2, 4], [1, 3]]},
    "edges": {"nodes": [[0, 1], [1, 2]], "costs": [[0, 1, 2, 3], [1, 0, 0, 1]]},
    "usage_limit": 6}}
TINY_OPTIMUM = 15
TINY_BOUND = (4 + 1 + 3) + (0 + 0)  # sum of node minima + sum of edge-table minima

REFERENCE_HEADER = ["benchmark", "nodes", "edges", "timeout_s", "contest_best",
                    "contest_best_by", "first_place", "xla", "published_lower_bound",
                    "first_place_postcontest_median", "best_known", "proven_optimum",
                    "first_place_solver_here_2cores"]


def write_tiny_suite(folder: Path, names: list[str], with_reference: bool = True) -> None:
    """Copies of TINY named <name>.json, and a reference.csv: timeout 1, contest best and best
    known 15 (the optimum), the first-place solver here 19."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.json").write_text(json.dumps(TINY), encoding="utf-8")
    if with_reference:
        with open(folder / "reference.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(REFERENCE_HEADER)
            for name in names:
                writer.writerow([name, 3, 2, 1, 15, "contest entry", 15, "", 8, 15, 15, 15, 19])


def run(command: list, env_extra: dict | None = None, timeout: float = 120):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([str(c) for c in command], capture_output=True, text=True,
                          timeout=timeout, env=env)


def read_results(folder: Path) -> tuple[list[str], dict[str, dict]]:
    with open(folder / "results.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = {row.get("run") or row["benchmark"]: row for row in reader}
        return reader.fieldnames, rows
