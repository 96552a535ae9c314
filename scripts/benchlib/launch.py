"""Launcher for one solver run: `python3 -S -I launch.py RESULT_FILE COMMAND...`

Why: on Linux a child's ru_maxrss includes the peak RSS of the process it was forked from (exec
records the old address space's high-water mark). Forked from the harness, which may have
loaded a 1 GB problem for a memory plot, the solver would inherit the harness's peak. This
small, freshly exec'd launcher forks the solver instead, so the floor is the launcher's own few
MB. It ignores SIGTERM/SIGINT itself (the solver does not inherit that), waits for the solver
with wait4 and writes `exit_code wall_seconds maxrss_kb` to RESULT_FILE. Standard library only;
keep it import-light.
"""

import os
import signal
import sys
import time


def main() -> int:
    result, command = sys.argv[1], sys.argv[2:]
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        except OSError as e:
            os.write(2, f"error: cannot run {command[0]}: {e.strerror}\n".encode())
        os._exit(127)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    with open(result, "w", encoding="utf-8") as f:
        f.write(f"{os.waitstatus_to_exitcode(status)} {wall:.6f} {usage.ru_maxrss}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
