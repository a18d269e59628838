"""Executions: the newest-first list (plain or searched), one execution, its status counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select, text
from sqlalchemy.orm import Session

from redun_tui.db.models import Execution, Job, TagEntity, Task
from redun_tui.db.query import CallGraphQuery
from redun_tui.db.status import job_status_case
from redun_tui.search import SearchQuery, SearchSyntaxError, apply_search, parse_search
from redun_tui.store.errors import StoreError
from redun_tui.store.paging import (
    DEFAULT_PAGE_SIZE,
    Position,
    check_limit,
    decode_position,
    keyset_after,
    probe_newest,
    split_position_page,
)
from redun_tui.store.previews import TASK_NAME_LIMIT, command_line, cut, fullname
from redun_tui.store.rows import make_execution_row
from redun_tui.store.sql import (
    MAIN,
    PAGE,
    PROBE_ROOT,
    DrivingJoin,
    JobJoin,
    execution_status_case,
    resolve_execution,
    tag_views,
)
from redun_tui.views import ExecutionDetail, ExecutionRow, Page, StatusCount


def execution_select(base: Any = None, *extra: Any, outer: bool = False) -> tuple[Any, JobJoin]:
    """Execution columns joined to the root job (status, times, task), then ``extra``, FROM
    ``base``; ``outer`` keeps executions whose root job is missing."""
    jj = MAIN
    base = Execution.__table__ if base is None else base
    join = base.outerjoin if outer else base.join
    exec_status = execution_status_case(jj)
    query = select(
        Execution.id,
        Execution.args,
        Execution.updated_time,
        jj.job.start_time,
        jj.job.end_time,
        exec_status.label("status"),
        jj.task.namespace,
        jj.task.name,
        Execution.job_id,
        *extra,
    ).select_from(jj.joined(join(jj.job.table, Execution.job_id == jj.job.id)))
    return query, jj


def executions(session: Session, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[ExecutionRow]:
    """Executions newest first, optionally filtered by search text (see redun_tui.search).

    Ordered as redun's console orders them: by the root job's start time, newest first (the
    execution id breaks ties). Statements: the page, its tags, and the total when unfiltered.

    ``search`` is search-bar text (:mod:`redun_tui.search`): executions it matches, or, when
    it asks only for jobs (``task:align``, ``status:failed`` …), the executions of the jobs
    it matches.

    Raises:
        redun_tui.search.SearchSyntaxError: the search text does not parse.
    """
    limit = check_limit(limit)
    position = decode_position(cursor, 2)

    # Unfiltered, root jobs drive (newest first by index, stopping after a page: newest_page);
    # a search first probes the newest executions, then sorts its matches. A backward cursor
    # (G: the last page) reads the same order reversed, so the oldest page costs what the
    # newest does.
    text = search.strip()
    if text:
        if position.skip():
            raise StoreError("invalid page cursor")  # a search is not counted: no jumps by row number
        keys = searched_executions(session, text, position.key, limit + 1, oldest_first=position.backward)
        query, _ = execution_select()
        found = {row[0]: row for row in session.execute(query.where(Execution.id.in_([k[0] for k in keys])))}
        rows = [found[execution_id] for execution_id, _start in keys if execution_id in found]
    else:
        bound = jump_bound(session, position)
        rows = session.execute(newest_page(position.key, limit + 1, position, bound)).all()
    rows, offset, prev_cursor, next_cursor = split_position_page(rows, limit, position, lambda row: (row[3], row[0]))
    tags = tag_views(session, TagEntity.Execution, [row[0] for row in rows])
    total = None
    if not text:
        total = session.execute(select(func.count()).select_from(Execution)).scalar_one()
    items = tuple(make_execution_row(row, tags.get(row[0], ())) for row in rows)
    return Page(items=items, offset=offset, next_cursor=next_cursor, total=total, prev_cursor=prev_cursor, seekable=True)


def newest_page(key: tuple | None, size: int, position: Position | None = None, bound: Any = None) -> Any:
    """The unfiltered page of ``size`` executions after ``key``, newest first: first the page's
    ids, walking root jobs newest first (a narrow query that stops after ``size`` rows), then
    their columns, joined for those rows only. A backward ``position`` reads the rows before
    ``key`` (or the last ones) oldest first; a key-less one skips rows with OFFSET (a jump),
    or, given the ``bound`` of :func:`jump_bound`, starts at the root start time it names.

    The launch path runs this statement's SQL text (for ``key`` None) with the stdlib driver
    (:data:`redun_tui.store.first_page.FIRST_PAGE_SQL`; a test keeps the two equal).
    """
    page = select(Execution.id.label("id"), PAGE.job.start_time.label("start_time")).select_from(
        DrivingJoin(PAGE.job.table, Execution.__table__, Execution.job_id == PAGE.job.id)
    )
    descending = position is None or position.flips(True)
    skip = position.skip() if position is not None else 0
    if bound is not None:
        # Every row before the jump's first row started later (newest first) or earlier:
        # the page is the first rows on this side of the bound, in the list's order.
        start = PAGE.job.start_time
        page = page.where(start <= literal(bound) if descending else start >= literal(bound))
        skip = 0
    if key is not None:
        page = page.where(keyset_after((PAGE.job.start_time, Execution.id), key, descending=descending))
    if descending:
        page = page.order_by(PAGE.job.start_time.desc(), Execution.id.desc())
    else:
        page = page.order_by(PAGE.job.start_time, Execution.id)
    page = page.limit(size).offset(skip or None).subquery("page")
    query, _ = execution_select(page.join(Execution.__table__, Execution.id == page.c.id))
    if descending:
        return query.order_by(page.c.start_time.desc(), page.c.id.desc())
    return query.order_by(page.c.start_time, page.c.id)


# A jump that skips fewer executions walks them with OFFSET (each job of the start-time index
# looks its execution up: ~20 jobs per run, ~40 us a skipped run at L); past this, jump_bound
# (~0.2 s CPU wherever it lands).
JUMP_WALK = 6_000

# The root start time at a row of the list, SQLite: the start-time index walked alone (covering),
# each job tested against the set of root jobs' rowids, built from two covering indexes in
# job-id order. 0.2 s CPU for row 25,000 of 50,000 at L, where OFFSET over the join took 1.2 s.
_START_AT = {
    order: text(
        "SELECT j.start_time FROM job AS j WHERE +j.rowid IN "
        "(SELECT r.rowid FROM execution AS e JOIN job AS r ON r.id = e.job_id) "
        f"ORDER BY j.start_time {order} LIMIT 2 OFFSET :skip"
    )
    for order in ("DESC", "ASC")
}


def jump_bound(session: Session, position: Position) -> Any:
    """The root start time (as stored) at which the unfiltered list's page at a key-less
    ``position`` starts, when the rows it skips are told apart by start time alone; else None
    (the page skips rows with OFFSET).

    The start times of the skipped rows' last one and of the page's first are read (in the
    page's SQL order); when they differ, the page is the rows on the far side of the second,
    read by the index like any page. A tie across the jump, two executions sharing a root job
    (the set of root jobs would count it once) or another database: None.
    """
    skip = position.skip()
    if skip < JUMP_WALK or session.get_bind().dialect.name != "sqlite":
        return None
    executions, roots = session.execute(select(func.count(), func.count(Execution.job_id.distinct()))).one()
    if executions != roots:
        return None
    order = "DESC" if position.flips(True) else "ASC"
    starts = session.execute(_START_AT[order], {"skip": skip - 1}).scalars().all()
    if len(starts) < 2 or starts[0] == starts[1] or starts[1] is None:
        return None
    return starts[1]


def execution(session: Session, execution_id: str) -> ExecutionDetail:
    """One execution's header (full id or unique prefix)."""
    full_id = resolve_execution(session, execution_id)
    # An outer join here, so a record whose root job is missing still opens (as FAILED).
    job_count = select(func.count()).select_from(Job).where(Job.execution_id == Execution.id).scalar_subquery()
    query, _ = execution_select(None, job_count, MAIN.job.id, outer=True)
    row = session.execute(query.where(Execution.id == full_id)).one()
    tags = tag_views(session, TagEntity.Execution, [full_id]).get(full_id, ())
    return ExecutionDetail(
        row=make_execution_row(row, tags),
        args_list=command_line(row[1]),
        root_job_id=row[10],
        job_count=row[9],
    )


def status_counts(session: Session, execution_id: str) -> tuple[StatusCount, ...]:
    """Job counts per task and status within an execution (one GROUP BY).

    Rows are sorted by task name; statuses in views.STATUSES order, zero counts omitted.
    """
    full_id = resolve_execution(session, execution_id)
    # Grouped on the job rows alone (FAILED = the call hash is in the small set of
    # failed calls, read once): joining each job's call node and value row cost ~1 s
    # for 100,000 jobs. Task names are joined to the few groups afterwards.
    job = PAGE.job
    status = job_status_case(job).label("status")
    groups = (
        select(job.task_hash.label("task_hash"), status, func.count().label("count"))
        .where(job.execution_id == full_id)
        .group_by(job.task_hash, status)
        .subquery("groups")
    )
    rows = session.execute(
        select(Task.namespace, Task.name, groups.c.status, groups.c.count).select_from(
            groups.outerjoin(Task.__table__, Task.hash == groups.c.task_hash)
        )
    ).all()
    by_task: dict[str, dict[str, int]] = {}
    for namespace, name, job_status, count in rows:
        counts = by_task.setdefault(cut(fullname(namespace, name), TASK_NAME_LIMIT), {})
        counts[job_status] = counts.get(job_status, 0) + count
    order = {status: index for index, status in enumerate(("DONE", "CACHED", "FAILED", "RUNNING"))}
    return tuple(
        StatusCount(
            task_name=task_name,
            counts=tuple(sorted(counts.items(), key=lambda item: order.get(item[0], 99))),
        )
        for task_name, counts in sorted(by_task.items())
    )


# A search of cheap per-row terms (bare words, ids, tags) first reads its matching executions
# unordered, stopping at this many: fewer means that pass saw them all, and sorting them is cheap.
SCAN_CAP = 500


def scans_first(text: str) -> bool:
    """True when the search's execution terms are cheap to test on every execution: bare words,
    ids and tags (prefix ranges, a LIKE on the command line, sets built once), and no status,
    value or task filter (those read other tables for each execution: a full pass over 50,000
    costs ~1 s, where the newest-first probe finds a common status at once)."""
    parsed = parse_search(text)
    if not isinstance(parsed, SearchQuery) or not parsed.words:
        return False
    costly = (parsed.statuses, parsed.exec_statuses, parsed.job_statuses, parsed.task_names, parsed.task_hashes,
              parsed.value_types, parsed.file_paths, parsed.results, parsed.args)
    return not any(costly)


def few_executions(session: Session, ids: Any, key: tuple | None, size: int, oldest_first: bool = False) -> list[tuple] | None:
    """``(id, start_time)`` of the next ``size`` executions among those ``ids`` (a SELECT of
    execution ids) selects, when it selects fewer than SCAN_CAP (else None: the caller probes).

    A search that matches few executions (a bare word naming a task that few runs start with)
    is answered by one unordered pass over the executions and a sort of its few matches, where
    the newest-first probe would read 5,000 executions in vain and then sort all matches anyway.
    """
    found = session.execute(ids.limit(SCAN_CAP)).scalars().all()
    if len(found) >= SCAN_CAP:
        return None
    return sorted_executions(session, found, key, size, oldest_first)


def sorted_executions(session: Session, ids: Any, key: tuple | None, size: int, oldest_first: bool = False) -> list[tuple]:
    """``(id, start_time)`` of the next ``size`` of the executions ``ids`` (a list, or a SELECT of
    ids) in list order, newest first (or oldest first, before ``key``): all of them sorted."""
    root = PROBE_ROOT
    page = (
        select(Execution.id, root.start_time)
        .select_from(Execution.__table__.join(root.table, Execution.job_id == root.id))
        .where(Execution.id.in_(ids))
    )
    if key is not None:
        page = page.where(keyset_after((root.start_time, Execution.id), key, descending=not oldest_first))
    order = (root.start_time, Execution.id) if oldest_first else (root.start_time.desc(), Execution.id.desc())
    return [tuple(row) for row in session.execute(page.order_by(*order).limit(size)).all()]


def built_search(session: Session, text: str) -> tuple[set[str], dict[str, Any]]:
    """(record types wanted, their built queries) for search-bar text.

    Raises:
        SearchSyntaxError: the text does not parse.
    """
    parsed = parse_search(text)
    if isinstance(parsed, SearchSyntaxError):
        raise parsed
    query = apply_search(CallGraphQuery(session), parsed, session).build()
    return set(query.record_types), dict(query.subqueries)


def newest_executions(key: tuple | None, oldest_first: bool = False) -> Any:
    """SELECT of execution ``id`` and root ``start_time``, newest first, after ``key`` (or the
    reverse: oldest first, before ``key``)."""
    root = PROBE_ROOT
    drive = select(Execution.id.label("id"), root.start_time.label("start_time")).select_from(
        DrivingJoin(root.table, Execution.__table__, Execution.job_id == root.id)
    )
    if key is not None:
        drive = drive.where(keyset_after((root.start_time, Execution.id), key, descending=not oldest_first))
    if oldest_first:
        return drive.order_by(root.start_time, Execution.id)
    return drive.order_by(root.start_time.desc(), Execution.id.desc())


def searched_executions(
    session: Session, text: str, key: tuple | None, size: int, oldest_first: bool = False
) -> list[tuple]:
    """``(id, start_time)`` of the next ``size`` executions search text selects, newest first
    (with ``oldest_first``: the ones before ``key``, or the oldest, oldest first).

    Executions the text matches; or, when it asks for jobs and not executions, the executions
    of the matching jobs; otherwise none. Probed along the newest executions first, then, if
    that window holds less than a page, by sorting every match.

    Raises:
        SearchSyntaxError: the text does not parse.
    """
    wanted, subqueries = built_search(session, text)
    if "Execution" in wanted:
        matches = subqueries["Execution"]
        match = lambda window: matches.filter(Execution.id == window.c.id)  # noqa: E731
        ids = matches.with_entities(Execution.id).statement
    elif "Job" in wanted:
        matches = subqueries["Job"]
        match = lambda window: matches.filter(Job.execution_id == window.c.id)  # noqa: E731
        ids = matches.with_entities(Job.execution_id).statement
    else:
        return []
    if "Execution" in wanted and scans_first(text):
        few = few_executions(session, ids, key, size, oldest_first)
        if few is not None:
            return few
    found = probe_newest(session, newest_executions(key, oldest_first), match, size, oldest_first)
    if found is not None:
        return found[::-1] if oldest_first else found
    return sorted_executions(session, ids, key, size, oldest_first)
