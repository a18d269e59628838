"""Issue 16: the end of a long list in one key, in bounded memory, on a generated database.

The database: failures.db plus one execution of 200,000 jobs (all children of its root job),
written with plain sqlite3 inserts in a few seconds. Its jobs start in 2020, before every job of
failures.db, so in a search (newest first) they come last and its root job is the very last row.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from long_lists_db import add_big_execution, copy_failures

JOBS = 200_000
EXECUTION = "e16e16e1-0000-4000-8000-000000000000"
ROOT = "r0000000-0000-4000-8000-000000000000"
TASK = "a045de3107b3c7fd44c648c85890a4ebc4af6335"  # failures.main_ok, in failures.db
RSS_BOUND_MB = 200  # the goal; the app needs ~90 MB here (a list that kept every row: 250+)


def job_id(number: int) -> str:
    return f"{number:08d}-0000-4000-8000-{number:012d}"


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_big_db(tmp_path_factory.mktemp("big") / "big.db")


def make_big_db(path: Path) -> Path:
    """failures.db plus the big execution, at ``path`` (~3 s)."""
    con, stamp = copy_failures(path, datetime(2020, 1, 1))
    add_big_execution(con, stamp, EXECUTION, ROOT, JOBS, job_id)
    con.commit()
    con.close()
    return path


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


def test_G_on_the_flat_job_list_shows_the_last_of_200000_jobs(terminal, size, big_db):
    term = terminal(str(big_db), f"executions/{EXECUTION}", size=size)
    term.wait_for("r0000000")  # the tree's root job
    term.press("v")
    term.wait_for("Jobs (list by start)")
    term.wait_stable()  # the list's first page shown and focused (the tree showed 00000000 too)
    term.press("G")
    screen = term.wait_for(job_id(JOBS - 1)[:8])
    assert not any(line.startswith("00000000 ") for line in screen.splitlines())  # not the first row
    assert peak_rss_mb(term.child.pid) < RSS_BOUND_MB
    term.press("g")
    term.wait_until(lambda text: any(line.startswith("00000000 ") for line in text.splitlines()), what="the first row")
    term.press("q")
    assert term.wait_exit() == 0


def test_end_on_a_search_of_every_job_shows_the_last_row(terminal, size, big_db):
    term = terminal(str(big_db), "search/is:job", size=size)
    term.wait_for("Job")
    term.press("end")
    term.wait_for("r0000000")  # the oldest job: the last row, newest first
    term.wait_for(job_id(0)[:8])  # the rows before it
    assert peak_rss_mb(term.child.pid) < RSS_BOUND_MB
    term.press("home")
    term.wait_gone("r0000000")
    term.press("q")
    assert term.wait_exit() == 0
