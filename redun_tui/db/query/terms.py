"""Small terms of a query: tag values typed on a command line, and id prefixes as index ranges."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from redun_tui.db.status import ERROR_VALUE_TYPE

# Kept under redun's name too: callers of the seed API import it.
REDUN_ERROR_TYPE_NAME = ERROR_VALUE_TYPE


class _AnyValue:
    """Sentinel tag value: a ``key`` given without ``=value`` matches every value."""

    _instance: _AnyValue | None = None

    def __new__(cls) -> _AnyValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ANY_VALUE"


ANY_VALUE: Any = _AnyValue()


def parse_tag_value(text: str) -> Any:
    """Reads a tag value typed on a command line, as redun does.

    Empty text is None; text starting with ``[``, ``{`` or ``"`` is JSON; then an int, a float,
    ``true``/``false``/``null``; anything else is the string itself.

    Raises:
        ValueError: JSON-looking text that is not valid JSON.
    """
    if not text:
        return None
    if text[0] in '[{"':
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"Invalid tag value: {error}") from None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    literals = {"true": True, "false": False, "null": None}
    return literals.get(text, text)


def parse_tag_key_value(key_value: str, value_required: bool = True) -> tuple[str, Any]:
    """Splits ``key=value`` into ``(key, parsed value)``; ``key`` alone gives ANY_VALUE.

    Raises:
        ValueError: no key, or no ``=`` when ``value_required``, or a bad JSON value.
    """
    if not key_value:
        raise ValueError("key must be specified.")
    if "=" not in key_value:
        if value_required:
            raise ValueError(f"key=value pair expected: '{key_value}'")
        return key_value, ANY_VALUE
    key, value = key_value.split("=", 1)
    if not key:
        raise ValueError(f"key must be specified: '{key_value}'")
    return key, parse_tag_value(value)


# -- id prefixes --------------------------------------------------------------------------------


def prefix_range(prefix: str) -> tuple[str, str]:
    """``(low, high)`` with ``low <= s < high`` exactly when ``s`` starts with ``prefix``.

    A range on an indexed column is an index seek on SQLite, where ``LIKE 'x%'`` is a full scan
    (SQLite's LIKE ignores case, so it cannot use a BINARY index). Code points compare as SQLite
    compares UTF-8 text.
    """
    if not prefix:
        return "", "\U0010ffff"
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix, prefix + "\U0010ffff"
    following = last + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates cannot be stored: skip them
        following = 0xE000
    return prefix, prefix[:-1] + chr(following)


def id_prefix_term(column: Any, prefix: str, dialect: str = "sqlite") -> Any:
    """A WHERE term for ``column`` starting with ``prefix`` that uses the column's index."""
    if dialect == "postgresql":
        # varchar_pattern_ops indexes serve LIKE 'x%'; ranges would follow the locale's order.
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%", escape="\\")
    low, high = prefix_range(prefix)
    return sa.and_(column >= low, column < high)


# -- argparse front end (the flags of `redun log`) ------------------------------------------------

