"""The whole harness against fake_iopddl.py (the CLI contract without the Swift binary)."""

import json
import re
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import BENCH, FAKE, PLOT, SHARED, TINY_BOUND, read_results, run, write_tiny_suite
from benchlib import runner

REQUIRED = ["benchmark", "timeout_s", "cost", "feasible", "score_vs_contest_best",
            "score_vs_best_known", "score_vs_first_place_here", "wall_s", "peak_rss_mb",
            "overrun", "exit_code"]
MODES = {"t-ok": "normal", "t-infeasible": "infeasible", "t-empty": "empty", "t-crash": "crash",
         "t-garbage": "garbage", "t-late": "late", "t-hang": "hang", "t-liar": "liar"}


def svg_root(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), root.tag
    return root


def svg_words(path: Path) -> str:
    return " ".join(t.text or "" for t in svg_root(path).iter() if t.tag.endswith("text"))


class FakePipelineTests(unittest.TestCase):
    """One harness run over eight tiny instances, each making the fake misbehave differently."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        base = Path(cls.tmp.name)
        cls.data, cls.out = base / "data", base / "out"
        cls.record = base / "RESULTS.md"
        write_tiny_suite(cls.data, list(MODES))
        cls.proc = run([BENCH, "--dir", cls.data, "--binary", FAKE, "--timeout", "0.5",
                        "--grace", "0.6", "--out", cls.out, "--record", "--record-file",
                        cls.record, "--threads", "2", "--", "--seed", "7"],
                       {"FAKE_IOPDDL_MODES": ",".join(f"{k}={v}" for k, v in MODES.items())})
        cls.columns, cls.rows = read_results(cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_exit_status_and_progress_lines(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        lines = [l for l in self.proc.stderr.splitlines() if l.startswith("[")]
        self.assertEqual(len(lines), len(MODES))
        ok = next(l for l in lines if " t-ok " in l)
        self.assertRegex(ok, r"^\[\d/8\] t-ok 0\.5s -> cost 15 \(score 1\.0000 vs contest best\) "
                             r"\d+\.\ds \d+ MB$")
        self.assertIn("INFEASIBLE", next(l for l in lines if "t-infeasible" in l))
        self.assertIn("OVERRUN", next(l for l in lines if "t-late" in l))
        self.assertIn("KILLED", next(l for l in lines if "t-hang" in l))
        self.assertIn("exit 3", next(l for l in lines if "t-crash" in l))
        self.assertIn("SOLVER CLAIMED 14", next(l for l in lines if "t-liar" in l))
        self.assertIn("points (8 runs): 3.0000 vs contest best", self.proc.stderr)

    def test_csv_columns_and_rows(self):
        for column in REQUIRED:
            self.assertIn(column, self.columns)
        self.assertEqual(sorted(self.rows), sorted(list(MODES) + ["TOTAL"]))

    def test_good_answer(self):
        r = self.rows["t-ok"]
        self.assertEqual((r["timeout_s"], r["cost"], r["feasible"], r["status"], r["overrun"],
                          r["exit_code"], r["crosscheck"], r["claimed_best"]),
                         ("0.5", "15", "yes", "ok", "no", "0", "ok", "15"))
        self.assertEqual((r["score_vs_contest_best"], r["score_vs_best_known"],
                          r["score_vs_first_place_here"]), ("1.000000", "1.000000", "1.266667"))
        self.assertEqual(r["bound"], str(TINY_BOUND))
        self.assertEqual(r["gap_pct"], f"{(15 - TINY_BOUND) * 100 / 15:.4f}")
        self.assertGreaterEqual(int(r["progress_events"]), 2)  # 19 (min usage), then 15
        self.assertGreater(float(r["peak_rss_mb"]), 1)
        self.assertLess(float(r["wall_s"]), 0.5)
        self.assertEqual((r["peak_usage"], r["usage_limit"]), ("5", "6"))

    def test_answers_that_score_zero(self):
        expect = {"t-infeasible": ("17", "no", "infeasible"),
                  "t-empty": ("", "no", "no-solution"),
                  "t-crash": ("", "no", "no-output"),
                  "t-garbage": ("", "no", "no-output"),  # last stdout line is not the answer
                  "t-hang": ("", "no", "killed")}
        for name, (cost, feasible, status) in expect.items():
            with self.subTest(name=name):
                r = self.rows[name]
                self.assertEqual((r["cost"], r["feasible"], r["status"]), (cost, feasible, status))
                self.assertEqual(r["score_vs_contest_best"], "0.000000")
        self.assertEqual(self.rows["t-crash"]["exit_code"], "3")
        self.assertTrue(int(self.rows["t-hang"]["exit_code"]) < 0)  # killed by a signal
        self.assertEqual(self.rows["t-hang"]["overrun"], "yes")

    def test_overrun_and_false_claims_are_flagged(self):
        late = self.rows["t-late"]
        self.assertEqual((late["overrun"], late["status"], late["feasible"]), ("yes", "ok", "yes"))
        self.assertGreater(float(late["wall_s"]), 0.5)
        liar = self.rows["t-liar"]
        self.assertEqual((liar["cost"], liar["claimed_best"]), ("15", "14"))

    def test_totals_are_the_contest_points(self):
        t = self.rows["TOTAL"]
        self.assertEqual(t["score_vs_contest_best"], "3.000000")  # ok, late, liar
        self.assertEqual((t["feasible"], t["overrun"]), ("3/8", "2/8"))

    def test_logs_and_solver_arguments(self):
        for name in MODES:
            self.assertTrue((self.out / f"{name}.out").is_file())
            self.assertTrue((self.out / f"{name}.err").is_file())
        self.assertIn("args --threads 2 --seed 7", (self.out / "t-ok.err").read_text())
        self.assertIn("cost: 15", (self.out / "t-ok.eval").read_text())
        self.assertFalse((self.out / "t-empty.eval").exists())

    def test_markdown_and_run_json(self):
        md = (self.out / "results.md").read_text()
        self.assertIn("| t-ok | 0.5 | 15 | yes | 1.0000 | 1.0000 | 1.2667 |", md)
        self.assertIn("**points (8)**", md)
        self.assertIn(md, self.proc.stdout)
        meta = json.loads((self.out / "run.json").read_text())
        self.assertTrue(meta["finished"])
        self.assertEqual(meta["scale"], "timeout 0.5s")
        self.assertEqual(meta["solver_args"], ["--threads 2", "--seed", "7"])
        self.assertTrue(meta["command"].startswith("scripts/bench --dir "))
        self.assertGreaterEqual(meta["machine"]["nproc"], 1)

    def test_convergence_svg(self):
        words = svg_words(self.out / "convergence.svg")
        self.assertIn("t-ok", words)
        self.assertIn("3.0000 points vs contest best", words)
        self.assertIn("no-solution", words)

    def test_memory_svgs(self):
        self.assertIn("peak 5 at t=1", svg_words(self.out / "t-ok.memory.svg"))
        self.assertIn("INFEASIBLE", svg_words(self.out / "t-infeasible.memory.svg"))
        self.assertFalse((self.out / "t-empty.memory.svg").exists())

    def test_record(self):
        text = self.record.read_text()
        self.assertIn("| 3.0000 |", text)
        self.assertIn("| 3/8 | 2/8 |", text)
        self.assertIn("- command: `scripts/bench --dir", text)
        self.assertIn("| t-ok | 0.5 | 15 |", text)


class PlotCliTests(unittest.TestCase):
    def test_convergence_of_two_folders_and_memory_of_a_solution(self):
        with tempfile.TemporaryDirectory() as d:
            base = Path(d)
            write_tiny_suite(base / "data", ["t1"])
            for folder, mode in (("a", "normal"), ("b", "liar")):
                proc = run([BENCH, "--dir", base / "data", "--binary", FAKE, "--scale", "0.5",
                            "--out", base / folder, "--no-memory-svg"],
                           {"FAKE_IOPDDL_MODE": mode})
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertFalse((base / folder / "t1.memory.svg").exists())
            proc = run([PLOT, "convergence", base / "a", base / "b", "-o", base / "c.svg",
                        "--labels", "first,second", "--reference", base / "data/reference.csv"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            words = svg_words(base / "c.svg")
            self.assertIn("first", words)
            self.assertIn("second", words)
            self.assertIn("t1 · timeout 0.5 s · best known 15", words)
            (base / "sol.txt").write_text("some log\n[0, 1, 0]\n")
            proc = run([PLOT, "memory", base / "data/t1.json", base / "sol.txt",
                        "-o", base / "m.svg"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("cost 15", svg_words(base / "m.svg"))
            proc = run([PLOT, "memory", base / "data/t1.json", base / "data/t1.json",
                        "-o", base / "x.svg"])
            self.assertEqual(proc.returncode, 2)
            self.assertIn("error:", proc.stderr)


class ErrorTests(unittest.TestCase):
    def test_unknown_instance(self):
        with tempfile.TemporaryDirectory() as d:
            write_tiny_suite(Path(d), ["t1"])
            proc = run([BENCH, "--dir", d, "--binary", FAKE, "--instances", "Z"])
            self.assertEqual(proc.returncode, 2)
            self.assertIn("error:", proc.stderr)
            self.assertIn("asplos-2025-iopddl-Z", proc.stderr)

    def test_instance_without_timeout(self):
        with tempfile.TemporaryDirectory() as d:
            write_tiny_suite(Path(d), ["t1"], with_reference=False)
            proc = run([BENCH, "--dir", d, "--binary", FAKE, "--reference", Path(d) / "none.csv"])
            self.assertEqual(proc.returncode, 2)
            self.assertIn("no such file", proc.stderr)

    def test_missing_binary_outside_a_build_folder(self):
        with tempfile.TemporaryDirectory() as d:
            write_tiny_suite(Path(d), ["t1"])
            proc = run([BENCH, "--binary", "/nonexistent/iopddl", "--dir", d])
            self.assertEqual(proc.returncode, 2)
            self.assertIn("/nonexistent/iopddl: no such file", proc.stderr)

    def test_bad_scale(self):
        proc = run([BENCH, "--scale", "0"])
        self.assertEqual(proc.returncode, 2)


class RunnerTests(unittest.TestCase):
    def test_peak_rss_and_wall_time(self):
        with tempfile.TemporaryDirectory() as d:
            code = "import time; b = bytearray(120 * 2**20); b[::4096] = b'x' * len(b[::4096]); " \
                   "time.sleep(0.2); print('[0]')"
            r = runner.run_solver([sys.executable, "-c", code], Path(d) / "o", Path(d) / "e", 10)
            self.assertEqual((r.exit_code, r.killed), (0, False))
            self.assertGreater(r.peak_rss_mb, 120)
            self.assertLess(r.peak_rss_mb, 400)
            self.assertGreaterEqual(r.wall_s, 0.2)
            self.assertEqual((Path(d) / "o").read_text(), "[0]\n")

    def test_the_harness_memory_does_not_leak_into_the_solvers_peak(self):
        # a child's ru_maxrss includes the peak of the process it was forked from; the
        # launcher keeps the harness (here: this test process, 300 MB larger) out of it
        ballast = bytearray(300 * 2**20)
        ballast[::4096] = b"x" * len(ballast[::4096])
        with tempfile.TemporaryDirectory() as d:
            r = runner.run_solver(["true"], Path(d) / "o", Path(d) / "e", 10)
        del ballast
        self.assertEqual(r.exit_code, 0)
        self.assertLess(r.peak_rss_mb, 50)

    def test_missing_program(self):
        with tempfile.TemporaryDirectory() as d:
            r = runner.run_solver(["/nonexistent/solver"], Path(d) / "o", Path(d) / "e", 10)
            self.assertEqual(r.exit_code, 127)
            self.assertIn("cannot run /nonexistent/solver", (Path(d) / "e").read_text())

    def test_kill_after_the_limit(self):
        with tempfile.TemporaryDirectory() as d:
            r = runner.run_solver([sys.executable, "-c", "import time; time.sleep(30)"],
                                  Path(d) / "o", Path(d) / "e", 0.3)
            self.assertTrue(r.killed)
            self.assertLess(r.exit_code, 0)
            self.assertLess(r.wall_s, 5)

    def test_evaluate_output_parsing(self):
        fields = runner.parse_evaluate_output("cost: 15\npeak: 5\nlimit: none\nfeasible: yes\n"
                                              "some prose: ignored? no, kept\n")
        self.assertEqual((fields["cost"], fields["limit"], fields["feasible"]),
                         ("15", "none", "yes"))


@unittest.skipUnless((SHARED / "asplos-2025-iopddl-B.json.gz").is_file(),
                     f"no benchmark instances in {SHARED}")
class FakeOnRealInstancesTests(unittest.TestCase):
    """The short run of the issue (scale 0.05 on B and G) with the fake solver."""

    def test_short_run(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "out"
            proc = run([BENCH, "--instances", "B,G", "--scale", "0.05", "--binary", FAKE,
                        "--out", out], {"FAKE_IOPDDL_SECONDS": "0.2"})
            self.assertEqual(proc.returncode, 0, proc.stderr)
            _, rows = read_results(out)
            b, g = rows["asplos-2025-iopddl-B"], rows["asplos-2025-iopddl-G"]
            self.assertEqual((b["timeout_s"], g["timeout_s"]), ("3", "6"))
            for r, best in ((b, 532843), (g, 217039)):
                self.assertEqual((r["feasible"], r["crosscheck"]), ("yes", "ok"))
                self.assertEqual(r["score_vs_contest_best"], f"{best / int(r['cost']):.6f}")
            self.assertRegex(proc.stderr, re.compile(r"^\[1/2\] asplos-2025-iopddl-B 3s -> cost ",
                                                     re.M))
            svg_root(out / "convergence.svg")
            self.assertIn("peak", svg_words(out / "asplos-2025-iopddl-G.memory.svg"))


if __name__ == "__main__":
    unittest.main()
