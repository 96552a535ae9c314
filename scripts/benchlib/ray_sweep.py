"""`scripts/bench --ray [ADDRESS]`: the sweep's jobs as Ray tasks.

Each job is one task running jobs.run_job_detached (the plain runner's own code) with
num_cpus = the solver's --threads, so Ray never runs more solver threads on a node than it has
CPUs; Ray does all the scheduling. A task returns its result row and the files it wrote; the
driver writes them to the results folder, so worker nodes need the solver binary and the
instances at the same paths (a shared file system or the same checkout everywhere) but not the
results folder. Without ADDRESS a local Ray is started with every CPU of this machine (or
--ray-cpus); with ADDRESS (`auto`, `ray://head:10001`) the job joins that cluster."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from .jobs import Job, Settings, run_job_detached
from .reference import BenchError

PACKAGE = Path(__file__).resolve().parent  # shipped to the workers as a py_module


def run(jobs: list[Job], settings: Settings, out: Path, address: str | None,
        local_cpus: int | None, finished: Callable[[Job, dict], None]) -> None:
    """Run every job on Ray; call `finished(job, row)` in the driver as each one ends (any
    order), after its files are in `out`."""
    try:
        import ray
    except ImportError:
        raise BenchError("Ray is not installed for this Python: run scripts/setup (it installs "
                         "Ray into .venv, which scripts/bench then uses)") from None
    threads = settings.threads or 1
    runtime_env = {"py_modules": [str(PACKAGE)]}
    options = dict(logging_level=logging.WARNING, log_to_driver=False, runtime_env=runtime_env)
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(num_cpus=local_cpus or os.cpu_count(), include_dashboard=False, **options)
    try:
        total = sum(node.get("Resources", {}).get("CPU", 0) for node in ray.nodes()
                    if node.get("Alive"))
        if total < threads:
            raise BenchError(f"the Ray cluster has {total:g} CPUs, fewer than --threads "
                             f"{threads}: no task could start")
        task = ray.remote(num_cpus=threads, max_retries=0)(run_job_detached)
        pending = {task.remote(job, settings): job for job in jobs}
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    job = pending.pop(ref)
                    row, files = ray.get(ref)
                    for name, data in files.items():
                        (out / name).write_bytes(data)
                    finished(job, row)
        except BaseException:  # Ctrl-C or a failed task: stop the rest (a cluster outlives us)
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
    except ray.exceptions.RayError as e:
        raise BenchError(f"a Ray task failed (the finished runs are kept): {e}") from None
    finally:
        ray.shutdown()
