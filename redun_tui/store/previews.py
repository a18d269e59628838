"""How records read in a view: value refs and previews, error views, cut text, names.

Pure functions over column values (no queries): the domain modules select the columns
(:func:`redun_tui.store.sql.value_columns`) and turn them into views here. Values are decoded
only through :mod:`redun_tui.db.values`' restricted unpickler, and only when small enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from redun_tui.db import dataflow as _dataflow
from redun_tui.db import values as _values
from redun_tui.store.rows import (  # noqa: F401 - re-exported: how raw columns read in a row
    ARGS_LIMIT,
    TAG_TEXT_LIMIT,
    TASK_NAME_LIMIT,
    command_line,
    cut,
    fullname,
    tag_text,
)
from redun_tui.views import ErrorView, ValueRef

PREVIEW_LIMIT = 20_000  # characters of a value preview shown inline

# Values bigger than this are never unpickled for a preview (redun's rule: it shows
# ``type(hash=…, size=…)`` instead). Their bytes are not even fetched.
MAX_VALUE_SIZE_PREVIEW = _values.MAX_VALUE_SIZE_PREVIEW
# value_text() decodes up to this many bytes: the user asked for the whole value, but a
# multi-gigabyte pickle must not take the app's memory with it.
FULL_VALUE_LIMIT = 64 * 1024 * 1024

REF_LIMIT = 200  # characters of a value's repr in a link (redun's trim_string default)


def big_value_text(value_hash: str, type_name: str, size: int | None) -> str:
    """What redun shows for a value it will not unpickle (over the preview size limit)."""
    return repr(_values.PreviewValue(_values.ValueRef(type_name, value_hash), size))


def decode_preview(value_hash: str, type_name: str, fmt: str, data: bytes) -> Any:
    """The object redun would preview: stand-ins built by the restricted unpickler."""
    return _values.preview_value(value_hash, type_name, fmt, data)


def ref_text(value_hash: str, type_name: str, fmt: str, size: int | None, data: bytes | None,
             limit: int = REF_LIMIT) -> str:
    """redun's one-line display of a value: the repr of its preview, trimmed to ``limit``
    characters (redun's 200 by default; shorter in list rows).

    ``data`` is None when the bytes were not fetched (over the preview limit): such values are
    never decoded.
    """
    if data is None or (size is not None and size > MAX_VALUE_SIZE_PREVIEW):
        return big_value_text(value_hash, type_name, size)
    try:
        obj = decode_preview(value_hash, type_name, fmt, data)
    except Exception as error:  # the decoder reports bad pickles itself; this is a last guard
        return f"<cannot decode {type_name}: {type(error).__name__}>"
    return _values.value_repr(obj, limit)


def value_ref(row: Any) -> ValueRef:
    """A ValueRef from the value_columns() of a row."""
    value_hash, type_name, fmt, size, data = row
    return ValueRef(
        value_hash=value_hash,
        type=type_name or "",
        preview=ref_text(value_hash, type_name or "", fmt or "", size, data),
        size=size,
    )


def task_arg_names(source: str | None, name: str | None) -> list[str] | None:
    """The task's parameter names as the dataflow names them, or None when the source does not parse."""
    try:
        return list(_dataflow.get_task_args(SimpleNamespace(source=source or "", name=name)))
    except SyntaxError:
        return None


def error_view(obj: Any) -> ErrorView:
    """An ErrorView from a decoded ErrorValue stand-in: repr, message and traceback lines."""
    if not isinstance(obj, _values.ErrorValue):
        text = _values.value_repr(obj, PREVIEW_LIMIT)
        return ErrorView(error_repr=text, message=text, traceback=())
    traceback = getattr(obj, "traceback", None)
    if isinstance(traceback, _values.Traceback):
        lines = tuple("".join(traceback.format()).splitlines())
    else:
        # No traceback recorded: redun still ends with "Type: message".
        lines = (f"{obj.error_type}: {obj.error_message}",)
    return ErrorView(
        error_repr=_values.value_repr(obj.error, PREVIEW_LIMIT),
        message=obj.error_message,
        traceback=lines,
    )


def error_from_columns(result_cols: Sequence[Any]) -> ErrorView:
    value_hash, type_name, fmt, size, data = result_cols
    if data is None:
        text = big_value_text(value_hash, type_name, size)
        return ErrorView(error_repr=text, message=text)
    try:
        obj = decode_preview(value_hash, type_name, fmt, data)
    except Exception as error:
        text = f"<cannot decode {type_name}: {type(error).__name__}>"
        return ErrorView(error_repr=text, message=text)
    return error_view(obj)


def value_preview_text(value_cols: Sequence[Any]) -> tuple[str, bool]:
    """The bounded multi-line preview of a value and whether it was cut."""
    value_hash, type_name, fmt, size, data = value_cols
    if size == 0:
        text = big_value_text(value_hash, type_name, size)
        return f"{text}\n[the bytes are kept in a value store, not in this database]", True
    if data is None:
        text = big_value_text(value_hash, type_name, size)
        return (
            f"{text}\n[not decoded: {size:,} bytes is over the {MAX_VALUE_SIZE_PREVIEW:,}-byte preview limit]",
            True,
        )
    try:
        obj = decode_preview(value_hash, type_name, fmt, data)
    except Exception as error:
        return f"<cannot decode {type_name}: {type(error).__name__}>", False
    # One character over the limit tells "exactly fits" from "was cut", without rendering
    # more of a huge value than that.
    text = _values.value_repr(obj, PREVIEW_LIMIT + 1)
    if len(text) <= PREVIEW_LIMIT:
        return text, False
    return f"{text[:PREVIEW_LIMIT]}\n[preview cut at {PREVIEW_LIMIT:,} characters]", True
