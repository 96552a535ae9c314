"""`scripts/bench --ray`: the same jobs as Ray tasks on a local Ray with 2 CPUs.

The fake solver's sweep (two instances x two seeds, --threads 1) must give the plain runner's
rows; with the real binary, B and G at scale 0.1 with --threads 1 --max-iterations (the solver
is deterministic only then) must give the plain runner's costs. Skipped when Ray is not
installed in .venv (scripts/setup installs it)."""

import csv
import subprocess
import tempfile
import unittest
from pathlib import Path

from helpers import BENCH, FAKE, ROOT, SHARED, read_results, run, write_tiny_suite

VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
BINARY = ROOT / ".build" / "release" / "iopddl"


def ray_installed() -> bool:
    if not VENV_PYTHON.is_file():
        return False
    return subprocess.run([str(VENV_PYTHON), "-c", "import ray"], capture_output=True).returncode == 0


SKIP = None if ray_installed() else f"Ray is not installed in {VENV_PYTHON.parent.parent} (scripts/setup)"
# Columns that depend on timing or on the machine, not on the jobs' answers.
TIMING = {"wall_s", "peak_rss_mb", "last_improvement_s", "longest_stall_pct",
          "longest_stall_from_s", "cost_at_25pct", "cost_at_50pct", "score_at_25pct",
          "score_at_50pct", "progress_events", "overrun"}


@unittest.skipIf(SKIP is not None, SKIP or "")
class RayFakeSweepTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        base = Path(cls.tmp.name)
        data = base / "data"
        write_tiny_suite(data, ["r-one", "r-two"])
        common = ["--dir", data, "--binary", FAKE, "--timeout", "1", "--threads", "1",
                  "--seeds", "3,4", "--variant", "plain=--quiet-fake"]
        cls.ray_out, cls.plain_out = base / "ray", base / "plain"
        cls.ray = run([BENCH, *common, "--out", cls.ray_out, "--ray", "--ray-cpus", "2",
                       "--bound-runs"], timeout=180)
        cls.plain = run([BENCH, *common, "--out", cls.plain_out], timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_ray_sweep_gives_the_plain_runners_rows(self):
        self.assertEqual(self.ray.returncode, 0, self.ray.stderr)
        self.assertEqual(self.plain.returncode, 0, self.plain.stderr)
        _, ray_rows = read_results(self.ray_out)
        _, plain_rows = read_results(self.plain_out)
        runs = [f"r-{n}.plain.s{s}" for n in ("one", "two") for s in (3, 4)]
        self.assertEqual(sorted(ray_rows), sorted(runs + ["TOTAL"]))
        self.assertEqual(sorted(plain_rows), sorted(ray_rows))
        for key in runs:
            with self.subTest(run=key):
                r, p = ray_rows[key], plain_rows[key]
                self.assertEqual((r["cost"], r["feasible"], r["status"], r["seed"],
                                  r["variant"]), ("15", "yes", "ok", key[-1], "plain"))
                for column in r:
                    if column not in TIMING:
                        self.assertEqual(r[column], p[column], column)

    def test_files_of_every_task_reach_the_results_folder(self):
        for key in [f"r-{n}.plain.s{s}" for n in ("one", "two") for s in (3, 4)]:
            for suffix in (".out", ".err", ".eval", ".gap.svg", ".memory.svg"):
                self.assertTrue((self.ray_out / f"{key}{suffix}").is_file(), key + suffix)
        for name in ("results.md", "convergence.svg", "run.json"):
            self.assertTrue((self.ray_out / name).is_file(), name)

    def test_bound_runs_are_tasks_too(self):
        with open(self.ray_out / "bounds.csv", newline="") as f:
            rows = {r["run"]: r for r in csv.DictReader(f)}
        self.assertEqual(sorted(rows), ["r-one.bound", "r-two.bound"])
        for row in rows.values():
            # the fake's bound: node minima 4 + 1 + 3, edge minima 0 + 0; best known 15
            self.assertEqual((row["status"], row["bound"], row["method"],
                              row["bound_vs_best_known"]), ("ok", "8", "fake", f"{8 / 15:.6f}"))
        self.assertIn("upper-bound 15", (self.ray_out / "r-one.bound.err").read_text())
        self.assertIn("Bound runs", (self.ray_out / "results.md").read_text())

    def test_the_solver_got_its_seed_and_variant(self):
        err = (self.ray_out / "r-one.plain.s4.err").read_text()
        self.assertIn("args --threads 1 --seed 4 --quiet-fake", err)


REAL_SKIP = SKIP or (None if BINARY.is_file() else f"no solver binary at {BINARY}") or (
    None if all((SHARED / f"asplos-2025-iopddl-{n}.json.gz").is_file() for n in "BG")
    else f"B and G not found in {SHARED}")


@unittest.skipIf(REAL_SKIP is not None, REAL_SKIP or "")
class RayRealSweepTests(unittest.TestCase):
    def test_ray_and_plain_runner_give_the_same_costs_on_b_and_g(self):
        with tempfile.TemporaryDirectory() as tmp:
            common = ["--instances", "B,G", "--scale", "0.1", "--binary", BINARY,
                      "--threads", "1", "--no-memory-svg", "--", "--max-iterations", "200"]
            outs = {}
            for mode, extra in (("ray", ["--ray", "--ray-cpus", "2"]), ("plain", [])):
                out = Path(tmp) / mode
                proc = run([BENCH, "--out", out, *extra, *common], timeout=240)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                outs[mode] = read_results(out)[1]
            for name in ("asplos-2025-iopddl-B", "asplos-2025-iopddl-G"):
                self.assertEqual(outs["ray"][name]["status"], "ok")
                self.assertEqual(outs["ray"][name]["cost"], outs["plain"][name]["cost"], name)


if __name__ == "__main__":
    unittest.main()
