"""Rows as views: pure functions from column values to the views' dataclasses (stdlib only).

The store's queries (SQLAlchemy) and the launch path's first page (the stdlib driver,
:mod:`~redun_tui.store.first_page`) build their rows here, so both show the same text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from redun_tui.db.columns import json_text, trim_string
from redun_tui.views import ExecutionRow, TagView

TASK_NAME_LIMIT = 200  # characters of a task name in a list row
ARGS_LIMIT = 500  # characters of an execution's command line in a list row
TAG_TEXT_LIMIT = 1_000  # characters of a tag's JSON value in a view


def cut(text: str, limit: int) -> str:
    """Trims a raw database string for a list row ("…" marks the cut)."""
    if text is None:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fullname(namespace: str | None, name: str | None) -> str:
    if not name:
        return ""
    return f"{namespace}.{name}" if namespace else name


def tag_text(value: Any) -> str:
    return trim_string(json_text(value), TAG_TEXT_LIMIT)


def command_line(args_json: str | None) -> tuple[str, ...]:
    """``execution.args`` (a JSON list of the command line) as a tuple of strings."""
    if not args_json:
        return ()
    try:
        parsed = json.loads(args_json)
    except (ValueError, TypeError):
        return (args_json,)
    if isinstance(parsed, list):
        return tuple(str(item) for item in parsed)
    return (str(parsed),)


def make_execution_row(row: Any, tags: tuple[TagView, ...]) -> ExecutionRow:
    """An executions-list row from ``execution_select``'s first eight columns (datetimes read)."""
    exec_id, args, updated, start, end, status, namespace, name = row[:8]
    command = command_line(args)
    return ExecutionRow(
        id=exec_id,
        start_time=start,
        end_time=end,
        duration=(end - start) if (end is not None and start is not None) else None,
        status=status,
        task_name=cut(fullname(namespace, name), TASK_NAME_LIMIT),
        args=cut(" ".join(command[1:]), ARGS_LIMIT),
        tags=tags,
        updated_time=updated,
    )


def tag_views_of(rows: Iterable[tuple[str, str, Any]]) -> dict[str, tuple[TagView, ...]]:
    """``(entity_id, key, value)`` rows (the value decoded) as tags per entity, sorted by key and value."""
    found: dict[str, list[TagView]] = {}
    for entity_id, key, value in rows:
        found.setdefault(entity_id, []).append(TagView(key=trim_string(key, TAG_TEXT_LIMIT), value=tag_text(value)))
    return {key: tuple(sorted(tags, key=lambda tag: (tag.key, tag.value))) for key, tags in found.items()}
