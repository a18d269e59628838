"""``make test``: the whole suite as two pytest processes side by side (CI has two cores).

Usage: ``python scripts/run_suite.py [PYTEST ARGS ...]`` (the arguments go to both processes,
e.g. ``--durations=20``). The first process streams its output; the second's is printed when
both have finished, then one line per process and the combined exit status (0 only if both
passed). ``make test`` is what CI runs (``.ci/run``).

Why two plain processes and not pytest-xdist: under ``-n 2`` a worker segfaulted twice in
tests/unit/test_dataflow_sql.py, in allocation-heavy SQLAlchemy code while the dataflow walk had
the cyclic collector paused, with no thread alive but execnet's receiver (the faulthandler dumps
of 7 Dec 2026); the cause is not known, and xdist then hung replacing the worker. Here each
process runs its directories (and files) in the order one ``pytest`` run does (golden, hostile,
journeys, tui, unit, web), so every test runs after a subset of the tests it runs after in a
one-process run: nothing shares a process that did not before. The journeys (the installed program in a pty)
spend most of their time waiting for a child process to draw, so they pair with the CPU-bound
unit tests. Balance: on a loaded two-core machine (7 Dec 2026), golden+hostile+unit+web 2,633
tests in 23:53, journeys+tui 395 in 22:30 (24:23 wall for 821 s of CPU, children included); on a
quiet one, as CI runs it (clean clone, `.ci/run`), 7:11 and 10:26 (11:08 with the install), hence
:data:`MOVED`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Two tui files go with the CPU-bound group: with all of tests/tui beside the journeys, that
# group took 10:26 and the other 7:11 (CI-like clean clone, quiet machine, 7 Dec 2026 05:49 UTC);
# they are ~1.6 min of the 3.9 min tests/tui takes alone. Each list stays in one-run order.
MOVED = ["tests/tui/test_every_route.py", "tests/tui/test_snapshots.py"]
GROUPS = [
    ["tests/golden", "tests/hostile", *MOVED, "tests/unit", "tests/web"],
    ["tests/journeys", "tests/tui", *(f"--ignore={path}" for path in MOVED)],
]


def main(argv: list[str]) -> int:
    """Runs the groups at once; returns 0 if every group passed, else the first failing status."""
    with tempfile.TemporaryDirectory(prefix="redun-tui-suite-") as tmp:
        logs = [Path(tmp) / f"group{index}.txt" for index in range(len(GROUPS))]
        processes = []
        try:
            for index, paths in enumerate(GROUPS):
                command = [sys.executable, "-m", "pytest", *argv, *paths]
                if index == 0:
                    processes.append(subprocess.Popen(command, cwd=ROOT))
                else:
                    with logs[index].open("wb") as log:
                        processes.append(subprocess.Popen(command, cwd=ROOT, stdout=log,
                                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
            statuses = [process.wait() for process in processes]
        except KeyboardInterrupt:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait()
            raise
        sys.stdout.flush()
        for index in range(1, len(GROUPS)):
            print(f"\n=== {' '.join(GROUPS[index])} ===", flush=True)
            sys.stdout.buffer.write(logs[index].read_bytes())
    print()
    for paths, status in zip(GROUPS, statuses):
        print(f"{'passed' if status == 0 else f'FAILED (exit {status})'}: {' '.join(paths)}")
    return next((status for status in statuses if status != 0), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
