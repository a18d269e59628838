"""The one cursor codec, page sizes and page splitting (standard library only).

A cursor is opaque to callers: the next page's offset and the last row's sort key, JSON in
URL-safe base64. The launch path's first page (:mod:`~redun_tui.store.first_page`) makes its
next cursor here too, so the store reads the second page from it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
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


def encode_cursor(offset: int, key: Sequence[Any]) -> str:
    """An opaque cursor: the next page's offset and the last row's sort key."""
    parts: list[Any] = [offset]
    for item in key:
        if isinstance(item, datetime):
            parts.append({"t": item.astimezone(timezone.utc).isoformat()})
        else:
            parts.append(item)
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor_parts(cursor: str) -> list[Any]:
    """The items of a cursor (offset first; datetimes decoded), or StoreError."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        return [int(parts[0]), *(datetime.fromisoformat(item["t"]) if isinstance(item, dict) else item for item in parts[1:])]
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error, json.JSONDecodeError):
        raise StoreError("invalid page cursor") from None


def decode_cursor(cursor: str | None, arity: int) -> tuple[int, tuple[Any, ...] | None]:
    """(offset, key) from a cursor; (0, None) for the first page."""
    if not cursor:
        return 0, None
    offset, *key = decode_cursor_parts(cursor)
    if len(key) != arity:
        raise StoreError("invalid page cursor")
    return offset, tuple(key)


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
