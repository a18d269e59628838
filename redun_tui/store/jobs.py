"""Jobs: the job screen, job trees and flat lists, and the jobs that use a value.

Functions over a Session; each runs a small constant number of statements (see
tests/unit/test_store_sql_counts.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Float, Integer, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from redun_tui.db.models import Argument, ArgumentResult, Execution, Job, TagEntity, Task
from redun_tui.db.status import ERROR_VALUE_TYPE, UnknownStatusError, job_status_term
from redun_tui.store import routes
from redun_tui.store.calls import call_args
from redun_tui.store.errors import StoreError
from redun_tui.store.paging import (
    DEFAULT_PAGE_SIZE,
    Position,
    check_limit,
    decode_cursor,
    decode_position,
    keyset_after,
    split_page,
    split_position_page,
)
from redun_tui.store.previews import (
    TASK_NAME_LIMIT,
    cut,
    error_from_columns,
    fullname,
    task_arg_names,
    value_ref,
)
from redun_tui.store.sql import (
    CHILD,
    MAIN,
    MATCH,
    PAGE,
    PRODUCER,
    TASK_LOOKUP,
    UP,
    VALUE,
    JobJoin,
    child_counts,
    resolve_execution,
    resolve_one,
    tag_views,
    value_columns,
)
from redun_tui.views import STATUSES, ArgumentView, JobDetail, JobRow, Link, Page, TaskRef, ValueRef

UPSTREAM_JOBS_PER_ARG = 3  # jobs listed as the source of one argument


def make_job_row(row: Any, child_count: int = 0, calls: dict[str, str] | None = None) -> JobRow:
    """A JobRow from the row_columns() of a row; ``calls`` (from calls.call_args) fills its call."""
    job_id, namespace, name, status, start, end, cached, parent_id, execution_id, call_hash = row[:10]
    return JobRow(
        id=job_id,
        task_name=cut(fullname(namespace, name), TASK_NAME_LIMIT),
        status=status,
        start_time=start,
        end_time=end,
        duration=(end - start) if (end is not None and start is not None) else None,
        cached=bool(cached),
        parent_id=parent_id,
        execution_id=execution_id,
        call_hash=call_hash,
        child_count=child_count,
        call_args=calls.get(call_hash) if calls and call_hash else None,
    )


def job_filter(jj: JobJoin, status: str | None, task_name: str | None) -> list:
    """Conditions on ``jj.job`` alone (no joins): status by the failed-call set, task by hash.

    Raises:
        StoreError: an unknown status.
    """
    conditions = []
    if status:
        try:
            conditions.append(job_status_term(status, jj.job))
        except UnknownStatusError:
            raise StoreError(f"unknown job status '{status}' (expected one of {', '.join(STATUSES)})") from None
    if task_name:
        conditions.append(jj.job.task_hash.in_(select(TASK_LOOKUP.hash).where(TASK_LOOKUP.task_filter(task_name))))
    return conditions


def in_execution(jj: JobJoin, execution_id: str, status: str | None) -> Any:
    """``job.execution_id = …``, hidden from SQLite's planner for the rare statuses.

    FAILED and RUNNING jobs are few in the whole database and have their own index paths
    (the failed-call set through ix_job_call_hash, ix_job_end_time): reading an execution's
    100,000 job rows to find them took most of a second.
    """
    if status and status.upper() in ("FAILED", "RUNNING"):
        return (jj.job.execution_id + "") == execution_id
    return jj.job.execution_id == execution_id


def job_page(
    session: Session,
    conditions: Callable[[JobJoin], list],
    needs_joins: bool,
    key: tuple | None,
    limit: int,
    descending: bool = False,
    extra: Callable[[JobJoin], list] | None = None,
    position: Position | None = None,
) -> list:
    """JobRow columns of one page of jobs, in (start_time, id) order (then ``extra(jj)``).

    With a ``position`` (instead of ``key``), the page is read where it says: after or before
    its key, or skipping rows from either end; rows come in SQL order (reversed for a backward
    position: see :func:`split_position_page`).

    Two steps in one statement: a narrow subquery picks the page's ids (reading the job
    table, and the joins only when a condition needs them), then the full columns are
    joined for those rows only. Sorting the children of a job with 100,000 children then
    moves two columns, not ten with four joins each.
    """
    pj = PAGE
    page = select(pj.job.id.label("id"), pj.job.start_time.label("start_time"))
    page = page.select_from(pj.joined() if needs_joins else pj.job.table).where(*conditions(pj))
    skip = 0
    sort = (pj.job.start_time, pj.job.id)
    if position is not None:
        key, descending, skip = position.key, position.flips(descending), position.skip()
        if descending and not needs_joins and session.get_bind().dialect.name == "sqlite":
            # SQLite picks a page's rows with a heap of LIMIT rows. Rows come by the
            # execution_id/parent_id index in rowid order, which is start order (redun inserts
            # a job when it starts), so for a newest-first page every row displaces the heap's
            # worst: read in reverse rowid order instead, most rows are rejected at once
            # (the last page of a 100,000-job execution: 0.5 -> 0.3 s at L, loaded machine).
            newest = page.order_by(literal_column(f"{pj.job.table.name}.rowid").desc()).limit(-1).subquery("newest")
            page = select(newest.c.id, newest.c.start_time)
            sort = (newest.c.start_time, newest.c.id)
    if key is not None:
        page = page.where(keyset_after(sort, key, descending))
    if descending:
        page = page.order_by(sort[0].desc(), sort[1].desc())
    else:
        page = page.order_by(*sort)
    page = page.limit(limit + 1).offset(skip or None).subquery("page")
    jj = MAIN
    columns = [*jj.row_columns(), *(extra(jj) if extra else [])]
    query = select(*columns).select_from(jj.joined(page.join(jj.job.table, jj.job.id == page.c.id)))
    if descending:
        query = query.order_by(page.c.start_time.desc(), page.c.id.desc())
    else:
        query = query.order_by(page.c.start_time, page.c.id)
    return session.execute(query).all()


def job_children(
    session: Session,
    execution_id: str,
    parent_id: str | None,
    status: str | None = None,
    task_name: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    with_calls: bool = True,
) -> Page[JobRow]:
    """Child jobs of ``parent_id`` (None: the root job) in start order, optionally only those
    whose subtree contains jobs of ``status``/``task_name`` (for the filtered tree).

    Each row carries its call's arguments (:func:`calls.call_args`, one more statement) unless
    ``with_calls`` is False.

    ``execution_id`` and ``parent_id`` must be full ids (as JobRow/ExecutionDetail give
    them). With ``parent_id=None`` the page holds the execution's top-level job (its root).
    ``child_count`` of each row counts its children under the same filter.
    """
    limit = check_limit(limit)
    position = decode_position(cursor, 2)
    subtree = None
    if status or task_name:
        # Jobs whose subtree holds a match: the matches and all their ancestors (a recursive
        # CTE walking parent_id upwards from the matching jobs of this execution).
        match = MATCH
        seed = (
            select(match.job.id.label("id"))
            .select_from(match.job.table)
            .where(in_execution(match, execution_id, status), *job_filter(match, status, task_name))
        )
        # MATERIALIZED: the statement reads it twice (the page, its rows' child counts) and
        # must walk it once.
        subtree = seed.cte("subtree", recursive=True).prefix_with("MATERIALIZED")
        up = UP
        subtree = subtree.union(
            select(up.parent_id).select_from(up.table.join(subtree, up.id == subtree.c.id)).where(up.parent_id.is_not(None))
        )

    def conditions(pj: JobJoin) -> list:
        # Children by the parent_id index alone (a parent's children share its execution);
        # the top level is the execution's root job, looked up through the execution row,
        # not by scanning its 100,000 jobs for the one without a parent.
        if parent_id is None:
            root = select(Execution.job_id).where(Execution.id == execution_id)
            found = [pj.job.id.in_(root)]
        else:
            found = [pj.job.parent_id == parent_id]
        if subtree is not None:
            found.append(pj.job.id.in_(select(subtree.c.id)))
        return found

    def filtered_child_count(jj: JobJoin) -> list:
        # Children in the filtered tree, for the page's rows only, in the same statement.
        child = CHILD
        return [
            select(func.count())
            .select_from(child.table)
            .where(child.parent_id == jj.job.id, child.id.in_(select(subtree.c.id)))
            .scalar_subquery()
        ]

    rows = job_page(
        session, conditions, False, None, limit, extra=filtered_child_count if subtree is not None else None,
        position=position,
    )
    rows, offset, prev_cursor, next_cursor = split_position_page(rows, limit, position, lambda row: (row[4], row[0]))
    ids = [row[0] for row in rows]
    total = None
    if subtree is None:
        counts = child_counts(session, ids)
        # The size of the whole list (unfiltered only: a filtered count would run the
        # subtree query again), counted on the parent_id index alone; the top level is
        # one root job.
        if parent_id is None:
            total = len(rows)
        else:
            total = session.execute(
                select(func.count()).select_from(Job).where(Job.parent_id == parent_id)
            ).scalar_one()
    else:
        counts = {row[0]: row[10] for row in rows}
    calls = call_args(session, [row[9] for row in rows]) if with_calls else None
    items = tuple(make_job_row(row, counts.get(row[0], 0), calls) for row in rows)
    return Page(items=items, offset=offset, next_cursor=next_cursor, total=total, prev_cursor=prev_cursor, seekable=True)


# Orders of the flat job list: start order, longest first, or by status (failed first).
JOB_ORDERS = ("start", "duration", "status")
_STATUS_RANK = {"FAILED": 0, "RUNNING": 1, "DONE": 2, "CACHED": 3}


def jobs(session: Session, execution_id: str, status: str | None = None, task_name: str | None = None,
         cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE, order: str = "start") -> Page[JobRow]:
    """A flat list of an execution's jobs matching status/task.

    ``order``: ``start`` (start order), ``duration`` (longest first; unfinished jobs last,
    then newest first) or ``status`` (FAILED, RUNNING, DONE, CACHED, each in start order).
    Start order: any page is one keyset read (the last page too, in reverse order); the size of
    the list is counted for the first page and for jumps without a key (``row_cursor`` needs
    it): one index-only count of the execution's jobs (~10 ms for 100,000 at L), more with a
    status or task filter. The other orders sort the execution's matching jobs on every page
    (no index holds a duration): a page of a 100,000-job execution reads its rows once.

    Raises:
        StoreError: an unknown order or status.
    """
    if order not in JOB_ORDERS:
        raise StoreError(f"unknown job order '{order}' (expected one of {', '.join(JOB_ORDERS)})")
    limit = check_limit(limit)
    full_id = resolve_execution(session, execution_id)

    def conditions(pj: JobJoin) -> list:
        return [in_execution(pj, full_id, status), *job_filter(pj, status, task_name)]

    if order == "start":
        position = decode_position(cursor, 2)
        rows = job_page(session, conditions, False, None, limit, position=position)
        rows, offset, prev_cursor, next_cursor = split_position_page(rows, limit, position, lambda row: (row[4], row[0]))
        total = None
        if position.key is None:
            pj = PAGE
            total = session.execute(select(func.count()).select_from(pj.job.table).where(*conditions(pj))).scalar_one()
    else:
        # Sorted orders page forward only (no jumps: Page.seekable stays False).
        offset, key = decode_cursor(cursor, 3)
        rows, next_cursor = _sorted_job_page(session, conditions, order, key, limit, offset)
        prev_cursor, total = None, None
    counts = child_counts(session, [row[0] for row in rows])
    calls = call_args(session, [row[9] for row in rows])
    items = tuple(make_job_row(row, counts.get(row[0], 0), calls) for row in rows)
    return Page(items=items, offset=offset, next_cursor=next_cursor, total=total, prev_cursor=prev_cursor,
                seekable=order == "start")


def duration_sql(session: Session, job: Any) -> Any:
    """A job's duration in seconds as SQL (NULL while it runs)."""
    if session.get_bind().dialect.name == "sqlite":
        # Times are text, 'YYYY-MM-DD HH:MM:SS.ffffff'. SQLite's date functions keep only
        # milliseconds, which misorders jobs a millisecond apart: whole seconds from
        # strftime('%s'), the fraction from the text itself.
        def seconds(column: Any) -> Any:
            return cast(func.strftime("%s", column), Integer) + cast(func.substr(column, 20), Float)

        return case((job.end_time.is_(None), None), else_=seconds(job.end_time) - seconds(job.start_time))
    return func.extract("epoch", job.end_time - job.start_time)


