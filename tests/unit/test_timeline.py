"""Critical path and task statistics against a brute-force computation in Python.

Every execution of every fixture database (and the benchmark generator's S database) is checked:
the SQL (window functions, one query per level) must give exactly what loading every job and
following the rules of issue 13 word for word gives.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from redun_tui.db import RedunBackendDb
from redun_tui.db.models import CallNode, Execution, Job, Task, Value
from redun_tui.db.status import job_status_from
from redun_tui.store import timeline as store_timeline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
FIXTURE_DBS = sorted(p.name for p in FIXTURES.glob("*.db") if not p.name.startswith("old_"))
MICRO = timedelta(microseconds=1)


def open_backend(url: str) -> RedunBackendDb:
    backend = RedunBackendDb(url, read_only=True)
    backend.load()
    return backend


def all_jobs(session) -> dict[str, dict]:
    """Every job with its task name and status by the model rule, loaded into Python."""
    rows = session.execute(
        select(Job.id, Job.parent_id, Job.execution_id, Job.task_hash, Job.start_time, Job.end_time, Job.cached,
               Task.namespace, Task.name, Value.type)
        .select_from(Job)
        .outerjoin(Task, Task.hash == Job.task_hash)
        .outerjoin(CallNode, CallNode.call_hash == Job.call_hash)
        .outerjoin(Value, Value.value_hash == CallNode.value_hash)
    ).all()
    return {
        row[0]: dict(id=row[0], parent=row[1], execution=row[2], task_hash=row[3], start=row[4], end=row[5],
                     status=job_status_from(row[9], row[5], row[6]),
                     task=store_timeline.fullname(row[7], row[8]))
        for row in rows
    }


def children_of(jobs: dict[str, dict]) -> dict[str | None, list[dict]]:
    children = defaultdict(list)
    for job in jobs.values():
        children[job["parent"]].append(job)
    return children


def brute_path(jobs: dict[str, dict], children: dict, root_id: str | None, now) -> list[tuple[str, float]]:
    """The issue's rule, word for word: latest end (no end: ``now``), then latest start, then smallest id."""
    if root_id not in jobs:
        return []
    path, job = [], jobs[root_id]
    while True:
        path.append(job)
        kids = children.get(job["id"])
        if not kids:
            break
        end = lambda j: j["end"] or now  # noqa: E731
        latest_end = max(end(k) for k in kids)
        best = [k for k in kids if end(k) == latest_end]
        latest_start = max(k["start"] for k in best)
        best = [k for k in best if k["start"] == latest_start]
        job = min(best, key=lambda k: k["id"])
    steps = []
    for index, job in enumerate(path):
        end = job["end"] or now
        if index + 1 < len(path):
            own = end - (path[index + 1]["end"] or now)
        else:
            own = end - job["start"]
        steps.append((job["id"], max(own // MICRO, 0) / 1e6))
    return steps


def nearest_rank(sorted_values: list[int], p: int) -> int | None:
    if not sorted_values:
        return None
    return sorted_values[math.ceil(p * len(sorted_values) / 100) - 1]


def brute_stats(members_of_execution: list[dict]) -> list[tuple]:
    """Per task: counts by status, and durations sorted in Python with nearest-rank percentiles."""
    groups = defaultdict(list)
    for job in members_of_execution:
        groups[job["task_hash"]].append(job)
    result = []
    for task_hash, members in groups.items():
        durations = sorted((j["end"] - j["start"]) // MICRO for j in members if j["start"] and j["end"])
        total = sum(durations)
        result.append((
            task_hash, members[0]["task"], len(members),
            sum(j["status"] == "FAILED" for j in members), sum(j["status"] == "CACHED" for j in members),
            total / 1e6, (total / len(durations) / 1e6) if durations else None,
            store_timeline.seconds(nearest_rank(durations, 50)), store_timeline.seconds(nearest_rank(durations, 95)),
            store_timeline.seconds(max(durations) if durations else None),
        ))
    result.sort(key=lambda r: (-r[5], r[1], r[0] or ""))
    return result


def check_database(url: str) -> int:
    """Compares every execution of the database; returns how many were checked."""
    backend = open_backend(url)
    checked = 0
    try:
        with backend.new_session() as session:
            jobs = all_jobs(session)
            children = children_of(jobs)
            by_execution = defaultdict(list)
            for job in jobs.values():
                by_execution[job["execution"]].append(job)
            executions = session.execute(select(Execution.id, Execution.job_id, Execution.updated_time)).all()
            for execution_id, root_id, updated in executions:
                span = store_timeline.span(session, execution_id)
                now = span.now
                assert now == (updated if updated is not None else now)
                got = [(step.job_id, step.self_seconds) for step in store_timeline.critical_path(session, execution_id)]
                assert got == brute_path(jobs, children, root_id, now), execution_id
                stats = [
                    (s.task_hash, s.task_name, s.count, s.failed, s.cached, s.total, s.mean, s.p50, s.p95, s.max)
                    for s in store_timeline.task_stats(session, execution_id)
                ]
                assert stats == brute_stats(by_execution[execution_id]), execution_id
                checked += 1
    finally:
        backend.close()
    return checked


@pytest.mark.parametrize("name", FIXTURE_DBS)
def test_matches_brute_force_on_fixture(name: str, make_db_url) -> None:
    """Every execution of every fixture, on SQLite and (when a server is given) PostgreSQL."""
    assert check_database(make_db_url(name)) >= 1


@pytest.fixture(scope="module")
def bench_s_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark generator's S database (1,001 executions, ~22,000 jobs; ~6 s to build)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_make_db", BENCHMARKS / "make_db.py")
    make_db = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = make_db  # its dataclasses look their module up there
    spec.loader.exec_module(make_db)
    path = tmp_path_factory.mktemp("bench") / "bench_S.db"
    figures = make_db.build("S", str(path))
    assert figures["integrity"] == "ok"
    return path


def test_matches_brute_force_on_benchmark_s(bench_s_db: Path) -> None:
    assert check_database(str(bench_s_db)) == 1_001


@pytest.mark.parametrize(("start", "end"), [
    ("2026-01-01 00:00:05.999700", "2026-01-01 00:00:06.000000"),  # strftime('%s') rounded .9997 up
    ("2026-01-01 23:59:59.999999", "2026-01-02 00:00:00.000000"),
    ("2026-01-01 00:00:05.999400", "2026-01-02 03:00:05.999500"),
    ("1999-12-31 23:59:59.999999", "2026-01-02 00:00:00.000001"),
    ("2026-01-01 00:00:05.123456", "2026-01-01 00:00:04.000001"),  # ends before it starts: negative
    ("2026-01-01 00:00:05", "2026-01-01 00:00:07.5"),  # no fraction, a short one
    ("2026-01-01T00:00:05.123456", "2026-01-01 00:00:09.654321"),
    ("2026-03-01 00:00:00.000001", "2026-03-01 00:00:00.000001"),
])
def test_sqlite_duration_is_exact_to_the_microsecond(start: str, end: str) -> None:
    """The SQL duration equals Python's difference of the timestamps as SQLAlchemy reads them."""
    from sqlalchemy import create_engine, literal
    from sqlalchemy.dialects.sqlite import DATETIME
    from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

    parse = DATETIME().result_processor(sqlite_dialect(), None)
    expected = (parse(end) - parse(start)) // MICRO
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        got = connection.execute(select(store_timeline.duration_us("sqlite", literal(start), literal(end)))).scalar_one()
    assert got == expected
