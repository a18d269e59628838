"""The one place where database text becomes something a widget displays.

Every string that comes from a database (ids, task names, argument reprs, error messages, paths,
tags) reaches the screen through :func:`literal` or :func:`rich_literal`: control and escape
characters are made visible by :func:`redun_tui.formatting.safe_text`, and the result is a
``Content``/``Text`` object, so Textual never parses it as markup (``[@click=app.quit]`` in a value
must stay those characters).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.text import Text
from textual.content import Content

from redun_tui.formatting import one_line, safe_text

# Longest text shown on one line (a cell, a link, a field): database text can be megabytes long
# (a 1 MB tag value, a 5,000-character argument); the full text is one screen away.
LINE_LIMIT = 1_000
FIELD_LIMIT = 2_000
LABEL_GAP = 2  # spaces between the longest label of a field block and the values


def plain(text: object, *, single_line: bool = False, limit: int | None = None) -> str:
    """Database text made safe for a terminal, as a plain ``str`` (for our own renderers).

    Args:
        text: anything; ``None`` becomes "".
        single_line: escape newlines and tabs so the text stays on one line.
        limit: trim to this many characters (with an ellipsis).
    """
    if text is None:
        return ""
    if single_line:
        return one_line(text, limit)
    result = safe_text(text)
    if limit is not None and len(result) > limit:
        result = result[: max(limit - 1, 0)] + "…"
    return result


def literal(text: object, *, single_line: bool = False, limit: int | None = None, style: str = "") -> Content:
    """Database text as ``Content`` that Textual displays character for character.

    Args:
        text: anything; ``None`` becomes empty content.
        single_line: escape newlines and tabs (cells, labels, notifications).
        limit: trim to this many characters (with an ellipsis).
        style: an optional style (e.g. "bold"); colours belong in app.tcss, not here.
    """
    content = Content(plain(text, single_line=single_line, limit=limit))
    return content.stylize(style) if style else content


def rich_literal(text: object, *, single_line: bool = True, limit: int | None = None, style: str = "") -> Text:
    """Database text as a Rich ``Text`` (for widgets that take Rich text, e.g. Tree labels)."""
    return Text(plain(text, single_line=single_line, limit=limit), style=style or "")


def fields(pairs: Iterable[tuple[str, object]], *, label_width: int | None = None) -> Content:
    """A block of ``label  value`` lines (labels bold); both are shown literally, made safe.

    Args:
        pairs: (label, value) pairs; each kept on one line.
        label_width: pad labels to this width (default: the longest label).
    """
    items = list(pairs)
    if not items:
        return Content("")
    # Labels may be database text too (tag keys): made safe like the values.
    labels = [plain(label, single_line=True, limit=60) for label, _ in items]
    width = label_width if label_width is not None else max(len(label) for label in labels)
    # The gap belongs to the label's run: a value never starts with the spaces that separate it
    # (SVG renderers such as librsvg drop a run's leading spaces: "StatusFAILED").
    lines = [
        Content.assemble((label.ljust(width + LABEL_GAP), "bold"), literal(value, single_line=True, limit=FIELD_LIMIT))
        for label, (_, value) in zip(labels, items)
    ]
    return Content("\n").join(lines)


def tag_value(value: str) -> str:
    """A tag's JSON value for display: JSON strings without their quotes (``"prod"`` -> prod)."""
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if isinstance(decoded, str):
            return decoded
    return value


def tags_text(tags: Iterable[object], separator: str = " ") -> str:
    """Tags as ``key=value`` words (values as :func:`tag_value` shows them)."""
    return separator.join(f"{tag.key}={tag_value(tag.value)}" for tag in tags)  # type: ignore[attr-defined]


def message(text: object, limit: int = 500) -> str:
    """Text for ``notify(..., markup=False)``: one safe line, bounded."""
    return one_line(text, limit)