def _sorted_job_page(session: Session, conditions: Callable[[JobJoin], list], order: str, key: tuple | None,
                     limit: int, offset: int) -> tuple[list, str | None]:
    """One page in duration or status order, keyed by (sort value, start_time, id)."""
    pj = PAGE
    if order == "duration":
        sort = func.coalesce(duration_sql(session, pj.job), -1.0)
        descending, needs_joins = True, False
    else:
        sort = case(*((pj.status == name, rank) for name, rank in _STATUS_RANK.items()), else_=len(_STATUS_RANK))
        descending, needs_joins = False, True
    columns = (sort, pj.job.start_time, pj.job.id)
    page = select(pj.job.id.label("id"), sort.label("sort_key"), pj.job.start_time.label("start_time"))
    page = page.select_from(pj.joined() if needs_joins else pj.job.table).where(*conditions(pj))
    if key is not None:
        page = page.where(keyset_after(columns, key, descending))
    page = page.order_by(*(column.desc() if descending else column for column in columns)).limit(limit + 1)
    page = page.subquery("sorted_page")
    jj = MAIN
    query = select(*jj.row_columns(), page.c.sort_key).select_from(
        jj.joined(page.join(jj.job.table, jj.job.id == page.c.id))
    )
    ordering = (page.c.sort_key, page.c.start_time, page.c.id)
    rows = session.execute(query.order_by(*(c.desc() if descending else c for c in ordering))).all()
    return split_page(rows, limit, offset, lambda row: (row[10], row[4], row[0]))


