"""The launch path: the first page of executions read with the stdlib driver, before SQLAlchemy.

Importing SQLAlchemy and configuring the models costs ~0.2 s, most of what ``redun-tui DB``
took to show its list (benchmarks/README.md). For a SQLite file, the home screen's first page
needs three statements only, so :class:`LaunchStore` answers it here, with the stdlib driver
and the very SQL the store runs: :data:`FIRST_PAGE_SQL` is the text SQLAlchemy compiles the
store's statement to (:func:`redun_tui.store.executions.newest_page`; the execution status in it
is :mod:`redun_tui.db.status`' rule), :data:`TAGS_SQL` that of
:func:`redun_tui.store.sql.tag_select`, and tests/unit/test_first_page.py keeps them equal and
the pages identical on every fixture database. Rows become views through the functions the
store uses (:mod:`redun_tui.store.rows`, :mod:`redun_tui.db.columns`, the cursor codec).

Everything else (the next pages, searches, every other screen) goes to the real
:class:`~redun_tui.store.Store`, opened on first need, or ahead of it by :meth:`LaunchStore.warm`
once the first page is on screen. Standard library only (a test checks that importing this
module loads no SQLAlchemy).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redun_tui.db.columns import read_json, sqlite_datetime
from redun_tui.db.sqlite_open import CheckedDatabase, connect_read_only
from redun_tui.store.cursors import DEFAULT_PAGE_SIZE, check_limit, split_page
from redun_tui.store.rows import make_execution_row, tag_views_of
from redun_tui.views import ExecutionRow, Page

if TYPE_CHECKING:
    from redun_tui.store.facade import Store

# newest_page(None, size) compiled for SQLite (the size as a parameter).
FIRST_PAGE_SQL = (
    "SELECT execution.id, execution.args, execution.updated_time, j_job.start_time, j_job.end_time, "
    "CASE WHEN (j_job.id IS NULL) THEN 'FAILED' WHEN (j_result.type = 'redun.ErrorValue') THEN 'FAILED' "
    "WHEN (j_job.end_time IS NULL) THEN 'RUNNING' ELSE 'DONE' END AS status, j_task.namespace, j_task.name, "
    "execution.job_id \n"
    "FROM (SELECT execution.id AS id, p_job.start_time AS start_time \n"
    "FROM job AS p_job CROSS JOIN execution ON execution.job_id = p_job.id "
    "ORDER BY p_job.start_time DESC, execution.id DESC\n"
    " LIMIT ? OFFSET 0) AS page JOIN execution ON execution.id = page.id "
    "JOIN job AS j_job ON execution.job_id = j_job.id "
    "LEFT OUTER JOIN call_node AS j_node ON j_job.call_hash = j_node.call_hash "
    "LEFT OUTER JOIN value AS j_result ON j_node.value_hash = j_result.value_hash "
    "LEFT OUTER JOIN task AS j_task ON j_job.task_hash = j_task.hash "
    "ORDER BY page.start_time DESC, page.id DESC"
)
# tag_select(TagEntity.Execution, ids) compiled for SQLite ({ids}: one parameter per id).
TAGS_SQL = (
    'SELECT tag.entity_id, tag."key", tag.value \n'
    "FROM tag \n"
    "WHERE tag.entity_id IN ({ids}) AND tag.entity_type = 'Execution' AND tag.is_current = 1"
)
# The unfiltered list's total, as the store counts it.
COUNT_SQL = "SELECT count(*) AS count_1 \nFROM execution"


def first_page(database: CheckedDatabase, limit: int = DEFAULT_PAGE_SIZE) -> Page[ExecutionRow]:
    """The first page of executions, newest first, exactly as ``Store.executions()`` returns it."""
    limit = check_limit(limit)
    connection = connect_read_only(database.path, database.busy_timeout)
    try:
        rows = [
            (exec_id, args, sqlite_datetime(updated), sqlite_datetime(start), sqlite_datetime(end), status,
             namespace, name)
            for exec_id, args, updated, start, end, status, namespace, name, _job_id
            in connection.execute(FIRST_PAGE_SQL, (limit + 1,)).fetchall()
        ]
        rows, next_cursor = split_page(rows, limit, 0, lambda row: (row[3], row[0]))
        ids = list(dict.fromkeys(row[0] for row in rows))
        tags = {}
        if ids:
            found = connection.execute(TAGS_SQL.replace("{ids}", ", ".join("?" * len(ids))), ids).fetchall()
            tags = tag_views_of((entity_id, key, read_json(value)) for entity_id, key, value in found)
        total = connection.execute(COUNT_SQL).fetchone()[0]
    finally:
        connection.close()
    items = tuple(make_execution_row(row, tags.get(row[0], ())) for row in rows)
    return Page(items=items, offset=0, next_cursor=next_cursor, total=total, seekable=True)


class LaunchStore:
    """The app's store when it starts on a SQLite file: the first page of executions from
    :func:`first_page`, everything else from the real Store, opened on first need.

    Thread-safe as the Store is: the real one is opened once, under a lock, by whichever worker
    needs it first (or :meth:`warm`). Code on the event loop may read :attr:`name` and
    :attr:`schema_warning` only; every other attribute is the real Store's.

    Args:
        database: the checked file (its version was judged before the app started).
        open_store: opens the real Store (imports SQLAlchemy and the models: ~0.2-0.3 s).
    """

    def __init__(self, database: CheckedDatabase, open_store: Callable[[], Store]) -> None:
        self.database = database
        self.name = database.display_name
        self.schema_warning = database.schema_warning
        self._open_store = open_store
        self._store: Store | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> Store:
        """The real Store (opened now if it is not yet: call it from a worker)."""
        with self._lock:
            if self._store is None:
                self._store = self._open_store()
            return self._store

    def warm(self) -> None:
        """Opens the real Store ahead of need (from a worker, once the first page is shown)."""
        self.store  # noqa: B018 - opening it is the point

    def executions(self, search: str = "", cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Page[ExecutionRow]:
        """``Store.executions``: the first unfiltered page from the stdlib driver until the real
        Store is open; anything else, or any trouble, from the real Store (its retries and its
        error messages)."""
        if self._store is None and not search.strip() and not cursor:
            try:
                return first_page(self.database, limit)
            except Exception:  # noqa: BLE001 - the Store answers instead, and reports what is wrong
                pass
        return self.store.executions(search, cursor, limit)

    def close(self) -> None:
        """Closes the real Store's database, if it was opened."""
        with self._lock:
            if self._store is not None:
                self._store.backend.close()

    def __getattr__(self, name: str) -> Any:
        # Every other Store method and attribute (only reached from workers).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.store, name)
