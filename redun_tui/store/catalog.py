"""The catalog: tasks (each version a row) and recorded files (every version of a path)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from redun_tui.db.columns import sqlite_datetime
from redun_tui.db.models import CallNode, File, Job, TagEntity, Task
from redun_tui.store.calls import call_args
from redun_tui.store.jobs import child_counts, job_page, make_job_row
from redun_tui.store.paging import DEFAULT_PAGE_SIZE, check_limit, decode_position, keyset_page, split_position_page
from redun_tui.store.previews import TASK_NAME_LIMIT, cut, fullname, value_ref
from redun_tui.store.sql import VALUE, file_path, like_pattern, prefix_condition, resolve_one, tag_views, value_columns
from redun_tui.store.uses import producers, readers
from redun_tui.views import FileDetail, FileRow, Page, TaskDetail, TaskRow

SUBVALUE_LIMIT = 200  # versions listed on a task screen
RECENT_JOBS_LIMIT = 50  # jobs listed on a task screen
# Above this many jobs, a task's newest jobs are found by walking the start-time index.
RECENT_SCAN_THRESHOLD = 2_000


def tasks(session: Session, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[TaskRow]:
    """Tasks by namespace and name (each version a row).

    ``search`` matches namespace, name or ``namespace.name`` (``*`` wildcards; otherwise a
    substring), or a hash prefix. job_count/last_run come from one grouped query over the
    page's hashes.
    """
    limit = check_limit(limit)
    position = decode_position(cursor, 3)

    query = select(Task.hash, Task.namespace, Task.name)
    text = search.strip()
    if text:
        pattern = like_pattern(text) if "*" in text else "%" + like_pattern(text) + "%"
        fullname = case((Task.namespace == "", Task.name), else_=Task.namespace + "." + Task.name)
        query = query.where(
            or_(
                fullname.like(pattern, escape="\\"),
                prefix_condition(session, Task.hash, text.lower()),
            )
        )
    rows = session.execute(keyset_page(query, (Task.namespace, Task.name, Task.hash), position, limit)).all()
    rows, offset, prev_cursor, next_cursor = split_position_page(rows, limit, position, lambda row: (row[1], row[2], row[0]))
    stats = task_stats(session, [row[0] for row in rows])
    items = tuple(make_task_row(row, stats) for row in rows)
    total = None
    if not text:
        total = session.execute(select(func.count()).select_from(Task)).scalar_one()
    return Page(items=items, offset=offset, next_cursor=next_cursor, total=total, prev_cursor=prev_cursor, seekable=True)


def task_stats(session: Session, hashes: list[str]) -> dict[str, tuple[int, datetime | None]]:
    """(job count, last run) of each task hash, in one statement.

    The last run is the start time of the task's most recently recorded job. On SQLite that is
    the job with the largest rowid (redun inserts a job as it starts, so rowid order is start
    order; on every fixture written by real redun it equals the newest start time): the grouped
    count scans the task_hash index, whose entries carry the rowid, so ``max(rowid)`` comes
    free and one row per task is read for its start time. ``max(start_time)`` instead reads
    every job row of the task (a second per 200,000 jobs). Other databases take the newest
    start time.
    """
    if not hashes:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        job = Job.__table__
        rowid = literal_column("job.rowid")
        grouped = (
            select(job.c.task_hash.label("task_hash"), func.count().label("jobs"), func.max(rowid).label("last"))
            .where(job.c.task_hash.in_(hashes))
            .group_by(job.c.task_hash)
            .subquery("task_jobs")
        )
        last_job = Job.__table__.alias("last_job")
        query = select(grouped.c.task_hash, grouped.c.jobs, last_job.c.start_time).select_from(
            grouped.outerjoin(last_job, literal_column("last_job.rowid") == grouped.c.last)
        )
    else:
        query = (
            select(Job.task_hash, func.count(), func.max(Job.start_time))
            .where(Job.task_hash.in_(hashes))
            .group_by(Job.task_hash)
        )
    return {task_hash: (count, _utc(last)) for task_hash, count, last in session.execute(query).all()}


def _utc(value: Any) -> datetime | None:
    """A timestamp as aware UTC (``max()`` loses the column type on SQLite: text)."""
    if isinstance(value, str):
        return sqlite_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def make_task_row(row: Any, stats: dict[str, tuple[int, datetime | None]]) -> TaskRow:
    task_hash, namespace, name = row[:3]
    count, last = stats.get(task_hash, (0, None))
    return TaskRow(
        hash=task_hash,
        namespace=namespace or "",
        name=cut(name or "", TASK_NAME_LIMIT),
        fullname=cut(fullname(namespace, name), TASK_NAME_LIMIT),
        job_count=count,
        last_run=last,
    )


def task(session: Session, task_hash: str) -> TaskDetail:
    """One task version: source, sibling versions, recent jobs."""
    full_hash = resolve_one(session, Task.hash, task_hash, "task")
    namespace, name, source = session.execute(
        select(Task.namespace, Task.name, Task.source).where(Task.hash == full_hash)
    ).one()
    version_rows = session.execute(
        select(Task.hash, Task.namespace, Task.name)
        .where(Task.namespace == namespace, Task.name == name)
        .order_by(Task.hash)
        .limit(SUBVALUE_LIMIT)
    ).all()
    stats = task_stats(session, [row[0] for row in version_rows])
    job_count = stats.get(full_hash, (0, None))[0]
    if job_count > RECENT_SCAN_THRESHOLD:
        # Many jobs: walk the start-time index newest first and stop after a page
        # (``|| ''`` keeps SQLite from choosing the task_hash index and sorting them all).
        condition = lambda pj: [(pj.job.task_hash + "") == full_hash]  # noqa: E731
    else:
        condition = lambda pj: [pj.job.task_hash == full_hash]  # noqa: E731
    rows = job_page(session, condition, False, None, RECENT_JOBS_LIMIT, descending=True)[
        :RECENT_JOBS_LIMIT
    ]
    counts = child_counts(session, [row[0] for row in rows])
    calls = call_args(session, [row[9] for row in rows])
    recent = tuple(make_job_row(row, counts.get(row[0], 0), calls) for row in rows)
    versions = tuple(make_task_row(row, stats) for row in version_rows)
    this = next(version for version in versions if version.hash == full_hash)
    tags = tag_views(session, TagEntity.Task, [full_hash]).get(full_hash, ())
    return TaskDetail(row=this, source=source or "", versions=versions, recent_jobs=recent, tags=tags)


def files(session: Session, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[FileRow]:
    """Recorded files by path (``*`` wildcards in search; without one, a substring).

    ``last_used`` of a row is when a task last produced that version (see _last_used).
    """
    limit = check_limit(limit)
    position = decode_position(cursor, 2)

    value = VALUE
    query = select(File.path, *value_columns(value)).select_from(
        File.__table__.join(value.table, value.value_hash == File.value_hash)
    )
    text = search.strip()
    if text:
        pattern = like_pattern(text) if "*" in text else "%" + like_pattern(text) + "%"
        query = query.where(File.path.like(pattern, escape="\\"))
    rows = session.execute(keyset_page(query, (File.path, File.value_hash), position, limit)).all()
    rows, offset, prev_cursor, next_cursor = split_position_page(rows, limit, position, lambda row: (row[0], row[1]))
    last_used = last_used_times(session, [row[1] for row in rows])
    items = tuple(
        FileRow(path=row[0], value_hash=row[1], preview=value_ref(row[1:6]).preview, last_used=last_used.get(row[1]))
        for row in rows
    )
    total = None
    if not text:
        total = session.execute(select(func.count()).select_from(File)).scalar_one()
    return Page(items=items, offset=offset, next_cursor=next_cursor, total=total, prev_cursor=prev_cursor, seekable=True)


def last_used_times(session: Session, value_hashes: list[str]) -> dict[str, datetime | None]:
    """When a task last produced each value: the newest timestamp of a call node whose
    result it is (one grouped query on the call_node.value_hash index).

    None for values no task returned (inputs such as a reference genome). The newest job
    that *used* a value would be the better answer, but for a value passed to 200,000 jobs
    it reads every one of their rows (3 s at a million jobs): the screens list the newest
    users through redun_tui.store.uses instead.
    """
    if not value_hashes:
        return {}
    rows = session.execute(
        select(CallNode.value_hash, func.max(CallNode.timestamp))
        .where(CallNode.value_hash.in_(value_hashes))
        .group_by(CallNode.value_hash)
    ).all()
    return {value_hash: _utc(last) for value_hash, last in rows}


def file(session: Session, path_or_hash: str) -> FileDetail:
    """Every version of a file path, who produced and read it.

    Producers and readers are those of any version (:mod:`redun_tui.store.uses`): jobs whose
    result is a version or contains one (a list of Files, say); readers likewise for arguments.
    """
    path = file_path(session, path_or_hash)
    value = VALUE
    rows = session.execute(
        select(File.path, *value_columns(value))
        .select_from(File.__table__.join(value.table, value.value_hash == File.value_hash))
        .where(File.path == path)
        .order_by(File.value_hash)
    ).all()
    hashes = [row[1] for row in rows]
    last_used = last_used_times(session, hashes)
    versions = tuple(
        sorted(
            (
                FileRow(path=row[0], value_hash=row[1], preview=value_ref(row[1:6]).preview, last_used=last_used.get(row[1]))
                for row in rows
            ),
            key=lambda version: (version.last_used is None, -(version.last_used.timestamp()) if version.last_used else 0, version.value_hash),
        )
    )
    versions_of_path = select(File.value_hash).where(File.path == path)
    produced_by = producers(session, versions_of_path)
    consumed_by = readers(session, versions_of_path)
    return FileDetail(path=path, versions=versions, produced_by=produced_by, consumed_by=consumed_by)
