import gzip
import json
import tempfile
import unittest
from pathlib import Path

from helpers import TINY, TINY_OPTIMUM, SHARED
from benchlib import problem as P


class SolutionParsingTests(unittest.TestCase):
    def test_parse_list(self):
        self.assertEqual(P.parse_list("[0, 1, 2]"), [0, 1, 2])
        self.assertEqual(P.parse_list(" [0,1,2] \n"), [0, 1, 2])
        self.assertEqual(P.parse_list("[]"), [])
        for bad in ["", "[", "[1,]", "[1 2]", "[a]", "x [1]", "[1.5]"]:
            with self.subTest(bad=bad):
                self.assertIsNone(P.parse_list(bad))

    def test_contest_reads_only_the_last_line(self):
        text = "#1 0.1s best:5\n[0, 1]\ndone\n"
        self.assertIsNone(P.last_line_solution(text))
        self.assertEqual(P.last_list_solution(text), [0, 1])
        self.assertEqual(P.last_line_solution("[1]\n[0, 1]\n\n"), [0, 1])
        self.assertIsNone(P.last_line_solution(""))


class EvaluateTests(unittest.TestCase):
    prob = TINY["problem"]

    def test_costs_from_the_comment_in_helpers(self):
        self.assertEqual(P.cost_of(self.prob, [0, 0, 0]), 19)
        self.assertEqual(P.cost_of(self.prob, [0, 1, 0]), TINY_OPTIMUM)
        self.assertEqual(P.cost_of(self.prob, [1, 1, 0]), 11)

    def test_feasibility_and_peak(self):
        ev = P.evaluate(self.prob, [0, 1, 0])
        self.assertEqual((ev.cost, ev.peak, ev.peak_time, ev.limit, ev.feasible),
                         (15, 5, 1, 6, True))
        ev = P.evaluate(self.prob, [1, 1, 1])
        self.assertEqual((ev.cost, ev.peak, ev.peak_time, ev.feasible), (17, 9, 1, False))

    def test_no_limit_means_feasible(self):
        prob = dict(self.prob)
        del prob["usage_limit"]
        self.assertTrue(P.evaluate(prob, [1, 1, 1]).feasible)

    def test_bad_solutions(self):
        with self.assertRaisesRegex(ValueError, "2 entries, problem has 3 nodes"):
            P.evaluate(self.prob, [0, 0])
        with self.assertRaisesRegex(ValueError, r"solution\[2\] = 2: node 2 has 2 strategies"):
            P.evaluate(self.prob, [0, 0, 2])

    def test_three_node_edge_is_row_major(self):
        # k = (2, 3, 2): index = (s0 * 3 + s1) * 2 + s2; [1, 2, 0] -> (3 + 2) * 2 + 0 = 10
        prob = {"nodes": {"intervals": [[0, 0]] * 3, "costs": [[0, 0], [0, 0, 0], [0, 0]],
                          "usages": [[0, 0], [0, 0, 0], [0, 0]]},
                "edges": {"nodes": [[0, 1, 2]], "costs": [list(range(100, 112))]}}
        self.assertEqual(P.cost_of(prob, [1, 2, 0]), 110)

    def test_usage_steps_half_open_and_empty_intervals(self):
        times, levels = P.usage_steps([[0, 2], [1, 3], [0, 0], [5, 5], [4, 6]], [1, 2, 50, 60, 4])
        # t0: 1, t1: 1+2, t2: 2, t3: 0, t4..5: 4, t6: 0
        self.assertEqual(list(zip(times, levels)), [(0, 1), (1, 3), (2, 2), (3, 0), (4, 4), (6, 0)])
        self.assertEqual(P.peak_of(times, levels), (4, 4))
        self.assertEqual(P.peak_of([], []), (0, None))

    def test_load_plain_and_gzip(self):
        with tempfile.TemporaryDirectory() as d:
            plain, gz = Path(d) / "t.json", Path(d) / "t.json.gz"
            plain.write_text(json.dumps(TINY))
            with gzip.open(gz, "wt") as f:
                json.dump(TINY, f)
            self.assertEqual(P.load_problem(plain), TINY["problem"])
            self.assertEqual(P.load_problem(gz), TINY["problem"])
            plain.write_text("[]")
            with self.assertRaisesRegex(ValueError, "key 'problem'"):
                P.load_problem(plain)

    @unittest.skipUnless((SHARED / "example.json").is_file(), "no ../shared/benchmarks")
    def test_the_formats_example(self):
        prob = P.load_problem(SHARED / "example.json")
        ev = P.evaluate(prob, [0, 0, 2, 1, 0])
        self.assertEqual((ev.cost, ev.feasible), (445, True))


if __name__ == "__main__":
    unittest.main()
