"""The UI's read-only facade over a redun database.

Every method opens its own Session (``backend.new_session()``), runs a few bounded queries,
returns :mod:`redun_tui.views` dataclasses and closes the Session: no ORM object leaves this
module. Methods are called from thread workers, never from the event loop. Lists are paged with
keyset cursors, counts are ``GROUP BY`` queries, and nothing loads rows it does not return.

Errors: :class:`NotFound` (unknown id/route), :class:`Ambiguous` (prefix matches several records;
``candidates`` lists them), and :class:`redun_tui.db.models.RedunDatabaseError` subclasses for
database trouble (locked, vanished, corrupt).
"""

from __future__ import annotations

from redun_tui.db.backend import RedunBackendDb
from redun_tui.views import (
    DataflowView,
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
    TaskRow,
    ValueDetail,
)

DEFAULT_PAGE_SIZE = 200
PREVIEW_LIMIT = 20_000  # characters of a value preview shown inline


class StoreError(Exception):
    """A request the store cannot answer; the message is one line for the user."""


class NotFound(StoreError):
    """No record has that id, hash, prefix or path."""


class Ambiguous(StoreError):
    """A prefix matches several records."""

    def __init__(self, message: str, candidates: tuple[str, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


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

    # Executions
    def executions(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[ExecutionRow]:
        """Executions newest first, optionally filtered by search text (see redun_tui.search)."""
        raise NotImplementedError

    def execution(self, execution_id: str) -> ExecutionDetail:
        """One execution's header (full id or unique prefix)."""
        raise NotImplementedError

    def status_counts(self, execution_id: str) -> tuple[StatusCount, ...]:
        """Job counts per task and status within an execution (one GROUP BY)."""
        raise NotImplementedError

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
        whose subtree contains jobs of ``status``/``task_name`` (for the filtered tree)."""
        raise NotImplementedError

    def jobs(self, execution_id: str, status: str | None = None, task_name: str | None = None,
             cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[JobRow]:
        """A flat list of an execution's jobs matching status/task, in start order."""
        raise NotImplementedError

    # Jobs, values, dataflow
    def job(self, job_id: str) -> JobDetail:
        """Everything the job screen shows."""
        raise NotImplementedError

    def value(self, value_hash: str) -> ValueDetail:
        """Everything the value screen shows (bounded preview)."""
        raise NotImplementedError

    def value_text(self, value_hash: str) -> str:
        """The full repr of a value (for the scrollable view / $PAGER); may be large."""
        raise NotImplementedError

    def dataflow(self, value_hash: str) -> DataflowView:
        """The upstream dataflow of a value, as linkable lines plus JSON."""
        raise NotImplementedError

    # Tasks and files
    def tasks(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[TaskRow]:
        """Tasks by namespace and name (each version a row)."""
        raise NotImplementedError

    def task(self, task_hash: str) -> TaskDetail:
        """One task version: source, sibling versions, recent jobs."""
        raise NotImplementedError

    def files(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[FileRow]:
        """Recorded files by path (``*`` wildcards in search)."""
        raise NotImplementedError

    def file(self, path_or_hash: str) -> FileDetail:
        """Every version of a file path, who produced and read it."""
        raise NotImplementedError

    # Search, routes, refresh
    def search(self, text: str, cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[RecordRow]:
        """Records of any type matching search-bar text (raises redun_tui.search.SearchSyntaxError)."""
        raise NotImplementedError

    def resolve(self, route: str) -> Resolution:
        """Expands id prefixes in a route to the canonical route, or says why it cannot."""
        raise NotImplementedError

    def heartbeat(self, execution_id: str | None = None) -> Heartbeat:
        """A cheap token that changes when redun writes (jobs ending, heartbeats)."""
        raise NotImplementedError
