"""SQL statements per Store call are small constants, independent of the data's size.

This is what keeps N+1 patterns out (issue 6): every store call is run on a fixture database and
on a copy grown twenty-fold (more executions, more jobs per call node, a job with hundreds of
children, more tags), counting the statements SQLAlchemy sends with a ``before_cursor_execute``
listener. The counts must be equal on both and under a small bound.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, select

from redun_tui.db import open_backend
from redun_tui.db.models import CallNode, File, Job, Task, Value
from redun_tui.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
COPIES = 20  # the grown database holds 21 copies of every execution
WIDE_CHILDREN = 300  # extra children added under one job of the grown database

# Most calls need 1-8 statements; a dataflow walk is batched per frontier of the graph; a
# search page touches up to five record types, two statements each, plus prefix look-ups,
# plus one for the arguments of the page's calls when it shows jobs and one when it shows
# call nodes (issue 10: rows show their call).
MAX_STATEMENTS = 10
MAX_DATAFLOW_STATEMENTS = 60
MAX_SEARCH_STATEMENTS = 16
# Searches: their count depends on where the page boundary falls (which record types a page
# reaches) and on whether the newest rows hold a page of matches (one probe statement, else a
# second that sorts the matches), never on the number of rows: bounded, not equal.
BOUNDED_ONLY = {"search", "search failed jobs", "search jobs page 2", "search task", "executions search"}


def grow(path: Path, copies: int = COPIES, wide_children: int = WIDE_CHILDREN) -> None:
    """Multiplies a redun database in place: each execution, its jobs and tags, ``copies`` times.

    Copies share call nodes, tasks and values with the original (as cached re-runs do), so
    every value gains producers and consumers, and every call node more jobs. Then one job of
    the original gains ``wide_children`` children.
    """
    connection = sqlite3.connect(path)
    try:
        with connection:
            for copy in range(1, copies + 1):
                suffix = f"-c{copy}"
                connection.execute(
                    """INSERT INTO job (id, start_time, end_time, task_hash, cached, call_hash, parent_id, execution_id)
                       SELECT id || ?, start_time, end_time, task_hash, cached, call_hash,
                              CASE WHEN parent_id IS NULL THEN NULL ELSE parent_id || ? END, execution_id || ?
                       FROM job WHERE id NOT LIKE '%-c%'""",
                    (suffix, suffix, suffix),
                )
                connection.execute(
                    """INSERT INTO execution (id, args, updated_time, job_id)
                       SELECT id || ?, args, updated_time, job_id || ? FROM execution WHERE id NOT LIKE '%-c%'""",
                    (suffix, suffix),
                )
                connection.execute(
                    """INSERT INTO tag (tag_hash, entity_type, entity_id, key, value, is_current)
                       SELECT tag_hash || ?, entity_type, entity_id || ?, key, value, is_current
                       FROM tag WHERE entity_type IN ('Execution', 'Job') AND tag_hash NOT LIKE '%-c%'""",
                    (suffix, suffix),
                )
            parent_id, execution_id, start = connection.execute(
                "SELECT id, execution_id, start_time FROM job WHERE parent_id IS NULL AND id NOT LIKE '%-c%' "
                "ORDER BY start_time LIMIT 1"
            ).fetchone()
            template = connection.execute(
                "SELECT task_hash, call_hash, end_time FROM job WHERE parent_id = ? LIMIT 1", (parent_id,)
            ).fetchone()
            task_hash, call_hash, end_time = template
            connection.executemany(
                "INSERT INTO job (id, start_time, end_time, task_hash, cached, call_hash, parent_id, execution_id)"
                " VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                [
                    (f"wide-{index:05d}", start, end_time, task_hash, call_hash, parent_id, execution_id)
                    for index in range(wide_children)
                ],
            )
    finally:
        connection.close()


@contextmanager
def counting(store: Store) -> Iterator[list[str]]:
    """Collects the SQL statements the store's engine runs inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = store.backend.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _calls(store: Store) -> dict[str, Callable[[], object]]:
    """One call of every store method, on records that exist in the original and the copy."""
    with store.backend.new_session() as session:
        root = session.execute(
            select(Job.id, Job.execution_id)
            .where(Job.parent_id.is_(None), Job.id.not_like("%-c%"))
            .order_by(Job.start_time)
            .limit(1)
        ).one()
        leaf = session.execute(
            select(Job.id).where(Job.parent_id == root.id, Job.id.not_like("wide-%")).order_by(Job.start_time).limit(1)
        ).scalar_one()
        failed = session.execute(
            select(Job.id, Job.execution_id)
            .join(CallNode, CallNode.call_hash == Job.call_hash)
            .join(Value, Value.value_hash == CallNode.value_hash)
            .where(Value.type == "redun.ErrorValue", Job.id.not_like("%-c%"))
            .order_by(Job.start_time)
            .limit(1)
        ).first()
        file_hash, file_path = session.execute(select(File.value_hash, File.path).order_by(File.path).limit(1)).one()
        task_hash = session.execute(select(Task.hash).order_by(Task.hash).limit(1)).scalar_one()
        value_hash = session.execute(
            select(Value.value_hash).where(Value.type == "redun.File").order_by(Value.value_hash).limit(1)
        ).scalar_one()
    first_page = store.executions(limit=2)
    calls: dict[str, Callable[[], object]] = {
        "executions": lambda: store.executions(),
        "executions page 2": lambda: store.executions(cursor=first_page.next_cursor, limit=2),
        "executions search": lambda: store.executions(search="main"),
        "execution": lambda: store.execution(root.execution_id),
        "status_counts": lambda: store.status_counts(root.execution_id),
        "job_children root": lambda: store.job_children(root.execution_id, None),
        "job_children": lambda: store.job_children(root.execution_id, root.id),
        "job_children page 2": lambda: store.job_children(
            root.execution_id, root.id, cursor=store.job_children(root.execution_id, root.id, limit=2).next_cursor, limit=2
        ),
        "job_children filtered": lambda: store.job_children(root.execution_id, root.id, status="DONE"),
        "jobs": lambda: store.jobs(root.execution_id),
        "jobs by status": lambda: store.jobs(root.execution_id, status="CACHED"),
        "job root": lambda: store.job(root.id),
        "job leaf": lambda: store.job(leaf),
        "value": lambda: store.value(value_hash),
        "value_text": lambda: store.value_text(value_hash),
        "dataflow": lambda: store.dataflow(file_hash),
        "tasks": lambda: store.tasks(),
        "task": lambda: store.task(task_hash),
        "files": lambda: store.files(),
        "file": lambda: store.file(file_path),
        "resolve job": lambda: store.resolve(f"jobs/{root.id[:6]}"),
        "resolve file": lambda: store.resolve(f"files/{file_path}"),
        "search": lambda: store.search(""),
        "search failed jobs": lambda: store.search("status:failed is:job"),
        "search jobs page 2": lambda: store.search(
            "status:done", cursor=store.search("status:done", limit=2).next_cursor, limit=2
        ),
        "search task": lambda: store.search("task:main_ok"),
        "heartbeat": lambda: store.heartbeat(),
        "heartbeat execution": lambda: store.heartbeat(root.execution_id),
    }
    if failed is not None:
        calls["job failed"] = lambda: store.job(failed.id)
    return calls


