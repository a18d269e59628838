"""Querying the call graph across record types: CallGraphQuery, infer_id, find_file.

A :class:`CallGraphQuery` holds one SQLAlchemy query per record type (Execution, Job, CallNode,
Task, Value) plus the joins and filters still to apply. Filter methods return new queries (the
object is immutable in use); :meth:`CallGraphQuery.build` applies everything, and ``all``,
``count``, ``page``, ``limit`` … run the SQL. Every filter is SQL on indexed columns: nothing
loads rows to filter them in Python, and ``page``/``limit``/``first`` fetch only what they return.

Results and their order are those of redun 0.44.1's ``redun.backends.db.query`` (records of the
types in order Execution, Job, CallNode, Task, Value; executions and jobs newest first when
ordered by ``'time'``; other types in database order), with these deliberate differences:

- ``limit(n)`` yields the first ``n`` records of the *filtered* query (redun's drops every filter).
- ``page(i, n)`` yields exactly ``all()[i*n:(i+1)*n]`` without duplicates and only records (redun's
  can repeat a record that several joined rows match, and yields ``(Execution, time)`` tuples when
  ordered by time); it counts a record type only when the page starts after it.
- ``one_or_none()`` returns None when several records match, as documented (redun raises).
- Job status filters follow exactly the rule of :mod:`redun_tui.db.status`
  (FAILED if the result is an ErrorValue, else RUNNING without an end time, else CACHED/DONE).
  redun's own terms differ only for rows redun does not write (a cached failure, a finished job
  without a call node); on every fixture the results are the same.
- Status names are accepted in any case (``failed``); unknown ones raise
  :class:`UnknownStatusError` (a ValueError and, as in redun, a NotImplementedError).
- ``like_id`` narrows Tasks like the other types (redun restarts from the unfiltered Tasks).
- ``find_file`` tolerates jobs without an end time (redun compares None and raises).
- A job status filter whose query also returns Executions (``filter_types`` after it, as in
  ``redun log --job-status FAILED --exec``) keeps the Executions whose root job has that status
  (redun's SQL names a table it never joined and fails); next to an execution status filter,
  Executions follow that filter alone, as in redun.

The status rule in SQL (:func:`job_status_case`, :func:`job_status_term`) comes from
:mod:`redun_tui.db.status` (re-exported here for callers of this module).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from functools import reduce
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Query, Session, aliased
from sqlalchemy.sql.expression import cast as sa_cast

from redun_tui.db.models import (
    JSON,
    Argument,
    Base,
    CallNode,
    Execution,
    File,
    Job,
    Subvalue,
    Tag,
    TagEntity,
    Task,
    Value,
)
from redun_tui.db.status import (  # noqa: F401 - job_status_case and the status names are re-exported
    CORRELATED_STATUS,
    ERROR_VALUE_TYPE,
    EXECUTION_STATUSES,
    JOB_STATUSES,
    UnknownStatusError,
    failed_call_hashes,
    job_status_case,
    job_status_term,
)

# Kept under redun's name too: callers of the seed API import it.
REDUN_ERROR_TYPE_NAME = ERROR_VALUE_TYPE


class _AnyValue:
    """Sentinel tag value: a ``key`` given without ``=value`` matches every value."""

    _instance: _AnyValue | None = None

    def __new__(cls) -> _AnyValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ANY_VALUE"


ANY_VALUE: Any = _AnyValue()


def parse_tag_value(text: str) -> Any:
    """Reads a tag value typed on a command line, as redun does.

    Empty text is None; text starting with ``[``, ``{`` or ``"`` is JSON; then an int, a float,
    ``true``/``false``/``null``; anything else is the string itself.

    Raises:
        ValueError: JSON-looking text that is not valid JSON.
    """
    if not text:
        return None
    if text[0] in '[{"':
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"Invalid tag value: {error}") from None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    literals = {"true": True, "false": False, "null": None}
    return literals.get(text, text)


def parse_tag_key_value(key_value: str, value_required: bool = True) -> tuple[str, Any]:
    """Splits ``key=value`` into ``(key, parsed value)``; ``key`` alone gives ANY_VALUE.

    Raises:
        ValueError: no key, or no ``=`` when ``value_required``, or a bad JSON value.
    """
    if not key_value:
        raise ValueError("key must be specified.")
    if "=" not in key_value:
        if value_required:
            raise ValueError(f"key=value pair expected: '{key_value}'")
        return key_value, ANY_VALUE
    key, value = key_value.split("=", 1)
    if not key:
        raise ValueError(f"key must be specified: '{key_value}'")
    return key, parse_tag_value(value)


# -- id prefixes --------------------------------------------------------------------------------


def prefix_range(prefix: str) -> tuple[str, str]:
    """``(low, high)`` with ``low <= s < high`` exactly when ``s`` starts with ``prefix``.

    A range on an indexed column is an index seek on SQLite, where ``LIKE 'x%'`` is a full scan
    (SQLite's LIKE ignores case, so it cannot use a BINARY index). Code points compare as SQLite
    compares UTF-8 text.
    """
    if not prefix:
        return "", "\U0010ffff"
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix, prefix + "\U0010ffff"
    following = last + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored: skip them
        following = 0xE000
    return prefix, prefix[:-1] + chr(following)


def id_prefix_term(column: Any, prefix: str, dialect: str = "sqlite") -> Any:
    """A WHERE term for ``column`` starting with ``prefix`` that uses the column's index."""
    if dialect == "postgresql":
        # varchar_pattern_ops indexes serve LIKE 'x%'; ranges would follow the locale's order.
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%", escape="\\")
    low, high = prefix_range(prefix)
    return sa.and_(column >= low, column < high)


# -- argparse front end (the flags of `redun log`) ------------------------------------------------


def setup_query_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Adds the record-query flags of ``redun log`` to ``parser`` and returns it."""
    add = parser.add_argument
    add("--all", action="store_true", help="Show every record type (Execution, Job, Task, CallNode, Value).")
    add("--exec", action="store_true", help="Show executions.")
    add("--job", action="store_true", help="Show jobs.")
    add("--call-node", action="store_true", help="Show call nodes.")
    add("--task", action="store_true", help="Show tasks.")
    add("--value", action="store_true", help="Show values.")
    add("--file", action="store_true", help="Show files.")
    add("--exec-status", help="Executions with these statuses (comma separated: RUNNING,FAILED,DONE).")
    add("--job-status", help="Jobs with these statuses (comma separated: RUNNING,FAILED,CACHED,DONE).")
    add("--task-name", action="append", help="Tasks and jobs of this task name (namespace.name or name).")
    add("--task-hash", action="append", help="Tasks and jobs of this task hash.")
    add("--value-type", action="append", help="Values of this type (e.g. redun.File).")
    add("--file-path", action="append", help="Files whose path matches (* is a wildcard).")
    add("--exec-id", help="Records of these executions (comma separated ids).")
    add("--result", action="append", help="Jobs whose result is (or contains) this value hash.")
    add("--arg", action="append", help="Jobs with an argument that is (or contains) this value hash.")
    add("-t", "--tag", action="append", help="Records with this tag (key=value, or key for any value).")
    add("--exec-tag", action="append", help="Records of executions with this tag (key=value or key).")
    return parser


def parse_callgraph_query(query: CallGraphQuery, args: argparse.Namespace) -> CallGraphQuery:
    """Applies the flags parsed by :func:`setup_query_parser` to ``query``.

    Raises:
        ValueError: a malformed tag or an unknown status.
    """
    types: set[str] = set()
    if args.exec_status:
        types.add("Execution")
        query = query.filter_execution_statuses(args.exec_status.split(","))
    if args.job_status:
        types.add("Job")
        query = query.filter_job_statuses(args.job_status.split(","))
    if args.value_type:
        types.add("Value")
        query = query.filter_value_types(args.value_type)
    if args.file_path:
        types.add("Value")
        query = query.filter_file_paths(args.file_path)

    if args.all:
        types.update(CallGraphQuery.MODEL_NAMES)
    for flag, name in (("exec", "Execution"), ("job", "Job"), ("call_node", "CallNode"), ("task", "Task"), ("value", "Value")):
        if getattr(args, flag):
            types.add(name)
    if args.file:
        # --file means "Values that are Files" and nothing else, whatever came before.
        types = {"Value"}
        query = query.filter_value_types(["redun.File"])
    if types:
        query = query.filter_types(types)

    if args.exec_id:
        query = query.filter_execution_ids(args.exec_id.split(","))
    if args.task_name:
        query = query.filter_task_names(args.task_name)
    if args.task_hash:
        query = query.filter_task_hashes(args.task_hash)
    if args.result:
        query = query.filter_results(args.result)
    if args.arg:
        query = query.filter_arguments(args.arg)
    if args.tag:
        query = query.filter_tags([parse_tag_key_value(tag, value_required=False) for tag in args.tag])
    if args.exec_tag:
        query = query.filter_execution_tags(
            [parse_tag_key_value(tag, value_required=False) for tag in args.exec_tag]
        )
    return query


# -- the query ---------------------------------------------------------------------------------

_FROM_JOB = re.compile(r"\bFROM job(?=\s|$)")

QueryFilter = Callable[["CallGraphQuery"], "CallGraphQuery"]


class CallGraphQuery:
    """A query over every record type of the call graph at once.

    Args:
        session: the SQLAlchemy session to run in.
        joins: names of joins ``build`` adds (``file``, ``job``, ``value``, ``task``, ``execution``).
        execution_joins: extra joins for the value-to-execution paths (execution tag filters).
        filters: deferred filters, applied in order by ``build`` after the joins.
        order_by: None or ``"time"``.
        filter_types: record type names to return (all five when None).
        executions, jobs, call_nodes, tasks, values: the per-type queries (fresh when None).
        value_subqueries: the value-to-execution join paths, unioned by ``build``.
    """

    MODEL_CLASSES: dict[str, Any] = {
        "Execution": Execution,
        "Job": Job,
        "CallNode": CallNode,
        "Task": Task,
        "Value": Value,
    }
    MODEL_NAMES = list(MODEL_CLASSES)
    MODEL_PKS: dict[Any, str] = {
        Execution: "id",
        Job: "id",
        CallNode: "call_hash",
        Value: "value_hash",
        Task: "hash",
    }
    # Newest-jobs windows tried for time-ordered pages (see _newest_jobs): the first, and the
    # largest a second one may grow to.
    NEWEST_WINDOW = 20_000
    NEWEST_WINDOW_MAX = 200_000
    # Execution tags are joined under their own alias: a query may filter tags of the records
    # themselves and of their executions at once.
    ExecTag = aliased(Tag)

    def __init__(
        self,
        session: Session,
        joins: set[str] | None = None,
        execution_joins: list[Callable[[Query], Query]] | None = None,
        filters: list | None = None,
        order_by: str | None = None,
        filter_types: set | None = None,
        executions: Query | None = None,
        jobs: Query | None = None,
        call_nodes: Query | None = None,
        tasks: Query | None = None,
        values: Query | None = None,
        value_subqueries: list[Query] | None = None,
    ) -> None:
        self._session = session
        self._joins: set[str] = set(joins) if joins else set()
        self._execution_joins: list[Callable[[Query], Query]] = list(execution_joins or [])
        self._filters: list[QueryFilter] = list(filters or [])
        self._order_by = order_by
        self._filter_types: set[str] = set(filter_types) if filter_types is not None else set(self.MODEL_NAMES)
        self._executions = executions if executions is not None else session.query(Execution)
        self._jobs = jobs if jobs is not None else session.query(Job)
        self._call_nodes = call_nodes if call_nodes is not None else session.query(CallNode)
        self._tasks = tasks if tasks is not None else session.query(Task)
        self._values = values if values is not None else session.query(Value)
        self._value_subqueries = value_subqueries

    @property
    def record_types(self) -> frozenset[str]:
        """The record types this query can still return (``Execution``, ``Job``…)."""
        return frozenset(self._filter_types)

    def __repr__(self) -> str:
        return (
            f"CallGraphQuery(types={sorted(self._filter_types)}, joins={sorted(self._joins)}, "
            f"filters={len(self._filters)}, order_by={self._order_by!r})"
        )

    @property
    def subqueries(self) -> list[tuple[str, Query]]:
        """``(type_name, query)`` for each record type, in result order."""
        return [
            ("Execution", self._executions),
            ("Job", self._jobs),
            ("CallNode", self._call_nodes),
            ("Task", self._tasks),
            ("Value", self._values),
        ]

    def clone(self, **kwargs: Any) -> CallGraphQuery:
        """A copy of this query with the given constructor arguments replaced."""
        state: dict[str, Any] = {
            "joins": self._joins,
            "execution_joins": self._execution_joins,
            "filters": self._filters,
            "order_by": self._order_by,
            "filter_types": self._filter_types,
            "executions": self._executions,
            "jobs": self._jobs,
            "call_nodes": self._call_nodes,
            "tasks": self._tasks,
            "values": self._values,
            "value_subqueries": self._value_subqueries,
        }
        state.update(kwargs)
        return CallGraphQuery(self._session, **state)

    def _defer(self, apply: QueryFilter, joins: Iterable[str] = (), **kwargs: Any) -> CallGraphQuery:
        # Filters that need joins run at build time, after the joins exist.
        return self.clone(joins=self._joins | set(joins), filters=[*self._filters, apply], **kwargs)

    # -- filters -------------------------------------------------------------------------------

    def filter_types(self, types: Iterable[str]) -> CallGraphQuery:
        """Only records of these type names (replaces any earlier type restriction)."""
        return self.clone(filter_types=set(types))

    def filter_ids(self, _ids: Iterable[str]) -> CallGraphQuery:
        """Only records whose primary key is one of ``_ids``."""
        ids = list(_ids)

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            return query.clone(
                executions=query._executions.filter(Execution.id.in_(ids)),
                jobs=query._jobs.filter(Job.id.in_(ids)),
                call_nodes=query._call_nodes.filter(CallNode.call_hash.in_(ids)),
                tasks=query._tasks.filter(Task.hash.in_(ids)),
                values=query._values.filter(Value.value_hash.in_(ids)),
            )

        return self._defer(apply)

    def like_id(self, id: str) -> CallGraphQuery:
        """Only records whose id starts with ``id`` (tasks also by exact name)."""
        pattern = id + "%"

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            # One WHERE with OR (redun unions two queries, which later filters cannot reach).
            return query.clone(
                executions=query._executions.filter(Execution.id.like(pattern)),
                jobs=query._jobs.filter(Job.id.like(pattern)),
                call_nodes=query._call_nodes.filter(CallNode.call_hash.like(pattern)),
                tasks=query._tasks.filter(sa.or_(Task.hash.like(pattern), Task.name == id)),
                values=query._values.filter(Value.value_hash.like(pattern)),
            )

        return self._defer(apply)

    def filter_text(self, text: str, ids: bool = True, names: bool = True, paths: bool = True,
                    substrings: bool = True) -> CallGraphQuery:
        """Records matching a search word (redun has no such filter; the search bar uses it).

        A record matches when its id starts with ``text`` (ids are lower case; ``ids``), when its
        task is named ``text`` -- ``name`` or ``namespace.name`` -- (jobs, call nodes, tasks,
        and executions through their root job; ``names``), or when it is a File value whose path
        is ``text``, ``*`` matching anything (``paths``). With ``substrings``, as ``redun
        console --find``: also an execution whose command line contains ``text``, or a record
        with a current tag whose value contains it (case-insensitive). Index seeks and
        IN-subqueries only: the substring subqueries scan the tag table once, not per record.
        """
        dialect = self._session.get_bind().dialect.name
        prefix = text.lower()
        # Aliases: the subqueries must not correlate with tables the main queries join.
        task, file, root = aliased(Task), aliased(File), aliased(Job)
        name_term = task.name == text
        if "." in text:
            namespace, name = text.rsplit(".", 1)
            name_term = sa.or_(name_term, sa.and_(task.namespace == namespace, task.name == name))
        named_tasks = sa.select(task.hash).where(name_term)
        if names:
            # Most words name no task. Asked first (an index seek), so that the per-execution
            # root-job check below is left out for them: with it, an execution search that
            # the newest executions cannot answer looked up 50,000 root jobs (1.1 s at L).
            names = self._session.execute(named_tasks.limit(1)).first() is not None
        if "*" in text:
            path_term = file.path.like(text.replace("*", "%"))
        else:
            path_term = file.path == text

        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        contains = "%" + escaped + "%"
        tag = aliased(Tag)

        def like(column: Any) -> Any:
            # SQLite's LIKE already ignores ASCII case; ILIKE there wraps both sides in lower()
            # (a third slower over 50,000 command lines). PostgreSQL needs ILIKE.
            if dialect == "sqlite":
                return column.like(contains, escape="\\")
            return column.ilike(contains, escape="\\")

        def tagged(pk: Any, entity: TagEntity) -> Any:
            return pk.in_(
                sa.select(tag.entity_id).where(
                    tag.entity_type == entity, tag.is_current.is_(True), like(sa_cast(tag.value, sa.String))
                )
            )

        def term(pk: Any, entity: TagEntity, by_name: Any = None, by_path: Any = None, by_text: Any = None) -> Any:
            parts = []
            if ids:
                parts.append(id_prefix_term(pk, prefix, dialect))
            if names and by_name is not None:
                parts.append(by_name)
            if paths and by_path is not None:
                parts.append(by_path)
            if substrings:
                parts.append(tagged(pk, entity))
                if by_text is not None:
                    parts.append(by_text)
            return sa.or_(*parts) if parts else sa.false()

        execution_term = term(Execution.id, TagEntity.Execution, by_text=like(Execution.args))
        if names:
            # Executions whose root job runs a task of that name. Last in the OR, so that SQLite
            # looks the root job up only for an execution the cheaper terms did not match (a
            # word every command line holds never pays for it). Not as an IN-subquery: SQLite
            # builds that set before the first row, and for a task that starts every run it is
            # 50,000 root jobs (0.05 -> 0.5 s CPU for `main` at L).
            execution_term = sa.or_(
                execution_term,
                sa.exists(sa.select(root.id).where(root.id == Execution.job_id, root.task_hash.in_(named_tasks))),
            )
        job_term = term(Job.id, TagEntity.Job, Job.task_hash.in_(named_tasks))
        call_node_term = term(CallNode.call_hash, TagEntity.CallNode, CallNode.task_hash.in_(named_tasks))
        task_term = term(Task.hash, TagEntity.Task, Task.hash.in_(named_tasks))
        value_term = term(Value.value_hash, TagEntity.Value, None,
                          Value.value_hash.in_(sa.select(file.value_hash).where(path_term)))

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            return query.clone(
                executions=query._executions.filter(execution_term),
                jobs=query._jobs.filter(job_term),
                call_nodes=query._call_nodes.filter(call_node_term),
                tasks=query._tasks.filter(task_term),
                values=query._values.filter(value_term),
            )

        return self._defer(apply)

    def filter_execution_ids(self, execution_ids: Iterable[str]) -> CallGraphQuery:
        """Only records that belong to these executions (through their jobs)."""
        ids = list(execution_ids)

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            in_executions = Job.execution_id.in_(ids)
            return query.clone(
                executions=query._executions.filter(Execution.id.in_(ids)),
                jobs=query._jobs.filter(in_executions),
                call_nodes=query._call_nodes.filter(in_executions),
                tasks=query._tasks.filter(in_executions),
                values=query._values.filter(in_executions),
            )

        return self._defer(apply, joins={"execution"})

    def _job_status_term(self, status: str) -> Any:
        return job_status_term(status)

    def filter_execution_statuses(self, execution_statuses: Iterable[str]) -> CallGraphQuery:
        """Only executions whose root job has one of these statuses (DONE includes CACHED; CACHED
        alone means a root job taken from the cache).

        Also orders by time, as redun does.
        """
        statuses = [status.upper() for status in execution_statuses]
        if not statuses:
            raise ValueError("no execution status given")
        if "DONE" in statuses:
            statuses.append("CACHED")
        reduce(sa.or_, map(self._job_status_term, statuses))  # unknown statuses fail here

        # Executions are few next to jobs: testing each root job (EXISTS) beats building the
        # set of every failed call.
        clause = reduce(sa.or_, (job_status_term(status, Job, correlated=True) for status in statuses))

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            return query.clone(executions=query._executions.filter(clause))

        apply.execution_status_filter = True  # type: ignore[attr-defined]
        return self._defer(
            apply,
            joins={"job"},
            filter_types=self._filter_types & {"Execution"},
            order_by="time",
        )

    def filter_job_statuses(self, job_statuses: Iterable[str]) -> CallGraphQuery:
        """Only jobs with one of these statuses (RUNNING, FAILED, CACHED, DONE; any case)."""
        statuses = list(job_statuses)
        if not statuses:
            raise ValueError("no job status given")
        reduce(sa.or_, map(self._job_status_term, statuses))  # unknown statuses fail here

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            # Made at build time: the form of the status test depends on what is read.
            clause = reduce(sa.or_, map(self._job_status_term, statuses))
            executions = query._executions
            if not any(getattr(other, "execution_status_filter", False) for other in query._filters):
                # Executions asked for too (filter_types after this): those whose root job has
                # the status. With an execution status filter they keep only that one, as in redun.
                executions = executions.filter(
                    reduce(sa.or_, (job_status_term(status, Job, correlated=True) for status in statuses))
                )
            return query.clone(jobs=query._jobs.filter(clause), executions=executions)

        return self._defer(apply, joins={"job"}, filter_types=self._filter_types & {"Job"})

    def filter_task_names(self, task_names: Iterable[str]) -> CallGraphQuery:
        """Only tasks and jobs of these tasks (``namespace.name``, or ``name`` in any namespace)."""

        names = list(task_names)
        if not names:
            raise ValueError("no task name given")

        def clause(task: Any) -> Any:
            def term(task_name: str) -> Any:
                if "." in task_name:
                    namespace, name = task_name.rsplit(".", 1)
                    return sa.and_(task.namespace == namespace, task.name == name)
                return task.name == task_name

            return reduce(sa.or_, map(term, names))

        # Jobs test their task hash against the matching tasks (redun joins Task instead): the
        # job query stays on one table, so counts read an index and time pages can scan by time.
        named = aliased(Task)
        job_clause = Job.task_hash.in_(sa.select(named.hash).where(clause(named)))
        task_clause = clause(Task)

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            return query.clone(jobs=query._jobs.filter(job_clause), tasks=query._tasks.filter(task_clause))

        return self._defer(apply, filter_types=self._filter_types & {"Job", "Task"})

    def filter_task_hashes(self, task_hashes: Iterable[str]) -> CallGraphQuery:
        """Only tasks and jobs of these task hashes."""
        hashes = list(task_hashes)
        return self.clone(
            filter_types=self._filter_types & {"Job", "Task"},
            jobs=self._jobs.filter(Job.task_hash.in_(hashes)),
            tasks=self._tasks.filter(Task.hash.in_(hashes)),
        )

    def filter_arguments(self, value_hashes: list[str]) -> CallGraphQuery:
        """Only jobs with an argument that is, or contains, one of these values."""
        hashes = list(value_hashes)
        with_args = self._jobs.join(CallNode, Job.call_hash == CallNode.call_hash).join(
            Argument, Argument.call_hash == CallNode.call_hash
        )
        direct = with_args.filter(Argument.value_hash.in_(hashes))
        inside = with_args.join(Subvalue, Subvalue.parent_value_hash == Argument.value_hash).filter(
            Subvalue.value_hash.in_(hashes)
        )
        return self.clone(filter_types=self._filter_types & {"Job"}, jobs=direct.union(inside))

    def filter_results(self, value_hashes: list[str]) -> CallGraphQuery:
        """Only jobs whose result is, or contains, one of these values."""
        hashes = list(value_hashes)
        with_node = self._jobs.join(CallNode, Job.call_hash == CallNode.call_hash)
        direct = with_node.filter(CallNode.value_hash.in_(hashes))
        inside = with_node.join(Subvalue, Subvalue.parent_value_hash == CallNode.value_hash).filter(
            Subvalue.value_hash.in_(hashes)
        )
        return self.clone(filter_types=self._filter_types & {"Job"}, jobs=direct.union(inside))

    def filter_value_types(self, value_types: Iterable[str]) -> CallGraphQuery:
        """Only values of these type names (``redun.File``, ``builtins.int`` …)."""
        types = list(value_types)

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            return query.clone(values=query._values.filter(Value.type.in_(types)))

        return self._defer(apply, filter_types=self._filter_types & {"Value"})

    def filter_file_paths(self, paths: Iterable[str]) -> CallGraphQuery:
        """Only File values whose path matches one of ``paths`` (``*`` matches anything)."""
        patterns = [path.replace("*", "%") for path in paths]
        if not patterns:
            raise ValueError("no file path given")

        # An IN-subquery rather than redun's join: SQLite then scans the file table (one row per
        # File) instead of every value, and the value query stays on one table.
        file = aliased(File)
        matching = sa.select(file.value_hash).where(sa.or_(*(file.path.like(p) for p in patterns)))
        clause = Value.value_hash.in_(matching)

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            return query.clone(values=query._values.filter(clause))

        return self._defer(apply, filter_types=self._filter_types & {"Value"})

    def _query_filter_tags(self, query: Query, entity_id_col: Any, table: Any, tags: Iterable[tuple[str, Any]]) -> Query:
        # One joined subquery per tag, so an entity must carry every tag asked for.
        for key, value in tags:
            matching = self._session.query(table).filter(table.is_current.is_(True), table.key == key)
            if value is not ANY_VALUE:
                matching = matching.filter(table.value == sa_cast(value, JSON))
            matching = matching.subquery()
            query = query.join(matching, matching.c.entity_id == entity_id_col)
        return query

    def filter_tags(self, tags: Iterable[tuple[str, Any]]) -> CallGraphQuery:
        """Only records carrying every one of these current tags (value ANY_VALUE: any value)."""
        tags = list(tags)

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            return query.clone(
                executions=self._query_filter_tags(query._executions, Execution.id, Tag, tags),
                jobs=self._query_filter_tags(query._jobs, Job.id, Tag, tags),
                call_nodes=self._query_filter_tags(query._call_nodes, CallNode.call_hash, Tag, tags),
                tasks=self._query_filter_tags(query._tasks, Task.hash, Tag, tags),
                values=self._query_filter_tags(query._values, Value.value_hash, Tag, tags),
            )

        return self._defer(apply)

    def filter_execution_tags(self, tags: Iterable[tuple[str, Any]]) -> CallGraphQuery:
        """Only records of executions carrying every one of these current tags."""
        tags = list(tags)
        exec_tag = self.ExecTag

        def apply(query: CallGraphQuery) -> CallGraphQuery:
            # Values are restricted through the execution join paths (exec_join below).
            return query.clone(
                executions=self._query_filter_tags(query._executions, Execution.id, exec_tag, tags),
                jobs=self._query_filter_tags(query._jobs, Job.execution_id, exec_tag, tags),
                call_nodes=self._query_filter_tags(query._call_nodes, Job.execution_id, exec_tag, tags),
                tasks=self._query_filter_tags(query._tasks, Job.execution_id, exec_tag, tags),
            )

        def exec_join(sa_query: Query) -> Query:
            return self._query_filter_tags(sa_query, Job.execution_id, exec_tag, tags)

        return self._defer(apply, joins={"execution"}, execution_joins=[*self._execution_joins, exec_join])

    def order_by(self, order_by: str) -> CallGraphQuery:
        """Orders executions and jobs by start time, newest first (``order_by='time'``).

        Raises:
            NotImplementedError: any other ordering (at build time, as in redun).
        """
        return self.clone(order_by=order_by)

    # -- building ------------------------------------------------------------------------------

    def _join_files(self) -> CallGraphQuery:
        return self.clone(values=self._values.join(File, File.value_hash == Value.value_hash))

    def _join_jobs(self) -> CallGraphQuery:
        return self.clone(executions=self._executions.join(Job, Job.id == Execution.job_id))

    def _join_tasks(self) -> CallGraphQuery:
        return self.clone(jobs=self._jobs.join(Task, Task.hash == Job.task_hash))

    def _join_values(self) -> CallGraphQuery:
        def with_result(query: Query) -> Query:
            return query.outerjoin(CallNode, CallNode.call_hash == Job.call_hash).outerjoin(
                Value, Value.value_hash == CallNode.value_hash
            )

        # Executions reach a result through their root job (the "job" join, which every status
        # filter asks for): without it redun emits SQL naming a table it never joined.
        executions = with_result(self._executions) if "job" in self._joins else self._executions
        return self.clone(executions=executions, jobs=with_result(self._jobs))

    def _join_executions(self) -> CallGraphQuery:
        # A value reaches an execution's jobs in four ways: as a call's result or argument, or
        # inside (as a subvalue of) a result or argument. Each path is its own query; build()
        # filters each and unions them, which plans far better than one query with ORs.
        values = self._values
        as_result = values.join(CallNode, CallNode.value_hash == Value.value_hash)
        as_argument = values.join(Argument, Argument.value_hash == Value.value_hash).join(
            CallNode, CallNode.call_hash == Argument.call_hash
        )
        nested = values.join(Subvalue, Subvalue.value_hash == Value.value_hash)
        in_result = nested.join(CallNode, CallNode.value_hash == Subvalue.parent_value_hash)
        in_argument = nested.join(Argument, Argument.value_hash == Subvalue.parent_value_hash).join(
            CallNode, CallNode.call_hash == Argument.call_hash
        )
        paths = []
        for path in (as_result, as_argument, in_result, in_argument):
            path = path.join(Job, Job.call_hash == CallNode.call_hash)
            for join in self._execution_joins:
                path = join(path)
            paths.append(path)
        return self.clone(
            call_nodes=self._call_nodes.join(Job, Job.call_hash == CallNode.call_hash),
            tasks=self._tasks.join(Job, Job.task_hash == Task.hash),
            value_subqueries=paths,
        )

    def build(self) -> CallGraphQuery:
        """Applies joins, filters and ordering; returns a query with nothing left pending."""
        query = self
        for name, join in (
            ("file", CallGraphQuery._join_files),
            ("job", CallGraphQuery._join_jobs),
            ("value", CallGraphQuery._join_values),
            ("task", CallGraphQuery._join_tasks),
            ("execution", CallGraphQuery._join_executions),
        ):
            if name in self._joins:
                query = join(query)

        for apply in self._filters:
            query = apply(query)

        if query._value_subqueries:
            paths = []
            for path in query._value_subqueries:
                filtered = self.clone(values=path)
                for apply in self._filters:
                    filtered = apply(filtered)
                paths.append(filtered._values)
            query = query.clone(values=paths[0].union(*paths[1:]))

        if self._order_by == "time":
            root_job = aliased(Job)
            query = query.clone(
                # The start time is selected too: PostgreSQL wants ORDER BY columns of a
                # SELECT DISTINCT in its select list.
                # The id breaks ties, so that pages of equal start times never overlap.
                executions=query._executions.add_columns(root_job.start_time)
                .join(root_job, Execution.job_id == root_job.id)
                .order_by(root_job.start_time.desc(), Execution.id),
                jobs=query._jobs.order_by(Job.start_time.desc(), Job.id),
            )
        elif self._order_by:
            raise NotImplementedError(f"Unknown order: {self._order_by!r} (only 'time')")

        return query.clone(filters=[], joins=set(), order_by=None, value_subqueries=None)

    def empty(self) -> CallGraphQuery:
        """A query with the same settings that matches nothing."""
        fresh = CallGraphQuery(self._session)
        return self.clone(
            executions=fresh._executions.filter(sa.false()),
            jobs=fresh._jobs.filter(sa.false()),
            call_nodes=fresh._call_nodes.filter(sa.false()),
            tasks=fresh._tasks.filter(sa.false()),
            values=fresh._values.filter(sa.false()),
        )

    # -- running -------------------------------------------------------------------------------

    def _run(self, record_type: str, statement: Any) -> list[Base]:
        selectable = sa.select(self.MODEL_CLASSES[record_type]).from_statement(statement)
        # Fetch fully before returning: a half-read cursor holds SQLite's read lock.
        return list(self._session.execute(selectable).scalars().all())

    def _records(self, record_type: str, query: Query, offset: int = 0, limit: int | None = None) -> Iterator[Base]:
        # SELECT DISTINCT (a joined row per match must not repeat a record), read back as
        # model objects even when the query is a UNION or carries an extra ordering column.
        statement = query.statement.distinct()
        if limit is not None and record_type == "Job":
            found = self._newest_jobs(offset, limit)
            if found is not None:
                yield from found
                return
        if offset or limit is not None:
            statement = statement.offset(offset or None).limit(limit)
        yield from self._run(record_type, statement)

    def _newest_jobs(self, offset: int, limit: int) -> list[Base] | None:
        """A page of jobs ordered by time, read from the newest end of the start-time index.

        Without statistics SQLite plans "jobs of a common task, newest first" by reading every
        job of the task through the task index and sorting them all (seconds on a million
        jobs), where walking the start-time index stops after a page. So the newest WINDOW jobs
        are tried first, with ``INDEXED BY`` (which SQLAlchemy cannot emit for SQLite, hence SQL
        text with the values inlined): when they hold the whole page, it is the answer, as every
        older match sorts after it. Otherwise None, and the caller runs the query as planned
        (then a selective one). Only for one-table job queries ordered by time on SQLite; any
        error also gives None. Status filters test each job here (EXISTS): the window holds few
        jobs, and the set of all failed calls costs more than the page.
        """
        if self._session.get_bind().dialect.name != "sqlite":
            return None
        job = Job.__table__
        token = CORRELATED_STATUS.set(True)
        try:
            statement = dict(self.build().subqueries)["Job"].statement
        finally:
            CORRELATED_STATUS.reset(token)
        if statement.get_final_froms() != [job] or not statement._order_by_clauses:
            return None
        wanted = offset + limit
        dialect = self._session.get_bind().dialect
        try:
            window = self.NEWEST_WINDOW
            for _attempt in range(2):
                if window < wanted * 4:
                    return None
                newest = sa.select(job.c.start_time).order_by(job.c.start_time.desc()).offset(window - 1).limit(1)
                whole_table = self._session.execute(newest).scalar() is None
                ids = statement.with_only_columns(job.c.id, maintain_column_froms=True)
                if not whole_table:
                    ids = ids.where(job.c.start_time >= newest.scalar_subquery().correlate(None))
                sql = str(
                    ids.offset(offset or None).limit(limit).compile(
                        dialect=dialect, compile_kwargs={"literal_binds": True}
                    )
                )
                # The first FROM is the outer query's (subqueries come later, in WHERE).
                sql, found = _FROM_JOB.subn(r"\g<0> INDEXED BY ix_job_start_time", sql, count=1)
                if not found:
                    return None
                job_ids = [row[0] for row in self._session.connection().exec_driver_sql(sql)]
                if len(job_ids) == limit or whole_table:
                    return self._jobs_by_id(job_ids)
                # Too few matches this recent. Some (a tenth of the page or more): a wider
                # window sized on their density. Fewer: the filter is selective, and the
                # planned query (driven by the filter's own index) is the fast one.
                if offset or len(job_ids) * 10 < limit:
                    return None
                window = min(self.NEWEST_WINDOW_MAX, 2 * window * limit // len(job_ids))
        except (sa.exc.SQLAlchemyError, NotImplementedError):
            self._session.rollback()
        return None

    def _jobs_by_id(self, job_ids: list[str]) -> list[Base]:
        by_id: dict[str, Base] = {}
        for start in range(0, len(job_ids), 500):
            chunk = job_ids[start : start + 500]
            by_id.update((job.id, job) for job in self._session.execute(sa.select(Job).where(Job.id.in_(chunk))).scalars())
        return [by_id[job_id] for job_id in job_ids if job_id in by_id]

    def _built_types(self) -> list[tuple[str, Query]]:
        return [(name, query) for name, query in self.build().subqueries if name in self._filter_types]

    def all(self) -> Iterator[Base]:
        """Every matching record: executions, jobs, call nodes, tasks, then values."""
        for record_type, query in self._built_types():
            yield from self._records(record_type, query)

    def stream(self, batch_size: int = 1000) -> Iterator[Base]:
        """The records of :meth:`all`, read ``batch_size`` rows at a time (for long listings).

        Unlike ``all()``, which reads each record type completely first, this keeps one
        statement open while the caller consumes it (on SQLite, a read lock that delays a
        writer's commit): use it for exports and dumps, not in the UI.
        """
        for record_type, query in self._built_types():
            selectable = sa.select(self.MODEL_CLASSES[record_type]).from_statement(query.statement.distinct())
            result = self._session.execute(selectable, execution_options={"yield_per": batch_size})
            try:
                for partition in result.scalars().partitions():
                    yield from partition
                    # Objects already handed over need not stay in the identity map.
                    for record in partition:
                        self._session.expunge(record)
            finally:
                result.close()

    def _count(self, query: Query) -> int:
        statement = query.statement
        froms = statement.get_final_froms()
        if len(froms) == 1 and isinstance(froms[0], sa.Table) and statement._limit_clause is None:
            # One table, no join: rows are distinct already (the primary key is selected), and
            # a bare count(*) lets the database count the smallest index instead of every row.
            counting = statement.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None)
        else:
            counting = sa.select(sa.func.count()).select_from(statement.distinct().subquery())
        return self._session.execute(counting).scalar_one()

    def count(self) -> Iterator[tuple[str, int]]:
        """``(type_name, number of matching records)`` for each record type asked for."""
        for record_type, query in self._built_types():
            yield record_type, self._count(query)

    def limit(self, size: int) -> Iterator[Base]:
        """The first ``size`` records of :meth:`all` (filters kept, unlike redun)."""
        remaining = max(0, int(size))
        for record_type, query in self._built_types():
            if remaining <= 0:
                return
            records = list(self._records(record_type, query, limit=remaining))
            remaining -= len(records)
            yield from records

    def page(self, page: int, page_size: int) -> Iterator[Base]:
        """Records ``page * page_size`` to ``(page + 1) * page_size - 1`` of :meth:`all` (page 0 first)."""
        if page < 0 or page_size <= 0:
            return
        skip = page * page_size
        wanted = page_size
        for record_type, query in self._built_types():
            if wanted <= 0:
                return
            records = list(self._records(record_type, query, offset=skip, limit=wanted))
            if records:
                skip = 0
                wanted -= len(records)
                yield from records
            elif skip:
                # The page starts after this type: only now is it worth counting it.
                skip = max(0, skip - self._count(query))

    def first(self) -> Base | None:
        """The first record of :meth:`all`, or None."""
        return next(self.limit(1), None)

    def one(self) -> Base:
        """The only matching record.

        Raises:
            ValueError: no record or more than one matches.
        """
        records = list(self.limit(2))
        if len(records) != 1:
            raise ValueError(f"expected one record, found {'none' if not records else 'several'}")
        return records[0]

    def one_or_none(self) -> Base | None:
        """The only matching record, or None when none or several match."""
        records = list(self.limit(2))
        return records[0] if len(records) == 1 else None

    def select(self, *columns: str, flat: bool = False) -> Iterator[Any]:
        """Rows of ``columns`` (``"id"``, ``"type"``) for each record; ``flat`` for one column.

        Raises:
            ValueError: an unknown column name.
        """
        for name in columns:
            if name not in ("id", "type"):
                raise ValueError(f"Unknown column '{name}'.")
        for record in self.all():
            row = tuple(
                getattr(record, self.MODEL_PKS[type(record)]) if name == "id" else type(record).__name__
                for name in columns
            )
            if flat:
                [value] = row
                yield value
            else:
                yield row


# -- ids and files -----------------------------------------------------------------------------


def infer_id(session: Session, id: str, include_files: bool = True, required: bool = False) -> Any:
    """The record an id means: a special id (path, ``-``, ``~N``) first, else the first record
    whose id starts with ``id`` (or a task of that name).

    Raises:
        ValueError: ``required`` and not exactly one record matches; a bad ``~N``.
    """
    record = infer_specialty_id(session, id, include_files=include_files)
    if record:
        return record
    query = CallGraphQuery(session).like_id(id)
    return query.one() if required else query.first()


def infer_specialty_id(session: Session, id: str, include_files: bool = True) -> Any:
    """A File for a path (``(File, Job, "result"|"arg")``), or an Execution for ``-`` (the most
    recent) and ``~N`` (the N-th most recent); None otherwise.

    Raises:
        ValueError: ``~0`` or an index past the oldest execution.
    """
    if include_files and (os.path.exists(id) or ":" in id):
        found = find_file(session, id)
        if found:
            return found

    recent = session.query(Execution).join(Job, Job.id == Execution.job_id).order_by(Job.start_time.desc())
    if id == "-":
        return recent.first()
    if re.match(r"^~\d+", id):
        try:
            index = int(id[1:])
        except ValueError:
            raise ValueError(f"Execution index is not a number: {id!r}") from None
        if index == 0:
            raise ValueError("Execution index should >= 1.")
        execution = recent.offset(index - 1).limit(1).first()
        if execution is None:
            raise ValueError(f"Execution index too high: {index}")
        return execution
    return None


def _latest(session: Session, path: str, joins: Callable[[Query], Query], newest: Any) -> Any:
    query = joins(session.query(File, Job)).filter(File.path == path)
    return query.order_by(newest.desc()).first()


def _later(a: Any, b: Any) -> bool:
    # redun compares end times; a job still running (None) counts as the older one.
    a_end, b_end = a[1].end_time, b[1].end_time
    if a_end is None:
        return False
    if b_end is None:
        return True
    return a_end > b_end


def find_file(session: Session, path: str) -> tuple[File, Job, str] | None:
    """Finds a File by exact path, with the job that produced or read it.

    A File returned by a task (directly or inside a returned container) wins over one passed as
    an argument; among several, the most recent job (by end time) wins.

    Returns:
        ``(file, job, "result")``, ``(file, job, "arg")``, or None.
    """

    def result(query: Query) -> Query:
        return query.join(CallNode, CallNode.value_hash == File.value_hash).join(
            Job, CallNode.call_hash == Job.call_hash
        )

    def result_inside(query: Query) -> Query:
        return (
            query.join(Subvalue, File.value_hash == Subvalue.value_hash)
            .join(CallNode, Subvalue.parent_value_hash == CallNode.value_hash)
            .join(Job, CallNode.call_hash == Job.call_hash)
        )

    def argument(query: Query) -> Query:
        return (
            query.join(Argument, File.value_hash == Argument.value_hash)
            .join(CallNode, Argument.call_hash == CallNode.call_hash)
            .join(Job, CallNode.call_hash == Job.call_hash)
        )

    def argument_inside(query: Query) -> Query:
        return (
            query.join(Subvalue, File.value_hash == Subvalue.value_hash)
            .join(Argument, Subvalue.parent_value_hash == Argument.value_hash)
            .join(CallNode, Argument.call_hash == CallNode.call_hash)
            .join(Job, CallNode.call_hash == Job.call_hash)
        )

    for kind, (first_joins, second_joins), newest in (
        ("result", (result, result_inside), Job.end_time),
        ("arg", (argument, argument_inside), Job.start_time),
    ):
        first = _latest(session, path, first_joins, newest)
        second = _latest(session, path, second_joins, newest)
        if first and second:
            chosen = first if _later(first, second) else second
        else:
            chosen = first or second
        if chosen:
            return chosen[0], chosen[1], kind
    return None
