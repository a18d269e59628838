"""The filter methods of :class:`~redun_tui.db.query.callgraph.CallGraphQuery`.

Each returns a new query; a filter that needs joins is deferred to ``build`` (see ``_defer``).
Kept apart from the query's building and running, which :mod:`.callgraph` holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import reduce
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Query, Session, aliased
from sqlalchemy.sql.expression import cast as sa_cast

from redun_tui.db.models import (
    JSON,
    Argument,
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
from redun_tui.db.query.terms import ANY_VALUE, id_prefix_term
from redun_tui.db.status import job_status_term

if TYPE_CHECKING:
    from redun_tui.db.query.callgraph import CallGraphQuery

# A bare word naming a task that starts at most this many executions tests their ids (read
# once) instead of each execution's root job.
ROOT_TASK_IDS = 500

# The current tags whose value contains a bare word, read once for all record types when at most
# this many (each type then tests an id list).
TAGGED_IDS = 500

# SQLite reads those ids by merging rowid lists of two covering indexes (the task's jobs, one
# list per task hash, and the jobs without a parent) when the name has at most this many
# hashes (one UNION ALL arm each; SQLite allows 500 arms in a compound).
ROOT_MERGE_HASHES = 64


class CallGraphFilters:
    """The filters of a :class:`CallGraphQuery` (a mixin: the query's state lives there)."""

    _session: Session
    _filter_types: set[str]
    _filters: list
    _execution_joins: list[Callable[[Query], Query]]
    _jobs: Query
    _tasks: Query
    ExecTag: Any

    def clone(self, **kwargs: Any) -> CallGraphQuery:
        raise NotImplementedError

    def _defer(self, apply: Callable[[CallGraphQuery], CallGraphQuery], joins: Iterable[str] = (), **kwargs: Any) -> CallGraphQuery:
        raise NotImplementedError

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
        hashes: list[str] = []
        if names:
            # Most words name no task. Asked first (an index seek), so that the per-execution
            # root-job check below is left out for them: with it, an execution search that
            # the newest executions cannot answer looked up 50,000 root jobs (1.1 s at L).
            hashes = list(self._session.execute(named_tasks.limit(ROOT_MERGE_HASHES + 1)).scalars())
            names = bool(hashes)
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

        tag_matches = (tag.is_current.is_(True), like(sa_cast(tag.value, sa.String)))
        tagged_ids: dict[str, list[str]] | None = None
        if substrings:
            # The tags whose value contains the text, read once for every record type (each
            # type's statement scanned the whole tag table again: ~0.04 s a scan at L); many
            # matches keep a subquery per type.
            # The entity type is read as text: a value outside TagEntity (bad data) must not
            # fail the search (the Enum type raises on it); it matches no record type.
            entity_type = sa.type_coerce(tag.entity_type, sa.String)
            found = self._session.execute(
                sa.select(entity_type, tag.entity_id).where(*tag_matches).limit(TAGGED_IDS + 1)
            ).all()
            if len(found) <= TAGGED_IDS:
                tagged_ids = {}
                for type_name, entity_id in found:
                    tagged_ids.setdefault(type_name, []).append(entity_id)

        def tagged(pk: Any, entity: TagEntity) -> Any:
            if tagged_ids is not None:
                return pk.in_(tagged_ids.get(entity.name, []))
            return pk.in_(sa.select(tag.entity_id).where(tag.entity_type == entity, *tag_matches))

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
            execution_term = sa.or_(execution_term, self._root_task_term(root, named_tasks, hashes))
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

    def _root_task_term(self, root: Any, named_tasks: Any, hashes: list[str]) -> Any:
        """Executions whose root job runs one of ``named_tasks`` (a SELECT of task hashes; its
        first ``hashes``, up to ROOT_MERGE_HASHES + 1, already read).

        When few executions start with such a task (a task that runs inside workflows, rarely
        as one), their ids are read once (:meth:`_root_task_ids`) and the term is an id list
        every other term sees at no cost. Otherwise (a task that starts most runs) it is an
        EXISTS per execution, last in the OR, so that SQLite looks the root job up only for an
        execution the cheaper terms did not match (~0.3 s CPU when all 50,000 are tested,
        which the newest-first probe avoids by stopping at a page). Not an IN-subquery of root
        jobs: SQLite builds that set before the first row (0.05 -> 0.5 s CPU for `main` at L).
        """
        ids = self._root_task_ids(root, named_tasks, hashes)
        if ids is not None and len(ids) <= ROOT_TASK_IDS:
            return Execution.id.in_(ids)
        return sa.exists(sa.select(root.id).where(root.id == Execution.job_id, root.task_hash.in_(named_tasks)))

    def _root_task_ids(self, root: Any, named_tasks: Any, hashes: list[str]) -> list[str] | None:
        """Ids of the executions whose root job runs one of ``named_tasks``, all of them when
        there are at most ROOT_TASK_IDS; more (a list longer than that, or None): the caller
        tests each execution instead.

        Jobs without a parent are exactly the executions' root jobs in what redun writes (a
        subrun extends its execution under a parent job; it records no execution of its own).
        On SQLite, with at most ROOT_MERGE_HASHES task hashes, the root jobs are the rowids the
        task's jobs (``ix_job_task_hash``, one list per hash, each in rowid order) share with
        the jobs without a parent (``ix_job_parent_id``, rowid order): a merge of two covering
        indexes, no table page read until the few matches join their executions (~0.04 s CPU
        for a task of 250,000 jobs at L, ~0.2 s for 1,000,000), stopping past ROOT_TASK_IDS
        root jobs. The order of the compound matters: the hashes' union first, then the
        INTERSECT (the other way SQLite sorts the union in a temporary b-tree: 0.9 s for two
        hashes), and the LIMIT keeps the ORDER BY that makes SQLite merge. Otherwise
        (PostgreSQL, many hashes) the jobs without a parent are walked by the parent_id index
        and each joined to its execution, stopping past ROOT_TASK_IDS executions (~0.13-0.2 s
        CPU for 50,000 runs at L, a table page read for each).
        """
        if self._session.get_bind().dialect.name == "sqlite" and len(hashes) <= ROOT_MERGE_HASHES:
            names = [f"task_hash_{index}" for index in range(len(hashes))]
            # The compound's column is named by its first arm (a subquery has no rowid of its own).
            task_jobs = " UNION ALL ".join(
                f"SELECT rowid{' AS job_rowid' if index == 0 else ''} FROM job WHERE task_hash = :{name}"
                for index, name in enumerate(names)
            )
            # A root job without an execution (not in what redun writes) still counts towards
            # the cap, so that a cut list is never taken for all of them.
            starts = sa.text(
                f"SELECT roots.job_rowid, e.id FROM ({task_jobs} INTERSECT SELECT rowid FROM job WHERE parent_id IS NULL "
                "ORDER BY 1 LIMIT :cap) AS roots JOIN job AS r ON r.rowid = roots.job_rowid "
                "LEFT JOIN execution AS e ON e.job_id = r.id"
            )
            rows = self._session.execute(starts, dict(zip(names, hashes), cap=ROOT_TASK_IDS + 1)).all()
            if len({rowid for rowid, _ in rows}) > ROOT_TASK_IDS:
                return None
            return [execution_id for _, execution_id in rows if execution_id is not None]
        execution = aliased(Execution)
        query = (
            sa.select(execution.id)
            .select_from(root)
            .join(execution, execution.job_id == root.id)
            .where(root.parent_id.is_(None), root.task_hash.in_(named_tasks))
            .limit(ROOT_TASK_IDS + 1)
        )
        return list(self._session.execute(query).scalars())

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
        with_args = self._jobs.join(CallNode, Job.call_hash == CallNode.call_hash).join(
            Argument, Argument.call_hash == CallNode.call_hash
        )
        return self._jobs_holding(with_args, Argument.value_hash, value_hashes)

    def filter_results(self, value_hashes: list[str]) -> CallGraphQuery:
        """Only jobs whose result is, or contains, one of these values."""
        with_node = self._jobs.join(CallNode, Job.call_hash == CallNode.call_hash)
        return self._jobs_holding(with_node, CallNode.value_hash, value_hashes)

    def _jobs_holding(self, joined: Any, column: Any, value_hashes: list[str]) -> CallGraphQuery:
        """Jobs of ``joined`` whose ``column`` value is, or contains, one of ``value_hashes``."""
        hashes = list(value_hashes)
        direct = joined.filter(column.in_(hashes))
        inside = joined.join(Subvalue, Subvalue.parent_value_hash == column).filter(Subvalue.value_hash.in_(hashes))
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
