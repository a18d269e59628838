"""The UI's read-only facade over a redun database.

Every method opens its own Session (``backend.new_session()``), runs a few bounded queries,
returns :mod:`redun_tui.views` dataclasses and closes the Session: no ORM object leaves this
package. Methods are called from thread workers, never from the event loop. Lists are paged with
keyset cursors, counts are ``GROUP BY`` queries, and nothing loads rows it does not return.

:class:`Store` is only the facade: one line per method over its read helper. The work is done by
functions over a Session, one module per domain — :mod:`~redun_tui.store.executions`,
:mod:`~redun_tui.store.jobs`, :mod:`~redun_tui.store.values` (value, text, dataflow),
:mod:`~redun_tui.store.catalog` (tasks, files), :mod:`~redun_tui.store.uses` (who produced and
read a value), :mod:`~redun_tui.store.search`,
:mod:`~redun_tui.store.live` (heartbeat), :mod:`~redun_tui.store.diff` (two executions compared),
:mod:`~redun_tui.store.timeline` (time axis, critical path, task statistics and history),
:mod:`~redun_tui.store.downstream` (what a value fed) — built from shared blocks: :mod:`~redun_tui.store.sql`
(joins, aliases, look-ups), :mod:`~redun_tui.store.paging` (cursors, keysets),
:mod:`~redun_tui.store.previews` (value refs, error views, cut text),
:mod:`~redun_tui.store.errors` and :mod:`~redun_tui.store.routes` (the route grammar).

Errors: :class:`NotFound` (unknown id/route), :class:`Ambiguous` (prefix matches several records;
``candidates`` lists them), :class:`StoreError` (a bad cursor, page size or status),
:class:`redun_tui.search.SearchSyntaxError` (search text that does not parse), and
:class:`redun_tui.db.models.RedunDatabaseError` subclasses for database trouble (locked after
the retries, vanished, corrupt).

Importing this package is cheap: its names load on first use (PEP 562), so the route grammar
(:mod:`~redun_tui.store.routes`), the errors and the launch path's first page
(:mod:`~redun_tui.store.first_page`) are usable before SQLAlchemy is imported. :class:`Store`
itself is defined in :mod:`~redun_tui.store.facade`.
"""

from __future__ import annotations

from redun_tui.lazy import lazy_names

__all__ = [
    "ARGS_LIMIT",
    "CANDIDATES_LIMIT",
    "DEFAULT_PAGE_SIZE",
    "FULL_VALUE_LIMIT",
    "MAX_VALUE_SIZE_PREVIEW",
    "PAGE_LIMIT_MAX",
    "PREVIEW_LIMIT",
    "PROBE_ROWS",
    "RECENT_JOBS_LIMIT",
    "RECENT_SCAN_THRESHOLD",
    "REF_LIMIT",
    "RELATED_LIMIT",
    "SUBVALUE_LIMIT",
    "TAG_TEXT_LIMIT",
    "TASK_NAME_LIMIT",
    "UPSTREAM_JOBS_PER_ARG",
    "Ambiguous",
    "NotFound",
    "Store",
    "StoreError",
]


# Names whose home module is light (no SQLAlchemy); the rest come from the facade.
_LIGHT = {
    "Ambiguous": "errors",
    "NotFound": "errors",
    "StoreError": "errors",
    "DEFAULT_PAGE_SIZE": "cursors",
    "PAGE_LIMIT_MAX": "cursors",
    "PROBE_ROWS": "cursors",
    "ARGS_LIMIT": "rows",
    "TAG_TEXT_LIMIT": "rows",
    "TASK_NAME_LIMIT": "rows",
}


__getattr__, __dir__ = lazy_names(__name__, {name: _LIGHT.get(name, "facade") for name in __all__})
