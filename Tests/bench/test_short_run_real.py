"""The issue's short run with the real solver: scale 0.05 on B and G (3 s and 6 s).

Runs `.build/release/iopddl` (or the binary named by $IOPDDL_BINARY); skipped when it or the
benchmark instances are missing. Build first with `swift build -c release`.
"""

import os
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import BENCH, ROOT, SHARED, read_results, run

BINARY = Path(os.environ.get("IOPDDL_BINARY") or ROOT / ".build" / "release" / "iopddl")
INSTANCES = ["asplos-2025-iopddl-B", "asplos-2025-iopddl-G"]
SKIP = None
if not BINARY.is_file():
    SKIP = f"no solver binary at {BINARY} (run `swift build -c release` or set IOPDDL_BINARY)"
elif not all((SHARED / f"{name}.json.gz").is_file() for name in INSTANCES):
    SKIP = f"benchmark instances B and G not found in {SHARED}"


@unittest.skipIf(SKIP is not None, SKIP or "")
class RealShortRunTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = Path(cls.tmp.name) / "out"
        cls.proc = run([BENCH, "--instances", "B,G", "--scale", "0.05", "--binary", BINARY,
                        "--out", cls.out], timeout=120)
        cls.columns, cls.rows = read_results(cls.out) if (cls.out / "results.csv").exists() \
            else ([], {})

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_harness_completes_and_writes_the_csv(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        for column in ["benchmark", "timeout_s", "cost", "feasible", "score_vs_contest_best",
                       "score_vs_best_known", "score_vs_first_place_here", "wall_s",
                       "peak_rss_mb", "overrun", "exit_code"]:
            self.assertIn(column, self.columns)
        self.assertEqual(sorted(self.rows), sorted(INSTANCES + ["TOTAL"]))
        self.assertEqual([self.rows[n]["timeout_s"] for n in INSTANCES], ["3", "6"])
        for name in INSTANCES:
            r = self.rows[name]
            self.assertGreater(float(r["wall_s"]), 0)
            self.assertGreater(float(r["peak_rss_mb"]), 0)
            self.assertTrue((self.out / f"{name}.out").is_file())
            self.assertTrue((self.out / f"{name}.err").is_file())

    def test_plots_are_well_formed(self):
        root = ET.parse(self.out / "convergence.svg").getroot()
        self.assertTrue(root.tag.endswith("svg"))
        for name in INSTANCES:
            if self.rows.get(name, {}).get("cost"):
                root = ET.parse(self.out / f"{name}.memory.svg").getroot()
                self.assertTrue(root.tag.endswith("svg"))

    def test_solver_keeps_the_contest_contract(self):
        """Feasible answers in time, verified by `iopddl evaluate` and the Python evaluator."""
        for name in INSTANCES:
            with self.subTest(name=name):
                r = self.rows[name]
                lines = (self.out / f"{name}.out").read_text(errors="replace").splitlines()
                why = (f"status {r['status']}, exit {r['exit_code']}, last stdout line "
                       f"{(lines[-1][:80] if lines else '(none)')!r}")
                self.assertEqual((r["status"], r["feasible"]), ("ok", "yes"), why)
                self.assertEqual(r["crosscheck"], "ok")
                self.assertGreater(float(r["score_vs_contest_best"]), 0)
                # overrun is strict in the CSV; allow 0.2 s for process start-up here
                self.assertLessEqual(float(r["wall_s"]), float(r["timeout_s"]) + 0.2)


if __name__ == "__main__":
    unittest.main()
