"""How JSON and time columns read, and redun's trimming of shown text: for SQLAlchemy's column types and the stdlib driver.

Standard library only: :mod:`redun_tui.db.models`' ``JSON`` and ``DateTimeUTC`` types call these
to turn what SQLite returns into Python values, and the launch path's first page
(:mod:`redun_tui.store.first_page`), read with the stdlib driver, calls the same functions on the
same text.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any


class UnparsedJSON(str):
    """The text of a JSON column that is not valid JSON: bad data, kept as the text it is.

    A str, so everything that shows or exports a value still works; its type says that the
    text was not parsed (see :func:`json_text`).
    """

    __slots__ = ()


UNPARSED_MARK = "(unparsed)"


def json_dumps(value: Any) -> str:
    """Normalized JSON text, as redun stores it: sorted keys, no spaces."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def json_text(value: Any) -> str:
    """A JSON column's value as text to show: normalized JSON, or the stored text marked unparsed.

    ``{"a": 1}`` -> ``{"a":1}``; an :class:`UnparsedJSON` ``{oops`` -> ``(unparsed) {oops`` (the
    mark first, so a cut of a long value keeps it).
    """
    if isinstance(value, UnparsedJSON):
        return f"{UNPARSED_MARK} {str(value)}"
    return json_dumps(value)


def read_json(value: Any) -> Any:
    """A JSON column's stored text as a value (SQLite; PostgreSQL's driver decodes JSONB itself).

    Text that is not JSON stays the text it is, as :class:`UnparsedJSON`.
    """
    if value is None:
        return None
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        # One bad tag must not make a whole page (or an export) fail: the row is still
        # read, its value kept as the stored text and marked (redun itself writes only
        # JSON here; this is a damaged or hand-edited database).
        return UnparsedJSON(value if isinstance(value, str) else repr(value))


def utc(value: datetime | None) -> datetime | None:
    """A datetime column's value, timezone-aware: SQLite's naive text is read back as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def sqlite_datetime(text: Any) -> datetime | None:
    """A SQLite datetime column's stored text as SQLAlchemy's SQLite ``DATETIME`` reads it
    (``datetime.fromisoformat``), then :func:`utc`.

    Text that is not a time (SQLite stores whatever it is given) reads as None, an unknown time,
    where SQLAlchemy would raise: bad data in a good database is shown, never fatal.
    """
    if text is None:
        return None
    try:
        return utc(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return None


def trim_string(text: str, max_length: int = 200, ellipsis: str = "...") -> str:
    """Shorten ``text`` to ``max_length`` characters the way redun does.

    Text longer than ``max_length`` keeps its first ``max_length - len(ellipsis)``
    characters followed by ``ellipsis``; shorter text is returned unchanged.

    Args:
        text: the text to shorten.
        max_length: the longest result allowed.
        ellipsis: what marks the cut.

    Returns:
        The possibly shortened text.

    Raises:
        ValueError: if ``max_length`` cannot even hold the ellipsis.
    """
    if max_length < len(ellipsis):
        raise ValueError("max_length must be at least the length of the ellipsis")
    if len(text) > max_length:
        return text[: max_length - len(ellipsis)] + ellipsis
    return text
