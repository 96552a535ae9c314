"""One benchmark job (instance x seed x solver options, or a bound run): run, verify, measure.

The same function runs a job in the plain runner and inside a Ray task (ray_sweep.py), so both
give the same results.csv rows."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import plots, problem, progress, runner, scoring
from .reference import Instance, format_seconds, short_name


@dataclass
class Variant:
    """A named set of solver options (`--variant NAME='ARGS'`); the unnamed one is ''."""

    name: str = ""
    args: list[str] = field(default_factory=list)


@dataclass
class Settings:
    """What every job of a sweep shares."""

    binary: Path
    threads: int | None
    extra: list[str]  # solver arguments after `--`
    grace_s: float | None  # kill this long after the timeout; None: 10 s + 10%
    memory_svg: bool


SOLVE, BOUND = "solve", "bound"  # a job's kind: the solver, or `iopddl bound`


@dataclass
class Job:
    inst: Instance
    seed: int | None = None
    variant: Variant = field(default_factory=Variant)
    kind: str = SOLVE

    @property
    def key(self) -> str:
        """The run's name: its files are <key>.out/.err/.eval/.memory.svg/.gap.svg."""
        key = self.inst.benchmark
        if self.kind == BOUND:
            return key + ".bound"
        if self.variant.name:
            key += f".{self.variant.name}"
        if self.seed is not None:
            key += f".s{self.seed}"
        return key

    def command(self, settings: Settings) -> list[str]:
        if self.kind == BOUND:  # stops early when the bound meets the best known cost
            command = [str(settings.binary), "bound", str(self.inst.path), "--time-limit",
                       format_seconds(self.inst.timeout_s), "--json"]
            if settings.threads is not None:
                command += ["--threads", str(settings.threads)]
            if self.inst.ref.get("best_known"):
                command += ["--upper-bound", str(self.inst.ref["best_known"])]
            return command
        command = [str(settings.binary), str(self.inst.path), format_seconds(self.inst.timeout_s)]
        if settings.threads is not None:
            command += ["--threads", str(settings.threads)]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        return command + self.variant.args + settings.extra


def jobs_for(instances: list[Instance], seeds: list[int] | None,
             variants: list[Variant], bound_runs: bool = False) -> list[Job]:
    """Every instance x variant x seed, instance-major (the order of results.csv); then one bound
    run per instance when asked."""
    jobs = [Job(inst, seed, variant) for inst in instances for variant in variants
            for seed in (seeds or [None])]
    return jobs + ([Job(inst, kind=BOUND) for inst in instances] if bound_runs else [])


def run_job(job: Job, settings: Settings, out: Path) -> dict:
    """Run, verify and measure one job, writing its files to `out`; returns its result row
    (typed values)."""
    if job.kind == BOUND:
        return run_bound_job(job, settings, out)
    inst = job.inst
    out_path, err_path = out / f"{job.key}.out", out / f"{job.key}.err"
    grace = settings.grace_s if settings.grace_s is not None else 10 + 0.1 * inst.timeout_s
    run = runner.run_solver(job.command(settings), out_path, err_path, inst.timeout_s + grace)

    events = progress.parse_run_logs(err_path, out_path)
    conv = progress.convergence(events)
    answer = problem.last_line_solution(out_path.read_text(encoding="utf-8", errors="replace"))
    row: dict = {"benchmark": inst.benchmark, "run": job.key, "variant": job.variant.name,
                 "seed": job.seed, "timeout_s": format_seconds(inst.timeout_s),
                 "wall_s": run.wall_s, "peak_rss_mb": run.peak_rss_mb,
                 "overrun": run.wall_s > inst.timeout_s, "exit_code": run.exit_code,
                 "feasible": False, "bound": conv.last_bound,
                 "claimed_best": conv.final_best, "last_improvement_s": conv.last_improvement_s,
                 "progress_events": len(conv.points)}
    row.update(progress.anytime(conv.points, inst.timeout_s))
    stall = progress.longest_stall(conv.points)
    if stall is not None:
        row["longest_stall_pct"] = stall.seconds * 100.0 / inst.timeout_s
        row["longest_stall_from_s"] = stall.from_s
    evaluated = None
    if answer is None:
        row["status"] = "no-output"  # the last stdout line is not [s0, s1, ...]
    elif not answer:
        row["status"] = "no-solution"
    else:
        evaluated = runner.evaluate(settings.binary, inst.path, out_path, out / f"{job.key}.eval")
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
    if conv.points:
        plots.gap_svg(f"{short_name(job.key)}", conv.points, progress.bound_points(events),
                      inst.timeout_s, run.wall_s).write(out / f"{job.key}.gap.svg")
    if settings.memory_svg and answer:
        row["crosscheck"] = memory_and_crosscheck(job, answer, evaluated, out)
    return row


def run_bound_job(job: Job, settings: Settings, out: Path) -> dict:
    """`iopddl bound PROBLEM --time-limit T --json`: the bound, its method and time, and how close
    it is to the best known cost (a row of bounds.csv)."""
    inst = job.inst
    out_path, err_path = out / f"{job.key}.out", out / f"{job.key}.err"
    grace = settings.grace_s if settings.grace_s is not None else 10 + 0.1 * inst.timeout_s
    run = runner.run_solver(job.command(settings), out_path, err_path, inst.timeout_s + grace)
    row: dict = {"benchmark": inst.benchmark, "run": job.key,
                 "timeout_s": format_seconds(inst.timeout_s), "wall_s": run.wall_s,
                 "peak_rss_mb": run.peak_rss_mb, "overrun": run.wall_s > inst.timeout_s,
                 "exit_code": run.exit_code}
    lines = [l for l in out_path.read_text(encoding="utf-8", errors="replace").splitlines()
             if l.strip()]
    try:
        result = json.loads(lines[-1]) if lines else None
    except ValueError:
        result = None
    if not isinstance(result, dict):
        row["status"] = "no-output"
    elif result.get("bound") is None:
        row["status"] = "no-bound"
    else:
        row["status"] = "ok"
        row["bound"] = int(result["bound"])
        row["method"] = result.get("method") or None
        history = result.get("history") or []
        row["bound_found_s"] = history[-1].get("seconds") if history else None
        known = inst.ref.get("best_known")
        if known:
            row["bound_vs_best_known"] = row["bound"] / known
            row["gap_to_best_known_pct"] = (known - row["bound"]) * 100.0 / known
    if run.killed:
        row["status"] = "killed"
    return row


def run_job_detached(job: Job, settings: Settings) -> tuple[dict, dict[str, bytes]]:
    """run_job in a private temporary folder; returns the row and the files it wrote (name ->
    bytes), for a Ray task whose node may not share the results folder's file system."""
    with tempfile.TemporaryDirectory(prefix="iopddl-job-") as tmp:
        row = run_job(job, settings, Path(tmp))
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
    return row, files


def memory_and_crosscheck(job: Job, answer: list[int], evaluated, out: Path) -> str:
    """Write <key>.memory.svg and compare `iopddl evaluate` with the Python evaluator."""
    inst = job.inst
    try:
        prob = problem.load_problem(inst.path)
        ours = problem.evaluate(prob, answer)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        return f"python: {e}"
    svg = plots.memory_svg(short_name(job.key), prob["nodes"]["intervals"],
                           problem.chosen_usages(prob, answer), problem.min_usages(prob),
                           prob.get("usage_limit"), ours, "solver's answer")
    svg.write(out / f"{job.key}.memory.svg")
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
