"""The statements of the downstream walk (:mod:`redun_tui.store.downstream`), and how they run.

Each takes its keys as one parameter: on SQLite a JSON array read with ``json_each`` (one bound
parameter however many keys, so a level costs the same whatever its width); elsewhere an
expanding IN list, sent in chunks of :data:`IN_CHUNK`. Statements are built and compiled once
per dialect kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, case, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from redun_tui.db.models import Argument, CallNode, Execution, Job, Subvalue, Task, Value
from redun_tui.store.executions import execution_select
from redun_tui.store.previews import MAX_VALUE_SIZE_PREVIEW

# Keys per IN list where there is no json_each (PostgreSQL): far below its parameter limit.
IN_CHUNK = 5_000

# Statements are built once per dialect kind with a ``keys`` parameter: building and compiling a
# SELECT each level cost ~2 ms in SQLAlchemy, which a 600-level chain pays 600 times.
_STATEMENTS: dict[tuple[str, bool], Any] = {}


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def keys_of(is_sqlite: bool) -> Any:
    if is_sqlite:
        # One bound parameter however many keys: a 2,000-key IN list costs 2,000 parameters.
        return select(func.json_each(bindparam("keys")).table_valued("value").c.value)
    return bindparam("keys", expanding=True)


def select_in(session: Session, stmt_for: Any, keys: Iterable[str]) -> list[Any]:
    """Rows of ``stmt_for(keys)`` for every key: one statement on SQLite (a JSON parameter),
    one per IN_CHUNK keys elsewhere."""
    keys = sorted(set(keys))
    if not keys:
        return []
    sqlite = is_sqlite(session)
    cache_key = (stmt_for.__name__, sqlite)
    stmt = _STATEMENTS.get(cache_key)
    if stmt is None:
        stmt = _STATEMENTS[cache_key] = stmt_for(keys_of(sqlite))
    connection = session.connection()
    if sqlite:
        return list(connection.execute(stmt, {"keys": json.dumps(keys)}).all())
    rows: list[Any] = []
    for start in range(0, len(keys), IN_CHUNK):
        rows.extend(connection.execute(stmt, {"keys": keys[start : start + IN_CHUNK]}).all())
    return rows


def consumers_stmt(keys: Any) -> Any:
    """Arguments holding a frontier value, directly or as a container, with their calls."""
    direct = (
        select(
            Argument.call_hash, Argument.arg_position, Argument.arg_key, Argument.value_hash.label("consumed"),
            CallNode.task_name, CallNode.task_hash, CallNode.value_hash.label("result"),
        )
        .select_from(Argument.__table__.join(CallNode.__table__, CallNode.call_hash == Argument.call_hash))
        .where(Argument.value_hash.in_(keys))
    )
    inside = (
        select(
            Argument.call_hash, Argument.arg_position, Argument.arg_key, Subvalue.value_hash.label("consumed"),
            CallNode.task_name, CallNode.task_hash, CallNode.value_hash.label("result"),
        )
        .select_from(
            Subvalue.__table__.join(Argument.__table__, Argument.value_hash == Subvalue.parent_value_hash).join(
                CallNode.__table__, CallNode.call_hash == Argument.call_hash
            )
        )
        .where(Subvalue.value_hash.in_(keys))
    )
    return union_all(direct, inside)


def consumers_page_stmt(keys: Any) -> Any:
    """:func:`consumers_stmt` for the first ``room`` calls only (by task name, then call hash): a
    level of 62,000 consumers where 5,000 are listed is cut in SQL, not brought to Python
    (SQLite only: its text order is Python's)."""
    found = consumers_stmt(keys).cte("found")
    first = (
        select(found.c.call_hash)
        .group_by(found.c.call_hash)
        .order_by(func.coalesce(found.c.task_name, ""), found.c.call_hash)
        .limit(bindparam("room"))
    )
    return select(found).where(found.c.call_hash.in_(first))


def subvalues_stmt(keys: Any) -> Any:
    return select(Subvalue.parent_value_hash, Subvalue.value_hash).where(Subvalue.parent_value_hash.in_(keys))


def tasks_stmt(keys: Any) -> Any:
    return select(Task.hash, Task.name, Task.source).where(Task.hash.in_(keys))


def jobs_stmt(keys: Any) -> Any:
    # Newest first here, so that no list is sorted in Python (5,000 calls with 20,000 jobs).
    return (
        select(Job.call_hash, Job.id, Job.execution_id)
        .where(Job.call_hash.in_(keys))
        .order_by(Job.start_time.desc(), Job.id.desc())
    )


def value_rows_stmt(keys: Any) -> Any:
    """Value columns, the bytes only when small enough to preview."""
    size = func.length(Value.value)
    return select(
        Value.value_hash, Value.type, Value.format, size.label("size"),
        case((size <= MAX_VALUE_SIZE_PREVIEW, Value.value), else_=None).label("data"),
    ).where(Value.value_hash.in_(keys))


def executions_stmt(keys: Any) -> Any:
    """Executions with their root job's status, start and task (the executions list's columns)."""
    query, _jj = execution_select()
    return query.where(Execution.id.in_(keys))


def impact_stmt(keys: Any, by_rowid: bool) -> Any:
    """:func:`executions_stmt` of the executions holding a job of the calls ``keys``.

    On SQLite the jobs are read in rowid order (``rowid IN`` the call_hash index's hits): the
    5,000 calls of the benchmark's reference have 312,726 jobs, and reading their rows in index
    order cost 2.0 s of CPU at L against 1.1 s in table order.
    """
    outer, inner = Job.__table__.alias("impact_job"), Job.__table__.alias("impact_hit")
    if by_rowid:
        hits = select(literal_column("impact_hit.rowid")).select_from(inner).where(inner.c.call_hash.in_(keys))
        used = select(outer.c.execution_id).where(literal_column("impact_job.rowid").in_(hits))
    else:
        used = select(outer.c.execution_id).where(outer.c.call_hash.in_(keys))
    query, _jj = execution_select()
    return query.where(Execution.id.in_(used))


def impact_sqlite(keys: Any) -> Any:
    return impact_stmt(keys, by_rowid=True)


def impact_other(keys: Any) -> Any:
    return impact_stmt(keys, by_rowid=False)


def level_consumers(session: Session, frontier: list[str], seen: set[str], room: int) -> list[Any]:
    """The level's consumer rows: on SQLite only those of the first ``room + 1`` calls not in
    ``seen`` (the extra one tells that the level was cut), elsewhere every row.

    The calls seen at earlier levels are not sent: the first ``room + 1 + len(seen)`` calls hold
    the first ``room + 1`` unseen ones (the caller drops the seen). Sending them cost a 600-level
    chain ~0.4 s of CPU (a growing JSON list parsed and indexed at every level). A level with
    fewer rows than that is read whole, without the sort (the cut's statement cost the chain
    another ~0.05 s); only a level with more rows is read again, cut.
    """
    if not is_sqlite(session):
        return select_in(session, consumers_stmt, frontier)
    if ("level", True) not in _STATEMENTS:
        _STATEMENTS[("level", True)] = (
            consumers_stmt(keys_of(True)).limit(bindparam("room")),
            consumers_page_stmt(keys_of(True)),
        )
    whole, cut = _STATEMENTS[("level", True)]
    parameters = {"keys": json.dumps(sorted(set(frontier))), "room": max(room, 0) + 1 + len(seen)}
    connection = session.connection()
    rows = connection.execute(whole, parameters).all()
    if len(rows) < parameters["room"]:  # fewer rows than calls wanted: the whole level
        return list(rows)
    return list(connection.execute(cut, parameters).all())
