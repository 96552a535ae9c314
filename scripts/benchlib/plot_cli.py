"""scripts/plot: convergence charts of result folders, memory profiles of solutions."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from . import plots, problem, progress
from .reference import PREFIX, BenchError, instance_file, read_reference, short_name

USAGE = """scripts/plot convergence DIR [DIR2 ...] -o FILE.svg [--labels a,b] [--instances A,B]
       scripts/plot memory PROBLEM SOLUTION -o FILE.svg
       scripts/plot gap LOG -o FILE.svg --timeout S

convergence: cost above the best known cost against time, one panel per instance, one line per
             result folder written by scripts/bench (from its <benchmark>.err progress lines).
memory:      summed usage over time of a solution against the limit, the peak marked. PROBLEM is
             a .json/.json.gz file (or a short name such as B, looked up in ../shared/benchmarks);
             SOLUTION is any text file whose last [s0, s1, ...] line is the solution.
gap:         incumbent and lower bound over time, and the gap on a log scale, from a run's
             progress lines (LOG: its stderr, e.g. a results folder's <run>.err)."""


def to_png(svg_path: Path) -> Path | None:
    """Convert with rsvg-convert (or ImageMagick) when installed; None otherwise."""
    png = svg_path.with_suffix(".png")
    if shutil.which("rsvg-convert"):
        command = ["rsvg-convert", "-b", "white", "-o", str(png), str(svg_path)]
    elif shutil.which("convert"):
        command = ["convert", str(svg_path), str(png)]
    else:
        return None
    return png if subprocess.run(command).returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent.parent
    shared = root.parent / "shared" / "benchmarks"
    p = argparse.ArgumentParser(prog="scripts/plot", usage=USAGE)
    sub = p.add_subparsers(dest="kind", required=True)
    c = sub.add_parser("convergence", usage=USAGE)
    c.add_argument("folders", nargs="+", type=Path, metavar="DIR")
    c.add_argument("-o", "--output", type=Path, required=True)
    c.add_argument("--labels", help="comma-separated legend labels, one per folder")
    c.add_argument("--instances", help="only these instances (short letters or full names)")
    c.add_argument("--reference", type=Path, default=shared / "reference.csv")
    c.add_argument("--title")
    c.add_argument("--png", action="store_true", help="also write FILE.png")
    m = sub.add_parser("memory", usage=USAGE)
    m.add_argument("problem")
    m.add_argument("solution", type=Path)
    m.add_argument("-o", "--output", type=Path, required=True)
    m.add_argument("--png", action="store_true", help="also write FILE.png")
    g = sub.add_parser("gap", usage=USAGE)
    g.add_argument("log", type=Path)
    g.add_argument("-o", "--output", type=Path, required=True)
    g.add_argument("--timeout", type=float, required=True, metavar="SECONDS")
    g.add_argument("--png", action="store_true", help="also write FILE.png")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.kind == "gap":
            if not args.log.is_file():
                raise BenchError(f"{args.log}: no such file")
            events = progress.parse_run_logs(args.log)
            conv = progress.convergence(events)
            name = args.log.name[:-4] if args.log.name.endswith(".err") else args.log.name
            plots.gap_svg(name, conv.points, progress.bound_points(events),
                          args.timeout).write(args.output)
        elif args.kind == "convergence":
            reference = read_reference(args.reference) if args.reference.is_file() else {}
            instances = None
            if args.instances:
                instances = {t if t.startswith(PREFIX) or len(t) > 2 else PREFIX + t.upper()
                             for t in (x.strip() for x in args.instances.split(",")) if t}
            labels = args.labels.split(",") if args.labels else None
            plots.write_convergence(args.folders, args.output, reference, labels, instances,
                                    args.title)
        else:
            path = Path(args.problem)
            if not path.is_file():
                name = args.problem if len(args.problem) > 2 else PREFIX + args.problem.upper()
                found = instance_file(shared, name)
                if found is None:
                    raise BenchError(f"{args.problem}: no such problem file")
                path = found
            prob = problem.load_problem(path)
            solution = problem.read_solution(args.solution)
            evaluation = problem.evaluate(prob, solution)
            name = short_name(prob.get("name") or problem_name(path))
            svg = plots.memory_svg(name, prob["nodes"]["intervals"],
                                   problem.chosen_usages(prob, solution),
                                   problem.min_usages(prob), prob.get("usage_limit"),
                                   evaluation, args.solution.name)
            svg.write(args.output)
    except (BenchError, OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}", file=sys.stderr)
    if args.png:
        png = to_png(args.output)
        print(f"wrote {png}" if png else "no SVG converter found (apt-get install "
              "librsvg2-bin)", file=sys.stderr)
    return 0


def problem_name(path: Path) -> str:
    name = path.name
    for suffix in (".json.gz", ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
