"""Run the solver and the evaluator; facts about the machine and the checkout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .reference import BenchError


LAUNCHER = Path(__file__).with_name("launch.py")


@dataclass
class Run:
    exit_code: int  # negative: killed by that signal
    wall_s: float  # the solver's launch to exit
    peak_rss_mb: float | None  # the solver's maximum resident set size (wait4's ru_maxrss)
    killed: bool  # the harness killed it (timeout + grace passed)


def run_solver(command: list[str], out_path: Path, err_path: Path, kill_after_s: float,
               term_grace_s: float = 3.0) -> Run:
    """Run `command` with stdout/stderr to files, through launch.py (see there why: otherwise
    the solver's peak RSS would include the harness's). The process group gets SIGTERM after
    `kill_after_s` seconds and SIGKILL `term_grace_s` later."""
    done = threading.Event()
    killed = threading.Event()
    fd, result_name = tempfile.mkstemp(prefix="iopddl-bench-", suffix=".rusage")
    os.close(fd)
    result = Path(result_name)
    try:
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.monotonic()
            proc = subprocess.Popen([sys.executable, "-S", "-I", str(LAUNCHER), str(result),
                                     *command], stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL, start_new_session=True)

            def stop() -> None:
                killed.set()
                for sig, wait in ((signal.SIGTERM, term_grace_s), (signal.SIGKILL, 0.0)):
                    if done.is_set():
                        return
                    try:
                        os.killpg(proc.pid, sig)
                    except ProcessLookupError:
                        return
                    if done.wait(wait):
                        return

            timer = threading.Thread(target=lambda: done.wait(kill_after_s) or stop(),
                                     daemon=True)
            timer.start()
            try:
                _, status, _ = os.wait4(proc.pid, 0)
            except BaseException:  # Ctrl-C: do not leave the solver running
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise
            finally:
                done.set()
            wall = time.monotonic() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            timer.join()
        fields = result.read_text(encoding="utf-8").split()
    finally:
        result.unlink(missing_ok=True)
    if len(fields) == 3:  # the launcher's report: exit code, wall seconds, maxrss in KiB
        return Run(int(fields[0]), float(fields[1]), int(fields[2]) / 1024.0, killed.is_set())
    return Run(proc.returncode, wall, None, killed.is_set())  # the launcher itself was killed


@dataclass
class Evaluated:
    exit_code: int  # 0 feasible, 1 infeasible, 2 bad input
    fields: dict[str, str]
    cost: int | None
    peak: int | None
    limit: int | None
    feasible: bool


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def parse_evaluate_output(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            fields.setdefault(key.strip(), value.strip())
    return fields


def evaluate(binary: Path, problem: Path, solution_file: Path, log_path: Path,
             timeout_s: float = 600.0) -> Evaluated:
    """`iopddl evaluate PROBLEM SOLUTIONFILE`; its stdout and stderr are saved to `log_path`."""
    try:
        proc = subprocess.run([str(binary), "evaluate", str(problem), str(solution_file)],
                              capture_output=True, text=True, timeout=timeout_s)
        stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        stdout, stderr, code = e.stdout or "", f"evaluate timed out after {timeout_s}s", 2
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
    log_path.write_text(stdout + (f"\n--- stderr ---\n{stderr}" if stderr else ""),
                        encoding="utf-8")
    fields = parse_evaluate_output(stdout)
    feasible = code == 0 and fields.get("feasible") == "yes"
    return Evaluated(code, fields, _int_or_none(fields.get("cost")),
                     _int_or_none(fields.get("peak")),
                     _int_or_none(fields.get("limit")), feasible)


# --- the checkout and the machine -------------------------------------------------------------

def git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def commit(root: Path) -> str:
    """`git rev-parse --short HEAD`, with `+dirty` when tracked files differ from HEAD."""
    head = git(root, "rev-parse", "--short", "HEAD") or "unknown"
    dirty = git(root, "status", "--porcelain", "--untracked-files=no")
    return head + ("+dirty" if dirty else "")


def cpu_count() -> int:
    """What `nproc` prints: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def ram_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return None


def machine() -> dict:
    return {"nproc": cpu_count(), "ram_gb": round(ram_gb() or 0, 1), "cpu": cpu_model() or "",
            "hostname": os.uname().nodename}


def machine_text(m: dict) -> str:
    text = f"{m['nproc']} cores (nproc), {m['ram_gb']:.1f} GB RAM"
    return text + (f", {m['cpu']}" if m.get("cpu") else "")


def build(root: Path, binary: Path) -> None:
    """`swift build -c release`, with `--scratch-path X` when the binary is X/release/iopddl
    and X is not the default `.build`."""
    command = ["swift", "build", "-c", "release", "--product", "iopddl"]
    scratch = binary.parent.parent
    if binary.parent.name == "release" and scratch.resolve() != (root / ".build").resolve():
        command += ["--scratch-path", str(scratch)]
    print("building:", " ".join(command), flush=True, file=sys.stderr)
    try:
        proc = subprocess.run(command, cwd=root)
    except OSError as e:
        raise BenchError(f"cannot run swift build: {e}") from None
    if proc.returncode != 0:
        raise BenchError(f"swift build failed (exit {proc.returncode})")
    if not binary.is_file():
        raise BenchError(f"{binary}: still missing after swift build")
