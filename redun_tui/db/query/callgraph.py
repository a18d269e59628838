"""The call-graph query: one SQLAlchemy query per record type, built and run (see the package)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Query, Session, aliased

from redun_tui.db.models import Argument, Base, CallNode, Execution, File, Job, Subvalue, Tag, Task, Value
from redun_tui.db.query.filters import CallGraphFilters
from redun_tui.db.status import CORRELATED_STATUS

_FROM_JOB = re.compile(r"\bFROM job(?=\s|$)")

QueryFilter = Callable[["CallGraphQuery"], "CallGraphQuery"]


class CallGraphQuery(CallGraphFilters):
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
