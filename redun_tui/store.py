"""The UI's read-only facade over a redun database.

Every method opens its own Session (``backend.new_session()``), runs a few bounded queries,
returns :mod:`redun_tui.views` dataclasses and closes the Session: no ORM object leaves this
module. Methods are called from thread workers, never from the event loop. Lists are paged with
keyset cursors, counts are ``GROUP BY`` queries, and nothing loads rows it does not return.

Errors: :class:`NotFound` (unknown id/route), :class:`Ambiguous` (prefix matches several records;
``candidates`` lists them), :class:`StoreError` (a bad cursor, page size or status),
:class:`redun_tui.search.SearchSyntaxError` (search text that does not parse), and
:class:`redun_tui.db.models.RedunDatabaseError` subclasses for database trouble (locked after
the retries, vanished, corrupt).

Why Core selects and not ORM objects: a list row needs a few columns, and a job's status needs
the type of its call node's result. Loading ``Job`` objects and walking ``job.call_node.value``
costs two extra queries per row (redun's console does that). Here a page's statuses are a
``CASE`` over two outer joins of its own rows, and counts and filters over many jobs test
``job.call_hash`` against the small set of failed calls (redun_tui.db.query), so a page of jobs,
or the status counts of 100,000 jobs, is one statement. Plans were checked with
``EXPLAIN QUERY PLAN`` on generated databases of up to 1,000,000 jobs; where SQLite's planner
needs help (no ANALYZE statistics in redun databases) the code says so.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import Join

from redun_tui.db import dataflow as _dataflow
from redun_tui.db import values as _values
from redun_tui.db.backend import LOCK_RETRIES, RedunBackendDb, classify_error
from redun_tui.db.models import (
    ERROR_VALUE_TYPE,
    Argument,
    ArgumentResult,
    CallNode,
    Execution,
    File,
    Job,
    Subvalue,
    Tag,
    TagEntity,
    Task,
    Value,
    json_dumps,
)
from redun_tui.db.query import CallGraphQuery, UnknownStatusError, job_status_case, job_status_term
from redun_tui.search import SearchSyntaxError, apply_search, parse_search
from redun_tui.views import (
    STATUSES,
    ArgumentView,
    DataflowLine,
    DataflowView,
    ErrorView,
    ExecutionDetail,
    ExecutionRow,
    FileDetail,
    FileRow,
    Heartbeat,
    JobDetail,
    JobRow,
    JobUse,
    Link,
    Page,
    RecordRow,
    Resolution,
    Segment,
    StatusCount,
    TagView,
    TaskDetail,
    TaskRef,
    TaskRow,
    ValueDetail,
    ValueRef,
)

DEFAULT_PAGE_SIZE = 200
PREVIEW_LIMIT = 20_000  # characters of a value preview shown inline

# Values bigger than this are never unpickled for a preview (redun's rule: it shows
# ``type(hash=…, size=…)`` instead). Their bytes are not even fetched.
MAX_VALUE_SIZE_PREVIEW = _values.MAX_VALUE_SIZE_PREVIEW
# value_text() decodes up to this many bytes: the user asked for the whole value, but a
# multi-gigabyte pickle must not take the app's memory with it.
FULL_VALUE_LIMIT = 64 * 1024 * 1024

TASK_NAME_LIMIT = 200  # characters of a task name in a list row
ARGS_LIMIT = 500  # characters of an execution's command line in a list row
TAG_TEXT_LIMIT = 1_000  # characters of a tag's JSON value in a view
REF_LIMIT = 200  # characters of a value's repr in a link (redun's trim_string default)
RELATED_LIMIT = 50  # jobs listed as producers/consumers of a value or file
SUBVALUE_LIMIT = 200  # subvalues / parent values listed on a value screen
RECENT_JOBS_LIMIT = 50  # jobs listed on a task screen
# Above this many jobs, a task's newest jobs are found by walking the start-time index.
RECENT_SCAN_THRESHOLD = 2_000
UPSTREAM_JOBS_PER_ARG = 3  # jobs listed as the source of one argument
CANDIDATES_LIMIT = 10  # ids listed for an ambiguous prefix
PAGE_LIMIT_MAX = 5_000

ROUTE_KINDS = ("executions", "jobs", "values", "dataflow", "tasks", "files")

R = TypeVar("R")


class StoreError(Exception):
    """A request the store cannot answer; the message is one line for the user."""


class NotFound(StoreError):
    """No record has that id, hash, prefix or path."""


class Ambiguous(StoreError):
    """A prefix matches several records."""

    def __init__(self, message: str, candidates: tuple[str, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


# -- SQL building blocks ----------------------------------------------------------------------


def _status_case(value_type: Any, end_time: Any, cached: Any) -> Any:
    """The job status rule (models.job_status_from) as a SQL CASE."""
    return case(
        (value_type == ERROR_VALUE_TYPE, literal("FAILED")),
        (end_time.is_(None), literal("RUNNING")),
        (cached == true(), literal("CACHED")),
        else_=literal("DONE"),
    )


def _execution_status_case(jj: Any) -> Any:
    """An execution's status from its root job (``jj``, outer-joined): no root job is FAILED,
    CACHED counts as DONE (models.Execution.status as a SQL CASE)."""
    return case(
        (jj.job.id.is_(None), literal("FAILED")),
        (jj.value.type == ERROR_VALUE_TYPE, literal("FAILED")),
        (jj.job.end_time.is_(None), literal("RUNNING")),
        else_=literal("DONE"),
    )


class _DrivingJoin(Join):
    """An inner join whose left side SQLite must scan first (``CROSS JOIN`` there).

    Newest-first lists of executions walk ``job`` by its start-time index and look each
    execution up by its root job: 25 ms for a page at a million jobs. Left to itself, SQLite's
    planner scans every execution and sorts them instead (1.8 s). Other databases plan it
    themselves: there it is a plain JOIN.
    """

    inherit_cache = True


@compiles(_DrivingJoin)
def _compile_join(join: _DrivingJoin, compiler: Any, **kwargs: Any) -> str:
    return compiler.visit_join(join, **kwargs)


@compiles(_DrivingJoin, "sqlite")
def _compile_cross_join(join: _DrivingJoin, compiler: Any, **kwargs: Any) -> str:
    kwargs.pop("asfrom", None)
    return (
        join.left._compiler_dispatch(compiler, asfrom=True, **kwargs)
        + " CROSS JOIN "
        + join.right._compiler_dispatch(compiler, asfrom=True, **kwargs)
        + " ON "
        + join.onclause._compiler_dispatch(compiler, **kwargs)
    )


class _Alias:
    """A named alias of a model's table; ``alias.id`` is its column.

    Built once at import: aliases made per call cost SQLAlchemy column adaptation on every
    query (a third of a value screen's time), and fixed names keep the statement cache warm.
    """

    def __init__(self, model: Any, name: str) -> None:
        self.table = model.__table__.alias(name)

    def __getattr__(self, key: str) -> Any:
        return self.table.c[key]


class _JobJoin:
    """``job`` outer-joined to its call node, result value and task, with the status column.

    Each instance has its own alias names, so one statement can hold two (a CTE and the outer
    query) without their joins getting mixed up.
    """

    def __init__(self, prefix: str) -> None:
        self.job = _Alias(Job, f"{prefix}_job")
        self.node = _Alias(CallNode, f"{prefix}_node")
        self.value = _Alias(Value, f"{prefix}_result")
        self.task = _Alias(Task, f"{prefix}_task")
        self.status = _status_case(self.value.type, self.job.end_time, self.job.cached)

    def joined(self, base: Any = None) -> Any:
        """The FROM clause: job -> call node -> value, job -> task (outer joins), after ``base``."""
        start = self.job.table if base is None else base
        return (
            start.outerjoin(self.node.table, self.job.call_hash == self.node.call_hash)
            .outerjoin(self.value.table, self.node.value_hash == self.value.value_hash)
            .outerjoin(self.task.table, self.job.task_hash == self.task.hash)
        )

    def row_columns(self) -> tuple:
        """The columns Store._job_row() reads, in its order."""
        job = self.job
        return (
            job.id,
            self.task.namespace,
            self.task.name,
            self.status.label("status"),
            job.start_time,
            job.end_time,
            job.cached,
            job.parent_id,
            job.execution_id,
            job.call_hash,
        )

    def select_rows(self, *extra: Any) -> Any:
        """SELECT of the JobRow columns (plus ``extra``) over the joined FROM clause."""
        return select(*self.row_columns(), *extra).select_from(self.joined())


class _TaskLookup(_Alias):
    """The task table under its own name, for ``task_hash IN (SELECT hash … WHERE name …)``."""

    def task_filter(self, task_name: str) -> Any:
        """Matches a task by full name (``namespace.name``) or bare name."""
        conditions = [and_(self.name == task_name, self.namespace == "")]
        if "." in task_name:
            namespace, name = task_name.rsplit(".", 1)
            conditions.append(and_(self.namespace == namespace, self.name == name))
        else:
            conditions.append(self.name == task_name)
        return or_(*conditions)


_TASK_LOOKUP = _TaskLookup(Task, "lookup_task")
_MAIN = _JobJoin("j")
_PAGE = _JobJoin("p")
_MATCH = _JobJoin("m")
_UP = _Alias(Job, "up_job")
_CHILD = _Alias(Job, "child_job")
_PRODUCER = _Alias(Job, "producer_job")
_VALUE = _Alias(Value, "v")


def _value_columns(value: Any) -> tuple:
    """Columns for a ValueRef: hash, type, format, size, and the bytes only when small enough."""
    size = func.length(value.value)
    return (
        value.value_hash,
        value.type,
        value.format,
        size.label("size"),
        case((size <= MAX_VALUE_SIZE_PREVIEW, value.value), else_=None).label("data"),
    )


def _prefix_condition(session: Session, column: Any, prefix: str) -> Any:
    """``column`` starts with ``prefix``, in a form the dialect answers from an index.

    SQLite's LIKE is case-insensitive, so it never uses an ordinary index: a range
    (``prefix <= col < prefix + U+10FFFF``) does. PostgreSQL's ``*_vpo`` indexes
    (varchar_pattern_ops) serve ``LIKE 'prefix%'``.
    """
    if session.get_bind().dialect.name == "sqlite":
        return and_(column >= prefix, column < prefix + "\U0010ffff")
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


def _like_pattern(text: str) -> str:
    """A LIKE pattern from user text: ``*`` is the wildcard, ``%``/``_`` match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


# -- cursors ----------------------------------------------------------------------------------


def _encode_cursor(offset: int, key: Sequence[Any]) -> str:
    """An opaque cursor: the next page's offset and the last row's sort key."""
    parts: list[Any] = [offset]
    for item in key:
        if isinstance(item, datetime):
            parts.append({"t": item.astimezone(timezone.utc).isoformat()})
        else:
            parts.append(item)
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None, arity: int) -> tuple[int, tuple[Any, ...] | None]:
    """(offset, key) from a cursor; (0, None) for the first page."""
    if not cursor:
        return 0, None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        offset = int(parts[0])
        key = tuple(
            datetime.fromisoformat(item["t"]) if isinstance(item, dict) else item for item in parts[1:]
        )
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error, json.JSONDecodeError):
        raise StoreError("invalid page cursor") from None
    if len(key) != arity:
        raise StoreError("invalid page cursor")
    return offset, key


