"""scripts/bench: run the solver on benchmark instances and score it like the contest did."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
from pathlib import Path

from . import plots, problem, progress, report, runner, scoring
from .reference import (BenchError, Instance, format_seconds, read_reference,
                        resolve_instances, short_name)

USAGE = """scripts/bench [options] [-- extra solver args]

Runs the solver on benchmark instances at SCALE x the contest timeout, verifies every answer
with `iopddl evaluate`, and writes OUT/results.csv, OUT/results.md, OUT/convergence.svg,
OUT/<benchmark>.memory.svg, OUT/run.json and each run's OUT/<benchmark>.out/.err/.eval."""


def parse_args(argv: list[str], root: Path) -> argparse.Namespace:
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    p = argparse.ArgumentParser(prog="scripts/bench", usage=USAGE)
    p.add_argument("--instances", metavar="A,B,...",
                   help="short letters (K) or full names; default: every instance of "
                        "reference.csv found in --dir")
    p.add_argument("--scale", type=float, default=1.0,
                   help="fraction of the contest timeout (default 1: the contest's own)")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="one timeout for every instance instead of scale x reference.csv")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="results folder (default benchmarks/runs/<date>-<commit>)")
    p.add_argument("--threads", type=int, metavar="N", help="passed to the solver as --threads N")
    p.add_argument("--dir", type=Path, default=root.parent / "shared" / "benchmarks",
                   help="folder of <benchmark>.json.gz / .json files "
                        "(default ../shared/benchmarks)")
    p.add_argument("--reference", type=Path, metavar="CSV",
                   help="default: DIR/reference.csv, else ../shared/benchmarks/reference.csv")
    p.add_argument("--binary", type=Path, metavar="PATH",
                   help="solver binary (default .build/release/iopddl, built when missing)")
    p.add_argument("--build", action="store_true",
                   help="run `swift build -c release` first even if the binary exists")
    p.add_argument("--grace", type=float, default=None, metavar="SECONDS",
                   help="kill the solver this long after its timeout (default 10 + 10%%)")
    p.add_argument("--no-memory-svg", dest="memory_svg", action="store_false",
                   help="skip the per-instance memory profiles and the Python cross-check")
    p.add_argument("--record", action="store_true",
                   help="append the table with date, commit, machine and command to "
                        "benchmarks/RESULTS.md")
    p.add_argument("--record-from", type=Path, metavar="DIR",
                   help="record the finished run in results folder DIR (its run.json and "
                        "results.csv) in benchmarks/RESULTS.md instead of running anything")
    p.add_argument("--record-file", type=Path, default=root / "benchmarks" / "RESULTS.md",
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.extra = extra
    if args.scale <= 0:
        p.error("--scale must be positive")
    if args.timeout is not None and args.timeout <= 0:
        p.error("--timeout must be positive")
    if args.threads is not None and args.threads < 1:
        p.error("--threads must be at least 1")
    return args


def find_reference(args: argparse.Namespace, root: Path) -> dict:
    if args.reference is not None:
        if not args.reference.is_file():
            raise BenchError(f"{args.reference}: no such file")
        return read_reference(args.reference)
    for candidate in (args.dir / "reference.csv",
                      root.parent / "shared" / "benchmarks" / "reference.csv"):
        if candidate.is_file():
            return read_reference(candidate)
    return {}


def find_binary(args: argparse.Namespace, root: Path) -> Path:
    binary = (args.binary or root / ".build" / "release" / "iopddl").absolute()
    if args.build or not binary.is_file():
        if binary.parent.name != "release":
            raise BenchError(f"{binary}: no such file (give --binary a built solver)")
        runner.build(root, binary)
    return binary


def shown_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def display_command(argv: list[str], root: Path) -> str:
    """The command as typed at the repository root."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), root)
    return shlex.join([script if not script.startswith("..") else sys.argv[0], *argv])


def bench_instance(inst: Instance, binary: Path, out: Path, args: argparse.Namespace) -> dict:
    """Run, verify and measure one instance; returns its result row (typed values)."""
    timeout_text = format_seconds(inst.timeout_s)
    command = [str(binary), str(inst.path), timeout_text]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    command += args.extra
    out_path, err_path = out / f"{inst.benchmark}.out", out / f"{inst.benchmark}.err"
    grace = args.grace if args.grace is not None else 10 + 0.1 * inst.timeout_s
    run = runner.run_solver(command, out_path, err_path, inst.timeout_s + grace)

    conv = progress.convergence(progress.parse_run_logs(err_path, out_path))
    answer = problem.last_line_solution(out_path.read_text(encoding="utf-8", errors="replace"))
    row: dict = {"benchmark": inst.benchmark, "timeout_s": timeout_text,
                 "wall_s": run.wall_s, "peak_rss_mb": run.peak_rss_mb,
                 "overrun": run.wall_s > inst.timeout_s, "exit_code": run.exit_code,
                 "feasible": False, "bound": conv.last_bound,
                 "claimed_best": conv.final_best, "last_improvement_s": conv.last_improvement_s,
                 "progress_events": len(conv.points)}
    evaluated = None
    if answer is None:
        row["status"] = "no-output"  # the last stdout line is not [s0, s1, ...]
    elif not answer:
        row["status"] = "no-solution"
    else:
        evaluated = runner.evaluate(binary, inst.path, out_path, out / f"{inst.benchmark}.eval")
        row.update(cost=evaluated.cost, feasible=evaluated.feasible,
                   peak_usage=evaluated.peak, usage_limit=evaluated.limit)
        row["status"] = ("ok" if evaluated.feasible else
                         "infeasible" if evaluated.exit_code == 1 else
                         f"bad-answer (evaluate exit {evaluated.exit_code})")
    if run.killed:
        row["status"] = "killed"
    for ref_key, col in scoring.SCORE_COLUMNS.items():
        row[col] = scoring.score(inst.ref.get(ref_key), row.get("cost"), row["feasible"])
    if row["feasible"] and row.get("cost") and row["bound"] is not None:
        row["gap_pct"] = (row["cost"] - row["bound"]) * 100.0 / row["cost"]
    if args.memory_svg and answer:
        row["crosscheck"] = memory_and_crosscheck(inst, answer, evaluated, out)
    return row


def memory_and_crosscheck(inst: Instance, answer: list[int], evaluated, out: Path) -> str:
    """Write <benchmark>.memory.svg and compare `iopddl evaluate` with the Python evaluator."""
    try:
        prob = problem.load_problem(inst.path)
        ours = problem.evaluate(prob, answer)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        return f"python: {e}"
    svg = plots.memory_svg(short_name(inst.benchmark), prob["nodes"]["intervals"],
                           problem.chosen_usages(prob, answer), problem.min_usages(prob),
                           prob.get("usage_limit"), ours, "solver's answer")
    svg.write(out / f"{inst.benchmark}.memory.svg")
    if evaluated is None:
        return "ok"
    diffs = []
    if evaluated.cost != ours.cost:
        diffs.append(f"cost {evaluated.cost} vs python {ours.cost}")
    if evaluated.feasible != ours.feasible:
        diffs.append(f"feasible {evaluated.feasible} vs python {ours.feasible}")
    if evaluated.peak is not None and evaluated.peak != ours.peak:
        diffs.append(f"peak {evaluated.peak} vs python {ours.peak}")
    return "; ".join(diffs) or "ok"


def progress_text(i: int, n: int, inst: Instance) -> str:
    return f"[{i}/{n}] {inst.benchmark} {format_seconds(inst.timeout_s)}s"


def outcome_text(row: dict) -> str:
    parts = []
    if row.get("cost") is not None:
        s = row.get("score_vs_contest_best")
        parts.append(f"cost {row['cost']}" + (f" (score {s:.4f} vs contest best)"
                                              if s is not None else " (no reference)"))
    else:
        parts.append("no answer")
    if row.get("cost") is not None and not row["feasible"]:
        parts.append("INFEASIBLE")
    if row.get("status") not in ("ok", "infeasible"):
        parts.append(row["status"].upper())
    parts.append(f"{row['wall_s']:.1f}s")
    rss = row.get("peak_rss_mb")
    parts.append(f"{rss:.0f} MB" if rss is not None else "RSS unknown")
    if row.get("overrun"):
        parts.append("OVERRUN")
    if row.get("exit_code"):
        parts.append(f"exit {row['exit_code']}")
    if row.get("crosscheck") not in (None, "ok"):
        parts.append(f"CROSSCHECK {row['crosscheck']}")
    if (row.get("claimed_best") is not None and row.get("cost") is not None
            and row["claimed_best"] != row["cost"]):
        parts.append(f"SOLVER CLAIMED {row['claimed_best']}")
    return "-> " + " ".join(parts)


def write_outputs(out: Path, rows: list[dict], reference: dict, meta: dict) -> None:
    report.write_csv(out / "results.csv", rows)
    (out / "results.md").write_text(report.markdown_table(rows), encoding="utf-8")
    (out / "run.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    if rows:
        plots.write_convergence([out], out / "convergence.svg", reference)


def record_from(folder: Path, record_file: Path) -> int:
    """Records a finished run (run.json + results.csv) that was started without --record."""
    try:
        meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        rows = [report.typed_row(r) for r in report.read_csv(folder / "results.csv")]
    except (OSError, ValueError) as e:
        raise BenchError(f"{folder}: cannot read the run: {e}") from e
    if not meta.get("finished"):
        raise BenchError(f"{folder}: the run did not finish (run.json says finished: false)")
    if not rows:
        raise BenchError(f"{folder}: no results")
    report.append_record(record_file, rows, meta)
    print(f"recorded {folder} in {record_file}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent.parent
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(argv, root)
        if args.record_from is not None:
            return record_from(args.record_from, args.record_file)
        reference = find_reference(args, root)
        chosen = resolve_instances(args.instances, args.dir, reference)
        instances = []
        for name, path in chosen:
            ref = reference.get(name, {})
            if args.timeout is not None:
                timeout = args.timeout
            elif ref.get("timeout_s"):
                timeout = ref["timeout_s"] * args.scale
            else:
                raise BenchError(f"{name}: no timeout in reference.csv; give --timeout")
            instances.append(Instance(name, path, timeout, ref))
        binary = find_binary(args, root)
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    now = dt.datetime.now(dt.timezone.utc)
    commit = runner.commit(root)
    out = (args.out or root / "benchmarks" / "runs"
           / f"{now:%Y%m%d-%H%M%S}-{commit.replace('+', '-')}").absolute()
    out.mkdir(parents=True, exist_ok=True)
    meta = {"date": f"{now:%Y-%m-%d %H:%M}", "commit": commit, "machine": runner.machine(),
            "command": display_command(argv, root), "cwd": os.getcwd(),
            "binary": shown_path(binary, root),
            "scale": args.scale if args.timeout is None else f"timeout {args.timeout:g}s",
            "threads": args.threads, "solver_args": ([f"--threads {args.threads}"]
                                                     if args.threads else []) + args.extra,
            "instances": [i.benchmark for i in instances], "out": shown_path(out, root),
            "finished": False}
    (out / "run.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"results: {out}", file=sys.stderr, flush=True)

    rows: list[dict] = []
    try:
        for i, inst in enumerate(instances, 1):
            print(progress_text(i, len(instances), inst), end=" ", file=sys.stderr, flush=True)
            row = bench_instance(inst, binary, out, args)
            rows.append(row)
            print(outcome_text(row), file=sys.stderr, flush=True)
            report.write_csv(out / "results.csv", rows)  # partial results survive a crash
    except KeyboardInterrupt:
        print("\ninterrupted: writing the results of the finished instances", file=sys.stderr)
        write_outputs(out, rows, reference, meta)
        return 130
    meta["finished"] = True
    write_outputs(out, rows, reference, meta)

    table = report.markdown_table(rows)
    print(table, end="")
    t = report.totals(rows)
    points = ", ".join(f"{t[col]:.4f} vs {ref_key.replace('_solver_here_2cores', ' here')}"
                       .replace("_", " ")
                       for ref_key, col in scoring.SCORE_COLUMNS.items() if t[col] is not None)
    print(f"points ({len(rows)} instances): {points or 'no reference'}; "
          f"feasible {t['feasible']}, overruns {t['overrun']}", file=sys.stderr)
    print(f"wrote {out / 'results.csv'}, results.md, convergence.svg", file=sys.stderr)
    if args.record:
        if isinstance(meta["scale"], str) or meta["scale"] != 1:
            print("note: recording a run that is not at the contest timeouts (scale 1)",
                  file=sys.stderr)
        report.append_record(args.record_file, rows, meta)
        print(f"recorded in {args.record_file}", file=sys.stderr)
    return 0