def job(session: Session, job_id: str) -> JobDetail:
    """Everything the job screen shows.

    Statements (constant): the job with its task and result, its ancestors (one recursive
    query), its arguments with their values, the jobs that produced the arguments, its tags,
    and the first page of its children with their child counts.
    """
    full_id = resolve_one(session, Job.id, job_id, "job")
    jj = MAIN
    result = VALUE
    row = session.execute(
        select(
            *jj.row_columns(),
            jj.task.hash,
            jj.task.source,
            jj.node.args_hash,
            *value_columns(result),
        )
        .select_from(jj.joined().outerjoin(result.table, jj.node.value_hash == result.value_hash))
        .where(jj.job.id == full_id)
    ).one()
    job_row = make_job_row(row)
    task_hash, source, args_hash = row[10], row[11], row[12]
    result_cols = row[13:18]
    trail = job_trail(session, job_row)
    arguments = job_arguments(session, job_row, source, row[2])
    result_ref = value_ref(result_cols) if result_cols[0] is not None else None
    error = None
    if job_row.status == "FAILED" and result_cols[1] == ERROR_VALUE_TYPE:
        error = error_from_columns(result_cols)
    tags = tag_views(session, TagEntity.Job, [full_id]).get(full_id, ())
    children = job_children(session, job_row.execution_id, full_id, None, None, None, DEFAULT_PAGE_SIZE)
    return JobDetail(
        row=job_row,
        trail=trail,
        task=TaskRef(hash=task_hash or "", fullname=fullname(row[1], row[2])),
        source=source or "",
        call_hash=job_row.call_hash,
        args_hash=args_hash,
        arguments=arguments,
        result=result_ref,
        error=error,
        tags=tags,
        children=children,
    )


