"""A running workflow: another process records jobs while the store and the CLI read.

The writer uses the project's recording API the way redun does (a commit per job start, value,
call node and job end; rollback journal; a 5 s busy timeout, pysqlite's default, which redun
keeps). Meanwhile this process reads through the read-only backend, the Store and the CLI.

Checked: no read fails (in particular no "database is locked" reaches the user), new jobs
appear on re-read, and the writer is never blocked near its busy timeout and never fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES
from sqlalchemy import func, select

from redun_tui.db import Job, RedunBackendDb

PYTHON = sys.executable
WRITER_BUSY_TIMEOUT = 5.0
# The writer runs until the reader has seen enough (or this many seconds).
RUN_SECONDS = 20.0

WRITER = textwrap.dedent(
    """
    import json, sys, time
    from sqlalchemy.exc import OperationalError
    from redun_tui.db import RedunBackendDb
    from redun_tui.db.backend import ExecutionSpec, JobSpec, TaskSpec

    import os
    path, seconds, busy_timeout = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    stop_file = path + ".stop"  # the reader asks the writer to stop by creating this file
    backend = RedunBackendDb(path, read_only=False, busy_timeout=busy_timeout)
    backend.load()
    durations, errors, jobs = [], [], 0

    def timed(func, *args, **kwargs):
        started = time.monotonic()
        try:
            return func(*args, **kwargs)
        except OperationalError as error:
            errors.append(str(error).splitlines()[0])
            backend.session.rollback()
        finally:
            durations.append(time.monotonic() - started)

    task = TaskSpec(name="step", namespace="live", source="def step(i): return i")
    root_task = TaskSpec(name="main", namespace="live", source="def main(): ...")
    print("started", flush=True)
    deadline = time.monotonic() + seconds
    run = 0
    while time.monotonic() < deadline and not os.path.exists(stop_file):
        run += 1
        execution = ExecutionSpec(id=f"live-exec-{run:04d}")
        root = JobSpec(id=f"live-root-{run:04d}", task=root_task, execution=execution)
        timed(backend.record_execution, execution.id, ["redun", "run", "live.py", "main"])
        timed(backend.record_job_start, root)
        jobs += 1
        children = []
        for index in range(10):
            if time.monotonic() > deadline:
                break
            job = JobSpec(id=f"live-job-{run:04d}-{index:03d}", task=task, execution=execution, parent_job=root)
            timed(backend.record_job_start, job)
            value_hash = timed(backend.record_value, {"run": run, "index": index})
            call_hash = timed(
                backend.record_call_node, task.fullname, task.hash, f"args-{run}-{index}", ((), {}),
                ((), {}), value_hash, [],
            )
            job.call_hash = call_hash
            timed(backend.record_job_end, job)
            timed(backend.record_updated_time, execution.id)
            children.append(call_hash)
            jobs += 1
        root_call = timed(
            backend.record_call_node, root_task.fullname, root_task.hash, f"root-{run}", ((), {}), ((), {}),
            value_hash, [c for c in children if c],
        )
        root.call_hash = root_call
        timed(backend.record_job_end, root)
    backend.close()
    print(json.dumps({"jobs": jobs, "runs": run, "ops": len(durations), "max": max(durations),
                      "errors": errors}), flush=True)
    """
)


def _reader_round(store, path: str, run_cli, round_index: int) -> int:
    """One round of what a user's screens and scripts would read; returns the job count seen."""
    page = store.executions(limit=20)
    newest = page.items[0].id if page.items else None
    if newest:
        store.execution(newest)
        store.status_counts(newest)
        jobs = store.jobs(newest, limit=50)
        store.job_children(newest, None)
        for row in jobs.items[:3]:
            store.job(row.id)
        store.heartbeat(newest)
    store.heartbeat()
    if round_index % 5 == 0:
        for argv in (["db", "info", path], ["query", path, "--limit", "20"]):
            result = run_cli(argv)
            assert result.code == 0, (argv, result)
            assert "locked" not in result.err
    with store.backend.new_session() as session:
        return session.execute(select(func.count()).select_from(Job)).scalar_one()


@pytest.mark.parametrize("fixture", ["seed_example.db"])
def test_reading_while_a_workflow_writes(fixture: str, tmp_path: Path, run_cli) -> None:
    from redun_tui.store import Store

    path = tmp_path / "redun.db"
    shutil.copyfile(FIXTURES / fixture, path)
    # Warm up (imports) so the reading rounds below measure reading.
    backend = RedunBackendDb(str(path))
    backend.load()
    store = Store(backend)
    _reader_round(store, str(path), run_cli, 0)
    writer = subprocess.Popen(
        [PYTHON, "-c", WRITER, str(path), str(RUN_SECONDS), str(WRITER_BUSY_TIMEOUT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "started"
    stop_file = Path(str(path) + ".stop")
    counts: list[int] = []
    errors: list[str] = []
    rounds = 0
    try:
        while writer.poll() is None:
            try:
                counts.append(_reader_round(store, str(path), run_cli, rounds + 1))
            except Exception as error:  # noqa: BLE001 - collected and reported below
                errors.append(f"{type(error).__name__}: {error}")
            rounds += 1
            if rounds >= 6 and len(set(counts)) >= 3:
                stop_file.touch()
        # After the writer finishes, a re-read sees everything it wrote.
        final = _reader_round(store, str(path), run_cli, 0)
    finally:
        backend.close()
        writer.kill()
    out, err = writer.communicate()
    assert writer.returncode == 0, err[-3000:]
    report = json.loads(out.strip().splitlines()[-1])
    assert errors == [], errors[:5]
    # New jobs appeared while reading (the writer ran until the reader had seen 3 different
    # counts), and all of them on the final re-read.
    assert stop_file.exists(), f"the reader saw no progress in {RUN_SECONDS} s: {counts}"
    assert len(set(counts)) >= 3, counts
    assert final >= max(counts) and final > min(counts)
    with sqlite_ro(path) as connection:
        assert connection.execute("SELECT count(*) FROM job WHERE id LIKE 'live-%'").fetchone()[0] == report["jobs"]
    # The writer never failed and never waited anywhere near its busy timeout for our reads.
    assert report["errors"] == [], report["errors"][:5]
    assert report["max"] < WRITER_BUSY_TIMEOUT / 2, report
    assert report["jobs"] > 20, report


class sqlite_ro:
    """``with sqlite_ro(path) as connection``: a plain read-only sqlite3 connection."""

    def __init__(self, path: Path) -> None:
        import sqlite3

        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def __enter__(self):
        return self.connection

    def __exit__(self, *exc_info: object) -> None:
        self.connection.close()


def test_cli_waits_out_commit_bursts(tmp_path: Path) -> None:
    """A separate CLI process against the live writer: every run exits 0 (never 'locked')."""
    path = tmp_path / "redun.db"
    shutil.copyfile(FIXTURES / "seed_example.db", path)
    writer = subprocess.Popen(
        [PYTHON, "-c", WRITER, str(path), "2.5", str(WRITER_BUSY_TIMEOUT)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "started"
    results = []
    try:
        while writer.poll() is None and len(results) < 2:
            results.append(
                subprocess.run(
                    [PYTHON, "-m", "redun_tui.cli", "query", str(path), "--limit", "5"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            )
    finally:
        writer.wait(timeout=60)
    assert results
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "locked" not in result.stderr
