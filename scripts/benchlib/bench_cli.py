"""scripts/bench: run the solver on benchmark instances and score it like the contest did."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
from pathlib import Path

from . import plots, report, runner, scoring
from .jobs import BOUND, Job, Settings, Variant, jobs_for, run_job
from .reference import BenchError, Instance, format_seconds, read_reference, resolve_instances

USAGE = """scripts/bench [options] [-- extra solver args]

Runs the solver on benchmark instances at SCALE x the contest timeout (every instance x
--variant x --seeds), verifies every answer with `iopddl evaluate`, and writes OUT/results.csv,
OUT/results.md, OUT/convergence.svg, OUT/run.json and each run's OUT/<run>.out/.err/.eval,
OUT/<run>.memory.svg and OUT/<run>.gap.svg (incumbent and bound over time). <run> is the
benchmark, then .VARIANT and .sSEED when given. With --ray [ADDRESS] the runs are Ray tasks
(each reserving --threads CPUs) on a cluster, or on a local Ray without ADDRESS."""


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
    p.add_argument("--threads", type=int, metavar="N", help="passed to the solver as --threads N "
                   "(required with --ray: each task reserves N CPUs)")
    p.add_argument("--seeds", metavar="S,S,...",
                   help="run each instance once per seed, passing --seed S (default: one run, "
                        "the solver's default seed)")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=ARGS",
                   help="a named set of solver options, e.g. --variant 'nodual=--no-dual'; "
                        "repeat for several; every instance runs once per variant (and seed)")
    p.add_argument("--bound-runs", action="store_true",
                   help="also run `iopddl bound` once per instance for its timeout (bounds.csv)")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run the jobs as Ray tasks: on the cluster at ADDRESS (e.g. "
                        "ray://head:10001 or auto), or on a local Ray started here without it")
    p.add_argument("--ray-cpus", type=int, metavar="N",
                   help="CPUs of the local Ray (default: every CPU of this machine)")
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
    if args.ray is not None and args.threads is None:
        p.error("--ray needs --threads N: each Ray task reserves N CPUs for its solver")
    if args.ray_cpus is not None and (args.ray is None or args.ray):
        p.error("--ray-cpus only applies to a local Ray (--ray without an address)")
    try:
        args.seeds = ([int(t) for t in args.seeds.split(",") if t.strip()]
                      if args.seeds else None)
    except ValueError:
        p.error(f"--seeds: expected integers separated by commas, found {args.seeds!r}")
    variants = []
    for spec in args.variant:
        name, sep, options = spec.partition("=")
        if not sep or not name or not all(c.isalnum() or c in "-_" for c in name):
            p.error(f"--variant: expected NAME=ARGS with NAME of letters, digits, - and _, "
                    f"found {spec!r}")
        variants.append(Variant(name, shlex.split(options)))
    if len({v.name for v in variants}) != len(variants):
        p.error("--variant: each NAME once")
    args.variants = variants or [Variant()]
    return args


def find_reference(args: argparse.Namespace, root: Path) -> tuple[dict, bool]:
    """The reference rows, and whether they describe --dir (given with --reference, or
    DIR/reference.csv): only then does the default instance list follow them."""
    if args.reference is not None:
        if not args.reference.is_file():
            raise BenchError(f"{args.reference}: no such file")
        return read_reference(args.reference), True
    if (args.dir / "reference.csv").is_file():
        return read_reference(args.dir / "reference.csv"), True
    shared = root.parent / "shared" / "benchmarks" / "reference.csv"
    if shared.is_file():
        return read_reference(shared), False
    return {}, False


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


def progress_text(i: int, n: int, job: Job) -> str:
    return f"[{i}/{n}] {job.key} {format_seconds(job.inst.timeout_s)}s"


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


def bound_outcome_text(row: dict) -> str:
    parts = [f"bound {row['bound']}" if row.get("bound") is not None else "no bound"]
    if row.get("bound_vs_best_known") is not None:
        parts.append(f"({row['bound_vs_best_known']:.6f} of best known)")
    if row.get("status") != "ok":
        parts.append(str(row["status"]).upper())
    parts.append(f"{row['wall_s']:.1f}s")
    return "-> " + " ".join(parts)


def write_outputs(out: Path, rows: list[dict], bound_rows: list[dict], reference: dict,
                  meta: dict) -> None:
    report.add_relative_columns(rows, reference)
    report.write_csv(out / "results.csv", rows)
    table = report.markdown_table(rows)
    if bound_rows:
        report.write_bounds_csv(out / "bounds.csv", bound_rows)
        table += "\nBound runs (`iopddl bound`):\n\n" + report.bounds_table(bound_rows)
    (out / "results.md").write_text(table, encoding="utf-8")
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
        reference, describes_dir = find_reference(args, root)
        chosen = resolve_instances(args.instances, args.dir,
                                   reference if describes_dir else {})
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
        jobs = jobs_for(instances, args.seeds, args.variants, args.bound_runs)
        settings = Settings(binary, args.threads, args.extra, args.grace, args.memory_svg)
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
            "instances": [i.benchmark for i in instances], "seeds": args.seeds,
            "variants": {v.name: v.args for v in args.variants if v.name},
            "ray": None if args.ray is None else (args.ray or "local"), "bound_runs": args.bound_runs,
            "out": shown_path(out, root), "finished": False}
    (out / "run.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"results: {out}", file=sys.stderr, flush=True)

    rows: list[dict] = []
    bound_rows: list[dict] = []
    done = 0

    def finished(job: Job, row: dict) -> None:
        nonlocal done
        done += 1
        if args.ray is not None:  # tasks end in any order: name the job on its own line
            print(progress_text(done, len(jobs), job), end=" ", file=sys.stderr)
        if job.kind == BOUND:
            bound_rows.append(row)
            print(bound_outcome_text(row), file=sys.stderr, flush=True)
            report.write_bounds_csv(out / "bounds.csv", bound_rows)
            return
        rows.append(row)
        print(outcome_text(row), file=sys.stderr, flush=True)
        report.write_csv(out / "results.csv", rows)  # partial results survive a crash

    try:
        if args.ray is not None:
            from . import ray_sweep
            ray_sweep.run(jobs, settings, out, args.ray or None, args.ray_cpus, finished)
        else:
            for i, job in enumerate(jobs, 1):
                print(progress_text(i, len(jobs), job), end=" ", file=sys.stderr, flush=True)
                finished(job, run_job(job, settings, out))
    except KeyboardInterrupt:
        print("\ninterrupted: writing the results of the finished runs", file=sys.stderr)
        write_outputs(out, rows, bound_rows, reference, meta)
        return 130
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        write_outputs(out, rows, bound_rows, reference, meta)
        return 2
    order = {job.key: i for i, job in enumerate(jobs)}
    rows.sort(key=lambda r: order[r["run"]])
    bound_rows.sort(key=lambda r: order[r["run"]])
    meta["finished"] = True
    write_outputs(out, rows, bound_rows, reference, meta)

    table = report.markdown_table(rows)
    print(table, end="")
    if bound_rows:
        print("\n" + report.bounds_table(bound_rows), end="")
    t = report.totals(rows)
    points = ", ".join(f"{t[col]:.4f} vs {ref_key.replace('_solver_here_2cores', ' here')}"
                       .replace("_", " ")
                       for ref_key, col in scoring.SCORE_COLUMNS.items() if t[col] is not None)
    print(f"points ({len(rows)} runs): {points or 'no reference'}; "
          f"feasible {t['feasible']}, overruns {t['overrun']}", file=sys.stderr)
    print(f"wrote {out / 'results.csv'}, results.md, convergence.svg", file=sys.stderr)
    if args.record:
        if isinstance(meta["scale"], str) or meta["scale"] != 1:
            print("note: recording a run that is not at the contest timeouts (scale 1)",
                  file=sys.stderr)
        report.append_record(args.record_file, rows, meta)
        print(f"recorded in {args.record_file}", file=sys.stderr)
    return 0