def job_trail(session: Session, job_row: JobRow) -> tuple[Link, ...]:
    """Execution > ancestor jobs (root first) > this job, as links (one recursive query).

    The query is a UNION (not UNION ALL): a crafted database whose parent links loop (a job its
    own ancestor) ends the walk instead of running it forever; the chain is then read in Python
    from the job's parent up, each job once.
    """
    rows = []
    if job_row.parent_id is not None:
        ancestors = select(Job.id.label("id"), Job.parent_id.label("parent_id")).where(Job.id == job_row.parent_id)
        chain = ancestors.cte("ancestors", recursive=True)
        up = UP
        chain = chain.union(select(up.id, up.parent_id).select_from(up.table.join(chain, up.id == chain.c.parent_id)))
        rows = session.execute(
            select(chain.c.id, chain.c.parent_id, Task.namespace, Task.name)
            .select_from(chain.join(Job, Job.id == chain.c.id).outerjoin(Task, Job.task_hash == Task.hash))
        ).all()
    by_id = {row[0]: row for row in rows}
    upward: list[Any] = []
    seen = {job_row.id}
    ancestor_id = job_row.parent_id
    while ancestor_id in by_id and ancestor_id not in seen:
        seen.add(ancestor_id)
        upward.append(by_id[ancestor_id])
        ancestor_id = by_id[ancestor_id][1]
    links = [Link(f"Exec {job_row.execution_id[:8]}", routes.execution(job_row.execution_id))]
    for ancestor_id, _parent, namespace, name in reversed(upward):
        links.append(Link(f"Job {ancestor_id[:8]} {cut(fullname(namespace, name), TASK_NAME_LIMIT)}", routes.job(ancestor_id)))
    links.append(Link(f"Job {job_row.id[:8]} {job_row.task_name}", routes.job(job_row.id)))
    return tuple(links)


