"""Where an execution's time went: its time axis, critical path and per-task statistics.

Plain functions over a SQLAlchemy Session returning :mod:`redun_tui.views` dataclasses, behind
the Store's facade methods (``timeline_span``, ``critical_path``, ``task_stats``,
``task_history``). Ids may be unique prefixes, an execution also ``-`` or ``~N``
(:func:`redun_tui.store.sql.resolve_execution`).

Durations are computed in SQL as integer microseconds from the stored timestamps, so they equal
Python's ``end - start`` exactly: SQLite keeps them as naive UTC text (``julianday()`` alone
would round to milliseconds: :func:`duration_us`), PostgreSQL as timestamps. Task statistics are
one ``GROUP BY``: per task the counts, and the durations as one text that Python splits and
sorts for the nearest-rank percentiles (two window functions doing the ranking in SQLite cost
~15x more at 100,000 jobs). The critical path is one indexed query per level
(``job.parent_id``), never one per job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Float, Integer, Text, bindparam, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from redun_tui.db.models import Execution, Job, Task
from redun_tui.db.status import job_status_case, job_status_value
from redun_tui.store.errors import NotFound
from redun_tui.store.previews import fullname
from redun_tui.store.sql import resolve_execution, resolve_one
from redun_tui.views import CriticalStep, TaskHistory, TaskHistoryPoint, TaskStats, TimelineSpan

PERCENTILES = (50, 95)
HISTORY_EXECUTIONS = 20  # executions shown in a task's history
_MICRO = timedelta(microseconds=1)


def seconds(microseconds: int | None) -> float | None:
    """Integer microseconds as float seconds (exactly ``timedelta.total_seconds()``)."""
    return None if microseconds is None else microseconds / 1e6


def _micros(delta: timedelta) -> int:
    return delta // _MICRO


def duration_us(dialect: str, start: Any, end: Any) -> Any:
    """SQL: ``end - start`` in integer microseconds (NULL unless both are set).

    SQLite keeps naive UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``). ``julianday()`` is cheap but
    keeps milliseconds only, so it gives the whole seconds: rounded after the exact difference
    of the fractions (the text from character 20, at most a dot and 6 digits, as SQLAlchemy
    reads it) is taken off, then that difference is added back. Two ``julianday`` calls cost
    about half of ``strftime('%s')`` with a separate fraction, and ``strftime`` rounded a
    fraction of .9995 s or more up to the next second, which the fraction then counted again
    (a second too much or too little). PostgreSQL: ``EXTRACT(EPOCH …)``, exact to the
    microsecond.
    """
    if dialect == "sqlite":

        def fraction(column: Any) -> Any:
            return cast(func.substr(column, 20, 7), Float)

        fractions = fraction(end) - fraction(start)
        approximate = (func.julianday(end) - func.julianday(start)) * 86_400.0
        value = cast(func.round((func.round(approximate - fractions) + fractions) * 1_000_000), Integer)
    else:
        value = cast(func.round(func.extract("epoch", end - start) * 1_000_000), BigInteger)
    return case((start.is_(None), None), (end.is_(None), None), else_=value)


def _latest_time(session: Session, execution_id: str) -> datetime | None:
    """The latest start or end recorded on the execution's jobs (a ``now`` without updated_time)."""
    ends = session.execute(
        select(func.max(Job.end_time), func.max(Job.start_time)).where(Job.execution_id == execution_id)
    ).one()
    known = [moment for moment in ends if moment is not None]
    return max(known) if known else None


def span(session: Session, execution_id: str) -> TimelineSpan:
    """The execution's time axis: its root job's start and end, and ``now`` for running jobs.

    Raises:
        NotFound, Ambiguous: no execution, or several, match the id (prefix).
    """
    execution_id = resolve_execution(session, execution_id)
    row = session.execute(
        select(Execution.id, Execution.job_id, Execution.updated_time, Job.start_time, Job.end_time)
        .select_from(Execution)
        .outerjoin(Job, Job.id == Execution.job_id)
        .where(Execution.id == execution_id)
    ).first()
    if row is None:
        raise NotFound(f"no execution matches '{execution_id}'")
    exec_id, root_id, updated, start, end = row
    root_exists = start is not None or end is not None or (
        root_id is not None and session.execute(select(Job.id).where(Job.id == root_id)).first() is not None
    )
    count = session.execute(select(func.count()).select_from(Job).where(Job.execution_id == exec_id)).scalar_one()
    latest = _latest_time(session, exec_id)
    now = updated if updated is not None else latest
    return TimelineSpan(exec_id, root_id if root_exists else None, start, end, now, count, latest)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@lru_cache(maxsize=4)
