"""The one cursor codec, page sizes and page splitting (standard library only).

A cursor is opaque to callers: a row index and a row's sort key, JSON in URL-safe base64 (a
backward cursor reads the rows before a point; see :mod:`~redun_tui.store.paging` for the
keysets). The launch path's first page (:mod:`~redun_tui.store.first_page`) makes its next
cursor here too, so the store reads the second page from it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from redun_tui.store.errors import StoreError

DEFAULT_PAGE_SIZE = 200
PAGE_LIMIT_MAX = 5_000
# Newest-first searches first look for matches among this many of the newest rows (walking the
# start-time index and testing each row against the search): a common match fills a page after a
# few hundred rows. Only when that window holds less than a page does the search sort all its
# matches (then few, or the window would have filled).
PROBE_ROWS = 5_000


BACKWARD = "<"  # first item of a cursor that fetches the rows *before* a point


@dataclass(frozen=True)
class Position:
    """Where a page starts, decoded from a cursor.

    Row indexes are signed: ``n >= 0`` is the n-th row from the start, ``-k`` the k-th row from
    the end (``-1`` the last row). A forward position fetches from ``offset`` on, after ``key``
    (or by skipping ``offset`` rows when there is no key). A backward one fetches the rows that
    end just before ``offset`` (``0``: the end of the list), before ``key`` (or skipping ``-offset``
    rows from the end when there is no key): the list's reverse order, the same keyset.
    """

    offset: int = 0
    key: tuple[Any, ...] | None = None
    backward: bool = False

    def flips(self, descending: bool) -> bool:
        """The SQL order of this page: the list's order, reversed for a backward page."""
        return descending != self.backward

    def skip(self) -> int:
        """Rows to skip with OFFSET (a jump without a key), 0 when the keyset positions the page."""
        if self.key is not None:
            return 0
        return -self.offset if self.backward else self.offset


def encode_cursor(offset: int, key: Sequence[Any], backward: bool = False) -> str:
    """An opaque cursor: a row index (see :class:`Position`) and a sort key (may be empty)."""
    parts: list[Any] = [BACKWARD, offset] if backward else [offset]
    for item in key:
        if isinstance(item, datetime):
            parts.append({"t": item.astimezone(timezone.utc).isoformat()})
        else:
            parts.append(item)
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def first_cursor() -> str:
    """The cursor of the first page (a list's first page is also fetched with no cursor)."""
    return encode_cursor(0, ())


def last_cursor() -> str:
    """The cursor of the last page: the list's reverse order from its end."""
    return encode_cursor(0, (), backward=True)


def row_cursor(index: int, total: int, limit: int) -> str:
    """A cursor for the page holding row ``index`` of ``total``: OFFSET from the nearer end.

    SQLite steps over the skipped rows one by one, so a jump into the second half of a list
    counts from the end (reverse order), never more than half the list.
    """
    index = max(0, min(index, total - 1))
    if index <= total // 2:
        return encode_cursor(index, ())
    end = min(index + limit, total)  # the page ends here
    return encode_cursor(end - total, (), backward=True)


def decode_position_parts(cursor: str) -> tuple[bool, list[Any]]:
    """(backward, [row index, *rest]) of a cursor (datetimes decoded), or StoreError."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        backward = bool(parts) and parts[0] == BACKWARD
        if backward:
            parts = parts[1:]
        items = [int(parts[0]), *(datetime.fromisoformat(item["t"]) if isinstance(item, dict) else item for item in parts[1:])]
        return backward, items
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error, json.JSONDecodeError):
        raise StoreError("invalid page cursor") from None


def decode_cursor_parts(cursor: str) -> list[Any]:
    """The items of a forward cursor (offset first; datetimes decoded), or StoreError."""
    backward, parts = decode_position_parts(cursor)
    if backward:
        raise StoreError("invalid page cursor")
    return parts


def decode_cursor(cursor: str | None, arity: int) -> tuple[int, tuple[Any, ...] | None]:
    """(offset, key) from a forward cursor; (0, None) for the first page."""
    if not cursor:
        return 0, None
    offset, *key = decode_cursor_parts(cursor)
    if len(key) != arity:
        raise StoreError("invalid page cursor")
    return offset, tuple(key)


def decode_position(cursor: str | None, arity: int) -> Position:
    """The :class:`Position` of a cursor of any kind (None: the first page)."""
    if not cursor:
        return Position()
    backward, (offset, *key) = decode_position_parts(cursor)
    if key and len(key) != arity:
        raise StoreError("invalid page cursor")
    if offset < 0 and not backward and not key:
        raise StoreError("invalid page cursor")  # a forward jump counts from the start
    return Position(offset, tuple(key) if key else None, backward)


def split_position_page(
    rows: list, limit: int, position: Position, key_of: Callable[[Any], Sequence[Any]]
) -> tuple[list, int, str | None, str | None]:
    """Splits ``limit + 1`` rows fetched at ``position`` (in SQL order) into the page in list
    order, the row index of its first row, and the cursors of the pages before and after it."""
    more = len(rows) > limit
    rows = list(rows[:limit])
    if position.backward:
        rows.reverse()
        first = position.offset - len(rows)
        if position.offset > 0 and first < 0:
            first = 0  # rows were added since the offset was counted
        before, after = more, position.key is not None or position.offset != 0
    else:
        first = position.offset
        before, after = position.key is not None or position.offset != 0, more
    if not rows:
        return rows, first, None, None
    previous = encode_cursor(first, key_of(rows[0]), backward=True) if before else None
    following = encode_cursor(first + len(rows), key_of(rows[-1])) if after else None
    return rows, first, previous, following


def split_page(rows: list, limit: int, offset: int, key_of: Callable[[Any], Sequence[Any]]) -> tuple[list, str | None]:
    """Splits ``limit + 1`` fetched rows into the page and the next cursor."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(offset + limit, key_of(rows[-1]))
    return rows, None


def check_limit(limit: int) -> int:
    if limit < 1:
        raise StoreError("page size must be at least 1")
    return min(limit, PAGE_LIMIT_MAX)
