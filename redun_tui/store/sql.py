"""SQL building blocks shared by the domain modules: joins, aliases, look-ups.

Why Core selects and not ORM objects: a list row needs a few columns, and a job's status needs
the type of its call node's result. Loading ``Job`` objects and walking ``job.call_node.value``
costs two extra queries per row (redun's console does that). Here a page's statuses are a
``CASE`` over two outer joins of its own rows (:mod:`redun_tui.db.status`), and counts and
filters over many jobs test ``job.call_hash`` against the small set of failed calls, so a page
of jobs, or the status counts of 100,000 jobs, is one statement. Plans were checked with
``EXPLAIN QUERY PLAN`` on generated databases of up to 1,000,000 jobs; where SQLite's planner
needs help (no ANALYZE statistics in redun databases) the code says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Join

from redun_tui.db.models import CallNode, Execution, File, Job, Tag, TagEntity, Task, Value
from redun_tui.db.status import execution_status_sql, job_status_sql
from redun_tui.store.errors import Ambiguous, NotFound
from redun_tui.store.previews import MAX_VALUE_SIZE_PREVIEW
from redun_tui.store.rows import tag_views_of
from redun_tui.views import TagView

CANDIDATES_LIMIT = 10  # ids listed for an ambiguous prefix


class DrivingJoin(Join):
    """An inner join whose left side SQLite must scan first (``CROSS JOIN`` there).

    Newest-first lists of executions walk ``job`` by its start-time index and look each
    execution up by its root job: 25 ms for a page at a million jobs. Left to itself, SQLite's
    planner scans every execution and sorts them instead (1.8 s). Other databases plan it
    themselves: there it is a plain JOIN.
    """
    inherit_cache = True


@compiles(DrivingJoin)
def _compile_join(join: DrivingJoin, compiler: Any, **kwargs: Any) -> str:
    return compiler.visit_join(join, **kwargs)


@compiles(DrivingJoin, "sqlite")
def _compile_cross_join(join: DrivingJoin, compiler: Any, **kwargs: Any) -> str:
    kwargs.pop("asfrom", None)
    return (
        join.left._compiler_dispatch(compiler, asfrom=True, **kwargs)
        + " CROSS JOIN "
        + join.right._compiler_dispatch(compiler, asfrom=True, **kwargs)
        + " ON "
        + join.onclause._compiler_dispatch(compiler, **kwargs)
    )


class Alias:
    """A named alias of a model's table; ``alias.id`` is its column.

    Built once at import: aliases made per call cost SQLAlchemy column adaptation on every
    query (a third of a value screen's time), and fixed names keep the statement cache warm.
    """
    def __init__(self, model: Any, name: str) -> None:
        self.table = model.__table__.alias(name)

    def __getattr__(self, key: str) -> Any:
        return self.table.c[key]


class JobJoin:
    """``job`` outer-joined to its call node, result value and task, with the status column.

    Each instance has its own alias names, so one statement can hold two (a CTE and the outer
    query) without their joins getting mixed up.
    """
    def __init__(self, prefix: str) -> None:
        self.job = Alias(Job, f"{prefix}_job")
        self.node = Alias(CallNode, f"{prefix}_node")
        self.value = Alias(Value, f"{prefix}_result")
        self.task = Alias(Task, f"{prefix}_task")
        self.status = job_status_sql(self.value.type, self.job)

    def joined(self, base: Any = None) -> Any:
        """The FROM clause: job -> call node -> value, job -> task (outer joins), after ``base``."""
        start = self.job.table if base is None else base
        return (
            start.outerjoin(self.node.table, self.job.call_hash == self.node.call_hash)
            .outerjoin(self.value.table, self.node.value_hash == self.value.value_hash)
            .outerjoin(self.task.table, self.job.task_hash == self.task.hash)
        )

    def row_columns(self) -> tuple:
        """The columns jobs.make_job_row() reads, in its order."""
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


class TaskLookup(Alias):
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


TASK_LOOKUP = TaskLookup(Task, "lookup_task")
MAIN = JobJoin("j")
PAGE = JobJoin("p")
MATCH = JobJoin("m")
UP = Alias(Job, "up_job")
CHILD = Alias(Job, "child_job")
PRODUCER = Alias(Job, "producer_job")
VALUE = Alias(Value, "v")
PROBE_JOB = Alias(Job, "probe_job")
PROBE_ROOT = Alias(Job, "probe_root")


def execution_status_case(jj: JobJoin) -> Any:
    """An execution's status from its root job (``jj``, outer-joined): no root job is FAILED,
    CACHED counts as DONE (:func:`redun_tui.db.status.execution_status_sql`)."""
    return execution_status_sql(jj.job.id, jj.value.type, jj.job)


def value_columns(value: Any, max_bytes: int = MAX_VALUE_SIZE_PREVIEW) -> tuple:
    """Columns for a ValueRef: hash, type, format, size, and the bytes only when at most
    ``max_bytes`` (redun's preview limit; list rows ask for less)."""
    size = func.length(value.value)
    return (
        value.value_hash,
        value.type,
        value.format,
        size.label("size"),
        case((size <= max_bytes, value.value), else_=None).label("data"),
    )


def prefix_condition(session: Session, column: Any, prefix: str) -> Any:
    """``column`` starts with ``prefix``, in a form the dialect answers from an index.

    SQLite's LIKE is case-insensitive, so it never uses an ordinary index: a range
    (``prefix <= col < prefix + U+10FFFF``) does. PostgreSQL's ``*_vpo`` indexes
    (varchar_pattern_ops) serve ``LIKE 'prefix%'``.
    """
    if session.get_bind().dialect.name == "sqlite":
        return and_(column >= prefix, column < prefix + "\U0010ffff")
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


def like_pattern(text: str) -> str:
    """A LIKE pattern from user text: ``*`` is the wildcard, ``%``/``_`` match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def resolve_one(session: Session, column: Any, text: str, kind: str, extra: Any = None) -> str:
    """The one full id in ``column`` that equals or starts with ``text``.

    Raises:
        NotFound: nothing matches.
        Ambiguous: several ids start with ``text`` (none equals it).
    """
    text = text.strip()
    if not text:
        raise NotFound(f"no {kind} id given")
    query = select(column).where(prefix_condition(session, column, text))
    if extra is not None:
        query = query.where(extra)
    found = list(session.execute(query.order_by(column).limit(CANDIDATES_LIMIT + 1)).scalars())
    if not found and text != text.lower():
        return resolve_one(session, column, text.lower(), kind, extra)
    if not found:
        raise NotFound(f"no {kind} matches '{text}'")
    if text in found:
        return text
    if len(found) > 1:
        shown = tuple(found[:CANDIDATES_LIMIT])
        more = " or more" if len(found) > CANDIDATES_LIMIT else ""
        raise Ambiguous(f"'{text}' matches {len(shown)}{more} {kind}s", shown)
    return found[0]


_RECENT = re.compile(r"^(-|~\d+)$")


def resolve_execution(session: Session, text: str) -> str:
    """The full id of an execution: an id or unique prefix, ``-`` (the latest) or ``~N`` (the
    N-th latest), read as redun's ``infer_id`` reads them. The one reading of an execution
    reference, for every command and route that takes one.

    Raises:
        NotFound, Ambiguous: no execution or several match.
    """
    from redun_tui.db.query import infer_specialty_id

    text = (text or "").strip()
    if _RECENT.match(text):
        try:
            execution = infer_specialty_id(session, text, include_files=False)
        except ValueError as error:
            raise NotFound(f"no execution {text}: {error}") from None
        if execution is None:
            raise NotFound("the database has no executions")
        return execution.id
    return resolve_one(session, Execution.id, text, "execution")


def tag_select(entity_type: TagEntity, ids: list[str]) -> Any:
    """The current tags of these entities: ``(entity_id, key, value)`` (the launch path runs
    its SQL text for executions: :data:`redun_tui.store.first_page.TAGS_SQL`)."""
    return select(Tag.entity_id, Tag.key, Tag.value).where(
        Tag.entity_id.in_(ids), Tag.entity_type == entity_type, Tag.is_current == true()
    )


def tag_views(session: Session, entity_type: TagEntity, ids: Iterable[str]) -> dict[str, tuple[TagView, ...]]:
    """Current tags per entity id, sorted by key and value (one query)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    rows = session.execute(tag_select(entity_type, ids)).all()
    return tag_views_of(rows)


def child_counts(session: Session, parent_ids: list[str]) -> dict[str, int]:
    """Number of child jobs of each id (one grouped count over these ids only)."""
    if not parent_ids:
        return {}
    rows = session.execute(
        select(Job.parent_id, func.count()).where(Job.parent_id.in_(parent_ids)).group_by(Job.parent_id)
    ).all()
    return {parent_id: count for parent_id, count in rows}


def file_path(session: Session, path_or_hash: str) -> str:
    """The recorded path named by a path, or by the value hash (prefix) of one of its versions."""
    text = path_or_hash.strip()
    if not text:
        raise NotFound("no file path given")
    found = session.execute(select(File.path).where(File.path == text).limit(1)).scalar()
    if found is not None:
        return found
    try:
        full_hash = resolve_one(session, File.value_hash, text, "file")
    except NotFound:
        raise NotFound(f"no file recorded with path or hash '{text}'") from None
    return session.execute(select(File.path).where(File.value_hash == full_hash)).scalar_one()
