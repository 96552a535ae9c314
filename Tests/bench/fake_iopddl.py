#!/usr/bin/env python3
"""A stand-in for the iopddl binary that follows its command-line contract, for the harness tests.

    fake_iopddl.py PROBLEM TIMEOUT_SECONDS [--threads N] [--seed S] [...]
        progress lines on stderr (`#<seq> <seconds>s best:<cost> bound:<lb> gap:<pct>% src:<name>`),
        the solution `[s0, s1, ...]` as the last stdout line.
    fake_iopddl.py bound PROBLEM [--time-limit T] [--json] [...]
        the sum of node and edge-table minima as the bound; with --json one object
        (`bound`, `method`, `seconds`, `history`) as the last stdout line, else the integer.
    fake_iopddl.py evaluate PROBLEM SOLUTIONFILE|-
        `cost:`, `peak:`, `limit:`, `feasible:` lines; exit 0 feasible, 1 infeasible, 2 bad input.

It solves by 1-opt from the minimum-usage solution (feasible whenever anything is). Misbehaviour
for the error paths is chosen per problem with FAKE_IOPDDL_MODES="stem=mode,..." (or
FAKE_IOPDDL_MODE for all): normal, infeasible, empty, crash, garbage, hang, late, liar.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from benchlib import problem as P  # noqa: E402


def mode_for(path: str) -> str:
    stem = Path(path).name.split(".json")[0]
    for item in os.environ.get("FAKE_IOPDDL_MODES", "").split(","):
        key, _, value = item.partition("=")
        if key.strip() == stem:
            return value.strip()
    return os.environ.get("FAKE_IOPDDL_MODE", "normal")


def evaluate_main(args):
    if len(args) != 2:
        print("error: usage: evaluate PROBLEM SOLUTIONFILE", file=sys.stderr)
        return 2
    try:
        prob = P.load_problem(Path(args[0]))
        text = sys.stdin.read() if args[1] == "-" else Path(args[1]).read_text()
        solution = P.last_list_solution(text)
        if solution is None:
            raise ValueError(f"{args[1]}: no solution line")
        ev = P.evaluate(prob, solution)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"cost: {ev.cost}")
    print(f"peak: {ev.peak}")
    print(f"limit: {ev.limit if ev.limit is not None else 'none'}")
    print(f"feasible: {'yes' if ev.feasible else 'no'}")
    return 0 if ev.feasible else 1


class OneOpt:
    def __init__(self, prob):
        self.costs = prob["nodes"]["costs"]
        self.usages = prob["nodes"]["usages"]
        self.intervals = prob["nodes"]["intervals"]
        self.limit = prob.get("usage_limit")
        edges = prob.get("edges") or {}
        self.edges = list(zip(edges.get("nodes", []), edges.get("costs", [])))
        self.incident = [[] for _ in self.costs]
        for e, (nodes, _) in enumerate(self.edges):
            for node in set(nodes):
                self.incident[node].append(e)
        horizon = max([hi for _, hi in self.intervals] + [0])
        self.usage = [0] * horizon

    def edge_cost(self, e, sol):
        nodes, table = self.edges[e]
        index = 0
        for node in nodes:
            index = index * len(self.costs[node]) + sol[node]
        return table[index]

    def lower_bound(self):
        return sum(min(c) for c in self.costs) + sum(min(t) for _, t in self.edges)

    def start(self):
        sol = [min(range(len(u)), key=lambda s, u=u, c=c: (u[s], c[s]))
               for u, c in zip(self.usages, self.costs)]
        for i, s in enumerate(sol):
            lo, hi = self.intervals[i]
            for t in range(lo, hi):
                self.usage[t] += self.usages[i][s]
        return sol

    def improve(self, sol):
        """One pass of best single-node moves; yields after each improving move."""
        for i in range(len(sol)):
            a = sol[i]
            lo, hi = self.intervals[i]
            room = None
            if self.limit is not None and hi > lo:
                room = self.limit - max(self.usage[lo:hi])
            old = self.costs[i][a] + sum(self.edge_cost(e, sol) for e in self.incident[i])
            best, best_delta = a, 0
            for b in range(len(self.costs[i])):
                du = self.usages[i][b] - self.usages[i][a]
                if b == a or (room is not None and du > room):
                    continue
                sol[i] = b
                new = self.costs[i][b] + sum(self.edge_cost(e, sol) for e in self.incident[i])
                sol[i] = a
                if new - old < best_delta:
                    best, best_delta = b, new - old
            if best != a:
                du = self.usages[i][best] - self.usages[i][a]
                for t in range(lo, hi):
                    self.usage[t] += du
                sol[i] = best
                yield best_delta


def solve_main(args):
    start = time.monotonic()
    path, timeout = args[0], float(args[1])
    mode = mode_for(path)
    budget = min(timeout * 0.3, float(os.environ.get("FAKE_IOPDDL_SECONDS", "0.3")))
    seq = 0

    def progress(best, src, extra=""):
        nonlocal seq
        seq += 1
        gap = (best - bound) * 100.0 / best if best else 0.0
        print(f"#{seq} {time.monotonic() - start:.2f}s best:{best} bound:{bound} "
              f"gap:{gap:.2f}% src:{src}{extra}", file=sys.stderr, flush=True)

    print(f"fake-iopddl: mode {mode}, args {' '.join(args[2:])}", file=sys.stderr)
    if mode == "hang":
        time.sleep(3600)
    prob = P.load_problem(Path(path))
    solver = OneOpt(prob)
    bound = solver.lower_bound()
    if mode == "empty":
        print("[]")
        return 0
    if mode == "infeasible":
        sol = [max(range(len(u)), key=lambda s, u=u: u[s]) for u in solver.usages]
        print(str(sol).replace(" ", ""))
        return 0
    sol = solver.start()
    cost = P.cost_of(prob, sol)
    progress(cost, "min-usage", " iters:0")  # an unknown field the harness must ignore
    print("note: not a progress line", file=sys.stderr)
    if mode == "crash":
        print("error: simulated crash", file=sys.stderr)
        return 3
    improved = True
    while improved and time.monotonic() - start < budget:
        improved = False
        for delta in solver.improve(sol):
            cost += delta
            improved = True
            progress(cost - (1 if mode == "liar" else 0), "one-opt")
            if time.monotonic() - start >= budget:
                break
    if mode == "late":
        time.sleep(max(0.0, timeout - (time.monotonic() - start)) + 0.1)
    print("info: a line before the answer")
    print("[" + ", ".join(map(str, sol)) + "]")
    if mode == "garbage":
        print("done")
    return 0


def bound_main(args):
    print(f"fake-iopddl: bound, args {' '.join(args[1:])}", file=sys.stderr)
    bound = OneOpt(P.load_problem(Path(args[0]))).lower_bound()
    print(f"#1 0.01s bound:{bound} src:fake", file=sys.stderr)
    if "--json" in args:
        print(f'{{"bound": {bound}, "method": "fake", "seconds": 0.01, '
              f'"history": [{{"seconds": 0.01, "bound": {bound}, "method": "fake"}}]}}')
    else:
        print(bound)
    return 0


def main():
    args = sys.argv[1:]
    if args and args[0] == "evaluate":
        return evaluate_main(args[1:])
    if args and args[0] == "bound":
        return bound_main(args[1:])
    if len(args) < 2:
        print("error: usage: fake_iopddl.py PROBLEM TIMEOUT_SECONDS [options]", file=sys.stderr)
        return 2
    return solve_main(args)


if __name__ == "__main__":
    sys.exit(main())
