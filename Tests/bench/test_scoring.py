import math
import unittest

import helpers  # noqa: F401
from benchlib.scoring import excess_pct, score, total


class ScoreTests(unittest.TestCase):
    def test_equal_cost_scores_one(self):
        self.assertEqual(score(532843, 532843), 1.0)

    def test_exact_ratio_reference_over_ours(self):
        self.assertEqual(score(2, 3), 2 / 3)
        self.assertEqual(score(6548641531, 6570860683), 6548641531 / 6570860683)

    def test_beating_the_reference_scores_above_one(self):
        self.assertEqual(score(1534613444, 1511377982), 1534613444 / 1511377982)
        self.assertGreater(score(1534613444, 1511377982), 1.0)

    def test_infeasible_scores_zero(self):
        self.assertEqual(score(532843, 532843, feasible=False), 0.0)

    def test_missing_answer_scores_zero(self):
        self.assertEqual(score(532843, None), 0.0)
        self.assertEqual(score(532843, None, feasible=False), 0.0)

    def test_no_reference_gives_no_score(self):
        self.assertIsNone(score(None, 100))
        self.assertIsNone(score(None, None, feasible=False))

    def test_huge_costs_with_infinite_markers(self):
        # 1e18 markers make totals exceed 2**63: Python integers keep the ratio right
        ours = 15000000000919813654
        self.assertAlmostEqual(score(532843, ours), 532843 / 1.5000000000919813654e19, places=30)

    def test_zero_cost(self):
        self.assertEqual(score(0, 0), 1.0)
        self.assertEqual(score(5, 0), math.inf)

    def test_total_is_the_sum_and_skips_missing_references(self):
        self.assertEqual(total([1.0, 0.5, 0.0, None]), 1.5)
        self.assertEqual(total([]), 0)

    def test_excess(self):
        self.assertEqual(excess_pct(110, 100), 10.0)
        self.assertEqual(excess_pct(90, 100), -10.0)


if __name__ == "__main__":
    unittest.main()