def _path_statements(dialect: str) -> tuple[Any, Any]:
    """(the root job by id, the latest-ending child of a parent), with ``:job`` and ``:now``.

    Built once per dialect: composing the statement costs more than running it on a small level.
    Only ids and times: a status computed here would be computed for every child before the sort
    (25,000 correlated look-ups under the root of the L benchmark), not for the one kept.
    """
    ended = func.coalesce(Job.end_time, bindparam("now", type_=Job.end_time.type))
    columns = (Job.id, Job.start_time, Job.end_time)

    def query(condition: Any) -> Any:
        return (
            select(*columns)
            .where(condition)
            # NULLs last on both databases (SQLite sorts them first ascending, PostgreSQL last).
            .order_by(
                case((ended.is_(None), 1), else_=0),
                ended.desc(),
                case((Job.start_time.is_(None), 1), else_=0),
                Job.start_time.desc(),
                Job.id,
            )
            .limit(1)
        )

    return query(Job.id == bindparam("job")), query(Job.parent_id == bindparam("job"))


def _path_labels(session: Session, job_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Job id -> (task name, status) for the jobs of a path, in one query."""
    status = job_status_case(Job, correlated=True)
    rows = session.execute(
        select(Job.id, Task.namespace, Task.name, status)
        .select_from(Job)
        .outerjoin(Task, Task.hash == Job.task_hash)
        .where(Job.id.in_(job_ids))
    ).all()
    return {job_id: (fullname(namespace, name), job_status) for job_id, namespace, name, job_status in rows}


def critical_path(session: Session, execution_id: str, timeline: TimelineSpan | None = None) -> tuple[CriticalStep, ...]:
    """The chain of jobs that decided the execution's wall-clock time.

    From the root job, repeatedly step to the child whose end is latest (ties: the latest start,
    then the smallest id; a job without an end counts as ending at ``now``), until a job without
    children. One query per level on the ``parent_id`` index, then one for the steps' tasks and
    statuses.
    """
    timeline = timeline or span(session, execution_id)
    if timeline.root_job_id is None:
        return ()
    now = timeline.now
    statements = _path_statements(_dialect(session))
    rows = []
    row = session.execute(statements[0], {"job": timeline.root_job_id, "now": now}).first()
    seen: set[str] = set()
    while row is not None and row[0] not in seen:  # a parent cycle in bad data must end
        seen.add(row[0])
        rows.append(row)
        row = session.execute(statements[1], {"job": row[0], "now": now}).first()
    labels = _path_labels(session, [row[0] for row in rows])
    steps = []
    ends = [row[2] if row[2] is not None else now for row in rows]
    for index, (job_id, start, end) in enumerate(rows):
        effective = ends[index]
        # Own time: until the latest child ended the job was waiting on it (a leaf: all of it).
        since = ends[index + 1] if index + 1 < len(rows) else start
        own = _micros(effective - since) if effective is not None and since is not None else 0
        task_name, job_status = labels[job_id]
        steps.append(CriticalStep(job_id, task_name, job_status, start, end, effective, max(own, 0) / 1e6))
    return tuple(steps)


# FAILED jobs counted in the low 32 bits of one sum, CACHED jobs above them (see _grouped).
_CACHED_UNIT = 1 << 32


def _grouped(dialect: str, partition: Any, condition: Any) -> Any:
    """One GROUP BY over the jobs matching ``condition``: per partition, the job count, the
    FAILED and CACHED counts packed in one sum, and every duration (µs) as one comma-separated
    text (NULLs, the unfinished jobs, left out).

    Each per-job expression appears once: SQLite evaluates an expression once per aggregate
    that uses it, and the status rule (a probe of the failed-call set) and the duration are
    most of the statement's cost. The durations are ranked in Python (:func:`_summary`): at
    L (100,000 jobs) two window functions over them cost ~0.5 s CPU in SQLite, splitting and
    sorting the text ~0.03 s.
    """
    statuses = job_status_value({"FAILED": 1, "CACHED": _CACHED_UNIT})
    duration = duration_us(dialect, Job.start_time, Job.end_time)
    if dialect == "sqlite":
        durations = func.group_concat(duration, ",")
    else:
        durations = func.string_agg(cast(duration, Text), literal_column("','"))
    return (
        select(partition.label("part"), func.count().label("count"), func.sum(statuses).label("statuses"),
               durations.label("durations"))
        .where(condition)
        .group_by(partition)
    )


def _nearest_rank(ordered: list[int], p: int) -> int | None:
    # The value at 1-based position ceil(p*n/100), in integer arithmetic.
    return ordered[(p * len(ordered) + 99) // 100 - 1] if ordered else None


@dataclass(frozen=True)
class _Summary:
    failed: int
    cached: int
    finished: int
    total: int  # µs
    p50: int | None
    p95: int | None
    max: int | None


def _summary(statuses: Any, durations: str | None) -> _Summary:
    """The statistics of one :func:`_grouped` row."""
    packed = int(statuses or 0)
    ordered = sorted(map(int, durations.split(","))) if durations else []
    return _Summary(
        failed=packed % _CACHED_UNIT,
        cached=packed // _CACHED_UNIT,
        finished=len(ordered),
        total=sum(ordered),
        p50=_nearest_rank(ordered, PERCENTILES[0]),
        p95=_nearest_rank(ordered, PERCENTILES[1]),
        max=ordered[-1] if ordered else None,
    )


@lru_cache(maxsize=4)
def _stats_statement(dialect: str) -> Any:
    """The task statistics of ``:execution``, one statement (built once per dialect)."""
    grouped = _grouped(dialect, Job.task_hash, Job.execution_id == bindparam("execution")).subquery("g")
    return select(grouped, Task.namespace, Task.name).select_from(grouped).outerjoin(Task, Task.hash == grouped.c.part)


def task_stats(session: Session, execution_id: str) -> tuple[TaskStats, ...]:
    """Per task (hash) of the execution: job count, FAILED/CACHED counts and duration statistics.

    Sorted by total duration, descending (then by name). Durations cover jobs with both a start
    and an end; ``mean``/``p50``/``p95``/``max`` are None for a task without such jobs.
    """
    execution_id = resolve_execution(session, execution_id)
    rows = session.execute(_stats_statement(_dialect(session)), {"execution": execution_id}).all()
    stats = []
    for task_hash, count, statuses, durations, namespace, name in rows:
        summary = _summary(statuses, durations)
        stats.append(TaskStats(
            task_hash=task_hash,
            task_name=fullname(namespace, name),
            count=count,
            failed=summary.failed,
            cached=summary.cached,
            finished=summary.finished,
            total=summary.total / 1e6,
            mean=(summary.total / summary.finished / 1e6) if summary.finished else None,
            p50=seconds(summary.p50),
            p95=seconds(summary.p95),
            max=seconds(summary.max),
        ))
    stats.sort(key=lambda s: (-s.total, s.task_name, s.task_hash or ""))
    return tuple(stats)


def task_history(session: Session, task_hash: str, executions: int = HISTORY_EXECUTIONS) -> TaskHistory:
    """A task's durations in the latest ``executions`` executions that ran it, oldest first.

    Every version (hash) of the task's ``namespace.name`` counts: a code change is exactly when
    one asks whether it got slower.

    Raises:
        NotFound, Ambiguous: no task, or several, match the hash (prefix).
    """
    task_hash = resolve_one(session, Task.hash, task_hash, "task")
    namespace, name = session.execute(select(Task.namespace, Task.name).where(Task.hash == task_hash)).one()
    hashes = select(Task.hash).where(Task.name == name, func.coalesce(Task.namespace, "") == (namespace or ""))
    latest = (
        select(Job.execution_id, func.min(Job.start_time).label("first"))
        .where(Job.task_hash.in_(hashes), Job.execution_id.is_not(None))
        .group_by(Job.execution_id)
        .order_by(func.min(Job.start_time).desc(), Job.execution_id)
        .limit(executions)
    ).subquery("latest")
    rows = session.execute(_grouped(
        _dialect(session), Job.execution_id,
        Job.task_hash.in_(hashes) & Job.execution_id.in_(select(latest.c.execution_id)),
    )).all()
    starts = dict(session.execute(select(latest.c.execution_id, latest.c.first)).all())
    points = []
    for part, count, statuses, durations in rows:
        summary = _summary(statuses, durations)
        points.append(TaskHistoryPoint(part, starts.get(part), count, seconds(summary.p50), seconds(summary.p95),
                                       seconds(summary.max)))
    points.sort(key=lambda p: (p.start_time is None, p.start_time or datetime.min, p.execution_id))
    return TaskHistory(fullname(namespace, name), tuple(points))
