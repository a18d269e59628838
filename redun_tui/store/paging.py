"""Paging: keyset conditions and newest-first probes, over the cursor codec of :mod:`~redun_tui.store.cursors`.

A cursor is opaque to callers: a row index and a row's sort key, JSON in URL-safe base64. Lists
are paged with keysets (``WHERE (col1, col2) > key``), so page 500 costs what page 1 does, in
either direction: a backward cursor reads the same keyset in reverse order, which is how the last
page of a million rows is read directly. Only a jump to row N of a list of known size skips rows
with OFFSET, counting from the nearer end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from redun_tui.store.cursors import (  # noqa: F401 - re-exported: paging's building blocks
    BACKWARD,
    DEFAULT_PAGE_SIZE,
    PAGE_LIMIT_MAX,
    PROBE_ROWS,
    Position,
    check_limit,
    decode_cursor,
    decode_cursor_parts,
    decode_position,
    decode_position_parts,
    encode_cursor,
    first_cursor,
    last_cursor,
    row_cursor,
    split_page,
    split_position_page,
)


def keyset_after(columns: Sequence[Any], key: Sequence[Any], descending: bool = False) -> Any:
    """Rows strictly after ``key`` in (col1, col2, …) order (ascending, or descending).

    The first column also gets a plain range bound (``col <= v``), which an index can seek to;
    the OR that breaks ties alone would make SQLite scan from the start of the index.
    """
    bound = columns[0] <= key[0] if descending else columns[0] >= key[0]
    return and_(bound, _strictly_after(columns, key, descending))


def keyset_page(query: Any, columns: Sequence[Any], position: Position, limit: int, descending: bool = False) -> Any:
    """``query`` limited to the ``limit + 1`` rows of the page at ``position`` of a list in
    ``columns`` order (``descending``), in SQL order (see :func:`split_position_page`): after
    or before the position's key, or skipping rows from either end (a jump)."""
    flipped = position.flips(descending)
    if position.key is not None:
        query = query.where(keyset_after(columns, position.key, flipped))
    order = [column.desc() for column in columns] if flipped else list(columns)
    return query.order_by(*order).limit(limit + 1).offset(position.skip() or None)


def _strictly_after(columns: Sequence[Any], key: Sequence[Any], descending: bool) -> Any:
    column, rest = columns[0], columns[1:]
    value = key[0]
    beyond = column < value if descending else column > value
    if not rest:
        return beyond
    return or_(beyond, and_(column == value, _strictly_after(rest, key[1:], descending)))


def probe_newest(session: Session, drive: Any, match: Any, size: int, oldest_first: bool = False) -> list[tuple] | None:
    """``(id, start_time)`` of the first ``size`` driving rows that ``match`` accepts, or None.

    Args:
        drive: a SELECT of ``id`` and ``start_time`` (and whatever ``match`` reads), newest first.
        match: given the window subquery, an EXISTS condition, or an ORM Query (a CallGraphQuery
            subquery) filtered to the window's row.
        oldest_first: ``drive`` runs oldest first (a backward page): the first ``size`` matches
            in that order are kept (still returned newest first).
    None means the window of PROBE_ROWS rows held fewer than ``size`` matches: the caller sorts
    the full match set instead.
    """
    window = drive.limit(PROBE_ROWS).subquery("probe_window")
    condition = match(window)
    if hasattr(condition, "exists") and not hasattr(condition, "self_group"):  # an ORM Query
        condition = condition.exists()
    probe = select(window.c.id, window.c.start_time).where(condition).limit(size)
    if session.get_bind().dialect.name != "sqlite":
        if oldest_first:
            probe = probe.order_by(window.c.start_time, window.c.id)
        else:
            probe = probe.order_by(window.c.start_time.desc(), window.c.id.desc())
    # On SQLite the window is a co-routine yielding rows in its ORDER BY order and the outer
    # query keeps that order, so it stops at the size-th match; an outer ORDER BY would make it
    # test all PROBE_ROWS rows first. The sort below only restates that order.
    rows = sorted((tuple(row) for row in session.execute(probe).all()), key=newest_first)
    return rows if len(rows) >= size else None


def newest_first(row: tuple) -> tuple:
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