def _count_all(path: Path) -> dict[str, int]:
    backend = open_backend(str(path))
    try:
        store = Store(backend)
        calls = _calls(store)
        counts = {}
        for name, call in calls.items():
            call()  # warm up: the first use of a connection may run dialect set-up queries
            with counting(store) as statements:
                call()
            counts[name] = len(statements)
        return counts
    finally:
        backend.close()


@pytest.mark.parametrize("fixture", ["failures.db", "seed_example.db"])
def test_statement_counts_are_constant(fixture: str, tmp_path: Path) -> None:
    small = tmp_path / "small.db"
    big = tmp_path / "big.db"
    shutil.copyfile(FIXTURES / fixture, small)
    shutil.copyfile(FIXTURES / fixture, big)
    grow(big)
    with sqlite3.connect(big) as connection:
        jobs = connection.execute("SELECT count(*) FROM job").fetchone()[0]
    with sqlite3.connect(small) as connection:
        assert jobs > COPIES * connection.execute("SELECT count(*) FROM job").fetchone()[0]

    small_counts = _count_all(small)
    big_counts = _count_all(big)
    for counts in (small_counts, big_counts):
        for name, count in counts.items():
            if name.startswith("search"):
                bound = MAX_SEARCH_STATEMENTS
            elif name == "dataflow":
                bound = MAX_DATAFLOW_STATEMENTS
            else:
                bound = MAX_STATEMENTS
            assert 1 <= count <= bound, (name, count)
    equal = {name: count for name, count in small_counts.items() if name not in BOUNDED_ONLY}
    assert {name: big_counts[name] for name in equal} == equal



