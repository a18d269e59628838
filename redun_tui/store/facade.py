"""The Store facade: one line per method over its domain module's read helper.

See :mod:`redun_tui.store` for the package's map; importing that package is cheap (its names
load on first use), importing this module loads SQLAlchemy and the models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from redun_tui.db.backend import RedunBackendDb
from redun_tui.store import (
    catalog,
    diff,
    diff_args,
    downstream,
    errors,
    executions,
    jobs,
    live,
    routes,
    search,
    timeline,
    values,
)

# The package's public constants and errors, read from here by redun_tui.store (see its __all__).
from redun_tui.store.catalog import RECENT_JOBS_LIMIT, RECENT_SCAN_THRESHOLD  # noqa: F401
from redun_tui.store.errors import Ambiguous, NotFound, StoreError  # noqa: F401
from redun_tui.store.jobs import UPSTREAM_JOBS_PER_ARG  # noqa: F401
from redun_tui.store.paging import DEFAULT_PAGE_SIZE, PAGE_LIMIT_MAX, PROBE_ROWS  # noqa: F401
from redun_tui.store.previews import (  # noqa: F401
    ARGS_LIMIT,
    FULL_VALUE_LIMIT,
    MAX_VALUE_SIZE_PREVIEW,
    PREVIEW_LIMIT,
    REF_LIMIT,
    TAG_TEXT_LIMIT,
    TASK_NAME_LIMIT,
)
from redun_tui.store.sql import CANDIDATES_LIMIT  # noqa: F401
from redun_tui.store.uses import RELATED_LIMIT  # noqa: F401
from redun_tui.store.values import SUBVALUE_LIMIT  # noqa: F401
from redun_tui.views import (
    CriticalStep,
    DataflowView,
    DiffView,
    ExecutionDetail,
    ExecutionRow,
    FileDetail,
    FileRow,
    Heartbeat,
    JobDetail,
    JobRow,
    Page,
    RecordRow,
    Resolution,
    StatusCount,
    TaskDetail,
    TaskHistory,
    TaskRow,
    TaskStats,
    TimelineSpan,
    ValueDetail,
)

R = TypeVar("R")


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

    @property
    def schema_warning(self) -> str | None:
        """One line about a schema newer than this code knows (read read-only), or None."""
        return self.backend.schema_warning

    def _read(self, work: Callable[[Session], R]) -> R:
        """Runs ``work`` in a fresh Session, retrying while SQLite says the database is locked
        (driver errors become RedunDatabaseError subclasses: see :mod:`redun_tui.store.errors`)."""
        return errors.read(self.backend.new_session, self.name, work)

    # -- executions --

    def executions(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[ExecutionRow]:
        """Executions newest first, optionally filtered by search text (:func:`executions.executions`)."""
        return self._read(lambda s: executions.executions(s, search, cursor, limit))

    def execution(self, execution_id: str) -> ExecutionDetail:
        """One execution's header (full id or unique prefix)."""
        return self._read(lambda s: executions.execution(s, execution_id))

    def status_counts(self, execution_id: str) -> tuple[StatusCount, ...]:
        """Job counts per task and status within an execution (:func:`executions.status_counts`)."""
        return self._read(lambda s: executions.status_counts(s, execution_id))

    # -- jobs --

    def job_children(self, execution_id: str, parent_id: str | None, status: str | None = None,
                     task_name: str | None = None, cursor: str | None = None,
                     limit: int = DEFAULT_PAGE_SIZE) -> Page[JobRow]:
        """Child jobs of ``parent_id`` (None: the root job), optionally filtered (:func:`jobs.job_children`)."""
        return self._read(lambda s: jobs.job_children(s, execution_id, parent_id, status, task_name, cursor, limit))

    def jobs(self, execution_id: str, status: str | None = None, task_name: str | None = None,
             cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE, order: str = "start") -> Page[JobRow]:
        """A flat list of an execution's jobs matching status/task, in start, duration or status order."""
        return self._read(lambda s: jobs.jobs(s, execution_id, status, task_name, cursor, limit, order))

    def job(self, job_id: str) -> JobDetail:
        """Everything the job screen shows (:func:`jobs.job`)."""
        return self._read(lambda s: jobs.job(s, job_id))

    # -- values and dataflow --

    def value(self, value_hash: str) -> ValueDetail:
        """Everything the value screen shows, with a bounded preview (:func:`values.value`)."""
        return self._read(lambda s: values.value(s, value_hash))

    def value_text(self, value_hash: str) -> str:
        """The full repr of a value (for the scrollable view / $PAGER); may be large."""
        return self._read(lambda s: values.value_text(s, value_hash))

    def dataflow(self, value_hash: str, with_json: bool = True) -> DataflowView:
        """The upstream dataflow of a value, as linkable lines plus JSON (:func:`values.dataflow`)."""
        return self._read(lambda s: values.dataflow(s, value_hash, with_json))

    def downstream(self, value_hash: str, **options: Any) -> downstream.DownstreamView:
        """What a value fed (store.downstream.downstream: all_versions, depth_limit, limit, previews, jobs_page)."""
        return self._read(lambda s: downstream.downstream_of(s, value_hash, **options))

    def downstream_previews(self, hashes: Iterable[str]) -> dict[str, str]:
        """The preview of each value hash (for the values a downstream screen shows)."""
        hashes = tuple(hashes)
        return self._read(lambda s: downstream.value_previews(s, hashes))

    def downstream_complete(self, view: downstream.DownstreamView) -> downstream.DownstreamView:
        """A downstream view read for the screen, complete: every preview, every call's jobs and
        the impact list (for its JSON export)."""
        return self._read(lambda s: downstream.complete(s, view))

    def downstream_jobs(self, call_hashes: Iterable[str]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        """Call hash -> (job ids, execution ids), newest first (the calls a downstream tree shows)."""
        call_hashes = tuple(call_hashes)
        return self._read(lambda s: downstream.call_jobs(s, call_hashes))

    def downstream_impact(
        self, call_hashes: Iterable[str]
    ) -> tuple[tuple[downstream.DownstreamExecution, ...], tuple[tuple[str, str], ...]]:
        """The executions that ran these calls, newest first, and the newest per root task."""
        call_hashes = tuple(call_hashes)
        return self._read(lambda s: downstream.impact(s, call_hashes))

    def dataflow_json(self, value_hash: str) -> str:
        """The upstream dataflow of a value as JSON text (a list of sections), for export."""
        return self._read(lambda s: values.dataflow_json(s, value_hash))

    # -- tasks and files --

    def tasks(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[TaskRow]:
        """Tasks by namespace and name, each version a row (:func:`catalog.tasks`)."""
        return self._read(lambda s: catalog.tasks(s, search, cursor, limit))

    def task(self, task_hash: str) -> TaskDetail:
        """One task version: source, sibling versions, recent jobs."""
        return self._read(lambda s: catalog.task(s, task_hash))

    def files(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[FileRow]:
        """Recorded files by path (:func:`catalog.files`)."""
        return self._read(lambda s: catalog.files(s, search, cursor, limit))

    def file(self, path_or_hash: str) -> FileDetail:
        """Every version of a file path, who produced and read it."""
        return self._read(lambda s: catalog.file(s, path_or_hash))

    # -- diff --

    def diff(self, a: str | None, b: str, *, previews: bool = True, everything: bool = True) -> DiffView:
        """Pairs the jobs of executions A (None: B's previous run) and B (:func:`diff.diff`)."""
        return self._read(lambda s: diff.diff(s, a, b, previews=previews, everything=everything))

    def diff_previews(self, hashes: Iterable[str]) -> dict[str, str]:
        """The one-line preview of each value hash that has a value (a diff's argument values)."""
        hashes = tuple(hashes)
        return self._read(lambda s: diff_args.value_previews(s, hashes))

    # -- timeline: where an execution's time went --

    def timeline_span(self, execution_id: str) -> TimelineSpan:
        """The time axis of an execution's timeline (id or unique prefix)."""
        return self._read(lambda s: timeline.span(s, execution_id))

    def critical_path(self, execution_id: str, span: TimelineSpan | None = None) -> tuple[CriticalStep, ...]:
        """The execution's critical path, root first (:func:`timeline.critical_path`).

        ``span``: the execution's :meth:`timeline_span` when the caller has it (reading it again
        costs a count and two maxima over every job of the execution).
        """
        return self._read(lambda s: timeline.critical_path(s, execution_id, span))

    def task_stats(self, execution_id: str) -> tuple[TaskStats, ...]:
        """Duration statistics per task of the execution, by total time descending."""
        return self._read(lambda s: timeline.task_stats(s, execution_id))

    def task_history(self, task_hash: str) -> TaskHistory:
        """A task's durations over its latest executions (hash or unique prefix)."""
        return self._read(lambda s: timeline.task_history(s, task_hash))

    # -- search, routes, refresh --

    def search(self, text: str, cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[RecordRow]:
        """Records of any type matching search-bar text (:func:`search.search`)."""
        return self._read(lambda s: search.search(s, text, cursor, limit))

    def resolve(self, route: str) -> Resolution:
        """Expands id prefixes in a route to the canonical route, or says why it cannot."""
        return self._read(lambda s: routes.resolve(s, route))

    def resolve_text(self, text: str) -> Resolution:
        """The route of what a user typed: a route, an id or hash prefix, a path (:func:`routes.resolve_text`)."""
        return self._read(lambda s: routes.resolve_text(s, text))

    def heartbeat(self, execution_id: str | None = None) -> Heartbeat:
        """A cheap token that changes when redun writes (:func:`live.heartbeat`)."""
        return self._read(lambda s: live.heartbeat(s, execution_id))
