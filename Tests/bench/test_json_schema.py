"""The CLI's JSON objects against docs/schemas: `evaluate --json` and `stats --json` from the
built binary, and report.schema.json checked as a schema with a hand-written example (the solve's
--report is implemented elsewhere; its test validates against the same file).

Uses the `jsonschema` package (installed with Ray into .venv by scripts/setup); skipped when
it or the binary is missing."""

import json
import os
import tempfile
import unittest
from pathlib import Path

from helpers import ROOT, SHARED, run

SCHEMAS = ROOT / "docs" / "schemas"
try:
    import jsonschema
    from referencing import Registry, Resource
except ImportError:  # pragma: no cover - depends on the machine
    jsonschema = None


def find_binary() -> Path | None:
    if os.environ.get("IOPDDL_BINARY"):
        return Path(os.environ["IOPDDL_BINARY"])
    for kind in ("release", "debug"):
        path = ROOT / ".build" / kind / "iopddl"
        if path.is_file():
            return path
    return None


BINARY = find_binary()


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def validator(name: str):
    """A validator of docs/schemas/<name>.schema.json that resolves $refs to its siblings."""
    resources = [(s["$id"], Resource.from_contents(s))
                 for s in (schema(n) for n in ("evaluate", "stats", "report"))]
    registry = Registry().with_resources(resources)
    # relative $refs resolve against $id, so register the siblings under their $ids
    return jsonschema.Draft202012Validator(schema(name), registry=registry)


def last_object(stdout: str) -> dict:
    lines = [l for l in stdout.splitlines() if l.strip()]
    return json.loads(lines[-1])


@unittest.skipIf(jsonschema is None, "the jsonschema package is not installed (scripts/setup)")
class SchemaFilesTests(unittest.TestCase):
    def test_schemas_are_valid_draft_2020_12(self):
        for name in ("evaluate", "stats", "report"):
            with self.subTest(name=name):
                jsonschema.Draft202012Validator.check_schema(schema(name))

    def test_a_report_example_validates_and_a_broken_one_does_not(self):
        evaluation = {"cost": 54, "node_cost": 48, "edge_cost": 6, "infinite_terms": 0,
                      "peak": 9, "peak_time": 2, "limit": 12, "feasible": True,
                      "violation": None}
        report = {"problem": "examples/tiny.json", "timeout_seconds": 10, "threads": 2,
                  "seed": 1, "status": "optimal", "cost": 54, "bound": 54, "gap_percent": 0.0,
                  "seconds": 0.12, "answer_seconds": 0.05, "proof_seconds": 0.1,
                  "evaluation": evaluation,
                  "improvements": [{"seconds": 0.01, "cost": 81, "source": "min-usage"},
                                   {"seconds": 0.05, "cost": 54, "bound": 40,
                                    "source": "one-opt"}],
                  "sources": {"min-usage": {"improvements": 1, "gain": 0},
                              "one-opt": {"improvements": 1, "gain": 27}},
                  "phases": {"load": 0.001, "reduce": 0.002, "search": 0.1},
                  "moves": {"one-opt": {"calls": 12, "improvements": 1}},
                  "glpk": {"solves": 1, "improvements": 0, "seconds": 0.01, "timeouts": 0,
                           "generators": {"ball": {"calls": 1, "improvements": 0,
                                                   "seconds": 0.01}}},
                  "solution": [1, 0, 1, 0, 0]}
        v = validator("report")
        self.assertEqual(list(v.iter_errors(report)), [])
        broken = dict(report, status="done", evaluation=dict(evaluation, cost="54"))
        self.assertEqual(len(list(v.iter_errors(broken))), 2)


@unittest.skipIf(jsonschema is None or BINARY is None,
                 "needs jsonschema and a built binary (swift build -c release)")
class CLIObjectsTests(unittest.TestCase):
    def evaluate(self, problem: Path, solution: str):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(solution + "\n")
        try:
            return run([BINARY, "evaluate", problem, f.name, "--json"])
        finally:
            os.unlink(f.name)

    def test_evaluate_objects_validate(self):
        cases = [("tiny.json", "[1, 0, 1, 0, 0]", 0), ("tiny.json", "[1, 1, 0, 0, 0]", 1),
                 ("no-limit.json", "[1, 1, 0, 0, 0]", 0), ("arity3.json", "[0, 0, 0]", None)]
        v = validator("evaluate")
        checked = 0
        for name, solution, code in cases:
            with self.subTest(name=name, solution=solution):
                proc = self.evaluate(ROOT / "examples" / name, solution)
                if code is not None:
                    self.assertEqual(proc.returncode, code, proc.stderr)
                self.assertIn(proc.returncode, (0, 1), proc.stderr)
                obj = last_object(proc.stdout)
                self.assertEqual(list(v.iter_errors(obj)), [])
                self.assertEqual(obj["feasible"], proc.returncode == 0)
                checked += 1
        self.assertEqual(checked, len(cases))

    def test_stats_objects_validate(self):
        files = sorted((ROOT / "examples").glob("*.json"))
        b = SHARED / "asplos-2025-iopddl-B.json.gz"
        if b.is_file():
            files.append(b)  # gzip, infinite entries
        v = validator("stats")
        for path in files:
            with self.subTest(path=path.name):
                proc = run([BINARY, "stats", path, "--json"])
                self.assertEqual(proc.returncode, 0, proc.stderr)
                obj = last_object(proc.stdout)
                self.assertEqual(list(v.iter_errors(obj)), [])
                self.assertEqual(obj["gzip"], path.name.endswith(".gz"))
        self.assertGreaterEqual(len(files), 4)


def solver_has_report() -> bool:
    if BINARY is None:
        return False
    return "--report" in run([BINARY, "solve", "--help"]).stdout


@unittest.skipIf(jsonschema is None or not solver_has_report(),
                 "needs jsonschema and a solver with --report (docs/schemas/report.schema.json)")
class SolveReportTests(unittest.TestCase):
    """Runs as soon as the solver has --report: tiny's report validates and agrees with stdout."""

    def test_tiny_report_validates_and_matches_the_answer(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.json"
            proc = run([BINARY, ROOT / "examples" / "tiny.json", "2", "--report", path])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            obj = json.loads(path.read_text(encoding="utf-8"))
        self.assertEqual(list(validator("report").iter_errors(obj)), [])
        answer = json.loads(proc.stdout.splitlines()[-1])
        self.assertEqual(obj["solution"], answer)
        self.assertEqual(obj["cost"], 54)  # tiny's optimum (examples/README.md)
        self.assertEqual(obj["evaluation"]["cost"], obj["cost"])
        if obj["bound"] is not None:
            self.assertLessEqual(obj["bound"], obj["cost"])


if __name__ == "__main__":
    unittest.main()