def _keyset_after(columns: Sequence[Any], key: Sequence[Any], descending: bool = False) -> Any:
    """Rows strictly after ``key`` in (col1, col2, …) order (ascending, or descending).

    The first column also gets a plain range bound (``col <= v``), which an index can seek to;
    the OR that breaks ties alone would make SQLite scan from the start of the index.
    """
    bound = columns[0] <= key[0] if descending else columns[0] >= key[0]
    return and_(bound, _strictly_after(columns, key, descending))


def _strictly_after(columns: Sequence[Any], key: Sequence[Any], descending: bool) -> Any:
    column, rest = columns[0], columns[1:]
    value = key[0]
    beyond = column < value if descending else column > value
    if not rest:
        return beyond
    return or_(beyond, and_(column == value, _strictly_after(rest, key[1:], descending)))


def _page(rows: list, limit: int, offset: int, key_of: Callable[[Any], Sequence[Any]]) -> tuple[list, str | None]:
    """Splits ``limit + 1`` fetched rows into the page and the next cursor."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, _encode_cursor(offset + limit, key_of(rows[-1]))
    return rows, None


def _check_limit(limit: int) -> int:
    if limit < 1:
        raise StoreError("page size must be at least 1")
    return min(limit, PAGE_LIMIT_MAX)


# -- value text -------------------------------------------------------------------------------


def _big_value_text(value_hash: str, type_name: str, size: int | None) -> str:
    """What redun shows for a value it will not unpickle (over the preview size limit)."""
    return repr(_values.PreviewValue(_values.ValueRef(type_name, value_hash), size))


def _decode_preview(value_hash: str, type_name: str, fmt: str, data: bytes) -> Any:
    """The object redun would preview: stand-ins built by the restricted unpickler."""
    return _values.preview_value(value_hash, type_name, fmt, data)


def _ref_text(value_hash: str, type_name: str, fmt: str, size: int | None, data: bytes | None) -> str:
    """redun's one-line display of a value: the repr of its preview, trimmed to 200 characters.

    ``data`` is None when the bytes were not fetched (over the preview limit): such values are
    never decoded.
    """
    if data is None or (size is not None and size > MAX_VALUE_SIZE_PREVIEW):
        return _big_value_text(value_hash, type_name, size)
    try:
        obj = _decode_preview(value_hash, type_name, fmt, data)
    except Exception as error:  # the decoder reports bad pickles itself; this is a last guard
        return f"<cannot decode {type_name}: {type(error).__name__}>"
    return _values.value_repr(obj, REF_LIMIT)


def _value_ref(row: Any) -> ValueRef:
    """A ValueRef from the _value_columns() of a row."""
    value_hash, type_name, fmt, size, data = row
    return ValueRef(
        value_hash=value_hash,
        type=type_name or "",
        preview=_ref_text(value_hash, type_name or "", fmt or "", size, data),
        size=size,
    )


def _cut(text: str, limit: int) -> str:
    """Trims a raw database string for a list row ("…" marks the cut)."""
    if text is None:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fullname(namespace: str | None, name: str | None) -> str:
    if not name:
        return ""
    return f"{namespace}.{name}" if namespace else name


def _tag_text(value: Any) -> str:
    return _values.trim_string(json_dumps(value), TAG_TEXT_LIMIT)


def _command_line(args_json: str | None) -> tuple[str, ...]:
    """``execution.args`` (a JSON list of the command line) as a tuple of strings."""
    if not args_json:
        return ()
    try:
        parsed = json.loads(args_json)
    except (ValueError, TypeError):
        return (args_json,)
    if isinstance(parsed, list):
        return tuple(str(item) for item in parsed)
    return (str(parsed),)


def _task_arg_names(source: str | None, name: str | None) -> list[str] | None:
    """The task's parameter names as the dataflow names them, or None when the source does not parse."""
    try:
        return list(_dataflow.get_task_args(SimpleNamespace(source=source or "", name=name)))
    except SyntaxError:
        return None


def _error_view(obj: Any) -> ErrorView:
    """An ErrorView from a decoded ErrorValue stand-in: repr, message and traceback lines."""
    if not isinstance(obj, _values.ErrorValue):
        text = _values.value_repr(obj, PREVIEW_LIMIT)
        return ErrorView(error_repr=text, message=text, traceback=())
    traceback = getattr(obj, "traceback", None)
    if isinstance(traceback, _values.Traceback):
        lines = tuple("".join(traceback.format()).splitlines())
    else:
        # No traceback recorded: redun still ends with "Type: message".
        lines = (f"{obj.error_type}: {obj.error_message}",)
    return ErrorView(
        error_repr=_values.value_repr(obj.error, PREVIEW_LIMIT),
        message=obj.error_message,
        traceback=lines,
    )


# -- the store --------------------------------------------------------------------------------