def test_probed_lists_match_a_full_sort(tmp_path: Path) -> None:
    """Lists found by probing the newest jobs equal the newest rows of a plain full sort.

    On the grown database, values have hundreds of users, so the store's probe along the
    start-time index (rather than its fallback sort) answers; ties of equal start times (the
    copies share them) must break by id, newest first, as everywhere.
    """
    path = tmp_path / "big.db"
    shutil.copyfile(FIXTURES / "seed_example.db", path)
    grow(path)
    connection = sqlite3.connect(path)
    backend = open_backend(str(path))
    try:
        store = Store(backend)
        popular = connection.execute(
            "SELECT value_hash FROM argument GROUP BY value_hash ORDER BY count(*) DESC LIMIT 3"
        ).fetchall()
        checked = 0
        for (value_hash,) in popular:
            expected = [
                job_id
                for (job_id,) in connection.execute(
                    "SELECT id FROM job WHERE call_hash IN (SELECT call_hash FROM argument WHERE value_hash = ? "
                    "OR value_hash IN (SELECT parent_value_hash FROM subvalue WHERE value_hash = ?)) "
                    "ORDER BY start_time DESC, id DESC LIMIT 50",
                    (value_hash, value_hash),
                )
            ]
            readers = store.value(value_hash).consumed_by
            assert [use.job_id for use in readers] == expected
            assert readers.more == (len(expected) == 50)
            checked += len(expected) == 50
        assert checked, "a value with 50 or more users, so that the probe answers"
        produced = connection.execute(
            "SELECT value_hash FROM call_node GROUP BY value_hash ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        expected = [
            job_id
            for (job_id,) in connection.execute(
                "SELECT id FROM job WHERE call_hash IN (SELECT call_hash FROM call_node WHERE value_hash = ? "
                "OR value_hash IN (SELECT parent_value_hash FROM subvalue WHERE value_hash = ?)) "
                "ORDER BY start_time DESC, id DESC LIMIT 50",
                (produced, produced),
            )
        ]
        assert [use.job_id for use in store.value(produced).produced_by] == expected
        # Searches probe too: pages of a job search equal one sorted list.
        everything = [
            job_id
            for (job_id,) in connection.execute(
                "SELECT job.id FROM job JOIN task ON task.hash = job.task_hash WHERE task.name = 'align_reads' "
                "ORDER BY job.start_time DESC, job.id DESC"
            )
        ]
        paged, cursor = [], None
        while True:
            page = store.search("task:align_reads is:job", cursor=cursor, limit=40)
            paged.extend(row.id for row in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert paged == everything and len(everything) > 40
    finally:
        backend.close()
        connection.close()
