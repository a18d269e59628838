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
with its call (on SQLite cut in SQL to the calls still wanted when the level is wider); one
reads the subvalues of the new calls' results; and one reads the sources of tasks not seen yet
(for positional argument names). Then one statement each for the jobs of the listed calls,
their executions and the previews of the derived values — or, for the screen's first read
(``jobs_page``), the jobs of the calls it shows first only: the executions (:func:`impact`) and
the other calls' jobs (:func:`call_jobs`) are read after the tree is painted. Keys travel as one
JSON parameter on SQLite (``json_each``), so a level costs the same whatever its width. A
crafted database with cycles cannot loop: a call or value already reached is never walked again.

Plain functions over a Session returning frozen dataclasses; no Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redun_tui.db.models import File, Value
from redun_tui.store.downstream_sql import (
    executions_stmt,
    impact_other,
    impact_sqlite,
    is_sqlite,
    jobs_stmt,
    level_consumers,
    select_in,
    subvalues_stmt,
    tasks_stmt,
    value_rows_stmt,
)
from redun_tui.store.previews import fullname, task_arg_names, value_ref
from redun_tui.store.sql import resolve_one

# Calls listed at most (the CLI's default --limit; the screen uses the same cap).
DEFAULT_CALL_LIMIT = 5_000


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
        jobs_known: None when every call carries its jobs and executions; else the calls that
            do (the screen's read: the first page under each root; :func:`call_jobs` reads
            the others' as they are shown).
        impact: ``executions`` and ``newest_by_task`` are read (False: the screen reads them
            with :func:`impact` after painting the tree; both are empty until then).
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
    jobs_known: frozenset[str] | None = None
    impact: bool = True

    @property
    def complete(self) -> bool:
        """Previews, every call's jobs and the impact list are read (the JSON document's needs)."""
        return self.previews and self.jobs_known is None and self.impact

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
        ValueError: the view was read without previews, jobs or impact list (fill them with
            :func:`complete`).
    """
    if not view.complete:
        raise ValueError("a downstream view without previews, jobs or impact list has no JSON document")
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
        for call_hash, position, key, consumed, task_name, task_hash, result in level_consumers(
            session, frontier, seen_calls, limit - len(calls)
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
        for task_hash, name, source in select_in(session, tasks_stmt, wanted):
            names_by_task[task_hash] = task_arg_names(source, name)
        children: dict[str, list[str]] = {}
        for parent, child in select_in(session, subvalues_stmt, {entry[2] for _call, entry in level}):
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


def call_jobs(session: Session, call_hashes: Iterable[str]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Call hash -> (its job ids, their execution ids), each newest first (one statement); a
    call with no job maps to two empty tuples."""
    call_hashes = list(call_hashes)
    jobs: dict[str, list[str]] = {}
    executions: dict[str, dict[str, None]] = {}
    for call_hash, job_id, execution_id in select_in(session, jobs_stmt, call_hashes):
        jobs.setdefault(call_hash, []).append(job_id)
        executions.setdefault(call_hash, {})[execution_id] = None
    return {h: (tuple(jobs.get(h, ())), tuple(executions.get(h, ()))) for h in call_hashes}


def with_jobs(call: DownstreamCall, jobs: tuple[tuple[str, ...], tuple[str, ...]]) -> DownstreamCall:
    """The call carrying these (jobs, executions)."""
    return DownstreamCall(call.call_hash, call.task, call.depth, call.from_value, call.arguments, call.result, *jobs)


def attach_jobs(session: Session, calls: list[DownstreamCall]) -> tuple[list[DownstreamCall], set[str]]:
    """The calls with their jobs and executions, newest first (one statement), and every execution id."""
    found = call_jobs(session, [call.call_hash for call in calls])
    filled = [with_jobs(call, found[call.call_hash]) for call in calls]
    return filled, {execution_id for _jobs, ids in found.values() for execution_id in ids}


def chunked(items: list[str], size: int) -> Iterator[list[str]]:
    """Lists of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def file_versions(session: Session, path: str) -> list[str]:
    """Value hashes of every File recorded with this path."""
    return list(session.execute(select(File.value_hash).where(File.path == path).order_by(File.value_hash)).scalars())


def _execution_views(rows: Iterable[Any]) -> list[DownstreamExecution]:
    """Executions rows (:func:`executions_stmt`'s columns) as views, newest first, each once."""
    by_id = {}
    for row in rows:
        exec_id, _args, _updated, start, _end, status, namespace, name = row[:8]
        by_id[exec_id] = DownstreamExecution(exec_id, fullname(namespace, name), status, start)
    return [by_id[exec_id] for exec_id in newest_first((e.id, e.start) for e in by_id.values())]


def _newest_by_task(executions: Iterable[DownstreamExecution]) -> tuple[tuple[str, str], ...]:
    newest: dict[str, str] = {}
    for execution in executions:
        newest.setdefault(execution.task, execution.id)
    return tuple(sorted(newest.items()))


def impact(session: Session, call_hashes: Iterable[str]) -> tuple[tuple[DownstreamExecution, ...], tuple[tuple[str, str], ...]]:
    """The executions that ran any of these calls, newest first, and the newest per root task.

    One statement (per IN_CHUNK calls off SQLite) that finds the executions from the jobs in
    SQL: no job row reaches Python. The screen's second read, after the tree is painted.
    """
    stmt_for = impact_sqlite if is_sqlite(session) else impact_other
    executions = _execution_views(select_in(session, stmt_for, call_hashes))
    return tuple(executions), _newest_by_task(executions)


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
    return {row[0]: value_ref(row) for row in select_in(session, value_rows_stmt, hashes)}


def value_previews(session: Session, hashes: Iterable[str]) -> dict[str, str]:
    """The preview of each value (``<missing value>`` for a hash with no value row)."""
    hashes = list(hashes)
    refs = _refs(session, hashes)
    return {h: refs[h].preview if h in refs else MISSING_PREVIEW for h in hashes}


def complete(session: Session, view: DownstreamView) -> DownstreamView:
    """The view with every preview, every call's jobs and the impact list read (for its JSON)."""
    view = with_previews(session, view)
    if view.jobs_known is not None:
        missing = [call.call_hash for call in view.calls if call.call_hash not in view.jobs_known]
        found = call_jobs(session, missing)
        calls = tuple(with_jobs(call, found[call.call_hash]) if call.call_hash in found else call for call in view.calls)
        view = replace(view, calls=calls, jobs_known=None)
    if not view.impact:
        executions, newest = impact(session, [call.call_hash for call in view.calls])
        view = replace(view, executions=executions, newest_by_task=newest, impact=True)
    return view


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
    jobs_page: int | None = None,
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
        jobs_page: None to read every call's jobs and the impact list (the CLI); n for the
            screen's first read: the jobs of the first n calls consuming each root (of every
            call when at most :data:`ALL_JOBS_UP_TO` are listed) and no impact list. The
            5,000 calls listed of the benchmark's reference at L have 312,726 jobs in 49,998
            executions: 2 s of SQL before anything could be painted.
    """
    if path is not None:
        roots, file_path, target = file_versions(session, path), path, path
    else:
        roots, file_path = _roots_for(session, value_hash, all_versions)
        target = value_hash
    result = walk(session, roots, depth_limit=depth_limit, limit=limit, cancelled=cancelled)
    root_views, values = _value_views(session, roots, result, previews)
    view = DownstreamView(target=target, roots=root_views, file_path=file_path, depth_limit=depth_limit,
                          truncated=result.truncated, values=values, previews=previews)
    if jobs_page is not None:
        calls, known = _first_jobs(session, roots, result.calls, jobs_page)
        return replace(view, calls=calls, jobs_known=known, impact=False)
    calls, execution_ids = attach_jobs(session, result.calls)
    executions = _execution_views(select_in(session, executions_stmt, execution_ids))
    return replace(view, calls=tuple(calls), executions=tuple(executions), newest_by_task=_newest_by_task(executions))


# Listings of at most this many calls have every call's jobs in the screen's first read.
ALL_JOBS_UP_TO = 200


def _value_views(
    session: Session, roots: list[str], result: Walk, previews: bool
) -> tuple[tuple[DownstreamRoot, ...], tuple[DownstreamValue, ...]]:
    """The roots (always with previews) and the derived values (with them when ``previews``)."""
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
    return root_views, values


def _first_jobs(
    session: Session, roots: list[str], calls: list[DownstreamCall], jobs_page: int
) -> tuple[tuple[DownstreamCall, ...], frozenset[str] | None]:
    """The screen's first read of jobs: the calls with the jobs of those shown first (the first
    ``jobs_page`` consuming each root; all when at most ALL_JOBS_UP_TO are listed), and the
    hashes of the calls that carry theirs (None: all)."""
    if len(calls) <= ALL_JOBS_UP_TO:
        first = [call.call_hash for call in calls]
    else:
        shown: dict[str, int] = dict.fromkeys(roots, 0)
        first = []
        for call in calls:  # the tree lists a value's consumers in the walk's order
            if call.from_value in shown and shown[call.from_value] < jobs_page:
                shown[call.from_value] += 1
                first.append(call.call_hash)
    found = call_jobs(session, first)
    filled = tuple(with_jobs(call, found[call.call_hash]) if call.call_hash in found else call for call in calls)
    return filled, None if len(found) == len(calls) else frozenset(found)
