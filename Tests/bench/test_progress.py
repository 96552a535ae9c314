import tempfile
import unittest
from pathlib import Path

import helpers  # noqa: F401  (puts scripts/ on sys.path)
from benchlib.progress import convergence, parse_line, parse_run_logs, parse_text


class ParseLineTests(unittest.TestCase):
    def test_full_line(self):
        e = parse_line("#12 3.41s best:6550261230 bound:6513812172 gap:0.56% src:lns-bfs")
        self.assertEqual((e.seq, e.seconds, e.best, e.bound, e.gap_pct, e.src),
                         (12, 3.41, 6550261230, 6513812172, 0.56, "lns-bfs"))
        self.assertEqual(e.extra, {})

    def test_bound_and_gap_are_optional(self):
        e = parse_line("#1 0.02s best:532843 src:min-usage")
        self.assertEqual((e.best, e.bound, e.gap_pct, e.src), (532843, None, None, "min-usage"))

    def test_unknown_fields_are_kept_aside(self):
        e = parse_line("#3 1s best:7 iters:120 src:x nodes:40 temp:0.5")
        self.assertEqual(e.best, 7)
        self.assertEqual(e.src, "x")
        self.assertEqual(e.extra, {"iters": "120", "nodes": "40", "temp": "0.5"})

    def test_integers_beyond_int64_stay_exact(self):
        e = parse_line("#2 0.10s best:15000000000919813654 bound:37904 src:a")
        self.assertEqual(e.best, 15000000000919813654)

    def test_tolerates_line_endings_and_extra_spaces(self):
        e = parse_line("  #4   2.5s  best:10   src:a \r\n")
        self.assertEqual((e.seq, e.seconds, e.best), (4, 2.5, 10))

    def test_malformed_lines_are_ignored(self):
        for line in ["", "#", "hello world", "#12 3.41s", "12 3.41s best:1 src:a",
                     "#x 3.41s best:1 src:a", "#12 3.41 best:1 src:a", "#12 s best:1",
                     "#12 -1s best:1 src:a", "#12 3.41s best:abc src:a", "#12 3.41s best: src:a",
                     "#12 3.41s bound:5 gap:1% src:a", "#12 3.41s best:1.5 src:a",
                     "error: #12 3.41s best:1"]:
            with self.subTest(line=line):
                self.assertIsNone(parse_line(line))

    def test_a_malformed_optional_field_is_dropped_not_the_event(self):
        e = parse_line("#5 1.0s best:9 bound:soon gap:n/a% src:a")
        self.assertEqual((e.best, e.bound, e.gap_pct), (9, None, None))

    def test_gap_forms(self):
        self.assertEqual(parse_line("#1 1s best:9 gap:12.5").gap_pct, 12.5)
        self.assertEqual(parse_line("#1 1s best:9 gap:inf%").gap_pct, float("inf"))

    def test_tokens_without_colon_are_ignored(self):
        e = parse_line("#1 1s best:9 src:a (improved)")
        self.assertEqual((e.best, e.src), (9, "a"))


class LogTests(unittest.TestCase):
    LOG = "\n".join([
        "loading problem ...",
        "#1 0.05s best:100 src:min-usage",
        "#2 0.50s best:90 bound:50 gap:44.4% src:lns",
        "note: restart",
        "#3 0.70s best:90 bound:60 gap:33.3% src:bound",  # bound moves, best does not
        "#4 1.20s best:80 src:lns",
        "#5 garbage",
    ])

    def test_parse_text_keeps_order_and_skips_noise(self):
        events = parse_text(self.LOG)
        self.assertEqual([e.seq for e in events], [1, 2, 3, 4])

    def test_convergence_keeps_improvements_and_last_bound(self):
        conv = convergence(parse_text(self.LOG))
        self.assertEqual(conv.points, [(0.05, 100), (0.5, 90), (1.2, 80)])
        self.assertEqual((conv.last_bound, conv.last_gap_pct), (60, 33.3))
        self.assertEqual((conv.final_best, conv.last_improvement_s), (80, 1.2))

    def test_empty_log(self):
        conv = convergence([])
        self.assertEqual((conv.points, conv.final_best, conv.last_bound), ([], None, None))

    def test_stdout_hash_lines_are_the_fallback(self):
        with tempfile.TemporaryDirectory() as d:
            err, out = Path(d) / "x.err", Path(d) / "x.out"
            err.write_text("no progress here\n")
            out.write_text("#1 0.1s best:5 src:a\n[0, 1]\n")
            self.assertEqual([e.best for e in parse_run_logs(err, out)], [5])
            err.write_text("#1 0.1s best:7 src:a\n")
            self.assertEqual([e.best for e in parse_run_logs(err, out)], [7])
            self.assertEqual(parse_run_logs(Path(d) / "missing.err"), [])


if __name__ == "__main__":
    unittest.main()
