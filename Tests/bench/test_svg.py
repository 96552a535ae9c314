import random
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import TINY
from benchlib import plots, problem, svg

NS = "{http://www.w3.org/2000/svg}"


def parse(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == NS + "svg", root.tag
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(NS + "text")]


class SvgWriterTests(unittest.TestCase):
    def test_escapes_text_and_attributes(self):
        s = svg.Svg(100, 50, title="a < b & c")
        s.text(1, 2, "cost < 5 & \"peak\"", fill="#000")
        s.path("M0 0H10", stroke_dasharray="2 3")
        root = parse(s.render())
        self.assertIn("cost < 5 & \"peak\"", texts(root))
        self.assertEqual(root.find(NS + "path").get("stroke-dasharray"), "2 3")

    def test_write_has_xml_declaration(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "x.svg"
            svg.Svg(10, 10).write(path)
            self.assertTrue(path.read_text().startswith("<?xml"))
            ET.parse(path)

    def test_scales_and_ticks(self):
        self.assertEqual(svg.nice_ticks(0, 60, 5), [0, 20, 40, 60])
        self.assertEqual(svg.nice_ticks(0, 3, 5), [0, 1, 2, 3])
        self.assertEqual(svg.nice_ticks(0, 1.2, 5), [0, 0.25, 0.5, 0.75, 1])
        self.assertEqual(svg.nice_ceiling(13.2e6), 20e6)
        log = svg.Log10(1e-4, 1e2, 100, 0)
        self.assertEqual(log(1e-4), 100)
        self.assertEqual(log(0), 100)  # at or below the floor: the bottom edge
        self.assertEqual(log(1e9), 0)  # above the top: the top edge
        self.assertAlmostEqual(log(1e-1), 50)
        self.assertEqual(svg.si(14392528), "14.4M")
        self.assertEqual(svg.step_path([(0, 5), (2, 3)], 4), "M0 5H2V3H4")


class ConvergenceTests(unittest.TestCase):
    REF = {"asplos-2025-iopddl-B": {"timeout_s": 60, "best_known": 1000, "contest_best": 1000,
                                    "first_place_solver_here_2cores": 1010}}

    def runs(self):
        a = plots.RunData("run a", {
            "asplos-2025-iopddl-B": plots.Series([(0.1, 5000), (1.0, 1100), (5.0, 1000)], 59.9,
                                                 60, 1000, True, "ok"),
            "other": plots.Series([(0.2, 40), (0.4, 30)], 1.0, 1, 30, True, "ok")},
            points_vs_contest_best=1.0)
        b = plots.RunData("run b", {
            "asplos-2025-iopddl-B": plots.Series([(0.2, 10 ** 18), (2.0, 999)], 60.0, 60, 999,
                                                 True, "ok"),
            "other": plots.Series([], 0.5, 1, None, False, "crashed")})
        return [a, b]

    def test_well_formed_with_panels_lines_and_legend(self):
        root = parse(plots.convergence_svg(self.runs(), self.REF).render())
        words = " ".join(texts(root))
        self.assertIn("run a", words)
        self.assertIn("1.0000 points vs contest best", words)
        self.assertIn("B · timeout 60 s · best known 1,000", words)
        self.assertIn("other · timeout 1 s · best seen here 30", words)  # no reference row
        self.assertIn("contest best", words)
        self.assertIn("1st place here", words)
        self.assertIn("below best known!", words)  # run b ends at 999 < 1000
        self.assertIn("crashed", words)  # a run without progress lines says why
        lines = [p for p in root.iter(NS + "path") if p.get("fill") == "none"]
        self.assertEqual(len(lines), 3, "one step line per run and instance with progress")

    def test_no_runs_or_no_points(self):
        parse(plots.convergence_svg([], {}).render())
        empty = plots.RunData("x", {"b": plots.Series([])})
        root = parse(plots.convergence_svg([empty], {}).render())
        self.assertIn("no progress lines", texts(root))


class MemoryTests(unittest.TestCase):
    prob = TINY["problem"]

    def chart(self, solution):
        ev = problem.evaluate(self.prob, solution)
        return parse(plots.memory_svg("tiny", self.prob["nodes"]["intervals"],
                                      problem.chosen_usages(self.prob, solution),
                                      problem.min_usages(self.prob), self.prob["usage_limit"],
                                      ev, "sol.txt").render())

    def test_feasible_profile_marks_peak_and_limit(self):
        root = self.chart([0, 1, 0])
        words = " ".join(texts(root))
        self.assertIn("peak 5 at t=1", words)
        self.assertIn("limit 6", words)
        self.assertIn("83.3% used", words)
        self.assertIn("feasible", words)
        self.assertEqual(len(list(root.iter(NS + "circle"))), 1, "the peak marker")
        self.assertIsNone(root.find(f"{NS}defs/{NS}clipPath[@id='over']"))

    def test_infeasible_profile_shows_the_excess(self):
        root = self.chart([1, 1, 1])
        self.assertIn("INFEASIBLE", " ".join(texts(root)))
        self.assertIsNotNone(root.find(f"{NS}defs/{NS}clipPath[@id='over']"))

    def test_envelope_keeps_every_peak(self):
        rnd = random.Random(7)
        times = sorted(rnd.sample(range(100000), 5000))
        levels = [rnd.randint(0, 1000) for _ in times]
        levels[-1] = 0
        et, el = plots.envelope(times, levels, times[0], times[-1], 300)
        self.assertLessEqual(len(et), 302)
        self.assertEqual(max(el), max(levels))
        # the envelope is at least every original level somewhere over that level's interval
        for i in range(len(times) - 1):
            a, b = times[i], times[i + 1]
            over = [el[j] for j in range(len(et))
                    if et[j] < b and (j + 1 == len(et) or et[j + 1] > a)]
            self.assertGreaterEqual(max(over), levels[i])

if __name__ == "__main__":
    unittest.main()
