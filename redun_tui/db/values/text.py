"""Text of decoded values: redun's trimming and the bounded, never-raising repr.

Every stand-in prints through :func:`_full_text` (``StandIn.__repr__``), and
:func:`value_repr` / :func:`value_str` print whole decoded values part by part, so a huge
or self-sharing value costs only what is shown. Kept apart from the classes it prints: it
is the one place that decides how decoded data becomes text.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from redun_tui.db.columns import trim_string  # noqa: F401 - re-exported (shared with the launch path)

#: A repr never grows past this many characters (a pickle of shared sub-lists can describe
#: an exponentially large text).
REPR_HARD_LIMIT = 2_000_000
#: Containers nested deeper than this print as ``...`` instead of exhausting the stack.
MAX_REPR_DEPTH = 150


_PLAIN_LEAVES = frozenset(
    {type(None), bool, int, float, complex, str, bytes, bytearray, type(...), type(NotImplemented)}
)


class _Repr:
    """Marks a part of a stand-in's repr that is ``repr()`` of a nested value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Str:
    """Marks a part of a stand-in's repr that is ``str()`` of a nested value (f-string style)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_render_options = threading.local()


def _sorting_sets() -> bool:
    return getattr(_render_options, "sort_sets", False)


def _leaf_repr(obj: Any) -> str:
    """repr() of a value that is not walked part by part; never raises."""
    try:
        text = repr(obj)
    except ValueError:
        if isinstance(obj, int):
            # Above 4,300 digits int -> str is refused by the interpreter (CVE-2020-10735).
            return f"<int of {obj.bit_length()} bits>"
        return f"<unprintable {type(obj).__name__}>"
    except Exception as error:  # repr of odd data must never break a screen
        return f"<unprintable {type(obj).__name__}: {type(error).__name__}>"
    if not isinstance(text, str):
        return f"<unprintable {type(obj).__name__}>"
    return text


def _leaf_str(obj: Any) -> str:
    """str() of a value, as an f-string would insert it; never raises."""
    if isinstance(obj, StandIn):
        return _render(obj)
    try:
        text = str(obj)
    except Exception:
        return _leaf_repr(obj)
    return text if isinstance(text, str) else _leaf_repr(obj)


def _full_text(obj: Any, limit: int | None = None) -> str:
    """The repr of ``obj`` built by :func:`_iter_repr`, cut after ``limit`` characters."""
    if limit is None:
        limit = REPR_HARD_LIMIT
    parts: list[str] = []
    size = 0
    for chunk in _iter_repr(obj, 0, set()):
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    text = "".join(parts)
    return text if size <= limit else text[:limit] + "..."


def _render(obj: Any) -> str:
    """Full repr of a stand-in (used by ``StandIn.__repr__``)."""
    return _full_text(obj)


def _iter_items(
    items: Iterable[Any], depth: int, active: set[int], sep: str = ", "
) -> Iterator[str]:
    for index, item in enumerate(items):
        if index:
            yield sep
        yield from _iter_repr(item, depth + 1, active)


def _set_items(obj: Any) -> list[Any]:
    items = list(obj)
    if _sorting_sets() and len(items) > 1:
        keyed = [(_full_text(item), index, item) for index, item in enumerate(items)]
        keyed.sort(key=lambda entry: (entry[0], entry[1]))
        items = [entry[2] for entry in keyed]
    return items


def _iter_repr(obj: Any, depth: int, active: set[int]) -> Iterator[str]:
    """Yield the repr of ``obj`` in pieces, so callers can stop once they have enough.

    The text equals Python's ``repr`` for builtin containers and the stand-ins' redun-style
    reprs; walking lazily keeps huge or self-sharing values cheap to preview.
    """
    if depth > MAX_REPR_DEPTH:
        yield "..."
        return
    kind = type(obj)
    if kind in _PLAIN_LEAVES:
        yield _leaf_repr(obj)
        return
    key = id(obj)
    if key in active:
        # Python prints a container that contains itself as [...]; a stand-in would recurse
        # forever in redun, we print an ellipsis instead.
        yield {list: "[...]", dict: "{...}", tuple: "(...)"}.get(kind, "...")
        return
    active.add(key)
    try:
        if kind is OversizedValue:
            # Transparent: the wrapper only exists to keep Python's repr() away.
            yield from _iter_repr(obj.value, depth, active)
        elif isinstance(obj, StandIn):
            try:
                parts = list(obj._repr_parts())
            except Exception as error:
                yield f"<unprintable {type(obj).__name__}: {type(error).__name__}>"
                return
            for part in parts:
                if isinstance(part, str):
                    yield part
                elif isinstance(part, _Str):
                    if isinstance(part.value, str):
                        yield part.value
                    elif isinstance(part.value, StandIn):
                        yield from _iter_repr(part.value, depth + 1, active)
                    else:
                        yield _leaf_str(part.value)
                else:
                    yield from _iter_repr(part.value, depth + 1, active)
        elif kind is list:
            yield "["
            yield from _iter_items(obj, depth, active)
            yield "]"
        elif kind is tuple:
            yield "("
            yield from _iter_items(obj, depth, active)
            yield ",)" if len(obj) == 1 else ")"
        elif kind is dict:
            yield "{"
            for index, (k, v) in enumerate(list(obj.items())):
                if index:
                    yield ", "
                yield from _iter_repr(k, depth + 1, active)
                yield ": "
                yield from _iter_repr(v, depth + 1, active)
            yield "}"
        elif kind is OrderedDict or kind is collections.OrderedDict:
            # Python 3.11's format (what redun 0.44 printed), whatever Python runs us.
            if not obj:
                yield "OrderedDict()"
            else:
                yield "OrderedDict(["
                for index, (k, v) in enumerate(list(obj.items())):
                    if index:
                        yield ", "
                    yield "("
                    yield from _iter_repr(k, depth + 1, active)
                    yield ", "
                    yield from _iter_repr(v, depth + 1, active)
                    yield ")"
                yield "])"
        elif kind in (set, PickledSet):
            if not obj:
                yield "set()"
            else:
                yield "{"
                yield from _iter_items(_set_items(obj), depth, active)
                yield "}"
        elif kind in (frozenset, PickledFrozenSet):
            if not obj:
                yield "frozenset()"
            else:
                yield "frozenset({"
                yield from _iter_items(_set_items(obj), depth, active)
                yield "})"
        elif isinstance(obj, BaseException) and kind in _BUILTIN_EXCEPTIONS:
            args = obj.args
            yield kind.__name__
            if isinstance(args, tuple) and len(args) == 1:
                yield "("
                yield from _iter_repr(args[0], depth + 1, active)
                yield ")"
            else:
                yield from _iter_repr(args, depth + 1, active)
        else:
            yield _leaf_repr(obj)
    finally:
        active.discard(key)


def value_repr(
    obj: Any,
    max_length: int | None = 200,
    *,
    ellipsis: str = "...",
    sort_sets: bool = False,
) -> str:
    """The text redun shows for a decoded value: ``trim_string(repr(obj), max_length)``.

    Works part by part, so a huge value costs only what is shown, and never raises. Prefer
    it to ``repr()``: Python's own repr of a decoded list can raise (100,000 nested lists,
    a 200,000-digit int) or never finish (a pickle that shares sub-lists expands to 2**40
    items), while this stops after ``max_length`` characters.

    Args:
        obj: a value returned by :func:`decode_value` or :func:`preview_value`, or any
            plain container of them (``[arg.value_parsed for arg in ...]``).
        max_length: trim to this many characters (redun uses 200); ``None`` for the full
            text (still cut at :data:`REPR_HARD_LIMIT` characters).
        ellipsis: what marks a cut (as ``trim_string``'s).
        sort_sets: print set items sorted by their repr instead of in the order the pickle
            listed them (a stable form for comparisons).

    Returns:
        The display text.
    """
    previous = _sorting_sets()
    _render_options.sort_sets = sort_sets
    try:
        if max_length is None:
            return _full_text(obj)
        parts: list[str] = []
        size = 0
        for chunk in _iter_repr(obj, 0, set()):
            parts.append(chunk)
            size += len(chunk)
            if size > max_length:
                break
        return trim_string("".join(parts), max_length, ellipsis)
    finally:
        _render_options.sort_sets = previous


def value_str(obj: Any, max_length: int | None = 200, *, ellipsis: str = "...") -> str:
    """``trim_string(str(obj), max_length)``, bounded and never raising (see value_repr).

    redun prints some values with ``str()`` (``Argument.__repr__``): a string shows
    without quotes and an exception as its message; everything else prints as its repr.

    Args:
        obj: a decoded value.
        max_length: trim to this many characters; ``None`` for the full text.
        ellipsis: what marks a cut.

    Returns:
        The display text.
    """
    kind = type(obj)
    if kind is str:
        text = obj
    elif kind in _BUILTIN_EXCEPTIONS or isinstance(obj, (ExceptionStandIn, ScriptError)):
        text = _error_message(obj)
    elif kind in _PLAIN_LEAVES:
        text = _leaf_str(obj)
    else:
        return value_repr(obj, max_length, ellipsis=ellipsis)
    return text if max_length is None else trim_string(text, max_length, ellipsis)


def _short_hash(value: Any) -> Any:
    """``value[:8]`` as redun writes ``hash[:8]``, tolerating non-strings."""
    if isinstance(value, str):
        return value[:8]
    if value is None:
        return ""
    return _leaf_str(value)[:8]


# The renderer prints the classes built on top of it (their reprs call back into it), so it
# binds them once its own names exist; the package imports this module before the others.
from redun_tui.db.values.builders import OrderedDict, PickledFrozenSet, PickledSet  # noqa: E402
from redun_tui.db.values.redun_types import ScriptError, _error_message  # noqa: E402
from redun_tui.db.values.standins import (  # noqa: E402
    _BUILTIN_EXCEPTIONS,
    ExceptionStandIn,
    OversizedValue,
    StandIn,
)
