"""Downstream of a value: the calls it fed, the values derived from it, the executions to redo.

The forward counterpart of the upstream dataflow (:mod:`redun_tui.db.dataflow`). Definition
(also in ``docs/downstream.md``):

- a call *consumes* a value V when one of its arguments has value hash V, or holds V as a
  subvalue (redun records the subvalues of a container flat, under the outermost value);
- the result of a consuming call is *derived* from V, and so is every subvalue of that result;
- derived values are walked again, level by level, to an optional depth limit;
- each call is reported once, at its smallest depth (1 = it consumed V itself), and so is each
  derived value; the roots (depth 0) are never reported as derived.

The walk is batched by level, as the upstream walk is by frontier: for each level, one
statement finds every argument that holds a value of the frontier (directly or as a container),
with its call; one reads the subvalues of the new calls' results; and one reads the sources of
tasks not seen yet (for positional argument names). Then one statement each for the jobs of the
listed calls, their executions and the previews of the derived values. Keys travel as one JSON
parameter on SQLite (``json_each``), so a level costs the same whatever its width. A crafted
database with cycles cannot loop: a call or value already reached is never walked again.

Plain functions over a Session returning frozen dataclasses; no Textual here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, case, func, select, union_all
from sqlalchemy.orm import Session

from redun_tui.db.models import Argument, CallNode, Execution, File, Job, Subvalue, Task, Value
from redun_tui.store.executions import execution_select
from redun_tui.store.previews import MAX_VALUE_SIZE_PREVIEW, fullname, task_arg_names, value_ref
from redun_tui.store.sql import resolve_one

# Calls listed at most (the CLI's default --limit; the screen uses the same cap).
DEFAULT_CALL_LIMIT = 5_000
# Keys per IN list where there is no json_each (PostgreSQL): far below its parameter limit.
IN_CHUNK = 5_000


# -- views ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DownstreamCall:
    """A call that consumed the target or a value derived from it.

    Attributes:
        call_hash: the call node.
        task: the task's full name (``ns.name``).
        depth: 1 when it consumed a root, n + 1 when it consumed a value of depth n.
        from_value: the value it consumed (a root or a derived value, not the container argument
            holding it); when it consumed several at this depth, the one in its first argument.
        arguments: names of the arguments through which it consumed values of depth - 1.
        result: its result's value hash.
        jobs: ids of its jobs, newest first.
        executions: ids of the executions of those jobs, newest first.
    """

    call_hash: str
    task: str
    depth: int
    from_value: str
    arguments: tuple[str, ...]
    result: str
    jobs: tuple[str, ...] = ()
    executions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DownstreamValue:
    """A value derived from the target.

    Attributes:
        hash: the value hash.
        type: redun's type name (``redun.File``); "" while the previews are not read.
        depth: the depth of the call that first derived it.
        preview: one-line repr through the safe decoder (bounded); None when the view was read
            without previews (``downstream(previews=False)``: the screen reads them per page).
        via_call: the call hash that derived it at that depth (its result, or the result holding it).
    """

    hash: str
    type: str
    depth: int
    preview: str | None
    via_call: str


@dataclass(frozen=True)
class DownstreamExecution:
    """An execution that consumed the target directly or transitively (the impact list)."""

    id: str
    task: str
    status: str
    start: datetime | None


@dataclass(frozen=True)
class DownstreamRoot:
    """A value the walk starts from (depth 0)."""

    hash: str
    type: str
    preview: str


@dataclass(frozen=True)
class DownstreamView:
    """Everything downstream of a target.

    Attributes:
        target: the value hash, or the file path when every version of a path is the target.
        roots: the values at depth 0 (one, or each version of the path).
        file_path: the path when the target value is a File (or a path), else None.
        depth_limit: levels walked at most (None: to the end).
        truncated: the call limit cut the list.
        calls: by depth, then task name, then call hash.
        values: derived values by depth, in the order their calls were listed.
        executions: newest first.
        newest_by_task: (root task, newest execution id) for each root task among executions.
        previews: the derived values carry their type and preview (False: read them with
            :func:`with_previews` or :func:`value_previews`).
    """

    target: str
    roots: tuple[DownstreamRoot, ...]
    file_path: str | None
    depth_limit: int | None
    truncated: bool
    calls: tuple[DownstreamCall, ...] = ()
    values: tuple[DownstreamValue, ...] = ()
    executions: tuple[DownstreamExecution, ...] = field(default=())
    newest_by_task: tuple[tuple[str, str], ...] = ()
    previews: bool = True

    @property
    def max_depth(self) -> int:
        """The deepest level reached (0 when nothing consumed the target)."""
        return max((call.depth for call in self.calls), default=0)


def iso_time(value: datetime | None) -> str | None:
    """An ISO-8601 UTC timestamp (naive database times are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def to_json(view: DownstreamView) -> dict:
    """The JSON document of ``redun-tui downstream --json`` (issue 14's exact shape).

    Raises:
        ValueError: the view was read without previews (fill them with :func:`with_previews`).
    """
    if not view.previews:
        raise ValueError("a downstream view without previews has no JSON document")
    return {
        "target": view.target,
        "depth_limit": view.depth_limit,
        "truncated": view.truncated,
        "calls": [
            {
                "call_hash": call.call_hash,
                "task": call.task,
                "depth": call.depth,
                "from_value": call.from_value,
                "arguments": list(call.arguments),
                "result": call.result,
                "jobs": list(call.jobs),
                "executions": list(call.executions),
            }
            for call in view.calls
        ],
        "values": [
            {"hash": value.hash, "type": value.type, "depth": value.depth, "preview": value.preview}
            for value in view.values
        ],
        "executions": [
            {"id": execution.id, "task": execution.task, "status": execution.status, "start": iso_time(execution.start)}
            for execution in view.executions
        ],
    }


# -- the walk ---------------------------------------------------------------------------------


# A call being collected during its level: (task, task hash, result, [(position, key, consumed)]).
# Plain tuples: the reference file of the benchmark has ~9,000 consumers on one level.
_Found = tuple[str, str, str, list[tuple[int | None, str | None, str]]]


@dataclass
class Walk:
    """The raw result of :func:`walk`: calls and derived values with their depths, in order."""

    calls: list[DownstreamCall]
    values: list[tuple[str, int, str]]  # (hash, depth, via call)
    truncated: bool


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


# Statements are built once per dialect kind with a ``keys`` parameter: building and compiling a
# SELECT each level cost ~2 ms in SQLAlchemy, which a 600-level chain pays 600 times.
_STATEMENTS: dict[tuple[str, bool], Any] = {}


def _keys_of(is_sqlite: bool) -> Any:
    if is_sqlite:
        # One bound parameter however many keys: a 2,000-key IN list costs 2,000 parameters.
        return select(func.json_each(bindparam("keys")).table_valued("value").c.value)
    return bindparam("keys", expanding=True)


def _select_in(session: Session, stmt_for: Any, keys: Iterable[str]) -> list[Any]:
    """Rows of ``stmt_for(keys)`` for every key: one statement on SQLite (a JSON parameter),
    one per IN_CHUNK keys elsewhere."""
    keys = sorted(set(keys))
    if not keys:
        return []
    is_sqlite = _is_sqlite(session)
    cache_key = (stmt_for.__name__, is_sqlite)
    stmt = _STATEMENTS.get(cache_key)
    if stmt is None:
        stmt = _STATEMENTS[cache_key] = stmt_for(_keys_of(is_sqlite))
    connection = session.connection()
    if is_sqlite:
        return list(connection.execute(stmt, {"keys": json.dumps(keys)}).all())
    rows: list[Any] = []
    for start in range(0, len(keys), IN_CHUNK):
        rows.extend(connection.execute(stmt, {"keys": keys[start : start + IN_CHUNK]}).all())
    return rows


def _consumers_stmt(keys: Any) -> Any:
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


def _subvalues_stmt(keys: Any) -> Any:
    return select(Subvalue.parent_value_hash, Subvalue.value_hash).where(Subvalue.parent_value_hash.in_(keys))


def _tasks_stmt(keys: Any) -> Any:
    return select(Task.hash, Task.name, Task.source).where(Task.hash.in_(keys))


def _argument_order(use: tuple[int | None, str | None, str]) -> tuple:
    # Positional arguments by position, then keyword arguments by key (as the job screen lists them).
    position, key, consumed = use
    return (position is None, position if position is not None else 0, key or "", consumed)


def _label(position: int | None, key: str | None, names: list[str] | None) -> str:
    if key is not None:
        return key
    if names is not None and position is not None and position < len(names):
        return names[position]
    return f"arg{position}"


def walk(
    session: Session,
    roots: Sequence[str],
    depth_limit: int | None = None,
    limit: int = DEFAULT_CALL_LIMIT,
    cancelled: Any = None,
) -> Walk:
    """Walks forward from ``roots``, one level at a time (a fixed number of statements each).

    Args:
        session: an open Session.
        roots: value hashes at depth 0.
        depth_limit: levels to walk at most (None: until nothing new is reached).
        limit: calls listed at most; when more exist the list is cut and ``truncated`` set.
        cancelled: optional callable; the walk stops between levels when it returns True.
    """
    seen_values: dict[str, int] = {root: 0 for root in roots}
    seen_calls: set[str] = set()
    names_by_task: dict[str, list[str] | None] = {}
    calls: list[DownstreamCall] = []
    values: list[tuple[str, int, str]] = []
    frontier = list(dict.fromkeys(roots))
    depth = 0
    truncated = False
    while frontier and (depth_limit is None or depth < depth_limit):
        if cancelled is not None and cancelled():
            break
        depth += 1
        found: dict[str, _Found] = {}
        for call_hash, position, key, consumed, task_name, task_hash, result in _select_in(
            session, _consumers_stmt, frontier
        ):
            if call_hash in seen_calls:
                continue
            entry = found.get(call_hash)
            if entry is None:
                entry = found[call_hash] = (task_name or "", task_hash, result, [])
            entry[3].append((position, key, consumed))
        if not found:
            break
        order = sorted((entry[0], call_hash) for call_hash, entry in found.items())  # by task, then hash
        room = limit - len(calls)
        if len(order) > room:
            order = order[: max(room, 0)]
            truncated = True
        seen_calls.update(found)
        level = [(call_hash, found[call_hash]) for _task, call_hash in order]

        # Positional argument names come from the task's source (redun records only positions).
        wanted = {task_hash for _call, (_task, task_hash, _result, uses) in level if task_hash not in names_by_task
                  and any(use[0] is not None and use[1] is None for use in uses)}
        for task_hash, name, source in _select_in(session, _tasks_stmt, wanted):
            names_by_task[task_hash] = task_arg_names(source, name)
        children: dict[str, list[str]] = {}
        for parent, child in _select_in(session, _subvalues_stmt, {entry[2] for _call, entry in level}):
            children.setdefault(parent, []).append(child)

        frontier = []
        for call_hash, (task, task_hash, result, uses) in level:
            names = names_by_task.get(task_hash)
            if len(uses) == 1:  # most calls consume through one argument
                position, key, consumed = uses[0]
                labels: tuple[str, ...] = (_label(position, key, names),)
            else:
                uses = sorted(set(uses), key=_argument_order)
                consumed = uses[0][2]
                labels = tuple(dict.fromkeys(_label(position, key, names) for position, key, _ in uses))
            calls.append(DownstreamCall(call_hash, task, depth, consumed, labels, result))
            kids = children.get(result)
            for value_hash in (result, *sorted(kids)) if kids else (result,):
                if value_hash not in seen_values:
                    seen_values[value_hash] = depth
                    values.append((value_hash, depth, call_hash))
                    frontier.append(value_hash)
        if truncated:
            break
    return Walk(calls=calls, values=values, truncated=truncated)


# -- filling in jobs, executions, previews ----------------------------------------------------


def _jobs_stmt(keys: Any) -> Any:
    # Newest first here, so that no list is sorted in Python (5,000 calls with 20,000 jobs).
    return (
        select(Job.call_hash, Job.id, Job.execution_id)
        .where(Job.call_hash.in_(keys))
        .order_by(Job.start_time.desc(), Job.id.desc())
    )


def newest_first(rows: Iterable[tuple[str, datetime | None]]) -> list[str]:
    """Ids ordered by time, newest first (no time last; ties by id, descending)."""
    ordered = sorted(rows, key=lambda row: (row[1] is not None, _timestamp(row[1]), row[0]), reverse=True)
    return list(dict.fromkeys(item for item, _ in ordered))


def _timestamp(value: datetime | None) -> float:
    if value is None:
        return 0.0
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def attach_jobs(session: Session, calls: list[DownstreamCall]) -> tuple[list[DownstreamCall], set[str]]:
    """The calls with their jobs and executions, newest first (one statement), and every execution id."""
    jobs: dict[str, list[str]] = {}
    executions: dict[str, dict[str, None]] = {}
    for call_hash, job_id, execution_id in _select_in(session, _jobs_stmt, [call.call_hash for call in calls]):
        jobs.setdefault(call_hash, []).append(job_id)
        executions.setdefault(call_hash, {})[execution_id] = None
    filled = [
        DownstreamCall(call.call_hash, call.task, call.depth, call.from_value, call.arguments, call.result,
                       tuple(jobs.get(call.call_hash, ())), tuple(executions.get(call.call_hash, ())))
        for call in calls
    ]
    return filled, {execution_id for ids in executions.values() for execution_id in ids}


def chunked(items: list[str], size: int) -> Iterator[list[str]]:
    """Lists of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def file_versions(session: Session, path: str) -> list[str]:
    """Value hashes of every File recorded with this path."""
    return list(session.execute(select(File.value_hash).where(File.path == path).order_by(File.value_hash)).scalars())


def _value_rows_stmt(keys: Any) -> Any:
    """Value columns, the bytes only when small enough to preview."""
    size = func.length(Value.value)
    return select(
        Value.value_hash, Value.type, Value.format, size.label("size"),
        case((size <= MAX_VALUE_SIZE_PREVIEW, Value.value), else_=None).label("data"),
    ).where(Value.value_hash.in_(keys))


def _executions_stmt(keys: Any) -> Any:
    """Executions with their root job's status, start and task (the executions list's columns)."""
    query, _jj = execution_select()
    return query.where(Execution.id.in_(keys))


# -- the view ---------------------------------------------------------------------------------


def _roots_for(session: Session, value_hash: str, all_versions: bool) -> tuple[list[str], str | None]:
    """The root hashes for a value: itself, or every version of its path when it is a File."""
    path = session.execute(select(File.path).where(File.value_hash == value_hash)).scalar()
    if path is None or not all_versions:
        return [value_hash], path
    return file_versions(session, path) or [value_hash], path


def downstream_of(session: Session, value_hash: str, **options: Any) -> DownstreamView:
    """:func:`downstream` of a value hash or unique prefix (NotFound / Ambiguous otherwise)."""
    return downstream(session, resolve_one(session, Value.value_hash, value_hash, "value"), **options)


MISSING_PREVIEW = "<missing value>"


def _refs(session: Session, hashes: Iterable[str]) -> dict[str, Any]:
    """Value hash -> ValueRef (type and decoded preview) of the values that exist."""
    return {row[0]: value_ref(row) for row in _select_in(session, _value_rows_stmt, hashes)}


def value_previews(session: Session, hashes: Iterable[str]) -> dict[str, str]:
    """The preview of each value (``<missing value>`` for a hash with no value row)."""
    hashes = list(hashes)
    refs = _refs(session, hashes)
    return {h: refs[h].preview if h in refs else MISSING_PREVIEW for h in hashes}


def with_previews(session: Session, view: DownstreamView) -> DownstreamView:
    """The view with every derived value's type and preview read (unchanged when it has them)."""
    if view.previews:
        return view
    refs = _refs(session, [value.hash for value in view.values])
    values = tuple(
        DownstreamValue(v.hash, refs[v.hash].type if v.hash in refs else "", v.depth,
                        refs[v.hash].preview if v.hash in refs else MISSING_PREVIEW, v.via_call)
        for v in view.values
    )
    return replace(view, values=values, previews=True)


