"""The anytime view: the incumbent at 25/50/100% of the timeout, the longest stall, scores
against best_known or the best seen, the gap-over-time chart; and --dir with instances that
have no reference row."""

import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import BENCH, FAKE, PLOT, read_results, run, write_tiny_suite
from benchlib import plots, progress, report

# A 60 s run: 900 at 1 s, 500 at 3 s, then a stall until 33 s (30 s = 50% of the timeout),
# 400 at 33 s, 390 at 50 s.
POINTS = [(1.0, 900), (3.0, 500), (33.0, 400), (50.0, 390)]


class AnytimeTests(unittest.TestCase):
    def test_best_at_each_fraction(self):
        self.assertEqual(progress.anytime(POINTS, 60.0),
                         {"cost_at_25pct": 500, "cost_at_50pct": 500, "cost_at_100pct": 390})

    def test_nothing_before_the_first_solution(self):
        self.assertEqual(progress.anytime([(20.0, 7)], 60.0),
                         {"cost_at_25pct": None, "cost_at_50pct": 7, "cost_at_100pct": 7})

    def test_an_improvement_after_the_timeout_is_not_counted(self):
        self.assertEqual(progress.anytime([(1.0, 9), (61.0, 8)], 60.0)["cost_at_100pct"], 9)

    def test_longest_stall_is_between_improvements(self):
        stall = progress.longest_stall(POINTS)
        self.assertEqual((stall.seconds, stall.from_s), (30.0, 3.0))
        self.assertIsNone(progress.longest_stall([(1.0, 5)]))

    def test_bound_points_keep_changes_only(self):
        events = progress.parse_text("#1 0.5s best:900 src:a\n#2 1s best:900 bound:100 src:b\n"
                                     "#3 2s best:800 bound:100 src:c\n#4 4s best:800 bound:300 src:d")
        self.assertEqual(progress.bound_points(events), [(1.0, 100), (4.0, 300)])


class RelativeColumnsTests(unittest.TestCase):
    def rows(self):
        return [{"benchmark": "x", "cost": 400, "feasible": True, "cost_at_25pct": 800,
                 "cost_at_50pct": 500, "cost_at_100pct": 400},
                {"benchmark": "x", "cost": 500, "feasible": True, "cost_at_25pct": 1000,
                 "cost_at_50pct": 500, "cost_at_100pct": 500},
                {"benchmark": "x", "cost": 100, "feasible": False, "cost_at_25pct": 100},
                {"benchmark": "y", "cost": 250, "feasible": True, "cost_at_25pct": 300,
                 "cost_at_50pct": None, "cost_at_100pct": 250}]

    def test_without_best_known_the_yardstick_is_the_best_feasible_answer_seen(self):
        rows = self.rows()
        report.add_relative_columns(rows, {})
        self.assertEqual([r["best_seen"] for r in rows], [400, 400, 400, 250])
        self.assertEqual([r["score_vs_best_seen"] for r in rows], [1.0, 0.8, 0.0, 1.0])
        self.assertEqual(rows[0]["anytime_vs"], "best_seen")
        self.assertEqual((rows[0]["score_at_25pct"], rows[1]["score_at_25pct"]), (0.5, 0.4))
        self.assertIsNone(rows[3]["score_at_50pct"])

    def test_best_known_wins_when_the_reference_has_it(self):
        rows = self.rows()
        report.add_relative_columns(rows, {"y": {"best_known": 200}})
        self.assertEqual((rows[3]["anytime_vs"], rows[3]["score_at_25pct"],
                          rows[3]["score_at_100pct"]), ("best_known", 200 / 300, 0.8))
        table = report.markdown_table(rows)
        self.assertIn("| 0.5000* |", table)  # x against the best seen is starred
        self.assertIn("| 0.6667 |", table)

    def test_csv_round_trip_keeps_the_new_columns(self):
        rows = self.rows()[:1]
        rows[0].update(run="x.s1", seed=1, variant="", longest_stall_pct=50.0,
                       longest_stall_from_s=3.0)
        report.add_relative_columns(rows, {})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "results.csv"
            report.write_csv(path, rows)
            back = report.typed_row(report.read_csv(path)[0])
        for key in ("seed", "best_seen", "cost_at_25pct", "score_at_25pct",
                    "longest_stall_pct", "run"):
            self.assertEqual(back[key], rows[0][key], key)


class GapChartTests(unittest.TestCase):
    def test_chart_has_both_lines_and_the_final_gap(self):
        bound = [(2.0, 300), (40.0, 380)]
        svg = plots.gap_svg("x", POINTS, bound, 60.0, 60.0).render()
        root = ET.fromstring(svg)
        paths = [e for e in root.iter() if e.tag.endswith("path")]
        self.assertEqual(len(paths), 3, "best, bound and the gap")
        words = " ".join(e.text or "" for e in root.iter() if e.tag.endswith("text"))
        self.assertIn("final best 390", words)
        self.assertIn("bound 380", words)
        self.assertIn(f"gap {(390 - 380) * 100 / 390:.4g}%", words)

    def test_gap_series_starts_with_the_first_bound(self):
        bound = [(2.0, 300), (40.0, 380)]
        # 900 vs 300 at 2 s, 500 vs 300 at 3 s, 400 vs 300 at 33 s, 400 vs 380 at 40 s,
        # 390 vs 380 at 50 s
        self.assertEqual(plots.gap_series(POINTS, bound),
                         [(2.0, 600 * 100 / 900), (3.0, 40.0), (33.0, 25.0), (40.0, 5.0),
                          (50.0, 10 * 100 / 390)])

    def test_plot_gap_redraws_it_from_a_log(self):
        with tempfile.TemporaryDirectory() as tmp:
            log, svg = Path(tmp) / "x.err", Path(tmp) / "x.svg"
            log.write_text("#1 1s best:900 src:a\n#2 2s best:900 bound:300 src:b\n"
                           "#3 3s best:500 bound:300 src:c\n", encoding="utf-8")
            proc = run([PLOT, "gap", log, "-o", svg, "--timeout", "10"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            words = " ".join(e.text or "" for e in ET.parse(svg).getroot().iter()
                             if e.tag.endswith("text"))
            self.assertIn("x: incumbent and lower bound", words)
            self.assertIn("gap 40%", words)

    def test_without_a_bound(self):
        svg = plots.gap_svg("x", POINTS, [], 60.0).render()
        self.assertIn("no bound printed", svg)


class UnreferencedInstancesTests(unittest.TestCase):
    """Derived instances without a reference row: `--dir DIR --timeout S` runs every file."""

    def test_dir_without_reference_runs_every_instance_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            data, out = Path(tmp) / "derived", Path(tmp) / "out"
            write_tiny_suite(data, ["d-one", "d-two"], with_reference=False)
            proc = run([BENCH, "--dir", data, "--binary", FAKE, "--timeout", "0.5", "--out", out,
                        "--no-memory-svg"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            _, rows = read_results(out)
            self.assertEqual(sorted(rows), ["TOTAL", "d-one", "d-two"])
            for name in ("d-one", "d-two"):
                r = rows[name]
                self.assertEqual((r["cost"], r["score_vs_contest_best"], r["best_seen"],
                                  r["score_vs_best_seen"], r["anytime_vs"]),
                                 ("15", "", "15", "1.000000", "best_seen"))
                self.assertTrue((out / f"{name}.gap.svg").is_file())


if __name__ == "__main__":
    unittest.main()