class Store:
    """Read-only queries for the screens. Thread-safe: one Session per call.

    Args:
        backend: a loaded RedunBackendDb (read-only for browsing).
    """

    def __init__(self, backend: RedunBackendDb) -> None:
        self.backend = backend

    @property
    def name(self) -> str:
        """The database as the user named it (path or URL without password)."""
        return self.backend.display_name

    # -- plumbing --

    def _read(self, work: Callable[[Session], R]) -> R:
        """Runs ``work`` in a fresh Session, retrying while SQLite says the database is locked.

        Driver errors become RedunDatabaseError subclasses (one-line messages for the UI).
        """
        for attempt in range(LOCK_RETRIES + 1):
            try:
                with self.backend.new_session() as session:
                    return work(session)
            except OperationalError as error:
                if "locked" in str(error).lower() and attempt < LOCK_RETRIES:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise classify_error(error, self.name) from None
            except DBAPIError as error:
                raise classify_error(error, self.name) from None
        raise AssertionError("unreachable")

    @staticmethod
    def _resolve_one(session: Session, column: Any, text: str, kind: str, extra: Any = None) -> str:
        """The one full id in ``column`` that equals or starts with ``text``.

        Raises:
            NotFound: nothing matches.
            Ambiguous: several ids start with ``text`` (none equals it).
        """
        text = text.strip()
        if not text:
            raise NotFound(f"no {kind} id given")
        query = select(column).where(_prefix_condition(session, column, text))
        if extra is not None:
            query = query.where(extra)
        found = list(session.execute(query.order_by(column).limit(CANDIDATES_LIMIT + 1)).scalars())
        if not found and text != text.lower():
            return Store._resolve_one(session, column, text.lower(), kind, extra)
        if not found:
            raise NotFound(f"no {kind} matches '{text}'")
        if text in found:
            return text
        if len(found) > 1:
            shown = tuple(found[:CANDIDATES_LIMIT])
            more = " or more" if len(found) > CANDIDATES_LIMIT else ""
            raise Ambiguous(f"'{text}' matches {len(shown)}{more} {kind}s", shown)
        return found[0]

    @staticmethod
    def _tags(session: Session, entity_type: TagEntity, ids: Iterable[str]) -> dict[str, tuple[TagView, ...]]:
        """Current tags per entity id, sorted by key and value (one query)."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        rows = session.execute(
            select(Tag.entity_id, Tag.key, Tag.value).where(
                Tag.entity_id.in_(ids), Tag.entity_type == entity_type, Tag.is_current == true()
            )
        ).all()
        found: dict[str, list[TagView]] = {}
        for entity_id, key, value in rows:
            found.setdefault(entity_id, []).append(TagView(key=_values.trim_string(key, TAG_TEXT_LIMIT), value=_tag_text(value)))
        return {key: tuple(sorted(tags, key=lambda tag: (tag.key, tag.value))) for key, tags in found.items()}

    @staticmethod
    def _child_counts(session: Session, parent_ids: list[str]) -> dict[str, int]:
        """Number of child jobs of each id (one grouped count over these ids only)."""
        if not parent_ids:
            return {}
        rows = session.execute(
            select(Job.parent_id, func.count()).where(Job.parent_id.in_(parent_ids)).group_by(Job.parent_id)
        ).all()
        return {parent_id: count for parent_id, count in rows}

    @staticmethod
    def _job_row(row: Any, child_count: int = 0) -> JobRow:
        job_id, namespace, name, status, start, end, cached, parent_id, execution_id, call_hash = row[:10]
        return JobRow(
            id=job_id,
            task_name=_cut(_fullname(namespace, name), TASK_NAME_LIMIT),
            status=status,
            start_time=start,
            end_time=end,
            duration=(end - start) if (end is not None and start is not None) else None,
            cached=bool(cached),
            parent_id=parent_id,
            execution_id=execution_id,
            call_hash=call_hash,
            child_count=child_count,
        )

    # -- executions --

    @staticmethod
    def _execution_select(base: Any = None) -> tuple[Any, _JobJoin]:
        """Execution columns joined to the root job (status, times, task), FROM ``base``."""
        jj = _MAIN
        base = Execution.__table__ if base is None else base
        exec_status = _execution_status_case(jj)
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
        ).select_from(jj.joined(base.join(jj.job.table, Execution.job_id == jj.job.id)))
        return query, jj

    @staticmethod
    def _execution_row(row: Any, tags: tuple[TagView, ...]) -> ExecutionRow:
        exec_id, args, updated, start, end, status, namespace, name = row[:8]
        command = _command_line(args)
        return ExecutionRow(
            id=exec_id,
            start_time=start,
            end_time=end,
            duration=(end - start) if (end is not None and start is not None) else None,
            status=status,
            task_name=_cut(_fullname(namespace, name), TASK_NAME_LIMIT),
            args=_cut(" ".join(command[1:]), ARGS_LIMIT),
            tags=tags,
            updated_time=updated,
        )

    def executions(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[ExecutionRow]:
        """Executions newest first, optionally filtered by search text (see redun_tui.search).

        Ordered as redun's console orders them: by the root job's start time, newest first (the
        execution id breaks ties). Statements: the page, its tags, and the total when unfiltered.

        ``search`` is search-bar text (:mod:`redun_tui.search`): executions it matches, or, when
        it asks only for jobs (``task:align``, ``status:failed`` …), the executions of the jobs
        it matches.

        Raises:
            redun_tui.search.SearchSyntaxError: the search text does not parse.
        """
        limit = _check_limit(limit)
        offset, key = _decode_cursor(cursor, 2)

        def work(session: Session) -> Page[ExecutionRow]:
            # First the page's ids, walking root jobs newest first (a narrow query that stops
            # after limit + 1 rows), then their columns, joined for those rows only.
            # Unfiltered, root jobs drive (newest first by index, stopping after a page); a
            # search first probes the newest executions, then sorts its matches.
            text = search.strip()
            if text:
                keys = _searched_executions(session, text, key, limit + 1)
                query, _ = self._execution_select()
                found = {row[0]: row for row in session.execute(query.where(Execution.id.in_([k[0] for k in keys])))}
                rows = [found[execution_id] for execution_id, _start in keys if execution_id in found]
            else:
                page = select(Execution.id.label("id"), _PAGE.job.start_time.label("start_time")).select_from(
                    _DrivingJoin(_PAGE.job.table, Execution.__table__, Execution.job_id == _PAGE.job.id)
                )
                if key is not None:
                    page = page.where(_keyset_after((_PAGE.job.start_time, Execution.id), key, descending=True))
                page = page.order_by(_PAGE.job.start_time.desc(), Execution.id.desc()).limit(limit + 1).subquery("page")
                query, _ = self._execution_select(page.join(Execution.__table__, Execution.id == page.c.id))
                rows = session.execute(query.order_by(page.c.start_time.desc(), page.c.id.desc())).all()
            rows, next_cursor = _page(rows, limit, offset, lambda row: (row[3], row[0]))
            tags = self._tags(session, TagEntity.Execution, [row[0] for row in rows])
            total = None
            if not text:
                total = session.execute(select(func.count()).select_from(Execution)).scalar_one()
            items = tuple(self._execution_row(row, tags.get(row[0], ())) for row in rows)
            return Page(items=items, offset=offset, next_cursor=next_cursor, total=total)

        return self._read(work)

    def execution(self, execution_id: str) -> ExecutionDetail:
        """One execution's header (full id or unique prefix)."""

        def work(session: Session) -> ExecutionDetail:
            full_id = self._resolve_one(session, Execution.id, execution_id, "execution")
            # An outer join here, so a record whose root job is missing still opens (as FAILED).
            jj = _MAIN
            exec_status = _execution_status_case(jj)
            query = (
                select(
                    Execution.id,
                    Execution.args,
                    Execution.updated_time,
                    jj.job.start_time,
                    jj.job.end_time,
                    exec_status.label("status"),
                    jj.task.namespace,
                    jj.task.name,
                    Execution.job_id,
                    select(func.count()).select_from(Job).where(Job.execution_id == Execution.id).scalar_subquery(),
                    jj.job.id,
                )
                .select_from(jj.joined(Execution.__table__.outerjoin(jj.job.table, Execution.job_id == jj.job.id)))
                .where(Execution.id == full_id)
            )
            row = session.execute(query).one()
            tags = self._tags(session, TagEntity.Execution, [full_id]).get(full_id, ())
            return ExecutionDetail(
                row=self._execution_row(row, tags),
                args_list=_command_line(row[1]),
                root_job_id=row[10],
                job_count=row[9],
            )

        return self._read(work)

    def status_counts(self, execution_id: str) -> tuple[StatusCount, ...]:
        """Job counts per task and status within an execution (one GROUP BY).

        Rows are sorted by task name; statuses in views.STATUSES order, zero counts omitted.
        """

        def work(session: Session) -> tuple[StatusCount, ...]:
            full_id = self._resolve_one(session, Execution.id, execution_id, "execution")
            # Grouped on the job rows alone (FAILED = the call hash is in the small set of
            # failed calls, read once): joining each job's call node and value row cost ~1 s
            # for 100,000 jobs. Task names are joined to the few groups afterwards.
            job = _PAGE.job
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
                counts = by_task.setdefault(_cut(_fullname(namespace, name), TASK_NAME_LIMIT), {})
                counts[job_status] = counts.get(job_status, 0) + count
            order = {status: index for index, status in enumerate(("DONE", "CACHED", "FAILED", "RUNNING"))}
            return tuple(
                StatusCount(
                    task_name=task_name,
                    counts=tuple(sorted(counts.items(), key=lambda item: order.get(item[0], 99))),
                )
                for task_name, counts in sorted(by_task.items())
            )

        return self._read(work)

    # -- job trees and lists --

    @staticmethod
    def _job_filter(jj: _JobJoin, status: str | None, task_name: str | None) -> list:
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
            conditions.append(jj.job.task_hash.in_(select(_TASK_LOOKUP.hash).where(_TASK_LOOKUP.task_filter(task_name))))
        return conditions

    @staticmethod
    def _in_execution(jj: _JobJoin, execution_id: str, status: str | None) -> Any:
        """``job.execution_id = …``, hidden from SQLite's planner for the rare statuses.

        FAILED and RUNNING jobs are few in the whole database and have their own index paths
        (the failed-call set through ix_job_call_hash, ix_job_end_time): reading an execution's
        100,000 job rows to find them took most of a second.
        """
        if status and status.upper() in ("FAILED", "RUNNING"):
            return (jj.job.execution_id + "") == execution_id
        return jj.job.execution_id == execution_id

    @staticmethod
    def _job_page(
        session: Session,
        conditions: Callable[[_JobJoin], list],
        needs_joins: bool,
        key: tuple | None,
        limit: int,
        descending: bool = False,
        extra: Callable[[_JobJoin], list] | None = None,
    ) -> list:
        """JobRow columns of one page of jobs, in (start_time, id) order (then ``extra(jj)``).

        Two steps in one statement: a narrow subquery picks the page's ids (reading the job
        table, and the joins only when a condition needs them), then the full columns are
        joined for those rows only. Sorting the children of a job with 100,000 children then
        moves two columns, not ten with four joins each.
        """
        pj = _PAGE
        page = select(pj.job.id.label("id"), pj.job.start_time.label("start_time"))
        page = page.select_from(pj.joined() if needs_joins else pj.job.table).where(*conditions(pj))
        if key is not None:
            page = page.where(_keyset_after((pj.job.start_time, pj.job.id), key, descending))
        if descending:
            page = page.order_by(pj.job.start_time.desc(), pj.job.id.desc())
        else:
            page = page.order_by(pj.job.start_time, pj.job.id)
        page = page.limit(limit + 1).subquery("page")
        jj = _MAIN
        columns = [*jj.row_columns(), *(extra(jj) if extra else [])]
        query = select(*columns).select_from(jj.joined(page.join(jj.job.table, jj.job.id == page.c.id)))
        if descending:
            query = query.order_by(page.c.start_time.desc(), page.c.id.desc())
        else:
            query = query.order_by(page.c.start_time, page.c.id)
        return session.execute(query).all()

    def _job_children(
        self,
        session: Session,
        execution_id: str,
        parent_id: str | None,
        status: str | None,
        task_name: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page[JobRow]:
        limit = _check_limit(limit)
        offset, key = _decode_cursor(cursor, 2)
        subtree = None
        if status or task_name:
            # Jobs whose subtree holds a match: the matches and all their ancestors (a recursive
            # CTE walking parent_id upwards from the matching jobs of this execution).
            match = _MATCH
            seed = (
                select(match.job.id.label("id"))
                .select_from(match.job.table)
                .where(self._in_execution(match, execution_id, status), *self._job_filter(match, status, task_name))
            )
            # MATERIALIZED: the statement reads it twice (the page, its rows' child counts) and
            # must walk it once.
            subtree = seed.cte("subtree", recursive=True).prefix_with("MATERIALIZED")
            up = _UP
            subtree = subtree.union(
                select(up.parent_id).select_from(up.table.join(subtree, up.id == subtree.c.id)).where(up.parent_id.is_not(None))
            )

        def conditions(pj: _JobJoin) -> list:
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

        def filtered_child_count(jj: _JobJoin) -> list:
            # Children in the filtered tree, for the page's rows only, in the same statement.
            child = _CHILD
            return [
                select(func.count())
                .select_from(child.table)
                .where(child.parent_id == jj.job.id, child.id.in_(select(subtree.c.id)))
                .scalar_subquery()
            ]

        rows = self._job_page(
            session, conditions, False, key, limit, extra=filtered_child_count if subtree is not None else None
        )
        rows, next_cursor = _page(rows, limit, offset, lambda row: (row[4], row[0]))
        ids = [row[0] for row in rows]
        total = None
        if subtree is None:
            counts = self._child_counts(session, ids)
            # The size of the whole list (unfiltered only: a filtered count would run the
            # subtree query again), counted on the parent_id index alone; the top level is
            # one root job.
            if parent_id is None:
                total = offset + len(rows)
            else:
                total = session.execute(
                    select(func.count()).select_from(Job).where(Job.parent_id == parent_id)
                ).scalar_one()
        else:
            counts = {row[0]: row[10] for row in rows}
        items = tuple(self._job_row(row, counts.get(row[0], 0)) for row in rows)
        return Page(items=items, offset=offset, next_cursor=next_cursor, total=total)

    def job_children(
        self,
        execution_id: str,
        parent_id: str | None,
        status: str | None = None,
        task_name: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[JobRow]:
        """Child jobs of ``parent_id`` (None: the root job) in start order, optionally only those
        whose subtree contains jobs of ``status``/``task_name`` (for the filtered tree).

        ``execution_id`` and ``parent_id`` must be full ids (as JobRow/ExecutionDetail give
        them). With ``parent_id=None`` the page holds the execution's top-level job (its root).
        ``child_count`` of each row counts its children under the same filter.
        """
        return self._read(
            lambda session: self._job_children(session, execution_id, parent_id, status, task_name, cursor, limit)
        )

    def jobs(self, execution_id: str, status: str | None = None, task_name: str | None = None,
             cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[JobRow]:
        """A flat list of an execution's jobs matching status/task, in start order."""
        limit = _check_limit(limit)
        offset, key = _decode_cursor(cursor, 2)

        def work(session: Session) -> Page[JobRow]:
            full_id = self._resolve_one(session, Execution.id, execution_id, "execution")
            rows = self._job_page(
                session,
                lambda pj: [self._in_execution(pj, full_id, status), *self._job_filter(pj, status, task_name)],
                False,
                key,
                limit,
            )
            rows, next_cursor = _page(rows, limit, offset, lambda row: (row[4], row[0]))
            counts = self._child_counts(session, [row[0] for row in rows])
            items = tuple(self._job_row(row, counts.get(row[0], 0)) for row in rows)
            return Page(items=items, offset=offset, next_cursor=next_cursor)

        return self._read(work)

    # -- jobs, values, dataflow --

    def job(self, job_id: str) -> JobDetail:
        """Everything the job screen shows.

        Statements (constant): the job with its task and result, its ancestors (one recursive
        query), its arguments with their values, the jobs that produced the arguments, its tags,
        and the first page of its children with their child counts.
        """

        def work(session: Session) -> JobDetail:
            full_id = self._resolve_one(session, Job.id, job_id, "job")
            jj = _MAIN
            result = _VALUE
            row = session.execute(
                select(
                    *jj.row_columns(),
                    jj.task.hash,
                    jj.task.source,
                    jj.node.args_hash,
                    *_value_columns(result),
                )
                .select_from(jj.joined().outerjoin(result.table, jj.node.value_hash == result.value_hash))
                .where(jj.job.id == full_id)
            ).one()
            job_row = self._job_row(row)
            task_hash, source, args_hash = row[10], row[11], row[12]
            result_cols = row[13:18]
            trail = self._trail(session, job_row)
            arguments = self._arguments(session, job_row, source, row[2])
            result_ref = _value_ref(result_cols) if result_cols[0] is not None else None
            error = None
            if job_row.status == "FAILED" and result_cols[1] == ERROR_VALUE_TYPE:
                error = self._error(result_cols)
            tags = self._tags(session, TagEntity.Job, [full_id]).get(full_id, ())
            children = self._job_children(session, job_row.execution_id, full_id, None, None, None, DEFAULT_PAGE_SIZE)
            return JobDetail(
                row=job_row,
                trail=trail,
                task=TaskRef(hash=task_hash or "", fullname=_fullname(row[1], row[2])),
                source=source or "",
                call_hash=job_row.call_hash,
                args_hash=args_hash,
                arguments=arguments,
                result=result_ref,
                error=error,
                tags=tags,
                children=children,
            )

        return self._read(work)

    @staticmethod
    def _error(result_cols: Sequence[Any]) -> ErrorView:
        value_hash, type_name, fmt, size, data = result_cols
        if data is None:
            text = _big_value_text(value_hash, type_name, size)
            return ErrorView(error_repr=text, message=text)
        try:
            obj = _decode_preview(value_hash, type_name, fmt, data)
        except Exception as error:
            text = f"<cannot decode {type_name}: {type(error).__name__}>"
            return ErrorView(error_repr=text, message=text)
        return _error_view(obj)

    @staticmethod
    def _trail(session: Session, job_row: JobRow) -> tuple[Link, ...]:
        """Execution > ancestor jobs (root first) > this job, as links (one recursive query)."""
        rows = []
        if job_row.parent_id is not None:
            ancestors = select(Job.id.label("id"), Job.parent_id.label("parent_id"), literal(1).label("depth")).where(
                Job.id == job_row.parent_id
            )
            chain = ancestors.cte("ancestors", recursive=True)
            up = _UP
            chain = chain.union_all(
                select(up.id, up.parent_id, (chain.c.depth + 1)).select_from(up.table.join(chain, up.id == chain.c.parent_id))
            )
            rows = session.execute(
                select(chain.c.id, Task.namespace, Task.name, chain.c.depth)
                .select_from(chain.join(Job, Job.id == chain.c.id).outerjoin(Task, Job.task_hash == Task.hash))
                .order_by(chain.c.depth.desc())
            ).all()
        links = [Link(f"Exec {job_row.execution_id[:8]}", f"executions/{job_row.execution_id}")]
        for ancestor_id, namespace, name, _depth in rows:
            links.append(Link(f"Job {ancestor_id[:8]} {_cut(_fullname(namespace, name), TASK_NAME_LIMIT)}", f"jobs/{ancestor_id}"))
        links.append(Link(f"Job {job_row.id[:8]} {job_row.task_name}", f"jobs/{job_row.id}"))
        return tuple(links)

    @staticmethod
    def _arguments(session: Session, job_row: JobRow, source: str | None, task_name: str | None) -> tuple[ArgumentView, ...]:
        """The call's arguments (positional by position, then keywords by key) with values and
        the jobs that produced them (two queries)."""
        if not job_row.call_hash:
            return ()
        value = _VALUE
        rows = session.execute(
            select(Argument.arg_hash, Argument.arg_position, Argument.arg_key, *_value_columns(value))
            .select_from(Argument.__table__.outerjoin(value.table, Argument.value_hash == value.value_hash))
            .where(Argument.call_hash == job_row.call_hash)
        ).all()
        if not rows:
            return ()
        # Up to a few producer jobs per argument: this execution's first, then the newest.
        producer = _PRODUCER
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
        names = _task_arg_names(source, task_name) if any(row[1] is not None for row in rows) else None
        views = []
        for arg_hash, position, key, *value_cols in rows:
            if key is not None:
                label = key
            elif names is not None and position is not None and position < len(names):
                label = names[position]
            else:
                label = f"arg{position}"
            ref = _value_ref(value_cols) if value_cols[0] is not None else ValueRef("", "", "<missing value>")
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

    @staticmethod
    def _job_uses(session: Session, call_hash_column: Any, value_column: Any, values: Any) -> tuple[JobUse, ...]:
        """Newest jobs (at most RELATED_LIMIT) of the calls whose ``value_column`` is ``values``.

        ``values`` is a value hash or a SELECT of them; ``call_hash_column`` is the call hash in
        the same table (call_node: results, argument: arguments).

        A value passed to every job of a big workflow (a reference genome) has hundreds of
        thousands of consumers: sorting them all took seconds. The newest jobs are probed along
        the start-time index first; only when they hold too few uses are all uses sorted (then
        few). Two statements either way.
        """
        probe = _PROBE_JOB
        drive = select(probe.id.label("id"), probe.start_time.label("start_time"), probe.call_hash.label("call_hash"))
        drive = drive.order_by(probe.start_time.desc(), probe.id.desc())

        def holds(column: Any) -> Any:
            return column == values if isinstance(values, str) else column.in_(values)

        uses = select(call_hash_column).where(holds(value_column))
        # In the probe, each window row is checked through its call hash; ``|| ''`` keeps
        # SQLite from reading all 200,000 uses by the value index for every row instead.
        found = _probe_newest(
            session,
            drive,
            lambda window: select(call_hash_column)
            .where(call_hash_column == window.c.call_hash, holds(value_column + ""))
            .exists(),
            RELATED_LIMIT,
        )
        if found is not None:
            jj = _MAIN
            by_id = {row[0]: row for row in session.execute(jj.select_rows().where(jj.job.id.in_([row[0] for row in found])))}
            rows = [by_id[job_id] for job_id, _start in found if job_id in by_id]
        else:
            rows = Store._job_page(
                session, lambda pj: [pj.job.call_hash.in_(uses)], False, None, RELATED_LIMIT, descending=True
            )[:RELATED_LIMIT]
        return tuple(
            JobUse(
                job_id=job.id,
                task_name=job.task_name,
                status=job.status,
                start_time=job.start_time,
                execution_id=job.execution_id,
            )
            for job in map(Store._job_row, rows)
        )

    def value(self, value_hash: str) -> ValueDetail:
        """Everything the value screen shows (bounded preview).

        The value is decoded only when it is at most MAX_VALUE_SIZE_PREVIEW bytes; the preview
        text is its full repr cut to PREVIEW_LIMIT characters, ending with a note saying so.
        """

        def work(session: Session) -> ValueDetail:
            full_hash = self._resolve_one(session, Value.value_hash, value_hash, "value")
            row = session.execute(
                select(*_value_columns(Value), File.path)
                .select_from(Value.__table__.outerjoin(File, File.value_hash == Value.value_hash))
                .where(Value.value_hash == full_hash)
            ).one()
            value_cols, file_path = row[:5], row[5]
            _, type_name, fmt, size, data = value_cols
            ref = _value_ref(value_cols)
            preview_text, truncated = self._preview_text(value_cols)
            child = _VALUE
            subvalues = tuple(
                _value_ref(cols)
                for cols in session.execute(
                    select(*_value_columns(child))
                    .select_from(Subvalue.__table__.join(child.table, child.value_hash == Subvalue.value_hash))
                    .where(Subvalue.parent_value_hash == full_hash)
                    .order_by(child.value_hash)
                    .limit(SUBVALUE_LIMIT)
                ).all()
            )
            parent = _VALUE
            parents = tuple(
                _value_ref(cols)
                for cols in session.execute(
                    select(*_value_columns(parent))
                    .select_from(Subvalue.__table__.join(parent.table, parent.value_hash == Subvalue.parent_value_hash))
                    .where(Subvalue.value_hash == full_hash)
                    .order_by(parent.value_hash)
                    .limit(SUBVALUE_LIMIT)
                ).all()
            )
            produced_by = self._job_uses(session, CallNode.call_hash, CallNode.value_hash, full_hash)
            consumed_by = self._job_uses(session, Argument.call_hash, Argument.value_hash, full_hash)
            tags = self._tags(session, TagEntity.Value, [full_hash]).get(full_hash, ())
            return ValueDetail(
                ref=ref,
                format=fmt or "",
                size=size or 0,
                preview_text=preview_text,
                preview_truncated=truncated,
                file_path=file_path,
                subvalues=subvalues,
                parents=parents,
                produced_by=produced_by,
                consumed_by=consumed_by,
                tags=tags,
                in_value_store=(size == 0),
            )

        return self._read(work)

    @staticmethod
    def _preview_text(value_cols: Sequence[Any]) -> tuple[str, bool]:
        """The bounded multi-line preview of a value and whether it was cut."""
        value_hash, type_name, fmt, size, data = value_cols
        if size == 0:
            text = _big_value_text(value_hash, type_name, size)
            return f"{text}\n[the bytes are kept in a value store, not in this database]", True
        if data is None:
            text = _big_value_text(value_hash, type_name, size)
            return (
                f"{text}\n[not decoded: {size:,} bytes is over the {MAX_VALUE_SIZE_PREVIEW:,}-byte preview limit]",
                True,
            )
        try:
            obj = _decode_preview(value_hash, type_name, fmt, data)
        except Exception as error:
            return f"<cannot decode {type_name}: {type(error).__name__}>", False
        # One character over the limit tells "exactly fits" from "was cut", without rendering
        # more of a huge value than that.
        text = _values.value_repr(obj, PREVIEW_LIMIT + 1)
        if len(text) <= PREVIEW_LIMIT:
            return text, False
        return f"{text[:PREVIEW_LIMIT]}\n[preview cut at {PREVIEW_LIMIT:,} characters]", True

    def value_text(self, value_hash: str) -> str:
        """The full repr of a value (for the scrollable view / $PAGER); may be large.

        Values over FULL_VALUE_LIMIT bytes are not decoded (a one-line note says so).
        """

        def work(session: Session) -> str:
            full_hash = self._resolve_one(session, Value.value_hash, value_hash, "value")
            size = func.length(Value.value)
            type_name, fmt, length, data = session.execute(
                select(Value.type, Value.format, size, case((size <= FULL_VALUE_LIMIT, Value.value), else_=None)).where(
                    Value.value_hash == full_hash
                )
            ).one()
            if not length:
                return f"{_big_value_text(full_hash, type_name, length)}\n[the bytes are kept in a value store]"
            if data is None:
                return f"{_big_value_text(full_hash, type_name, length)}\n[not decoded: over {FULL_VALUE_LIMIT:,} bytes]"
            try:
                obj = _values.decode_value(type_name, fmt, data)
            except Exception as error:
                return f"<cannot decode {type_name}: {type(error).__name__}>"
            return _values.value_repr(obj, None)

        return self._read(work)

    def dataflow(self, value_hash: str, with_json: bool = True) -> DataflowView:
        """The upstream dataflow of a value, as linkable lines plus JSON.

        Args:
            value_hash: a value hash or unique prefix.
            with_json: also serialize the DOM to ``json_text``. Serializing renders every value
                a second time (a third of the time on a 600-call dataflow): a pane can pass
                False and call :meth:`dataflow_json` when the user exports.
        """

        def work(session: Session) -> DataflowView:
            full_hash = self._resolve_one(session, Value.value_hash, value_hash, "value")
            row = session.execute(select(*_value_columns(Value)).where(Value.value_hash == full_hash)).one()
            ref = _value_ref(row)
            return _build_dataflow(session, _dataflow, ref, full_hash, with_lines=True, with_json=with_json)

        return self._read(work)

    def dataflow_json(self, value_hash: str) -> str:
        """The upstream dataflow of a value as JSON text (a list of sections), for export."""

        def work(session: Session) -> str:
            full_hash = self._resolve_one(session, Value.value_hash, value_hash, "value")
            ref = ValueRef(value_hash=full_hash, type="", preview="")
            view = _build_dataflow(session, _dataflow, ref, full_hash, with_lines=False, with_json=True)
            if view.error:
                raise StoreError(view.error)
            return view.json_text

        return self._read(work)

    # -- tasks and files --

    def tasks(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[TaskRow]:
        """Tasks by namespace and name (each version a row).

        ``search`` matches namespace, name or ``namespace.name`` (``*`` wildcards; otherwise a
        substring), or a hash prefix. job_count/last_run come from one grouped query over the
        page's hashes.
        """
        limit = _check_limit(limit)
        offset, key = _decode_cursor(cursor, 3)

        def work(session: Session) -> Page[TaskRow]:
            query = select(Task.hash, Task.namespace, Task.name)
            text = search.strip()
            if text:
                pattern = _like_pattern(text) if "*" in text else "%" + _like_pattern(text) + "%"
                fullname = case((Task.namespace == "", Task.name), else_=Task.namespace + "." + Task.name)
                query = query.where(
                    or_(
                        fullname.like(pattern, escape="\\"),
                        _prefix_condition(session, Task.hash, text.lower()),
                    )
                )
            if key is not None:
                query = query.where(_keyset_after((Task.namespace, Task.name, Task.hash), key))
            rows = session.execute(query.order_by(Task.namespace, Task.name, Task.hash).limit(limit + 1)).all()
            rows, next_cursor = _page(rows, limit, offset, lambda row: (row[1], row[2], row[0]))
            stats = self._task_stats(session, [row[0] for row in rows])
            items = tuple(self._task_row(row, stats) for row in rows)
            total = None
            if not text:
                total = session.execute(select(func.count()).select_from(Task)).scalar_one()
            return Page(items=items, offset=offset, next_cursor=next_cursor, total=total)

        return self._read(work)

    @staticmethod
    def _task_stats(session: Session, hashes: list[str]) -> dict[str, tuple[int, datetime | None]]:
        if not hashes:
            return {}
        # Counts only: they come from the task_hash index alone. The newest start time would
        # read every job row of the task (a second per 200,000 jobs): see task() instead.
        rows = session.execute(
            select(Job.task_hash, func.count()).where(Job.task_hash.in_(hashes)).group_by(Job.task_hash)
        ).all()
        return {task_hash: (count, None) for task_hash, count in rows}

    @staticmethod
    def _task_row(row: Any, stats: dict[str, tuple[int, datetime | None]]) -> TaskRow:
        task_hash, namespace, name = row[:3]
        count, last = stats.get(task_hash, (0, None))
        return TaskRow(
            hash=task_hash,
            namespace=namespace or "",
            name=_cut(name or "", TASK_NAME_LIMIT),
            fullname=_cut(_fullname(namespace, name), TASK_NAME_LIMIT),
            job_count=count,
            last_run=last,
        )

    def task(self, task_hash: str) -> TaskDetail:
        """One task version: source, sibling versions, recent jobs."""

        def work(session: Session) -> TaskDetail:
            full_hash = self._resolve_one(session, Task.hash, task_hash, "task")
            namespace, name, source = session.execute(
                select(Task.namespace, Task.name, Task.source).where(Task.hash == full_hash)
            ).one()
            version_rows = session.execute(
                select(Task.hash, Task.namespace, Task.name)
                .where(Task.namespace == namespace, Task.name == name)
                .order_by(Task.hash)
                .limit(SUBVALUE_LIMIT)
            ).all()
            stats = self._task_stats(session, [row[0] for row in version_rows])
            job_count = stats.get(full_hash, (0, None))[0]
            if job_count > RECENT_SCAN_THRESHOLD:
                # Many jobs: walk the start-time index newest first and stop after a page
                # (``|| ''`` keeps SQLite from choosing the task_hash index and sorting them all).
                condition = lambda pj: [(pj.job.task_hash + "") == full_hash]  # noqa: E731
            else:
                condition = lambda pj: [pj.job.task_hash == full_hash]  # noqa: E731
            rows = self._job_page(session, condition, False, None, RECENT_JOBS_LIMIT, descending=True)[
                :RECENT_JOBS_LIMIT
            ]
            counts = self._child_counts(session, [row[0] for row in rows])
            recent = tuple(self._job_row(row, counts.get(row[0], 0)) for row in rows)
            last_run = recent[0].start_time if recent else None
            versions = tuple(
                replace(version, last_run=last_run) if version.hash == full_hash else version
                for version in (self._task_row(row, stats) for row in version_rows)
            )
            this = next(version for version in versions if version.hash == full_hash)
            tags = self._tags(session, TagEntity.Task, [full_hash]).get(full_hash, ())
            return TaskDetail(row=this, source=source or "", versions=versions, recent_jobs=recent, tags=tags)

        return self._read(work)

    def files(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[FileRow]:
        """Recorded files by path (``*`` wildcards in search; without one, a substring).

        ``last_used`` of a row is when a task last produced that version (see _last_used).
        """
        limit = _check_limit(limit)
        offset, key = _decode_cursor(cursor, 2)

        def work(session: Session) -> Page[FileRow]:
            value = _VALUE
            query = select(File.path, *_value_columns(value)).select_from(
                File.__table__.join(value.table, value.value_hash == File.value_hash)
            )
            text = search.strip()
            if text:
                pattern = _like_pattern(text) if "*" in text else "%" + _like_pattern(text) + "%"
                query = query.where(File.path.like(pattern, escape="\\"))
            if key is not None:
                query = query.where(_keyset_after((File.path, File.value_hash), key))
            rows = session.execute(query.order_by(File.path, File.value_hash).limit(limit + 1)).all()
            rows, next_cursor = _page(rows, limit, offset, lambda row: (row[0], row[1]))
            last_used = self._last_used(session, [row[1] for row in rows])
            items = tuple(
                FileRow(path=row[0], value_hash=row[1], preview=_value_ref(row[1:6]).preview, last_used=last_used.get(row[1]))
                for row in rows
            )
            total = None
            if not text:
                total = session.execute(select(func.count()).select_from(File)).scalar_one()
            return Page(items=items, offset=offset, next_cursor=next_cursor, total=total)

        return self._read(work)

    @staticmethod
    def _last_used(session: Session, value_hashes: list[str]) -> dict[str, datetime | None]:
        """When a task last produced each value: the newest timestamp of a call node whose
        result it is (one grouped query on the call_node.value_hash index).

        None for values no task returned (inputs such as a reference genome). The newest job
        that *used* a value would be the better answer, but for a value passed to 200,000 jobs
        it reads every one of their rows (3 s at a million jobs): the screens list the newest
        users through Store._job_uses instead.
        """
        if not value_hashes:
            return {}
        rows = session.execute(
            select(CallNode.value_hash, func.max(CallNode.timestamp))
            .where(CallNode.value_hash.in_(value_hashes))
            .group_by(CallNode.value_hash)
        ).all()
        result: dict[str, datetime | None] = {}
        for value_hash, last in rows:
            if isinstance(last, str):  # max() loses the column type on SQLite
                last = datetime.fromisoformat(last)
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=timezone.utc)
            result[value_hash] = last
        return result

    def _file_path(self, session: Session, path_or_hash: str) -> str:
        """The recorded path named by a path, or by the value hash (prefix) of one of its versions."""
        text = path_or_hash.strip()
        if not text:
            raise NotFound("no file path given")
        found = session.execute(select(File.path).where(File.path == text).limit(1)).scalar()
        if found is not None:
            return found
        try:
            full_hash = self._resolve_one(session, File.value_hash, text, "file")
        except NotFound:
            raise NotFound(f"no file recorded with path or hash '{text}'") from None
        return session.execute(select(File.path).where(File.value_hash == full_hash)).scalar_one()

    def file(self, path_or_hash: str) -> FileDetail:
        """Every version of a file path, who produced and read it.

        Producers are jobs whose result is a version or contains one (a list of Files, say);
        readers likewise for arguments.
        """

        def work(session: Session) -> FileDetail:
            path = self._file_path(session, path_or_hash)
            value = _VALUE
            rows = session.execute(
                select(File.path, *_value_columns(value))
                .select_from(File.__table__.join(value.table, value.value_hash == File.value_hash))
                .where(File.path == path)
                .order_by(File.value_hash)
            ).all()
            hashes = [row[1] for row in rows]
            last_used = self._last_used(session, hashes)
            versions = tuple(
                sorted(
                    (
                        FileRow(path=row[0], value_hash=row[1], preview=_value_ref(row[1:6]).preview, last_used=last_used.get(row[1]))
                        for row in rows
                    ),
                    key=lambda version: (version.last_used is None, -(version.last_used.timestamp()) if version.last_used else 0, version.value_hash),
                )
            )
            containing = select(File.value_hash).where(File.path == path)
            with_parents = union_all(
                containing,
                select(Subvalue.parent_value_hash).where(Subvalue.value_hash.in_(containing)),
            )
            produced_by = self._job_uses(session, CallNode.call_hash, CallNode.value_hash, with_parents)
            consumed_by = self._job_uses(session, Argument.call_hash, Argument.value_hash, with_parents)
            return FileDetail(path=path, versions=versions, produced_by=produced_by, consumed_by=consumed_by)

        return self._read(work)

    # -- search, routes, refresh --

    def search(self, text: str, cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[RecordRow]:
        """Records of any type matching search-bar text (raises redun_tui.search.SearchSyntaxError).

        Records come type by type as ``redun log`` lists them (executions and jobs newest first,
        then call nodes newest first, tasks by name, values by hash); each type is paged with a
        keyset on its own order, so a page costs two statements per type it touches, plus the
        prefix look-ups of the search text.
        """
        limit = _check_limit(limit)
        offset, type_index, key = _decode_search_cursor(cursor)
        parsed = parse_search(text)
        if isinstance(parsed, SearchSyntaxError):
            raise parsed

        def work(session: Session) -> Page[RecordRow]:
            query = apply_search(CallGraphQuery(session), parsed, session).build()
            wanted = set(query.record_types)
            subqueries = dict(query.subqueries)
            items: list[RecordRow] = []
            next_cursor = None
            index, resume = type_index, key
            while index < len(_SEARCH_ORDER) and next_cursor is None:
                type_name = _SEARCH_ORDER[index]
                if type_name in wanted:
                    room = limit - len(items)
                    keys = _search_page(session, subqueries[type_name], type_name, resume, room + 1)
                    if len(keys) > room:
                        keys = keys[:room]
                        next_cursor = _encode_cursor(offset + limit, [index, *keys[-1][1:]])
                    items.extend(_search_rows(session, type_name, [row[0] for row in keys]))
                    if len(items) >= limit and next_cursor is None and index + 1 < len(_SEARCH_ORDER):
                        # Exactly full: the next page starts at the next type.
                        remaining = [name for name in _SEARCH_ORDER[index + 1 :] if name in wanted]
                        if remaining:
                            next_cursor = _encode_cursor(offset + limit, [index + 1])
                        break
                index, resume = index + 1, None
            return Page(items=tuple(items), offset=offset, next_cursor=next_cursor)

        return self._read(work)

    def resolve(self, route: str) -> Resolution:
        """Expands id prefixes in a route to the canonical route, or says why it cannot."""
        text = (route or "").strip().strip("/")
        if not text:
            return Resolution(route="executions")
        kind, _, rest = text.partition("/")
        if kind not in ROUTE_KINDS:
            return Resolution(route=None, error=f"unknown route '{route}' (expected one of: {', '.join(ROUTE_KINDS)})")
        rest = rest.strip()
        if not rest:
            if kind in ("executions", "tasks", "files"):
                return Resolution(route=kind)
            return Resolution(route=None, error=f"route '{kind}/' needs an id or hash")
        columns = {
            "executions": (Execution.id, "execution"),
            "jobs": (Job.id, "job"),
            "values": (Value.value_hash, "value"),
            "dataflow": (Value.value_hash, "value"),
            "tasks": (Task.hash, "task"),
        }

        def work(session: Session) -> Resolution:
            try:
                if kind == "files":
                    return Resolution(route=f"files/{self._file_path(session, rest)}")
                column, label = columns[kind]
                return Resolution(route=f"{kind}/{self._resolve_one(session, column, rest, label)}")
            except Ambiguous as error:
                return Resolution(
                    route=None,
                    candidates=tuple(f"{kind}/{candidate}" for candidate in error.candidates),
                    error=str(error),
                )
            except NotFound as error:
                return Resolution(route=None, error=str(error))

        return self._read(work)

    def heartbeat(self, execution_id: str | None = None) -> Heartbeat:
        """A cheap token that changes when redun writes (jobs ending, heartbeats).

        One statement of index-backed aggregates. Globally: the newest execution heartbeat
        (``updated_time``), the number of jobs without an end time, and the newest job start
        and end times (each one index seek). For an execution: its heartbeat, its jobs without
        an end time and its number of jobs (an index-only count), and the newest end time.
        """

        def work(session: Session) -> Heartbeat:
            if execution_id:
                updated = select(Execution.updated_time).where(Execution.id == execution_id).scalar_subquery()
                # ``|| ''`` keeps SQLite on the end_time index (the few unfinished jobs of
                # the whole database) instead of reading every job row of the execution.
                running = select(func.count()).select_from(Job).where(
                    Job.end_time.is_(None), (Job.execution_id + "") == execution_id
                )
                jobs = select(func.count()).select_from(Job).where(Job.execution_id == execution_id).scalar_subquery()
            else:
                updated = select(func.max(Execution.updated_time)).scalar_subquery()
                running = select(func.count()).select_from(Job).where(Job.end_time.is_(None))
                jobs = select(func.max(Job.start_time)).scalar_subquery()
            last_end = select(func.max(Job.end_time)).scalar_subquery()
            row = session.execute(
                select(updated, running.scalar_subquery(), jobs, last_end)
            ).one()
            token = tuple(str(item) if isinstance(item, datetime) else item for item in row)
            return Heartbeat(token=token, running=bool(row[1]))

        return self._read(work)


# -- optional modules written alongside -------------------------------------------------------


# -- search ---------------------------------------------------------------------------------

_SEARCH_ORDER = ("Execution", "Job", "CallNode", "Task", "Value")
_SEARCH_ROOT = aliased(Job, name="search_root_job")


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


def _decode_search_cursor(cursor: str | None) -> tuple[int, int, tuple | None]:
    """(offset, index of the record type, key within that type or None) from a search cursor."""
    if not cursor:
        return 0, 0, None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        offset, type_index = int(parts[0]), int(parts[1])
        key = tuple(datetime.fromisoformat(item["t"]) if isinstance(item, dict) else item for item in parts[2:])
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error, json.JSONDecodeError):
        raise StoreError("invalid page cursor") from None
    if not 0 <= type_index < len(_SEARCH_ORDER):
        raise StoreError("invalid page cursor")
    if key and len(key) != len(_search_order(_SEARCH_ORDER[type_index])[0]):
        raise StoreError("invalid page cursor")
    return offset, type_index, key or None


# Newest-first searches first look for matches among this many of the newest rows (walking the
# start-time index and testing each row against the search): a common match fills a page after a
# few hundred rows. Only when that window holds less than a page does the search sort all its
# matches (then few, or the window would have filled).
PROBE_ROWS = 5_000
_PROBE_JOB = _Alias(Job, "probe_job")


def _probe_newest(session: Session, drive: Any, match: Any, size: int) -> list[tuple] | None:
    """``(id, start_time)`` of the first ``size`` driving rows that ``match`` accepts, or None.

    Args:
        drive: a SELECT of ``id`` and ``start_time`` (and whatever ``match`` reads), newest first.
        match: given the window subquery, an EXISTS condition, or an ORM Query (a CallGraphQuery
            subquery) filtered to the window's row.
    None means the window of PROBE_ROWS rows held fewer than ``size`` matches: the caller sorts
    the full match set instead.
    """
    window = drive.limit(PROBE_ROWS).subquery("probe_window")
    condition = match(window)
    if hasattr(condition, "exists") and not hasattr(condition, "self_group"):  # an ORM Query
        condition = condition.exists()
    probe = select(window.c.id, window.c.start_time).where(condition).limit(size)
    if session.get_bind().dialect.name != "sqlite":
        probe = probe.order_by(window.c.start_time.desc(), window.c.id.desc())
    # On SQLite the window is a co-routine yielding rows in its ORDER BY order and the outer
    # query keeps that order, so it stops at the size-th match; an outer ORDER BY would make it
    # test all PROBE_ROWS rows first. The sort below only restates that order.
    rows = sorted((tuple(row) for row in session.execute(probe).all()), key=_newest_first)
    return rows if len(rows) >= size else None


def _newest_first(row: tuple) -> tuple:
    start, record_id = row[1], row[0]
    return (-(start.timestamp()) if start is not None else float("inf"), _Descending(record_id))


class _Descending:
    """Sorts strings in reverse (for ``id DESC`` ties inside a Python sort key)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __lt__(self, other: _Descending) -> bool:
        return self.text > other.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.text == other.text


def _search_page(session: Session, query: Any, type_name: str, key: tuple | None, size: int) -> list[tuple]:
    """``(pk, *sort key)`` of the next ``size`` records of one type of a built CallGraphQuery.

    Jobs and executions (newest first) are probed along the start-time index first (see
    PROBE_ROWS). Otherwise the ordering, keyset and limit go on the query itself
    (SELECT DISTINCT … ORDER BY … LIMIT).
    """
    if type_name == "Job":
        probe = _PROBE_JOB
        drive = select(probe.id.label("id"), probe.start_time.label("start_time"))
        if key is not None:
            drive = drive.where(_keyset_after((probe.start_time, probe.id), key, descending=True))
        drive = drive.order_by(probe.start_time.desc(), probe.id.desc())
        found = _probe_newest(session, drive, lambda window: query.filter(Job.id == window.c.id), size)
        if found is not None:
            return [(job_id, start, job_id) for job_id, start in found]
    elif type_name == "Execution":
        drive = _newest_executions(key)
        found = _probe_newest(session, drive, lambda window: query.filter(Execution.id == window.c.id), size)
        if found is not None:
            return [(execution_id, start, execution_id) for execution_id, start in found]
    columns, descending = _search_order(type_name)
    if type_name == "Execution":
        query = query.join(_SEARCH_ROOT, Execution.job_id == _SEARCH_ROOT.id)
    pk = {"Execution": Execution.id, "Job": Job.id, "CallNode": CallNode.call_hash, "Task": Task.hash, "Value": Value.value_hash}[type_name]
    query = query.with_entities(pk, *[column for column in columns if column is not pk])
    if key is not None:
        query = query.filter(_keyset_after(columns, key, descending))
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
        query, _ = Store._execution_select()
        for row in session.execute(query.where(Execution.id.in_(ids))).all():
            found[row[0]] = RecordRow(
                type="Execution", id=row[0], status=row[5], task_name=_cut(_fullname(row[6], row[7]), TASK_NAME_LIMIT),
                time=row[3], route=f"executions/{row[0]}",
            )
    elif type_name == "Job":
        jj = _MAIN
        for row in session.execute(jj.select_rows().where(jj.job.id.in_(ids))).all():
            job = Store._job_row(row)
            found[job.id] = RecordRow(
                type="Job", id=job.id, status=job.status, task_name=job.task_name, time=job.start_time, route=f"jobs/{job.id}"
            )
    elif type_name == "CallNode":
        rows = session.execute(
            select(CallNode.call_hash, Task.namespace, Task.name, CallNode.timestamp, CallNode.value_hash)
            .select_from(CallNode.__table__.outerjoin(Task, Task.hash == CallNode.task_hash))
            .where(CallNode.call_hash.in_(ids))
        ).all()
        latest = _latest_jobs(session, {row[0] for row in rows})
        for call_hash, namespace, name, timestamp, value_hash in rows:
            job_id = latest.get(call_hash)
            found[call_hash] = RecordRow(
                type="CallNode", id=call_hash, status="", task_name=_cut(_fullname(namespace, name), TASK_NAME_LIMIT),
                time=timestamp, route=f"jobs/{job_id}" if job_id else f"values/{value_hash}",
            )
    elif type_name == "Task":
        for task_hash, namespace, name in session.execute(
            select(Task.hash, Task.namespace, Task.name).where(Task.hash.in_(ids))
        ).all():
            found[task_hash] = RecordRow(
                type="Task", id=task_hash, status="", task_name=_cut(_fullname(namespace, name), TASK_NAME_LIMIT),
                time=None, route=f"tasks/{task_hash}",
            )
    else:
        for value_hash, type_text in session.execute(
            select(Value.value_hash, Value.type).where(Value.value_hash.in_(ids))
        ).all():
            found[value_hash] = RecordRow(
                type="Value", id=value_hash, status="", task_name=_cut(type_text or "", TASK_NAME_LIMIT),
                time=None, route=f"values/{value_hash}",
            )
    return [found[record_id] for record_id in ids if record_id in found]


_PROBE_ROOT = _Alias(Job, "probe_root")


def _newest_executions(key: tuple | None) -> Any:
    """SELECT of execution ``id`` and root ``start_time``, newest first, after ``key``."""
    root = _PROBE_ROOT
    drive = select(Execution.id.label("id"), root.start_time.label("start_time")).select_from(
        _DrivingJoin(root.table, Execution.__table__, Execution.job_id == root.id)
    )
    if key is not None:
        drive = drive.where(_keyset_after((root.start_time, Execution.id), key, descending=True))
    return drive.order_by(root.start_time.desc(), Execution.id.desc())


def _searched_executions(session: Session, text: str, key: tuple | None, size: int) -> list[tuple]:
    """``(id, start_time)`` of the next ``size`` executions search text selects, newest first.

    Executions the text matches; or, when it asks for jobs and not executions, the executions
    of the matching jobs; otherwise none. Probed along the newest executions first, then, if
    that window holds less than a page, by sorting every match.

    Raises:
        SearchSyntaxError: the text does not parse.
    """
    parsed = parse_search(text)
    if isinstance(parsed, SearchSyntaxError):
        raise parsed
    query = apply_search(CallGraphQuery(session), parsed, session).build()
    wanted = set(query.record_types)
    subqueries = dict(query.subqueries)
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
    found = _probe_newest(session, _newest_executions(key), match, size)
    if found is not None:
        return found
    root = _PROBE_ROOT
    page = (
        select(Execution.id, root.start_time)
        .select_from(Execution.__table__.join(root.table, Execution.job_id == root.id))
        .where(Execution.id.in_(ids))
    )
    if key is not None:
        page = page.where(_keyset_after((root.start_time, Execution.id), key, descending=True))
    rows = session.execute(page.order_by(root.start_time.desc(), Execution.id.desc()).limit(size)).all()
    return [tuple(row) for row in rows]


def _build_dataflow(
    session: Session, dataflow: Any, ref: ValueRef, value_hash: str, with_lines: bool, with_json: bool
) -> DataflowView:
    """Walks a value's upstream dataflow inside ``session`` and lays it out as linkable lines.

    Each piece of a line that shows a node links to it: a value to ``values/<hash>``, a call
    (a CallNode, or the call an argument belongs to) to the most recent job of that call.
    A walk that fails on odd data gives a view with ``error`` set instead of raising;
    database errors still propagate.
    """
    value = session.get(Value, value_hash)
    try:
        edges = list(dataflow.walk_dataflow(_SessionBackend(session), value))
        dom = list(dataflow.make_dataflow_dom(edges))
        segment_lines = [list(line) for line in dataflow.iter_dataflow_segments(dom)] if with_lines else []
        json_text = ""
        if with_json:
            json_text = json.dumps(list(dataflow.serialize_dataflow(dom)), indent=2, ensure_ascii=False)
    except SQLAlchemyError:
        raise
    except Exception as error:  # a graph redun itself cannot lay out must not break the screen
        return DataflowView(value=ref, lines=(), error=f"cannot lay out this dataflow: {type(error).__name__}: {error}")

    call_hashes: dict[int, str] = {}
    for line in segment_lines:
        for _text, node in line:
            if node is not None and not isinstance(node, Value) and id(node) not in call_hashes:
                call_node = dataflow.get_dataflow_call_node(node)
                if call_node is not None:
                    call_hashes[id(node)] = call_node.call_hash
    latest = _latest_jobs(session, set(call_hashes.values()))

    def route(node: Any) -> str | None:
        if node is None:
            return None
        if isinstance(node, Value):
            return f"values/{node.value_hash}"
        job_id = latest.get(call_hashes.get(id(node), ""))
        return f"jobs/{job_id}" if job_id else None

    lines = tuple(
        DataflowLine(segments=tuple(Segment(text=text, route=route(node)) for text, node in line))
        for line in segment_lines
    )
    if with_lines:
        # The text starts as `redun log` and `redun-tui dataflow` start it: `value = <repr>`.
        header = Segment(text="value = " + _values.value_repr(value.preview, None), route=None)
        lines = (DataflowLine(segments=(header,)), DataflowLine(segments=()), *lines)
    return DataflowView(value=ref, lines=lines, json_text=json_text)


class _SessionBackend:
    """The one thing walk_dataflow reads from a backend: a session (this call's own)."""

    def __init__(self, session: Session) -> None:
        self.session = session


def _latest_jobs(session: Session, call_hashes: set[str]) -> dict[str, str]:
    """The most recent job of each call hash (one windowed query)."""
    if not call_hashes:
        return {}
    rank = func.row_number().over(partition_by=Job.call_hash, order_by=(Job.start_time.desc(), Job.id))
    ranked = (
        select(Job.call_hash, Job.id, rank.label("rank")).where(Job.call_hash.in_(sorted(call_hashes))).subquery()
    )
    return dict(session.execute(select(ranked.c.call_hash, ranked.c.id).where(ranked.c.rank == 1)).all())