def downstream(
    session: Session,
    value_hash: str,
    *,
    all_versions: bool = False,
    path: str | None = None,
    depth_limit: int | None = None,
    limit: int = DEFAULT_CALL_LIMIT,
    cancelled: Any = None,
    previews: bool = True,
) -> DownstreamView:
    """Everything downstream of a value (a full hash), or of every version of a file path.

    Args:
        session: an open Session.
        value_hash: the target value (ignored when ``path`` is given).
        all_versions: when the value is a File, start from every version of its path.
        path: start from every File value recorded with this path (the target is the path).
        depth_limit: levels walked at most (None: to the end).
        limit: calls listed at most (``truncated`` says when more exist).
        cancelled: optional callable; the walk stops between levels when it returns True.
        previews: read and decode every derived value's type and preview (False: only the
            roots'; a screen shows a page of values at a time, and decoding 5,000 previews was
            a third of the walk's cost).
    """
    if path is not None:
        roots, file_path, target = file_versions(session, path), path, path
    else:
        roots, file_path = _roots_for(session, value_hash, all_versions)
        target = value_hash
    result = walk(session, roots, depth_limit=depth_limit, limit=limit, cancelled=cancelled)
    calls, execution_ids = attach_jobs(session, result.calls)

    refs = _refs(session, [*roots, *(h for h, _, _ in result.values)] if previews else roots)
    missing = MISSING_PREVIEW
    root_views = tuple(
        DownstreamRoot(h, refs[h].type if h in refs else "", refs[h].preview if h in refs else missing) for h in roots
    )
    if previews:
        values = tuple(
            DownstreamValue(h, refs[h].type if h in refs else "", depth, refs[h].preview if h in refs else missing, via)
            for h, depth, via in result.values
        )
    else:
        values = tuple(DownstreamValue(h, "", depth, None, via) for h, depth, via in result.values)

    executions: list[DownstreamExecution] = []
    if execution_ids:
        rows = _select_in(session, _executions_stmt, execution_ids)
        by_id = {}
        for row in rows:
            exec_id, _args, _updated, start, _end, status, namespace, name = row[:8]
            task = fullname(namespace, name)
            by_id[exec_id] = DownstreamExecution(exec_id, task, status, start)
        for exec_id in newest_first((e.id, e.start) for e in by_id.values()):
            executions.append(by_id[exec_id])
    newest: dict[str, str] = {}
    for execution in executions:
        newest.setdefault(execution.task, execution.id)
    return DownstreamView(
        target=target,
        roots=root_views,
        file_path=file_path,
        depth_limit=depth_limit,
        truncated=result.truncated,
        calls=tuple(calls),
        values=values,
        executions=tuple(executions),
        newest_by_task=tuple(sorted(newest.items())),
        previews=previews,
    )

