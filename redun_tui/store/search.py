"""Search: records of any type matching search-bar text, type by type as ``redun log`` lists them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from redun_tui.db.models import CallNode, Execution, Job, Task, Value
from redun_tui.store import routes
from redun_tui.store.calls import ROW_VALUE, ROW_VALUE_BYTES, call_args, row_preview
from redun_tui.store.errors import StoreError
from redun_tui.store.executions import (
    built_search,
    execution_select,
    few_executions,
    make_execution_row,
    newest_executions,
    scans_first,
)
from redun_tui.store.jobs import latest_jobs, make_job_row
from redun_tui.store.paging import (
    DEFAULT_PAGE_SIZE,
    check_limit,
    decode_position_parts,
    encode_cursor,
    keyset_after,
    probe_newest,
)
from redun_tui.store.previews import REF_LIMIT, TASK_NAME_LIMIT, cut, fullname
from redun_tui.store.sql import MAIN, PROBE_JOB, value_columns
from redun_tui.views import Page, RecordRow

_SEARCH_ORDER = ("Execution", "Job", "CallNode", "Task", "Value")
_SEARCH_ROOT = aliased(Job, name="search_root_job")


def search(session: Session, text: str, cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[RecordRow]:
    """Records of any type matching search-bar text (raises redun_tui.search.SearchSyntaxError).

    Records come type by type as ``redun log`` lists them (executions and jobs newest first,
    then call nodes newest first, tasks by name, values by hash); each type is paged with a
    keyset on its own order, so a page costs two statements per type it touches, plus the
    prefix look-ups of the search text. A backward cursor (the last page, the page before
    one) reads the same keysets in reverse, types last to first: the last of a million jobs
    costs what the first does. Nothing is counted (``total`` stays None): a count of a broad
    search reads every match.
    """
    limit = check_limit(limit)
    backward, offset, type_index, key = _decode_search_cursor(cursor)
    wanted, subqueries = built_search(session, text)
    cheap = "Execution" in wanted and scans_first(text)
    found: list[tuple[int, tuple, RecordRow]] = []  # (type index, sort key, row), in reading order
    more = False  # rows remain beyond the page in the reading direction
    step = -1 if backward else 1
    index, resume = type_index, key
    while 0 <= index < len(_SEARCH_ORDER):
        type_name = _SEARCH_ORDER[index]
        if type_name in wanted:
            room = limit - len(found)
            if room <= 0:
                more = True  # exactly full: the type after the page may still hold rows
                break
            keys = _search_page(session, subqueries[type_name], type_name, resume, room + 1, reverse=backward,
                                scan_first=cheap)
            if len(keys) > room:
                keys, more = keys[:room], True
            rows = {row.id: row for row in _search_rows(session, type_name, [row[0] for row in keys])}
            found.extend((index, tuple(row[1:]), rows[row[0]]) for row in keys if row[0] in rows)
            if more:
                break
        index, resume = index + step, None
    if backward:
        found.reverse()
        first = offset - len(found)
        before, after = more, key is not None or offset != 0 or type_index != len(_SEARCH_ORDER) - 1
    else:
        first = offset
        before, after = key is not None or offset != 0 or type_index != 0, more
    prev_cursor = next_cursor = None
    if found and before:
        prev_cursor = encode_cursor(first, [found[0][0], *found[0][1]], backward=True)
    if found and after:
        next_cursor = encode_cursor(first + len(found), [found[-1][0], *found[-1][1]])
    return Page(items=tuple(row for _, _, row in found), offset=first, next_cursor=next_cursor,
                prev_cursor=prev_cursor, seekable=True)


def _search_order(type_name: str) -> tuple[tuple, bool]:
    """(sort columns, descending) of one record type in search results."""
    if type_name == "Execution":
        return (_SEARCH_ROOT.start_time, Execution.id), True
    if type_name == "Job":
        return (Job.start_time, Job.id), True
    if type_name == "CallNode":
        return (CallNode.timestamp, CallNode.call_hash), True
    if type_name == "Task":
        return (Task.namespace, Task.name, Task.hash), False
    return (Value.value_hash,), False


def _decode_search_cursor(cursor: str | None) -> tuple[bool, int, int, tuple | None]:
    """(backward, row index, index of the record type, key within that type or None) of a cursor.

    A cursor without a type starts at the first type (forward) or ends after the last one
    (backward: the last page).
    """
    if not cursor:
        return False, 0, 0, None
    backward, (offset, *rest) = decode_position_parts(cursor)
    if not rest:
        if offset != 0:
            raise StoreError("invalid page cursor")  # no jumps by row number: nothing is counted
        return backward, 0, len(_SEARCH_ORDER) - 1 if backward else 0, None
    try:
        type_index, key = int(rest[0]), tuple(rest[1:])
    except (IndexError, TypeError, ValueError):
        raise StoreError("invalid page cursor") from None
    if not 0 <= type_index < len(_SEARCH_ORDER):
        raise StoreError("invalid page cursor")
    if key and len(key) != len(_search_order(_SEARCH_ORDER[type_index])[0]):
        raise StoreError("invalid page cursor")
    return backward, offset, type_index, key or None


def _search_page(
    session: Session, query: Any, type_name: str, key: tuple | None, size: int, reverse: bool = False,
    scan_first: bool = False,
) -> list[tuple]:
    """``(pk, *sort key)`` of the next ``size`` records of one type of a built CallGraphQuery
    (with ``reverse``: the records before ``key``, or the last ones, nearest first).

    Jobs and executions (newest first) are probed along the start-time index first (see
    PROBE_ROWS; in reverse, oldest first); with ``scan_first``, executions are first read
    unordered (:func:`~redun_tui.store.executions.few_executions`). Otherwise the ordering,
    keyset and limit go on the query itself (SELECT DISTINCT … ORDER BY … LIMIT).
    """
    if type_name == "Job":
        probe = PROBE_JOB
        drive = select(probe.id.label("id"), probe.start_time.label("start_time"))
        if key is not None:
            drive = drive.where(keyset_after((probe.start_time, probe.id), key, descending=not reverse))
        if reverse:
            drive = drive.order_by(probe.start_time, probe.id)
        else:
            drive = drive.order_by(probe.start_time.desc(), probe.id.desc())
        found = probe_newest(session, drive, lambda window: query.filter(Job.id == window.c.id), size, reverse)
        if found is not None:
            return [(job_id, start, job_id) for job_id, start in (found[::-1] if reverse else found)]
    elif type_name == "Execution":
        if scan_first:  # few matches: one unordered pass, then a sort of those few
            few = few_executions(session, query.with_entities(Execution.id).statement, key, size, reverse)
            if few is not None:
                return [(execution_id, start, execution_id) for execution_id, start in few]
        drive = newest_executions(key, oldest_first=reverse)
        found = probe_newest(session, drive, lambda window: query.filter(Execution.id == window.c.id), size, reverse)
        if found is not None:
            return [(execution_id, start, execution_id) for execution_id, start in (found[::-1] if reverse else found)]
    columns, descending = _search_order(type_name)
    descending = descending != reverse
    if type_name == "Execution":
        query = query.join(_SEARCH_ROOT, Execution.job_id == _SEARCH_ROOT.id)
    pk = {"Execution": Execution.id, "Job": Job.id, "CallNode": CallNode.call_hash, "Task": Task.hash, "Value": Value.value_hash}[type_name]
    query = query.with_entities(pk, *[column for column in columns if column is not pk])
    if key is not None:
        query = query.filter(keyset_after(columns, key, descending))
    order = [column.desc() if descending else column for column in columns]
    rows = query.order_by(None).order_by(*order).distinct().limit(size).all()
    # Rows are (pk, other sort columns); the key is the sort columns in order.
    keyed = []
    for row in rows:
        values = dict(zip([pk, *[column for column in columns if column is not pk]], row))
        keyed.append((row[0], *[values[column] for column in columns]))
    return keyed


def _search_rows(session: Session, type_name: str, ids: list[str]) -> list[RecordRow]:
    """Display rows for one type's page of ids, in the order of ``ids`` (one or two statements)."""
    if not ids:
        return []
    found: dict[str, RecordRow] = {}
    if type_name == "Execution":
        query, _ = execution_select()
        for row in session.execute(query.where(Execution.id.in_(ids))).all():
            found[row[0]] = RecordRow(
                type="Execution", id=row[0], status=row[5], task_name=cut(fullname(row[6], row[7]), TASK_NAME_LIMIT),
                time=row[3], route=routes.execution(row[0]), detail=make_execution_row(row, ()).args,
            )
    elif type_name == "Job":
        jj = MAIN
        rows = session.execute(jj.select_rows().where(jj.job.id.in_(ids))).all()
        calls = call_args(session, [row[9] for row in rows])
        for row in rows:
            job = make_job_row(row, calls=calls)
            found[job.id] = RecordRow(
                type="Job", id=job.id, status=job.status, task_name=job.task_name, time=job.start_time,
                route=routes.job(job.id), detail=f"({job.call_args})" if job.call_args is not None else "",
            )
    elif type_name == "CallNode":
        rows = session.execute(
            select(CallNode.call_hash, Task.namespace, Task.name, CallNode.timestamp, CallNode.value_hash)
            .select_from(CallNode.__table__.outerjoin(Task, Task.hash == CallNode.task_hash))
            .where(CallNode.call_hash.in_(ids))
        ).all()
        latest = latest_jobs(session, {row[0] for row in rows})
        calls = call_args(session, [row[0] for row in rows])
        for call_hash, namespace, name, timestamp, value_hash in rows:
            job_id = latest.get(call_hash)
            name_text = cut(fullname(namespace, name), TASK_NAME_LIMIT)
            found[call_hash] = RecordRow(
                type="CallNode", id=call_hash, status="", task_name=name_text,
                time=timestamp, route=routes.job(job_id) if job_id else routes.value(value_hash),
                detail=f"({calls[call_hash]})" if call_hash in calls else "",
            )
    elif type_name == "Task":
        for task_hash, namespace, name in session.execute(
            select(Task.hash, Task.namespace, Task.name).where(Task.hash.in_(ids))
        ).all():
            found[task_hash] = RecordRow(
                type="Task", id=task_hash, status="", task_name=cut(fullname(namespace, name), TASK_NAME_LIMIT),
                time=None, route=routes.task(task_hash),
            )
    else:
        value = ROW_VALUE
        for value_hash, type_text, fmt, size, data in session.execute(
            select(*value_columns(value, ROW_VALUE_BYTES)).where(value.value_hash.in_(ids))
        ).all():
            found[value_hash] = RecordRow(
                type="Value", id=value_hash, status="", task_name=cut(type_text or "", TASK_NAME_LIMIT),
                time=None, route=routes.value(value_hash),
                detail=row_preview(value_hash, type_text, fmt, size, data, REF_LIMIT),
            )
    return [found[record_id] for record_id in ids if record_id in found]
