"""A generated database with long executions, tasks and files lists (G on each must read the
last page directly; issue 16), shared by the Pilot and the journey tests.

failures.db plus ``executions`` executions (each a root job, all started in 2019, before every
execution of failures.db, so newest first they come last: execution 0 is the oldest, the last row),
``tasks`` tasks in namespace ``zz`` (after failures.db's: the last row is the highest number) and
``files`` files under ``zz/`` (after failures.db's paths). Written with plain sqlite3 inserts in
about a second.
"""

from __future__ import annotations

import itertools
import pickle
import shutil
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
TASK = "a045de3107b3c7fd44c648c85890a4ebc4af6335"  # failures.main_ok, in failures.db


def execution_id(number: int) -> str:
    return f"{number:08d}-e000-4000-8000-{number:012d}"


def task_name(number: int) -> str:
    return f"t{number:05d}"


def file_path(number: int) -> str:
    return f"zz/f{number:05d}.txt"


BIG_EXECUTION = "b1b1b1b1-0000-4000-8000-000000000000"
BIG_ROOT = "b0000000-0000-4000-8000-000000000000"


def child_id(number: int) -> str:
    return f"c{number:07d}-0000-4000-8000-{number:012d}"


def copy_failures(path: Path, base: datetime) -> tuple[sqlite3.Connection, Callable[[float], str]]:
    """failures.db copied to ``path``, opened for fast inserts; and the timestamp of a number of
    seconds after ``base`` as redun stores it."""
    shutil.copyfile(FIXTURES_DIR / "failures.db", path)
    stamp = lambda seconds: (base + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    return con, stamp


def add_big_execution(con: sqlite3.Connection, stamp: Callable[[float], str], execution: str, root: str,
                      children: int, child: Callable[[int], str]) -> None:
    """An execution whose root job has ``children`` children, ``child(n)`` started at second n."""
    con.execute("INSERT INTO execution (id, args, job_id, updated_time) VALUES (?, ?, ?, ?)",
                (execution, '["redun", "run", "big.py", "main"]', root, stamp(children)))
    con.executemany(
        "INSERT INTO job (id, start_time, end_time, task_hash, cached, call_hash, parent_id, execution_id) "
        "VALUES (?, ?, ?, ?, 0, NULL, ?, ?)",
        itertools.chain([(root, stamp(-1), stamp(children + 1), TASK, None, execution)],
                        ((child(n), stamp(n), stamp(n + 1), TASK, root, execution) for n in range(children))),
    )


def make_long_lists_db(path: Path, executions: int = 20_000, tasks: int = 1_000, files: int = 1_000,
                       children: int = 0) -> Path:
    """Writes the database at ``path`` and returns it; with ``children``, also execution
    ``BIG_EXECUTION`` whose root job has that many children (``child_id(n)``, in start order)."""
    con, stamp = copy_failures(path, datetime(2019, 1, 1))
    con.executemany(
        "INSERT INTO execution (id, args, job_id, updated_time) VALUES (?, ?, ?, ?)",
        ((execution_id(n), f'["redun", "run", "long.py", "main", "--n", "{n}"]', f"{n:08d}-r000-4000-8000-{n:012d}",
          stamp(10 * n + 1)) for n in range(executions)),
    )
    con.executemany(
        "INSERT INTO job (id, start_time, end_time, task_hash, cached, call_hash, parent_id, execution_id) "
        "VALUES (?, ?, ?, ?, 0, NULL, NULL, ?)",
        ((f"{n:08d}-r000-4000-8000-{n:012d}", stamp(10 * n), stamp(10 * n + 1), TASK, execution_id(n))
         for n in range(executions)),
    )
    con.executemany(
        "INSERT INTO task (hash, name, namespace, source) VALUES (?, ?, 'zz', 'def t(): pass')",
        ((f"{n:040x}", task_name(n)) for n in range(tasks)),
    )
    data = pickle.dumps("x", protocol=3)
    con.executemany(
        "INSERT INTO value (value_hash, type, format, value) VALUES (?, 'builtins.str', 'application/python-pickle', ?)",
        ((f"f{n:039x}", data) for n in range(files)),
    )
    con.executemany("INSERT INTO file (value_hash, path) VALUES (?, ?)", ((f"f{n:039x}", file_path(n)) for n in range(files)))
    if children:
        add_big_execution(con, stamp, BIG_EXECUTION, BIG_ROOT, children, child_id)
    con.commit()
    con.close()
    return path
