import csv
import tempfile
import unittest
from pathlib import Path

import helpers  # noqa: F401
from benchlib import report

REQUIRED = ["benchmark", "timeout_s", "cost", "feasible", "score_vs_contest_best",
            "score_vs_best_known", "wall_s", "peak_rss_mb"]


def rows():
    return [
        {"benchmark": "asplos-2025-iopddl-B", "timeout_s": "60", "cost": 532843, "feasible": True,
         "score_vs_contest_best": 1.0, "score_vs_best_known": 1.0,
         "score_vs_first_place_here": 1.0, "wall_s": 5.123, "peak_rss_mb": 80.4,
         "overrun": False, "exit_code": 0, "status": "ok", "bound": 532843, "gap_pct": 0.0,
         "claimed_best": 532843, "progress_events": 4, "crosscheck": "ok"},
        {"benchmark": "asplos-2025-iopddl-K", "timeout_s": "180", "cost": 2300000000,
         "feasible": False, "score_vs_contest_best": 0.0, "score_vs_best_known": 0.0,
         "score_vs_first_place_here": 0.0, "wall_s": 180.4, "peak_rss_mb": 812.0,
         "overrun": True, "exit_code": 0, "status": "infeasible", "claimed_best": 2299999999},
        {"benchmark": "example", "timeout_s": "1", "cost": None, "feasible": False,
         "score_vs_contest_best": None, "score_vs_best_known": None,
         "score_vs_first_place_here": None, "wall_s": 0.1, "peak_rss_mb": 3.0,
         "overrun": False, "exit_code": 3, "status": "no-output"},
    ]


class CsvTests(unittest.TestCase):
    def test_columns_include_the_required_set_in_order(self):
        self.assertEqual(report.COLUMNS[:4], REQUIRED[:4])
        for column in REQUIRED + ["score_vs_first_place_here", "overrun", "exit_code"]:
            self.assertIn(column, report.COLUMNS)

    def test_write_and_read_back(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "results.csv"
            report.write_csv(path, rows())
            with open(path, newline="") as f:
                raw = list(csv.DictReader(f))
            self.assertEqual([r["benchmark"] for r in raw],
                             ["asplos-2025-iopddl-B", "asplos-2025-iopddl-K", "example", "TOTAL"])
            b, k, ex, t = raw
            self.assertEqual((b["cost"], b["feasible"], b["score_vs_contest_best"], b["wall_s"],
                              b["peak_rss_mb"], b["overrun"], b["gap_pct"]),
                             ("532843", "yes", "1.000000", "5.12", "80.4", "no", "0.0000"))
            self.assertEqual((k["feasible"], k["score_vs_contest_best"], k["overrun"]),
                             ("no", "0.000000", "yes"))
            self.assertEqual((ex["cost"], ex["score_vs_contest_best"], ex["exit_code"]),
                             ("", "", "3"))
            # the contest's points: 1 + 0 (+ nothing for the instance without a reference)
            self.assertEqual((t["score_vs_contest_best"], t["feasible"], t["overrun"],
                              t["wall_s"], t["peak_rss_mb"]),
                             ("1.000000", "1/3", "1/3", "185.62", "812.0"))
            self.assertEqual(len(report.read_csv(path)), 3)  # TOTAL left out

    def test_totals_without_any_reference(self):
        t = report.totals([rows()[2]])
        self.assertIsNone(t["score_vs_contest_best"])


class MarkdownTests(unittest.TestCase):
    def test_table_shape_and_total(self):
        table = report.markdown_table(rows()).splitlines()
        self.assertEqual(len(table), 2 + 3 + 1)
        widths = {line.count("|") for line in table}
        self.assertEqual(len(widths), 1, "every line has the same number of cells")
        self.assertTrue(table[2].startswith("| B | 60 | 532,843 | yes | 1.0000 |"))
        self.assertIn("**points (3)**", table[-1])
        self.assertIn("**1.0000**", table[-1])
        self.assertIn("infeasible; overrun; solver claimed 2,299,999,999", table[3])
        self.assertIn("no-output; exit 3", table[4])

    def test_empty(self):
        self.assertEqual(len(report.markdown_table([]).splitlines()), 2)


class RecordTests(unittest.TestCase):
    META = {"date": "2025-05-01 10:00", "commit": "abc1234",
            "machine": {"nproc": 2, "ram_gb": 23.5, "cpu": "Test CPU"},
            "command": "scripts/bench --record", "binary": ".build/release/iopddl",
            "solver_args": ["--threads 2"], "scale": 1.0, "out": "benchmarks/runs/x"}

    def test_append_twice_keeps_the_history(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "RESULTS.md"
            report.append_record(path, rows(), self.META)
            report.append_record(path, rows()[:1], dict(self.META, commit="def5678",
                                                        date="2025-05-02 11:00", scale=0.5))
            text = path.read_text()
            self.assertEqual(text.count("# Benchmark results"), 1)
            lines = text.splitlines()
            start = lines.index("## History")
            table = [l for l in lines[start:lines.index(report.HISTORY_END)] if l.startswith("|")]
            self.assertEqual(len(table), 4, "header, rule, two runs")
            self.assertIn("`abc1234`", table[2])
            self.assertIn("| 2 cores, 24 GB | 1 | B,K,example | 1.0000 |", table[2])
            self.assertIn("`def5678`", table[3])
            self.assertIn("| 0.5 | B |", table[3])
            first = text.index("### 2025-05-01 10:00 UTC, `abc1234`, scale 1")
            second = text.index("### 2025-05-02 11:00 UTC, `def5678`, scale 0.5")
            self.assertLess(first, second)
            self.assertIn("- machine: 2 cores (nproc), 23.5 GB RAM, Test CPU", text)
            self.assertIn("- command: `scripts/bench --record`", text)
            self.assertIn("with `--threads 2`", text)

    def test_existing_file_without_marker_gets_a_history(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "RESULTS.md"
            path.write_text("# Benchmark results\n\nhand-written notes\n")
            report.append_record(path, rows()[:1], self.META)
            text = path.read_text()
            self.assertIn("hand-written notes", text)
            self.assertIn("`abc1234`", text)


if __name__ == "__main__":
    unittest.main()


class RecordFromTests(unittest.TestCase):
    def test_a_written_csv_reads_back_typed_and_records_the_same_table(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "results.csv"
            report.write_csv(path, rows())
            back = [report.typed_row(r) for r in report.read_csv(path)]
            b = back[0]
            self.assertEqual((b["cost"], b["feasible"], b["overrun"], b["exit_code"], b["bound"]),
                             (532843, True, False, 0, 532843))
            self.assertAlmostEqual(b["wall_s"], 5.12)
            self.assertIsNone(back[2]["cost"])
            self.assertEqual(report.markdown_table(back), report.markdown_table(rows()))
            self.assertEqual(report.totals(back)["feasible"], "1/3")

    def test_record_from_a_finished_folder_and_refuses_an_unfinished_one(self):
        import json
        from benchlib import bench_cli
        from benchlib.reference import BenchError
        with tempfile.TemporaryDirectory() as d:
            folder = Path(d)
            report.write_csv(folder / "results.csv", rows())
            meta = dict(RecordTests.META, finished=True)
            (folder / "run.json").write_text(json.dumps(meta))
            target = folder / "RESULTS.md"
            self.assertEqual(bench_cli.record_from(folder, target), 0)
            self.assertIn("| 2 cores, 24 GB | 1 | B,K,example | 1.0000 |", target.read_text())
            (folder / "run.json").write_text(json.dumps(dict(meta, finished=False)))
            with self.assertRaises(BenchError):
                bench_cli.record_from(folder, target)