def job_arguments(session: Session, job_row: JobRow, source: str | None, task_name: str | None) -> tuple[ArgumentView, ...]:
    """The call's arguments (positional by position, then keywords by key) with values and
    the jobs that produced them (two queries)."""
    if not job_row.call_hash:
        return ()
    value = VALUE
    rows = session.execute(
        select(Argument.arg_hash, Argument.arg_position, Argument.arg_key, *value_columns(value))
        .select_from(Argument.__table__.outerjoin(value.table, Argument.value_hash == value.value_hash))
        .where(Argument.call_hash == job_row.call_hash)
    ).all()
    if not rows:
        return ()
    # Up to a few producer jobs per argument: this execution's first, then the newest.
    producer = PRODUCER
    rank = func.row_number().over(
        partition_by=ArgumentResult.arg_hash,
        order_by=(case((producer.execution_id == job_row.execution_id, 0), else_=1), producer.start_time.desc()),
    )
    ranked = (
        select(ArgumentResult.arg_hash, producer.id, rank.label("rank"))
        .select_from(ArgumentResult.__table__.join(producer.table, producer.call_hash == ArgumentResult.result_call_hash))
        .where(ArgumentResult.arg_hash.in_([row[0] for row in rows]))
        .subquery()
    )
    upstream: dict[str, list[str]] = {}
    for arg_hash, producer_id, _rank in session.execute(
        select(ranked).where(ranked.c.rank <= UPSTREAM_JOBS_PER_ARG).order_by(ranked.c.arg_hash, ranked.c.rank)
    ):
        upstream.setdefault(arg_hash, []).append(producer_id)
    names = task_arg_names(source, task_name) if any(row[1] is not None for row in rows) else None
    views = []
    for arg_hash, position, key, *value_cols in rows:
        if key is not None:
            label = key
        elif names is not None and position is not None and position < len(names):
            label = names[position]
        else:
            label = f"arg{position}"
        ref = value_ref(value_cols) if value_cols[0] is not None else ValueRef("", "", "<missing value>")
        views.append(
            ArgumentView(
                name=label,
                position=position,
                key=key,
                value=ref,
                upstream_job_ids=tuple(upstream.get(arg_hash, ())),
            )
        )
    views.sort(key=lambda view: (view.position is None, view.position if view.position is not None else 0, view.key or ""))
    return tuple(views)


def latest_jobs(session: Session, call_hashes: set[str]) -> dict[str, str]:
    """The most recent job of each call hash (one windowed query)."""
    if not call_hashes:
        return {}
    rank = func.row_number().over(partition_by=Job.call_hash, order_by=(Job.start_time.desc(), Job.id))
    ranked = (
        select(Job.call_hash, Job.id, rank.label("rank")).where(Job.call_hash.in_(sorted(call_hashes))).subquery()
    )
    return dict(session.execute(select(ranked.c.call_hash, ranked.c.id).where(ranked.c.rank == 1)).all())
