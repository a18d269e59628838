"""Safe decoding of redun value rows.

A redun ``value`` row holds ``(value_hash, type, format, value)``; ``value`` is usually a
pickle. Unpickling runs whatever the pickle names, so this module never hands a pickle to
Python's normal loader. :class:`_RestrictedUnpickler` resolves every global a pickle names
to something defined or vetted here:

* redun's own classes (File, Dir, Task, the expressions, ErrorValue, ...) become local
  stand-ins whose ``repr`` is the text redun prints and whose attributes are plain data;
* a short list of standard-library data types (``set``, ``datetime``, ``Decimal``, ...) is
  built for real, but only through constructors that run no code from the pickle;
* classes from any other module become :class:`PreviewObject` instances printed the way
  redun prints classes it cannot import (``Point(1.5, [1, 2, 3])``);
* anything else from the standard library (``os.system``, ``builtins.eval``,
  ``subprocess.Popen``...) becomes a :class:`BlockedGlobal`: calling it only records the
  call, and its ``repr`` says it was blocked.

Nothing is ever imported while decoding, and no error escapes: a pickle that cannot be read
becomes :class:`Unpicklable`, printed like redun's ``Unpicklable('...')``.

Public API: :data:`MAX_VALUE_SIZE_PREVIEW`, :class:`PreviewValue`, :func:`decode_value`
(redun's ``Value.value_parsed``), :func:`preview_value` (``Value.preview``),
:func:`trim_string`, :func:`value_repr` / :func:`value_str` (bounded ``repr``/``str`` as redun
trims them), :func:`iter_files`, :func:`is_safe_loaded`, :func:`clear_decode_cache`.

Decoding large values is cached (see :data:`DECODE_CACHE_MIN_BYTES`): decoded values are
shared between callers and must be treated as read-only.
"""

from __future__ import annotations

import _compat_pickle
import builtins
import collections
import datetime
import codecs
import decimal
import fractions
import gc
import io
import pathlib
import pickle
import pickletools
import posixpath
import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# Protocol-0 text is raw-unicode-escape; should anything look that codec up by name while
# decoding, looking it up now (which imports it and caches the lookup) keeps decoding from
# importing.
codecs.lookup("raw-unicode-escape")

__all__ = [
    "MAX_VALUE_SIZE_PREVIEW",
    "MIME_TYPE_PICKLE",
    "OversizedValue",
    "BlockedCall",
    "BlockedGlobal",
    "ContentFile",
    "Dir",
    "ErrorValue",
    "ExceptionStandIn",
    "File",
    "FileSet",
    "FrameSummary",
    "Function",
    "PreviewObject",
    "PreviewValue",
    "StandIn",
    "Task",
    "TaskExpression",
    "Traceback",
    "UnknownFunction",
    "Unpicklable",
    "ValueRef",
    "clear_decode_cache",
    "decode_value",
    "is_safe_loaded",
    "iter_files",
    "preview_value",
    "trim_string",
    "value_repr",
    "value_str",
]

#: Values larger than this many bytes are shown as a PreviewValue, never unpickled (as redun).
MAX_VALUE_SIZE_PREVIEW = 1_000_000
#: The ``format`` redun records for pickled values.
MIME_TYPE_PICKLE = "application/python-pickle"
#: redun pickles some fields as pickles (expression arguments); deeper nesting is refused
#: because each level costs C stack.
MAX_NESTED_PICKLE_DEPTH = 32
#: A repr never grows past this many characters (a pickle of shared sub-lists can describe
#: an exponentially large text).
REPR_HARD_LIMIT = 2_000_000
#: Containers nested deeper than this print as ``...`` instead of exhausting the stack.
MAX_REPR_DEPTH = 150


# ---------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Stand-in machinery
# ---------------------------------------------------------------------------------------


class _FrozenClass(type):
    """Metaclass of every stand-in class: the class object cannot be modified.

    A pickle can apply BUILD to a class it names; freezing the classes keeps a hostile value
    from changing how later values are decoded or printed.
    """

    def __setattr__(cls, name: str, value: Any) -> None:
        raise AttributeError(f"stand-in class {cls.__name__} is read-only")

    def __delattr__(cls, name: str) -> None:
        raise AttributeError(f"stand-in class {cls.__name__} is read-only")

    def __repr__(cls) -> str:
        name = cls.__dict__.get("_pickle_name") or cls.__qualname__
        return f"<class '{name}'>"


class StandIn(metaclass=_FrozenClass):
    """Base of every object this module builds in place of a pickled class instance.

    Subclasses describe their repr with :meth:`_repr_parts`; ``repr()`` joins the parts
    with a size cap, so nested and self-referencing values print safely.
    """

    #: "module.Name" of the class the pickle named.
    _pickle_name = ""

    def __setstate__(self, state: Any) -> None:
        """BUILD without a class-specific setter: what the C unpickler does, on a budget.

        Same rules and messages as CPython's default (a ``(state, slotstate)`` pair, dict
        items into ``__dict__``, slot items through setattr), but charged to the decode's
        budget, since one memoized state dict can be applied to any number of objects.
        """
        slotstate = None
        if type(state) is tuple and len(state) == 2:
            state, slotstate = state
        if state is not None:
            if not isinstance(state, dict):
                raise pickle.UnpicklingError("state is not a dictionary")
            _charge(len(state))
            self.__dict__.update(state)
        if slotstate is not None:
            if not isinstance(slotstate, dict):
                raise pickle.UnpicklingError("slot state is not a dictionary")
            _charge(len(slotstate))
            for key, value in slotstate.items():
                setattr(self, key, value)

    def _repr_parts(self) -> Iterator[Any]:
        yield f"<{self._pickle_name or type(self).__qualname__} object>"

    def __repr__(self) -> str:
        return _render(self)

    def __str__(self) -> str:
        return _render(self)


def _state_get(state: Any, key: str, default: Any = None) -> Any:
    """``state.get(key, default)`` for a state that may not be a dict (as redun's .get)."""
    return state.get(key, default)


class PreviewObject(StandIn):
    """An instance of a class that cannot be imported, printed the way redun previews it.

    redun replaces classes it cannot import with a preview class that records constructor
    arguments and attributes and prints ``Name(arg, ..., key=value, ...)``. Arguments are in
    ``_preview_args``; state set by the pickle is in the instance ``__dict__``.
    """

    _name = "name"
    _module = "module"

    def __new__(cls, *args: Any, **kwargs: Any) -> PreviewObject:
        # Each call copies its (possibly memoized, possibly huge) arguments.
        _charge(len(args) + len(kwargs) + 1)
        self = object.__new__(cls)
        self._preview_args = args
        self.__dict__.update(kwargs)
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._preview_args = args
        self.__dict__.update(kwargs)

    def _repr_parts(self) -> Iterator[Any]:
        attrs = self.__dict__
        yield _Str(attrs.get("_name", type(self)._name))
        yield "("
        first = True
        if "_preview_args" in attrs:
            for arg in attrs["_preview_args"]:
                if not first:
                    yield ", "
                first = False
                yield _Repr(arg)
        for key, value in list(attrs.items()):
            if key == "_preview_args":
                continue
            if not first:
                yield ", "
            first = False
            yield _Str(key)
            yield "="
            yield _Repr(value)
        yield ")"

    def __getitem__(self, index: Any) -> Any:
        return self._preview_args[index]

    def __getattr__(self, name: str) -> Any:
        # Only reached for missing attributes: report them like redun's preview class.
        raise AttributeError(f"{name} not an attribute of {type(self)._name} PreviewClass")


def _make_preview_class(module: str, name: str) -> type:
    """Create a PreviewObject subclass named like the class the pickle refers to."""
    class_name = name if "\x00" not in name else name.replace("\x00", "?")
    namespace = {
        "_name": name,
        "_module": module,
        "_pickle_name": f"{module}.{name}",
        "__module__": module,
        "__qualname__": class_name,
    }
    return _FrozenClass(class_name, (PreviewObject,), namespace)


class BlockedGlobal(StandIn):
    """A standard-library callable a pickle asked for and this module refused to resolve.

    It is never the real object: calling it only returns a :class:`BlockedCall` recording
    the arguments, and BUILD only records the state.
    """

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    @property
    def fullname(self) -> str:
        """``module.name`` of the refused global."""
        return f"{self.module}.{self.name}"

    def __call__(self, *args: Any, **kwargs: Any) -> BlockedCall:
        _charge(len(args) + len(kwargs) + 1)
        return BlockedCall(self, args, kwargs)

    def __setstate__(self, state: Any) -> None:
        self.__dict__["state"] = state

    def _describe(self) -> Iterator[Any]:
        yield _Str(self.fullname)

    def _repr_parts(self) -> Iterator[Any]:
        yield "<blocked "
        yield from self._describe()
        if "state" in self.__dict__:
            yield " state="
            yield _Repr(self.__dict__["state"])
        yield ">"


class BlockedCall(BlockedGlobal):
    """The record of calling a :class:`BlockedGlobal` (nothing was called)."""

    def __init__(self, target: Any, args: tuple, kwargs: dict) -> None:
        self.target = target
        self.args = args
        self.kwargs = kwargs

    @property
    def fullname(self) -> str:
        """Name of the global at the root of the call chain."""
        target = self.target
        return target.fullname if isinstance(target, BlockedGlobal) else "?"

    def _describe(self) -> Iterator[Any]:
        target = self.target
        if isinstance(target, BlockedGlobal):
            yield from target._describe()
        else:
            yield _Repr(target)
        yield "("
        yield from _format_arguments_parts(self.args, self.kwargs, sort=False)
        yield ")"


#: How many items (list entries, characters, bytes, attributes...) the constructors and
#: state setters this module runs may create while decoding one value: this many, or four
#: per byte of the value if that is more. The pickle format lets a few bytes repeat a
#: memoized object, so ``list(big_list)`` or BUILD with a big state dict can be replayed
#: thousands of times: without a budget a 1 MB value could demand terabytes. Honest values
#: build each item once.
MAX_BUILT_ITEMS = 2_000_000

_budget = threading.local()
_SIZED_TYPES = frozenset(
    {str, bytes, bytearray, list, tuple, dict, set, frozenset, range, memoryview}
)


def _charge(count: int) -> None:
    """Spend ``count`` items of the current decode's budget (no-op outside a decode)."""
    left = getattr(_budget, "left", None)
    if left is None:
        return
    left -= count
    _budget.left = left
    if left < 0:
        raise ValueError("value too large to decode (it rebuilds the same data over and over)")


def _cost(value: Any) -> int:
    """Items a constructor may copy out of ``value``."""
    kind = type(value)
    if kind in _SIZED_TYPES or isinstance(value, (dict, set, frozenset, collections.deque)):
        try:
            return len(value) + 1
        except OverflowError:  # range(10**30)
            return MAX_BUILT_ITEMS + 1
    if isinstance(value, PreviewObject):
        return len(value.__dict__.get("_preview_args", ())) + 1
    return 1


class _Builtin:
    """A vetted callable handed to the unpickler in place of a real global.

    Instances have no ``__dict__`` and refuse attribute writes, so BUILD cannot modify them.
    Each call is charged to the decode's budget by the size of its arguments and result.
    """

    __slots__ = ("_fullname", "_func")

    def __init__(self, fullname: str, func: Callable[..., Any]) -> None:
        object.__setattr__(self, "_fullname", fullname)
        object.__setattr__(self, "_func", func)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("read-only")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        _charge(sum(map(_cost, args)) + sum(map(_cost, kwargs.values())))
        result = self._func(*args, **kwargs)
        _charge(_cost(result))
        return result

    def __repr__(self) -> str:
        name = self._fullname
        if name.startswith("builtins."):
            name = name[len("builtins.") :]
        return f"<class '{name}'>"


# ---------------------------------------------------------------------------------------
# Sets that remember the pickle's order
# ---------------------------------------------------------------------------------------


def _ordered_unique(items: Iterable[Any]) -> tuple[list[Any], set[Any]]:
    seen: set[Any] = set()
    order: list[Any] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            order.append(item)
    return order, seen


class PickledSet(set):
    """A ``set`` whose iteration and repr follow the order the pickle listed its items.

    redun prints sets in hash order, which for its File objects (hashed by identity) and for
    strings changes between runs; the pickle's order is the one the writer saw and is stable.
    Decoded values are read-only: mutating methods raise TypeError.
    """

    __slots__ = ("_order",)

    def __init__(self, items: Iterable[Any] = ()) -> None:
        order, _ = _ordered_unique(items)
        set.__init__(self, order)
        object.__setattr__(self, "_order", tuple(order))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("decoded sets are read-only")

    def __iter__(self) -> Iterator[Any]:
        return iter(self._order)

    def __repr__(self) -> str:
        return _full_text(self)

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("decoded sets are read-only")

    add = discard = remove = pop = clear = update = _read_only
    difference_update = intersection_update = symmetric_difference_update = _read_only
    __ior__ = __iand__ = __ixor__ = __isub__ = _read_only


class PickledFrozenSet(frozenset):
    """A ``frozenset`` whose iteration and repr follow the pickle's order (see PickledSet)."""

    __slots__ = ("_order",)

    def __new__(cls, items: Iterable[Any] = ()) -> PickledFrozenSet:
        order, _ = _ordered_unique(items)
        self = frozenset.__new__(cls, order)
        object.__setattr__(self, "_order", tuple(order))
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("decoded sets are read-only")

    def __iter__(self) -> Iterator[Any]:
        return iter(self._order)

    def __repr__(self) -> str:
        return _full_text(self)


# ---------------------------------------------------------------------------------------
# Standard-library data types built for real (constructors that run no pickle code)
# ---------------------------------------------------------------------------------------

_UTF8_NAMES = {"utf-8", "utf8", "utf_8"}
_LATIN1_NAMES = {"latin-1", "latin1", "latin_1", "iso-8859-1", "iso8859-1", "iso8859_1", "l1"}


def _decode_text(data: Any, encoding: str, errors: str = "strict") -> str:
    # Only codecs that need no lookup: an arbitrary encoding name makes Python import
    # encodings.<name>, and decoding must import nothing.
    if not isinstance(encoding, str) or not isinstance(errors, str):
        raise TypeError("encoding must be a string")
    name = encoding.lower()
    raw = bytes(data)
    if name in _UTF8_NAMES:
        handler = errors if errors in ("strict", "replace", "ignore") else "strict"
        return raw.decode("utf-8", handler)
    if name in _LATIN1_NAMES:
        return "".join(map(chr, raw))
    raise ValueError(f"encoding {encoding!r} is not allowed while decoding values")


def _encode_text(text: Any, encoding: str, errors: str = "strict") -> bytes:
    if not isinstance(text, str) or not isinstance(encoding, str):
        raise TypeError("expected a str and an encoding name")
    name = encoding.lower()
    if name in _UTF8_NAMES:
        return text.encode("utf-8", "surrogatepass" if errors == "surrogatepass" else "strict")
    if name in _LATIN1_NAMES:
        return bytes(map(ord, text))  # ValueError for characters above U+00FF, as the codec
    raise ValueError(f"encoding {encoding!r} is not allowed while decoding values")


def _make_str(*args: Any) -> str:
    if len(args) <= 1:
        return str(*args)
    return _decode_text(*args)


def _make_bytes(*args: Any) -> bytes:
    if len(args) >= 2 and isinstance(args[0], str):
        return _encode_text(*args)
    if args and isinstance(args[0], str):
        raise TypeError("string argument without an encoding")
    if args and isinstance(args[0], int):
        _charge(max(args[0], 0))  # bytes(n) allocates n bytes
    return bytes(*args)


def _make_bytearray(*args: Any) -> bytearray:
    return bytearray(_make_bytes(*args)) if args else bytearray()


_FRACTION_TEXT = re.compile(r"\s*[+-]?(\d{1,4000}(/\d{1,4000})?|\d{0,4000}\.\d{1,4000})\s*\Z")
_MAX_FRACTION_BITS = 64_000


def _make_fraction(numerator: Any = 0, denominator: Any = None) -> fractions.Fraction:
    # Fraction("1e999999999") would compute a gigantic power of ten: accept only plain
    # integers and short decimal text.
    for part in (numerator, denominator):
        if part is None:
            continue
        if type(part) is int:
            if part.bit_length() > _MAX_FRACTION_BITS:
                raise ValueError("Fraction part too large to decode")
        elif type(part) is str:
            if not _FRACTION_TEXT.match(part):
                raise ValueError(f"Fraction text not accepted: {part[:40]!r}")
        else:
            raise TypeError("Fraction arguments must be int or str")
    if denominator is None:
        return fractions.Fraction(numerator)
    return fractions.Fraction(numerator, denominator)


def _make_decimal(value: Any = "0", context: Any = None) -> decimal.Decimal:
    if type(value) not in (str, int, float, tuple):
        raise TypeError("Decimal argument must be str, int, float or tuple")
    if type(value) is str and len(value) > 100_000:
        raise ValueError("Decimal text too long to decode")
    return decimal.Decimal(value)


def _make_pure_path(kind: type) -> Callable[..., Any]:
    def make(*parts: Any) -> Any:
        if not all(type(part) is str for part in parts):
            raise TypeError("path parts must be strings")
        return kind(*parts)

    return make


class PosixPath(pathlib.PurePosixPath):
    """A pickled ``pathlib.PosixPath``: prints like one, without filesystem methods."""

    __slots__ = ()


class WindowsPath(pathlib.PureWindowsPath):
    """A pickled ``pathlib.WindowsPath``: prints like one, without filesystem methods."""

    __slots__ = ()


class _UUIDFactory(metaclass=_FrozenClass):
    """Stands for ``uuid.UUID`` (pickled as NEWOBJ + BUILD): makes real, inert UUIDs."""

    _pickle_name = "uuid.UUID"

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        _charge(len(args) + len(kwargs) + 1)
        if not args and not kwargs:
            # NEWOBJ: an empty UUID; BUILD then sets its int through UUID.__setstate__.
            return uuid.UUID.__new__(uuid.UUID)
        if len(args) == 1 and not kwargs and type(args[0]) is str and len(args[0]) <= 100:
            return uuid.UUID(args[0])
        raise TypeError("unsupported uuid.UUID arguments")


class OrderedDict(collections.OrderedDict):
    """A pickled ``collections.OrderedDict``; BUILD on it is charged to the budget."""

    __setstate__ = StandIn.__setstate__


class Counter(collections.Counter):
    """A pickled ``collections.Counter``; BUILD on it is charged to the budget."""

    __setstate__ = StandIn.__setstate__


def _make_counter(*args: Any, **kwargs: Any) -> Counter:
    return Counter(*args, **kwargs)


def _type_of(*args: Any) -> type:
    """``builtins.type`` with one argument, for plain data only (``type(None)``).

    Three-argument ``type()`` would create a class, and the type of a type is ``type``
    itself; both are refused.
    """
    if len(args) == 1:
        kind = type(args[0])
        if kind in _CALLABLE_LEAF_TYPES:
            return kind
    raise TypeError("only type() of plain data is allowed while decoding values")


# Types a pickle may obtain as objects (via type(x)) and then call without a budget: their
# constructors allocate at most what their arguments already hold.
_CALLABLE_LEAF_TYPES = frozenset(
    {type(None), type(...), type(NotImplemented), bool, int, float, complex}
)


def _reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """copyreg._reconstructor for protocol 0/1 objects: stand-in classes on ``object`` only.

    (redun fails too when the class is a preview class and the base a builtin type.)
    """
    plain_base = base is object or (isinstance(base, _Builtin) and base._func is object)
    if isinstance(cls, _FrozenClass) and plain_base:
        return object.__new__(cls)
    raise TypeError(f"cannot rebuild {_leaf_repr(cls)} on base {_leaf_repr(base)}")


def _newobj(cls: Any, *args: Any) -> Any:
    """copyreg.__newobj__ limited to vetted classes."""
    if isinstance(cls, _FrozenClass) or cls in _BUILTIN_EXCEPTIONS:
        return cls.__new__(cls, *args)
    if isinstance(cls, (_Builtin, BlockedGlobal)):
        return cls(*args)
    raise TypeError(f"cannot create {_leaf_repr(cls)}")


def _newobj_ex(cls: Any, args: Any, kwargs: Any) -> Any:
    """copyreg.__newobj_ex__ limited to vetted classes."""
    if isinstance(cls, _FrozenClass) or cls in _BUILTIN_EXCEPTIONS:
        return cls.__new__(cls, *args, **kwargs)
    if isinstance(cls, (_Builtin, BlockedGlobal)):
        return cls(*args, **kwargs)
    raise TypeError(f"cannot create {_leaf_repr(cls)}")


# ---------------------------------------------------------------------------------------
# Stand-ins for redun's classes
# ---------------------------------------------------------------------------------------


class File(StandIn):
    """redun's ``File`` (``redun.file.File``): a path and the content hash redun recorded."""

    _pickle_name = "redun.file.File"
    type_basename = "File"
    type_name = "redun.File"

    def __init__(self, path: Any = "") -> None:
        # redun would hash the file on disk here; a browser only shows what was recorded.
        self.path = path
        self._hash = None

    @property
    def hash(self) -> Any:
        """The recorded hash ('' if the pickle did not record one)."""
        return self._hash or ""

    def __setstate__(self, state: Any) -> None:
        self.path = state["path"]
        self._hash = state["hash"]

    def _repr_parts(self) -> Iterator[Any]:
        yield _Str(self.type_basename)
        yield "(path="
        yield _Str(self.path)
        yield ", hash="
        yield _Str(_short_hash(self.hash))
        yield ")"


class IFile(File):
    """redun's ``IFile`` (immutable file)."""

    _pickle_name = "redun.file.IFile"
    type_basename = "IFile"
    type_name = "redun.IFile"


class ContentFile(File):
    """redun's ``ContentFile`` (type name ``redun.ConentFile``, sic)."""

    _pickle_name = "redun.file.ContentFile"
    type_basename = "ContentFile"
    type_name = "redun.ConentFile"


class FileSet(StandIn):
    """redun's ``FileSet``: a glob pattern and its recorded hash (printed in full, as redun)."""

    _pickle_name = "redun.file.FileSet"
    type_basename = "FileSet"
    type_name = "redun.FileSet"

    def __init__(self, pattern: Any = "") -> None:
        self.pattern = pattern
        self._hash = None

    @property
    def hash(self) -> Any:
        """The recorded hash ('' if none)."""
        return self._hash or ""

    def __setstate__(self, state: Any) -> None:
        self.pattern = state["pattern"]
        self._hash = state["hash"]

    def _repr_parts(self) -> Iterator[Any]:
        yield "FileSet(pattern="
        yield _Str(self.pattern)
        yield ", hash="
        yield _Str(self.hash)
        yield ")"


class IFileSet(FileSet):
    """redun's ``IFileSet``."""

    _pickle_name = "redun.file.IFileSet"
    type_basename = "IFileSet"
    type_name = "redun.IFileSet"


class ContentFileSet(FileSet):
    """redun's ``ContentFileSet`` (type name ``redun.CnotentFileSet``, sic)."""

    _pickle_name = "redun.file.ContentFileSet"
    type_basename = "ContentFileSet"
    type_name = "redun.CnotentFileSet"


class Dir(FileSet):
    """redun's ``Dir``: a directory path and its recorded hash."""

    _pickle_name = "redun.file.Dir"
    type_basename = "Dir"
    type_name = "redun.Dir"

    def __init__(self, path: Any = "") -> None:
        self.path = path.rstrip("/") if isinstance(path, str) else path
        super().__init__(_join_pattern(self.path))

    def __setstate__(self, state: Any) -> None:
        self.path = state["path"]
        super().__setstate__({"pattern": _join_pattern(self.path), "hash": state["hash"]})

    def _repr_parts(self) -> Iterator[Any]:
        yield _Str(self.type_basename)
        yield "(path="
        yield _Str(self.path)
        yield ", hash="
        yield _Str(_short_hash(self.hash))
        yield ")"


def _join_pattern(path: Any) -> Any:
    return posixpath.join(path, "**") if isinstance(path, str) else path


class IDir(Dir):
    """redun's ``IDir``."""

    _pickle_name = "redun.file.IDir"
    type_basename = "IDir"
    type_name = "redun.IDir"


class ContentDir(Dir):
    """redun's ``ContentDir``."""

    _pickle_name = "redun.file.ContentDir"
    type_basename = "ContentDir"
    type_name = "redun.ContentDir"


class StagingFile(StandIn):
    """redun's ``StagingFile``: a local File and the remote File it is staged from/to."""

    _pickle_name = "redun.file.StagingFile"
    type_basename = "StagingFile"
    type_name = "redun.StagingFile"

    def __init__(self, local: Any = None, remote: Any = None) -> None:
        self.local = local
        self.remote = remote

    def __setstate__(self, state: Any) -> None:
        self.local = state["local"]
        self.remote = state["remote"]

    def _repr_parts(self) -> Iterator[Any]:
        yield _Str(self.type_basename)
        yield "(local="
        yield _Str(self.local)
        yield ", remote="
        yield _Str(self.remote)
        yield ")"


class IStagingFile(StagingFile):
    """redun's ``IStagingFile``."""

    _pickle_name = "redun.file.IStagingFile"
    type_basename = "IStagingFile"
    type_name = "redun.IStagingFile"


class ContentStagingFile(StagingFile):
    """redun's ``ContentStagingFile``."""

    _pickle_name = "redun.file.ContentStagingFile"
    type_basename = "ContentStagingFile"
    type_name = "redun.ContentStagingFile"


class StagingDir(StagingFile):
    """redun's ``StagingDir``."""

    _pickle_name = "redun.file.StagingDir"
    type_basename = "StagingDir"
    type_name = "redun.StagingDir"


class IStagingDir(StagingDir):
    """redun's ``IStagingDir``."""

    _pickle_name = "redun.file.IStagingDir"
    type_basename = "IStagingDir"
    type_name = "redun.IStagingDir"


class ContentStagingDir(StagingDir):
    """redun's ``ContentStagingDir``."""

    _pickle_name = "redun.file.ContentStagingDir"
    type_basename = "ContentStagingDir"
    type_name = "redun.ContentStagingDir"


class ShardedS3Dataset(StandIn):
    """redun's ``ShardedS3Dataset``: an S3 path, a format and the shard file names."""

    _pickle_name = "redun.file.ShardedS3Dataset"
    type_name = "redun.ShardedS3Dataset"

    def __setstate__(self, state: Any) -> None:
        self.path = state["path"]
        self.format = state["format"]
        self.recurse = state["recurse"]
        self.filenames = state["files"]
        self.hash = state["hash"]

    def _repr_parts(self) -> Iterator[Any]:
        yield "ShardedS3Dataset(path="
        yield _Str(self.path)
        yield ", format="
        yield _Str(self.format)
        yield ", recurse="
        yield _Str(self.recurse)
        yield ", hash="
        yield _Str(self.hash)
        yield ")"


def _task_fullname(namespace: Any, name: Any) -> str:
    name_text = name if isinstance(name, str) else _leaf_str(name)
    if namespace:
        ns_text = namespace if isinstance(namespace, str) else _leaf_str(namespace)
        return ns_text + "." + name_text
    return name_text


class Task(StandIn):
    """redun's ``Task`` as recorded: name, namespace, hash and options (no function)."""

    _pickle_name = "redun.task.Task"
    type_name = "redun.Task"

    def __setstate__(self, state: Any) -> None:
        self.name = state["name"]
        self.namespace = state["namespace"]
        self.version = state["version"]
        self.hash = state["hash"]
        self.compat = _state_get(state, "compat", [])
        self.script = _state_get(state, "script", False)
        self.task_options = _state_get(state, "task_options", {})
        self.export_options = _state_get(state, "export_options", set())

    @property
    def fullname(self) -> str:
        """``namespace.name`` (or ``name`` without a namespace)."""
        return _task_fullname(getattr(self, "namespace", None), getattr(self, "name", ""))

    def _repr_parts(self) -> Iterator[Any]:
        yield "Task(fullname="
        yield self.fullname
        yield ", hash="
        yield _Str(_short_hash(getattr(self, "hash", "")))
        yield ")"


class SchedulerTask(Task):
    """redun's ``SchedulerTask`` (a task run inside the scheduler, e.g. ``redun.catch``)."""

    _pickle_name = "redun.task.SchedulerTask"


class PartialTask(Task):
    """redun's ``PartialTask``: a task with some arguments already applied."""

    _pickle_name = "redun.task.PartialTask"
    type_name = "redun.PartialTask"

    def __setstate__(self, state: Any) -> None:
        task = Task.__new__(Task)
        task.__setstate__(state["task"])
        self.task = task
        self.args = state["args"]
        self.kwargs = state["kwargs"]
        super().__setstate__(state)

    def _repr_parts(self) -> Iterator[Any]:
        yield "PartialTask(fullname="
        yield self.fullname
        yield ", hash="
        yield _Str(_short_hash(getattr(self, "hash", "")))
        yield ", args="
        yield _Repr(self.args)
        yield ", kwargs="
        yield _Repr(self.kwargs)
        yield ")"


class _EnumMember(StandIn):
    """A member of one of redun's enums (CacheScope, CacheCheckValid, ...)."""

    def __init__(self, class_name: str, name: str, value: Any) -> None:
        self.class_name = class_name
        self.name = name
        self.value = value

    def _repr_parts(self) -> Iterator[Any]:
        yield f"<{self.class_name}.{self.name}: "
        yield _Repr(self.value)
        yield ">"


def _enum_factory(fullname: str, members: dict[str, str]) -> _Builtin:
    class_name = fullname.rsplit(".", 1)[1]

    def make(value: Any) -> _EnumMember:
        for member_name, member_value in members.items():
            if type(value) is str and value == member_value:
                return _EnumMember(class_name, member_name, member_value)
        raise ValueError(f"{_leaf_repr(value)} is not a valid {class_name}")

    return _Builtin(fullname, make)


class Function(StandIn):
    """redun's wrapper for a plain function passed as a value (``builtins.function``)."""

    _pickle_name = "redun.value.Function"
    type_name = "builtins.function"

    def __setstate__(self, state: Any) -> None:
        self.hash = state["hash"]
        self.module = state["module"]
        self.name = state["name"]
        # redun re-imports the function here; a browser never does.
        self.instance = UnknownFunction(f"{_leaf_str(self.module)}.{_leaf_str(self.name)}")

    @property
    def fullname(self) -> str:
        """``module.name`` of the function."""
        return f"{_leaf_str(self.module)}.{_leaf_str(self.name)}"

    def _repr_parts(self) -> Iterator[Any]:
        yield f"<function {self.fullname}>"


class UnknownFunction(StandIn):
    """A function value that is not loaded (redun's ``make_unknown_function`` stub)."""

    def __init__(self, fullname: str) -> None:
        self.fullname = fullname

    def _repr_parts(self) -> Iterator[Any]:
        yield f"<function {self.fullname}>"


def _format_arguments_parts(args: Any, kwargs: Any, sort: bool = True) -> Iterator[Any]:
    """Parts of ``a, b, key=value`` as redun's ``format_arguments`` prints them."""
    first = True
    if isinstance(args, (tuple, list)):
        for arg in args:
            if not first:
                yield ", "
            first = False
            yield _Repr(arg)
    elif args is not None:
        first = False
        yield _Repr(args)
    if isinstance(kwargs, dict):
        items = list(kwargs.items())
        if sort:
            try:
                items.sort(key=lambda item: item[0])
            except TypeError:
                items.sort(key=lambda item: _leaf_str(item[0]))
        for key, value in items:
            if not first:
                yield ", "
            first = False
            yield _Str(key)
            yield "="
            yield _Repr(value)
    elif kwargs is not None:
        if not first:
            yield ", "
        yield _Repr(kwargs)


def _nested_value(type_name: Any, data: Any) -> Any:
    """Decode a pickle stored inside a pickle (redun serializes expression args this way)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        # The same memoized bytes can be referenced any number of times: decode each bytes
        # object once per value (the stand-ins are read-only, so sharing them is safe).
        cache = getattr(_budget, "nested", None)
        key = (id(data), type_name)
        if cache is not None and key in cache:
            return cache[key][1]
        _charge(len(data))
        result = _deserialize(type_name if isinstance(type_name, str) else "", bytes(data))
        if cache is not None:
            cache[key] = (data, result)  # keeps data alive, so its id stays unique
        return result
    return data


class Expression(StandIn):
    """Base of redun's lazy expressions."""

    _pickle_name = "redun.expression.Expression"

    def __setstate__(self, state: Any) -> None:
        self._hash = None


class ApplyExpression(Expression):
    """redun's ``ApplyExpression``."""

    _pickle_name = "redun.expression.ApplyExpression"


class TaskExpression(ApplyExpression):
    """redun's ``TaskExpression``: a call of a task, printed ``task_name(args, k=v)``."""

    _pickle_name = "redun.expression.TaskExpression"

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        self.task_name = state["task_name"]
        self.args = _nested_value("builtins.tuple", state["args"])
        self.kwargs = _nested_value("builtins.dict", state["kwargs"])
        self.task_options = _state_get(state, "task_options", {})
        self.export_options = _state_get(state, "export_options", set())
        self.length = _state_get(state, "length", None)
        self.call_hash = None

    def _repr_parts(self) -> Iterator[Any]:
        yield _Str(self.task_name)
        yield "("
        yield from _format_arguments_parts(self.args, self.kwargs)
        yield ")"


class SchedulerExpression(TaskExpression):
    """redun's ``SchedulerExpression`` (e.g. ``redun.catch(...)``)."""

    _pickle_name = "redun.expression.SchedulerExpression"


_OPERATOR_SYMBOLS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "add": "+",
    "radd": "+",
    "sub": "-",
    "rsub": "-",
    "mul": "*",
    "rmul": "*",
    "div": "/",
    "rdiv": "/",
    "and": "&",
    "rand": "&",
    "or": "|",
    "ror": "|",
}
_REVERSED_OPERATORS = {"radd", "rsub", "rmul", "rdiv", "rand", "ror"}


class SimpleExpression(ApplyExpression):
    """redun's ``SimpleExpression`` (getattr, getitem, call and operators on expressions)."""

    _pickle_name = "redun.expression.SimpleExpression"

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        self.func_name = state["func_name"]
        self.args = _nested_value("builtins.tuple", state["args"])
        self.kwargs = _nested_value("builtins.dict", state["kwargs"])

    def _repr_parts(self) -> Iterator[Any]:
        func, args = self.func_name, self.args
        pair = isinstance(args, tuple) and len(args) == 2
        if isinstance(func, str) and func in _OPERATOR_SYMBOLS and pair:
            left, right = args
            if func in _REVERSED_OPERATORS:
                left, right = right, left
            yield "("
            yield _Repr(left)
            yield f" {_OPERATOR_SYMBOLS[func]} "
            yield _Repr(right)
            yield ")"
        elif func == "getitem" and pair:
            yield _Repr(args[0])
            yield "["
            yield _Repr(args[1])
            yield "]"
        elif func == "getattr" and pair:
            yield _Repr(args[0])
            yield "."
            yield _Str(args[1])
        elif func == "call" and isinstance(args, tuple) and len(args) == 3:
            this, call_args, call_kwargs = args
            yield _Repr(this)
            yield "("
            yield from _format_arguments_parts(call_args, call_kwargs)
            yield ")"
        else:
            yield "SimpleExpression('"
            yield _Str(func)
            yield "', "
            yield _Repr(args)
            yield ", "
            yield _Repr(self.kwargs)
            yield ")"


class ValueExpression(Expression):
    """redun's ``ValueExpression``: a concrete value lifted into an expression."""

    _pickle_name = "redun.expression.ValueExpression"

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        self.value_type = state["value_type"]
        self.value = _nested_value(self.value_type, state["value"])

    def _repr_parts(self) -> Iterator[Any]:
        yield "ValueExpression("
        yield _Repr(self.value)
        yield ")"


class QuotedExpression(StandIn):
    """redun's ``QuotedExpression`` (its pickled state is the plain ``_expr`` attribute)."""

    _pickle_name = "redun.expression.QuotedExpression"

    @property
    def expr(self) -> Any:
        """The quoted expression."""
        return self.__dict__.get("_expr")

    def _repr_parts(self) -> Iterator[Any]:
        yield "QuotedExpression("
        yield _Repr(self.expr)
        yield ")"


class FrameSummary(StandIn):
    """A traceback frame (``traceback.FrameSummary``) recorded with a redun error."""

    _pickle_name = "traceback.FrameSummary"

    filename: Any = None
    lineno: Any = None
    end_lineno: Any = None
    colno: Any = None
    end_colno: Any = None
    name: Any = None
    _line: Any = None
    locals: Any = None

    @property
    def line(self) -> str:
        """The source line, stripped ('' when it was not recorded)."""
        text = self._line
        return text.strip() if isinstance(text, str) else ""

    def _repr_parts(self) -> Iterator[Any]:
        yield "<FrameSummary file "
        yield _Str(self.filename)
        yield ", line "
        yield _Str(self.lineno)
        yield " in "
        yield _Str(self.name)
        yield ">"


class Frame(FrameSummary):
    """redun's ``Frame``: a FrameSummary of a job's task, with its locals as text."""

    _pickle_name = "redun.scheduler.Frame"
    job: Any = None

    def __setstate__(self, state: Any) -> None:
        self.filename = state["filename"]
        self.lineno = state["lineno"]
        self.name = state["name"]
        self._line = state["_line"]
        self.locals = state["locals"]
        self.job = state["job"]


class Traceback(StandIn):
    """redun's ``Traceback``: the error, its frames and the job's latest log lines."""

    _pickle_name = "redun.scheduler.Traceback"

    error: Any = None
    frames: Any = ()
    logs: Any = ()

    def __setstate__(self, state: Any) -> None:
        self.error = state["error"]
        self.frames = state["frames"]
        self.logs = state["logs"]

    def format(self) -> Iterator[str]:
        """Yield the traceback as text lines, laid out like redun's ``Traceback.format``."""
        frames = self.frames if isinstance(self.frames, (list, tuple)) else []
        for frame in frames:
            if isinstance(frame, Frame) and frame.job is not None:
                job_id = _short_hash(getattr(frame.job, "id", ""))
                yield (
                    f'  Job {job_id}: File "{_leaf_str(frame.filename)}", '
                    f"line {_leaf_str(frame.lineno)}, in {_leaf_str(frame.name)}\n"
                )
            elif isinstance(frame, FrameSummary):
                yield (
                    f'  File "{_leaf_str(frame.filename)}", line {_leaf_str(frame.lineno)}, '
                    f"in {_leaf_str(frame.name)}\n"
                )
            else:
                yield f"  {value_repr(frame)}\n"
                continue
            yield f"    {frame.line}\n"
            if isinstance(frame.locals, dict) and frame.locals:
                width = max(len(_leaf_str(key)) for key in frame.locals)
                for key, value in sorted(frame.locals.items(), key=lambda kv: _leaf_str(kv[0])):
                    yield f"    {_leaf_str(key).ljust(width)} = {_leaf_str(value)}\n"
        error = self.error
        error_name = _error_type_name(error)
        yield f"{error_name}: {_error_message(error)}"
        if self.logs:
            yield "\n"
            yield "Latest logs:\n"
            logs = self.logs if isinstance(self.logs, (list, tuple)) else [self.logs]
            for line in logs:
                yield _leaf_str(line)


def _error_type_name(error: Any) -> str:
    if isinstance(error, PreviewObject):
        return _leaf_str(type(error)._name)
    return type(error).__name__


def _error_message(error: Any) -> str:
    """``str(error)`` for real exceptions and stand-ins; never raises."""
    if isinstance(error, ExceptionStandIn) or type(error) in _BUILTIN_EXCEPTIONS:
        args = error.args
        if isinstance(args, tuple):
            if not args:
                return ""
            if len(args) == 1:
                if isinstance(error, KeyError):  # KeyError's str is the key's repr
                    return value_repr(args[0], None)
                return value_str(args[0], None)
        return value_repr(args, None)
    if isinstance(error, ScriptError):
        # redun's ScriptError prints its own message ("Last line: ..."), not its arguments.
        return ScriptError.__str__(error)
    if isinstance(error, PreviewObject):
        args = error.__dict__.get("_preview_args", ())
        if isinstance(args, tuple) and len(args) == 1:
            return _leaf_str(args[0])
        return value_repr(args, None)
    return _leaf_str(error)


class ErrorValue(StandIn):
    """redun's ``ErrorValue``: the exception a task raised and its :class:`Traceback`."""

    _pickle_name = "redun.scheduler.ErrorValue"
    type_name = "redun.ErrorValue"

    error: Any = None
    traceback: Any = None

    def __setstate__(self, state: Any) -> None:
        self.error = state["error"]
        self.traceback = state["traceback"]

    @property
    def error_type(self) -> str:
        """Class name of the error (``ValueError``, ``WorkflowError``...)."""
        return _error_type_name(self.error)

    @property
    def error_message(self) -> str:
        """The error's message, like ``str(error)``."""
        return _error_message(self.error)

    @property
    def frames(self) -> list[Any]:
        """The traceback's frames (empty if none were recorded)."""
        frames = getattr(self.traceback, "frames", None)
        return list(frames) if isinstance(frames, (list, tuple)) else []

    def _repr_parts(self) -> Iterator[Any]:
        yield "ErrorValue("
        yield _Repr(self.error)
        yield ")"


class ScriptError(Exception, StandIn):
    """redun's ``ScriptError`` (a failed ``script()`` task), printed with its last line."""

    _pickle_name = "redun.scripting.ScriptError"

    def __init__(self, stderr: Any = b"", *args: Any) -> None:
        _charge(len(args) + 1)
        Exception.__init__(self, stderr, *args)
        if isinstance(stderr, (bytes, bytearray)):
            try:
                self.message = bytes(stderr).decode("utf8")
            except UnicodeDecodeError:
                self.message = bytes(stderr)
        else:
            self.message = stderr

    def __str__(self) -> str:
        # NEWOBJ builds an instance without __init__: there may be no message at all.
        message = self.__dict__.get("message")
        if isinstance(message, str):
            return "Last line: " + message.rstrip("\n").rsplit("\n")[-1]
        return ""

    def __repr__(self) -> str:
        return _render(self)

    def _repr_parts(self) -> Iterator[Any]:
        yield f"ScriptError('{self}')"


class HandleInfo(StandIn):
    """The identity of a redun ``Handle`` (name, namespace, constructor args, hash)."""

    _pickle_name = "redun.handle.Handle.HandleInfo"

    def __init__(
        self,
        name: Any = None,
        args: Any = (),
        kwargs: Any = None,
        class_name: Any = None,
        namespace: Any = None,
        call_hash: Any = "",
        hash: Any = None,
        key: Any = "",
    ) -> None:
        self.name = name
        self.namespace = namespace
        self.fullname = _task_fullname(namespace, name)
        self.args = args
        self.kwargs = kwargs if kwargs is not None else {}
        self.class_name = class_name
        self.call_hash = call_hash
        self.key = key
        self.hash = hash


class Handle(StandIn):
    """redun's ``Handle`` (a reference to external state), printed ``Handle(fullname=..)``."""

    _pickle_name = "redun.handle.Handle"
    type_name = "redun.Handle"

    def __new__(cls, *args: Any, **kwargs: Any) -> Handle:
        _charge(len(args) + len(kwargs) + 1)
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        _charge(len(state) if isinstance(state, dict) else 1)
        self.__handle__ = HandleInfo(**state)

    def _repr_parts(self) -> Iterator[Any]:
        info = self.__dict__.get("__handle__")
        yield _Str(getattr(info, "class_name", None))
        yield "(fullname="
        yield _Str(getattr(info, "fullname", None))
        yield ", hash="
        yield _Str(_short_hash(getattr(info, "hash", None) or ""))
        yield ")"


# ---------------------------------------------------------------------------------------
# Results that are not values
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueRef:
    """The two columns a :class:`PreviewValue` needs from a value row."""

    type: str
    value_hash: str


class PreviewValue:
    """Stands for a value that is not decoded: too large, or kept in a value store.

    Args:
        value: anything with ``type`` and ``value_hash`` (a Value row, a :class:`ValueRef`).
        size: the value's size in bytes.
    """

    def __init__(self, value: Any, size: int) -> None:
        self.value = value
        self.size = size

    @property
    def in_value_store(self) -> bool:
        """True when the row holds no bytes (redun keeps them in a value store)."""
        return self.size == 0

    def __repr__(self) -> str:
        return f"{self.value.type}(hash={self.value.value_hash[:8]}, size={self.size})"


class Unpicklable(StandIn):
    """A value whose bytes could not be read, printed like redun's ``Unpicklable('...')``.

    Attributes:
        error: the error message.
        error_type: the class name of the error.
    """

    _pickle_name = "redun.utils.PreviewUnpicklable"

    def __init__(self, error: Any) -> None:
        self.error_type = type(error).__name__ if isinstance(error, BaseException) else "str"
        try:
            self.error = str(error)
        except Exception:
            self.error = self.error_type

    def _repr_parts(self) -> Iterator[Any]:
        yield f"Unpicklable('{self.error}')"


# ---------------------------------------------------------------------------------------
# Global resolution
# ---------------------------------------------------------------------------------------

_BUILTIN_EXCEPTIONS: frozenset[type] = frozenset(
    obj
    for obj in vars(builtins).values()
    if isinstance(obj, type) and issubclass(obj, BaseException)
)


class ExceptionStandIn(StandIn):
    """Mixin of the stand-ins for Python's builtin exceptions (``ValueError``...).

    A decoded ``ValueError`` is an instance of a frozen subclass of the real ``ValueError``
    (so ``isinstance`` checks and ``str()`` work) whose BUILD is charged to the budget and
    whose repr is Python's, printed by the bounded renderer.
    """

    def _repr_parts(self) -> Iterator[Any]:
        args = self.args
        yield type(self).__name__
        if isinstance(args, tuple) and len(args) == 1:
            yield "("
            yield _Repr(args[0])
            yield ")"
        else:
            yield _Repr(args)

    def __setstate__(self, state: Any) -> None:
        _charge(len(state) if isinstance(state, dict) else 1)
        BaseException.__setstate__(self, state)  # type: ignore[arg-type]


def _exception_stand_in(base: type) -> type | None:
    namespace = {
        "__module__": "builtins",
        "__qualname__": base.__qualname__,
        "_pickle_name": base.__name__,
        "__repr__": StandIn.__repr__,
        "__setstate__": ExceptionStandIn.__setstate__,
    }
    try:
        return _FrozenClass(base.__name__, (base, ExceptionStandIn), namespace)
    except TypeError:  # exception groups and the like cannot take the mixin
        return None


_EXCEPTION_STAND_INS: dict[str, type] = {
    name: stand_in
    for name, base in vars(builtins).items()
    if isinstance(base, type)
    and base in _BUILTIN_EXCEPTIONS
    and not issubclass(base, getattr(builtins, "BaseExceptionGroup", ()))
    and (stand_in := _exception_stand_in(base)) is not None
}

# Real classes a pickle may get from find_class: implemented in C, so immutable; and their
# constructors only read data.
_REAL_TYPE_GLOBALS: dict[tuple[str, str], type] = {
    ("builtins", "complex"): complex,
    ("builtins", "int"): int,
    ("builtins", "float"): float,
    ("builtins", "bool"): bool,
    ("builtins", "tuple"): tuple,
    ("builtins", "list"): list,
    ("builtins", "dict"): dict,
    ("builtins", "slice"): slice,
    ("builtins", "range"): range,
    ("builtins", "object"): object,
    ("collections", "deque"): collections.deque,
    ("collections", "defaultdict"): collections.defaultdict,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
    ("datetime", "tzinfo"): datetime.tzinfo,
}
_IMMUTABLE_TYPE_FLAG = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE
_REAL_TYPE_GLOBALS = {
    key: kind
    for key, kind in _REAL_TYPE_GLOBALS.items()
    if kind.__flags__ & _IMMUTABLE_TYPE_FLAG or kind.__module__ == "builtins"
}
_REAL_TYPES: frozenset[type] = frozenset(_REAL_TYPE_GLOBALS.values())
# The unpickler never gets these types themselves: calls go through budgeted wrappers.
_REAL_TYPE_CALLABLES: dict[tuple[str, str], _Builtin] = {
    key: _Builtin(f"{key[0]}.{key[1]}", kind) for key, kind in _REAL_TYPE_GLOBALS.items()
}

_REDUN_CLASSES: dict[tuple[str, str], type] = {
    ("redun.file", "File"): File,
    ("redun.file", "IFile"): IFile,
    ("redun.file", "ContentFile"): ContentFile,
    ("redun.file", "FileSet"): FileSet,
    ("redun.file", "IFileSet"): IFileSet,
    ("redun.file", "ContentFileSet"): ContentFileSet,
    ("redun.file", "Dir"): Dir,
    ("redun.file", "IDir"): IDir,
    ("redun.file", "ContentDir"): ContentDir,
    ("redun.file", "StagingFile"): StagingFile,
    ("redun.file", "IStagingFile"): IStagingFile,
    ("redun.file", "ContentStagingFile"): ContentStagingFile,
    ("redun.file", "StagingDir"): StagingDir,
    ("redun.file", "IStagingDir"): IStagingDir,
    ("redun.file", "ContentStagingDir"): ContentStagingDir,
    ("redun.file", "ShardedS3Dataset"): ShardedS3Dataset,
    ("redun.task", "Task"): Task,
    ("redun.task", "SchedulerTask"): SchedulerTask,
    ("redun.task", "PartialTask"): PartialTask,
    ("redun.value", "Function"): Function,
    ("redun.expression", "Expression"): Expression,
    ("redun.expression", "ApplyExpression"): ApplyExpression,
    ("redun.expression", "TaskExpression"): TaskExpression,
    ("redun.expression", "SchedulerExpression"): SchedulerExpression,
    ("redun.expression", "SimpleExpression"): SimpleExpression,
    ("redun.expression", "ValueExpression"): ValueExpression,
    ("redun.expression", "QuotedExpression"): QuotedExpression,
    ("redun.scheduler", "ErrorValue"): ErrorValue,
    ("redun.scheduler", "Traceback"): Traceback,
    ("redun.scheduler", "Frame"): Frame,
    ("redun.scripting", "ScriptError"): ScriptError,
    ("redun.handle", "Handle"): Handle,
    ("redun.handle", "Handle.HandleInfo"): HandleInfo,
    ("traceback", "FrameSummary"): FrameSummary,
    ("uuid", "UUID"): _UUIDFactory,
}

_SAFE_CALLABLES: dict[tuple[str, str], Any] = {
    ("builtins", "set"): _Builtin("builtins.set", PickledSet),
    ("builtins", "frozenset"): _Builtin("builtins.frozenset", PickledFrozenSet),
    ("builtins", "str"): _Builtin("builtins.str", _make_str),
    ("builtins", "bytes"): _Builtin("builtins.bytes", _make_bytes),
    ("builtins", "bytearray"): _Builtin("builtins.bytearray", _make_bytearray),
    ("builtins", "type"): _Builtin("builtins.type", _type_of),
    ("_codecs", "encode"): _Builtin("_codecs.encode", _encode_text),
    ("copyreg", "_reconstructor"): _Builtin("copyreg._reconstructor", _reconstructor),
    ("copyreg", "__newobj__"): _Builtin("copyreg.__newobj__", _newobj),
    ("copyreg", "__newobj_ex__"): _Builtin("copyreg.__newobj_ex__", _newobj_ex),
    ("collections", "Counter"): _Builtin("collections.Counter", _make_counter),
    ("collections", "OrderedDict"): _Builtin("collections.OrderedDict", OrderedDict),
    ("decimal", "Decimal"): _Builtin("decimal.Decimal", _make_decimal),
    ("fractions", "Fraction"): _Builtin("fractions.Fraction", _make_fraction),
    ("pathlib", "PurePosixPath"): _Builtin(
        "pathlib.PurePosixPath", _make_pure_path(pathlib.PurePosixPath)
    ),
    ("pathlib", "PureWindowsPath"): _Builtin(
        "pathlib.PureWindowsPath", _make_pure_path(pathlib.PureWindowsPath)
    ),
    ("pathlib", "PosixPath"): _Builtin("pathlib.PosixPath", _make_pure_path(PosixPath)),
    ("pathlib", "WindowsPath"): _Builtin("pathlib.WindowsPath", _make_pure_path(WindowsPath)),
    ("redun.task", "CacheScope"): _enum_factory(
        "redun.task.CacheScope", {"NONE": "NONE", "CSE": "CSE", "BACKEND": "BACKEND"}
    ),
    ("redun.task", "CacheCheckValid"): _enum_factory(
        "redun.task.CacheCheckValid", {"FULL": "full", "SHALLOW": "shallow"}
    ),
    ("redun.task", "CacheResult"): _enum_factory(
        "redun.task.CacheResult",
        {"CSE": "CSE", "SINGLE": "SINGLE", "ULTIMATE": "ULTIMATE", "MISS": "MISS"},
    ),
}

# Modules whose globals are refused: the standard library (where os.system, eval,
# subprocess live). Classes from elsewhere (user workflows, third-party packages) cannot
# be imported by a browser anyway and become inert PreviewObjects, as in redun.
_BLOCKED_ROOTS = frozenset(getattr(sys, "stdlib_module_names", ())) | {
    "builtins",
    "__builtin__",
    "os",
    "posix",
    "nt",
    "sys",
    "subprocess",
    "importlib",
    "pickle",
    "_pickle",
    "io",
    "_io",
    "shutil",
    "socket",
    "ctypes",
    "operator",
    "functools",
    "types",
    "codecs",
    "_codecs",
    "copyreg",
    "copy_reg",
}

_PLAIN_LEAVES = frozenset(
    {type(None), bool, int, float, complex, str, bytes, bytearray, type(...), type(NotImplemented)}
)


def _resolve_global(module: str, name: str, preview_classes: dict[tuple[str, str], type]) -> Any:
    """What a pickle gets for ``module.name``: never a real import."""
    key = (module, name)
    if key in _compat_pickle.NAME_MAPPING:  # Python 2 names in protocol 0-2 pickles
        key = _compat_pickle.NAME_MAPPING[key]
    elif module in _compat_pickle.IMPORT_MAPPING:
        key = (_compat_pickle.IMPORT_MAPPING[module], name)
    if key in _REDUN_CLASSES:
        return _REDUN_CLASSES[key]
    if key in _SAFE_CALLABLES:
        return _SAFE_CALLABLES[key]
    if key in _REAL_TYPE_CALLABLES:
        return _REAL_TYPE_CALLABLES[key]
    mod, attr = key
    if mod == "builtins":
        if attr in _EXCEPTION_STAND_INS:
            return _EXCEPTION_STAND_INS[attr]
        if attr in ("Ellipsis", "NotImplemented"):
            return vars(builtins)[attr]
    if mod.split(".", 1)[0] in _BLOCKED_ROOTS:
        return BlockedGlobal(mod, attr)
    cached = preview_classes.get(key)
    if cached is None:
        cached = preview_classes[key] = _make_preview_class(mod, attr)
    return cached


class _RestrictedUnpickler(pickle.Unpickler):
    """A pickle reader whose globals all come from :func:`_resolve_global`.

    ``find_class`` is the only way the C unpickler obtains callables (GLOBAL, STACK_GLOBAL,
    INST, OBJ and the EXT opcodes all go through it), and persistent ids are refused.
    """

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.preview_classes: dict[tuple[str, str], type] = {}
        self.globals_seen: list[tuple[str, str]] = []

    def find_class(self, module: str, name: str) -> Any:
        self.globals_seen.append((module, name))
        return _resolve_global(module, name, self.preview_classes)

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError(
            "A load persistent id instruction was encountered,\n"
            "but no persistent_load function was specified."
        )


_nesting = threading.local()

# How the pre-scan skips each opcode's argument (as the C unpickler reads it): a number >= 0
# is a fixed length; the negative codes below are the variable forms.
_ARG_LINE, _ARG_TWO_LINES, _ARG_LEN1, _ARG_LEN4, _ARG_LEN8 = -1, -2, -3, -4, -5
_ARG_STOP, _ARG_LONG_BINPUT, _ARG_PUT, _ARG_UNKNOWN = -6, -7, -8, -9


def _opcode_arg_table() -> tuple[int, ...]:
    """One entry per byte value: how to skip that opcode's argument (see ``_ARG_*``)."""
    lengths = {
        pickletools.UP_TO_NEWLINE: _ARG_LINE,
        pickletools.TAKEN_FROM_ARGUMENT1: _ARG_LEN1,
        pickletools.TAKEN_FROM_ARGUMENT4: _ARG_LEN4,  # signed: a negative length is an error
        pickletools.TAKEN_FROM_ARGUMENT4U: _ARG_LEN4,  # ... and so is reading past the end
        pickletools.TAKEN_FROM_ARGUMENT8U: _ARG_LEN8,
    }
    table = [_ARG_UNKNOWN] * 256
    for op in pickletools.opcodes:
        arg = op.arg
        if arg is None:
            kind = 0
        elif arg.name == "stringnl_noescape_pair":  # GLOBAL and INST: module and name lines
            kind = _ARG_TWO_LINES
        elif arg.n >= 0:
            kind = arg.n
        else:
            kind = lengths[arg.n]
        table[ord(op.code)] = kind
    table[ord(".")] = _ARG_STOP
    table[ord("r")] = _ARG_LONG_BINPUT
    table[ord("p")] = _ARG_PUT
    return tuple(table)


_OPCODE_ARGS = _opcode_arg_table()


def _put_index(line: bytes) -> int | None:
    """The memo index the C unpickler reads from a PUT line (None if it rejects the line).

    The C reader parses the line as a NUL-terminated string, so ``p99999999999\\x00junk``
    stores at 99,999,999,999: cut at the first NUL before parsing, as it does.
    """
    nul = line.find(b"\x00")
    if nul >= 0:
        line = line[:nul]
    try:
        return int(line)
    except ValueError:
        # Python and the C reader share the parser; a line too long to parse here (over
        # 4,300 digits) is refused there too. Treat it as huge rather than trust that.
        return sys.maxsize if line.strip().isdigit() else None


def _memo_bomb(data: bytes) -> int | None:
    """Return a memo index no honest pickle of this size could use, if the pickle has one.

    The C unpickler grows its memo table to twice the largest index it is asked to store, so
    ``LONG_BINPUT 0xffffffff`` in ten bytes would make it allocate and clear 64 GiB. A real
    pickle never stores more objects than it has bytes.

    Walks the opcodes the way the C unpickler reads them, skipping arguments by their length
    without decoding them (pickletools' generic reader was most of the cost of decoding a
    large value). Only PUT and LONG_BINPUT can name large indexes (BINPUT has one byte,
    MEMOIZE counts up). The walk stops where the unpickler would stop (STOP, an unknown
    opcode, a missing newline); where the two could disagree on a malformed pickle, the walk
    reads on, so it can only find more indexes, never fewer.
    """
    limit = len(data) + 16
    end = len(data)
    table = _OPCODE_ARGS
    find = data.find
    from_bytes = int.from_bytes
    pos = 0
    while pos < end:
        kind = table[data[pos]]
        pos += 1
        # Most frequent first: fixed-size arguments, then length-prefixed strings.
        if kind >= 0:
            pos += kind
        elif kind == _ARG_LEN4:
            pos += 4 + from_bytes(data[pos : pos + 4], "little")
        elif kind == _ARG_LEN1:
            pos += 1 + (data[pos] if pos < end else 0)
        elif kind == _ARG_LONG_BINPUT:
            if pos + 4 > end:
                return None
            index = from_bytes(data[pos : pos + 4], "little")
            if index > limit:
                return index
            pos += 4
        elif kind == _ARG_LINE or kind == _ARG_PUT:
            newline = find(b"\n", pos)
            if newline < 0:
                return None
            if kind == _ARG_PUT:
                index = _put_index(data[pos:newline])
                if index is not None and index > limit:
                    return index
            pos = newline + 1
        elif kind == _ARG_TWO_LINES:
            newline = find(b"\n", pos)
            newline = find(b"\n", newline + 1) if newline >= 0 else -1
            if newline < 0:
                return None
            pos = newline + 1
        elif kind == _ARG_LEN8:
            pos += 8 + from_bytes(data[pos : pos + 8], "little")
        else:  # STOP, or an opcode the unpickler rejects: it reads nothing after it
            return None
    return None


def _load_pickle(data: bytes) -> Any:
    """Unpickle with the restricted unpickler; any failure becomes :class:`Unpicklable`."""
    depth = getattr(_nesting, "depth", 0)
    if depth >= MAX_NESTED_PICKLE_DEPTH:
        return Unpicklable(f"pickles nested deeper than {MAX_NESTED_PICKLE_DEPTH} levels")
    bad_index = _memo_bomb(data)
    if bad_index is not None:
        return Unpicklable(f"memo index {bad_index} out of range for a {len(data)}-byte pickle")
    _nesting.depth = depth + 1
    # The unpickler creates one container per few bytes; every 700 allocations the cyclic
    # collector would walk the young objects, and its full passes walk everything built so
    # far: that tripled the time to load 200,000 nested lists. Decoding creates no garbage
    # cycles worth collecting meanwhile, and the collector is back on before returning.
    collecting = depth == 0 and gc.isenabled()
    if collecting:
        gc.disable()
    try:
        return _RestrictedUnpickler(data).load()
    except Exception as error:
        return Unpicklable(error)
    finally:
        if collecting:
            gc.enable()
        _nesting.depth = depth


def _deserialize(type_name: str, data: bytes) -> Any:
    """What redun's type registry gives for ``data`` (it always goes through the pickle)."""
    obj = _load_pickle(data)
    if type_name == "builtins.function" and isinstance(obj, Function):
        return obj.instance
    problem = _print_problem(obj)
    if problem is not None:
        return OversizedValue(obj, problem)
    return obj


#: A decoded value whose plain ``repr()`` would be longer than this is wrapped.
MAX_PRINTED_SIZE = 10_000_000
#: ... and so is one whose builtin containers nest deeper than this (repr() recurses).
MAX_PRINTED_DEPTH = 200
_CONTAINER_TYPES = frozenset(
    {
        list,
        tuple,
        dict,
        set,
        frozenset,
        PickledSet,
        PickledFrozenSet,
        collections.OrderedDict,
        OrderedDict,
        collections.deque,
        collections.defaultdict,
        collections.Counter,
        Counter,
    }
)
_MAX_INT_BITS = 14_000  # int -> str refuses more than 4,300 digits


def _print_problem(root: Any) -> str | None:
    """Why Python's own ``repr(root)`` would fail or never finish, if it would.

    Stand-ins print through the bounded renderer, but builtin containers print with
    Python's recursive repr: pickled memo references can share sub-lists so that a small
    pickle prints as 2**40 items, nest lists 100,000 deep (RecursionError), or hold an int
    too long to convert. Estimates the printed size once per distinct object, reading each
    object's children once (this walk is most of the cost of decoding large plain data).
    """
    if type(root) is int:
        bits = root.bit_length()
        return f"an int of {bits} bits is too long to print" if bits > _MAX_INT_BITS else None
    if type(root) not in _CONTAINER_TYPES:
        return None
    containers = _CONTAINER_TYPES
    compound_bases = (StandIn, BaseException)
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_ids: set[int] = set()
    # Entries (object, containers on the path from the root down to it, None, None) ask to
    # enter the object; (object, 0, size of its leaves, its compound children) to leave it.
    stack: list[tuple[Any, int, Any, Any]] = [(root, 1, None, None)]
    while stack:
        obj, path_depth, leaves, compound = stack.pop()
        key = id(obj)
        if compound is None:
            if key in size or key in open_ids:
                continue
            if path_depth > MAX_PRINTED_DEPTH:
                # The root nests at least this deep: say so now rather than first walking
                # (and measuring) all 200,000 levels of a deep pickle.
                return f"nests containers more than {MAX_PRINTED_DEPTH} deep"
            open_ids.add(key)
            kind = type(obj)
            if kind is list or kind is tuple:
                children = obj
            elif kind is dict:
                children = (*obj, *obj.values())
            else:
                children = _children(obj)
            total = 20
            compound = []
            for child in children:
                kind = type(child)
                if kind is str or kind is bytes or kind is bytearray:
                    total += len(child) + 3
                elif kind is int:
                    bits = child.bit_length()
                    if bits > _MAX_INT_BITS:
                        return f"holds an int of {bits} bits, too long to print"
                    total += bits // 3 + 2
                elif kind in containers or isinstance(child, compound_bases):
                    compound.append(child)
                else:
                    total += 24
            if not compound:  # only leaves inside: done already (most containers)
                open_ids.discard(key)
                size[key] = total
                depth[key] = type(obj) in containers
                if total > MAX_PRINTED_SIZE:
                    return f"prints as more than {MAX_PRINTED_SIZE:,} characters"
                continue
            stack.append((obj, path_depth, total, compound))
            for child in compound:
                stack.append((child, path_depth + (type(child) in containers), None, None))
            continue
        open_ids.discard(key)
        total, deepest = leaves, 0
        for child in compound:
            # A child still open is a cycle: Python prints it as [...].
            child_key = id(child)
            total += size.get(child_key, 5)
            child_depth = depth.get(child_key, 0)
            if child_depth > deepest:
                deepest = child_depth
        size[key] = total
        depth[key] = deepest + (type(obj) in containers)
        if total > MAX_PRINTED_SIZE:
            return f"prints as more than {MAX_PRINTED_SIZE:,} characters"
        if depth[key] > MAX_PRINTED_DEPTH:
            return f"nests containers more than {MAX_PRINTED_DEPTH} deep"
    return None


def _is_compound(obj: Any) -> bool:
    kind = type(obj)
    return kind in _CONTAINER_TYPES or isinstance(obj, (StandIn, BaseException))


class OversizedValue(StandIn):
    """Wraps a decoded value that Python's own ``repr()`` cannot print safely.

    A hostile (or unlucky) pickle can decode to builtin containers whose plain ``repr()``
    raises RecursionError or would produce terabytes. The wrapper prints the value through
    the bounded renderer (so ``repr()`` and :func:`value_repr` show its beginning) and
    keeps it in :attr:`value`.

    Attributes:
        value: the decoded value.
        reason: why it is wrapped.
    """

    _pickle_name = "redun_tui.OversizedValue"

    def __init__(self, value: Any, reason: str) -> None:
        self.value = value
        self.reason = reason

    def _repr_parts(self) -> Iterator[Any]:
        yield _Repr(self.value)


def _as_bytes(data: Any) -> bytes | None:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    return None


def _decode_top(type_name: str, data: bytes) -> Any:
    """Decode one value row's bytes with a fresh budget."""
    if getattr(_budget, "left", None) is not None:  # already inside a decode
        return _deserialize(type_name, data)
    _budget.left = max(MAX_BUILT_ITEMS, 4 * len(data))
    _budget.nested = {}
    try:
        return _deserialize(type_name, data)
    finally:
        _budget.left = None
        _budget.nested = None


#: Values at least this many bytes long are kept decoded in a small cache: a screen reads the
#: same value several times (``Value.preview``, ``value_parsed``, a call's arguments...),
#: and decoding a large one costs tens of milliseconds. Smaller ones take about a
#: millisecond or less, and would crowd the large ones out.
DECODE_CACHE_MIN_BYTES = 4096
#: At most this many decoded values are cached (least recently used go first) ...
DECODE_CACHE_ENTRIES = 32
#: ... and their pickles (kept as the keys) add up to at most this many bytes; a larger value
#: is not cached.
DECODE_CACHE_BYTES = 8_000_000

_decode_cache: collections.OrderedDict[tuple[Any, str, bytes], tuple[int, Any]] = (
    collections.OrderedDict()
)
_decode_cache_lock = threading.Lock()
_decode_cache_size = 0


def clear_decode_cache() -> None:
    """Forget every cached decoded value (tests use it to decode afresh)."""
    global _decode_cache_size
    with _decode_cache_lock:
        _decode_cache.clear()
        _decode_cache_size = 0


def _decode_cached(type_name: str, format: Any, raw: bytes) -> Any:
    """:func:`_decode_top`, reusing the result of an earlier decode of the same bytes.

    The result is shared by every caller that decodes the same value: stand-ins, decoded
    sets and the wrappers are read-only or never modified by this package, but plain lists
    and dicts are real ones, so callers must treat decoded values as read-only.
    """
    global _decode_cache_size
    size = len(raw)
    if size < DECODE_CACHE_MIN_BYTES or size > DECODE_CACHE_BYTES:
        return _decode_top(type_name, raw)
    # The bytes themselves are the key: exact (a digest such as SHA-1 can be made to collide,
    # showing one value's decoding for another), and Python hashes a bytes object once. They
    # count against DECODE_CACHE_BYTES. ``format`` is not used to decode; it is in the key
    # only for callers that mix formats.
    key = (type_name, format if isinstance(format, str) else "", raw)
    with _decode_cache_lock:
        hit = _decode_cache.get(key)
        if hit is not None:
            _decode_cache.move_to_end(key)
            return hit[1]
    result = _decode_top(type_name, raw)  # outside the lock: other threads keep reading
    with _decode_cache_lock:
        if key not in _decode_cache:
            _decode_cache[key] = (size, result)
            _decode_cache_size += size
            while (
                len(_decode_cache) > DECODE_CACHE_ENTRIES
                or _decode_cache_size > DECODE_CACHE_BYTES
            ):
                _, (old_size, _) = _decode_cache.popitem(last=False)
                _decode_cache_size -= old_size
    return result


def decode_value(type_name: str, format: str, data: bytes, *, shared: bool = True) -> Any:
    """Decode a value row's bytes like redun's ``Value.value_parsed``, safely.

    redun ignores ``format`` here: every type is read through its pickle preview, so JSON
    and other formats print as ``Unpicklable('invalid load key, ...')``, as in redun.

    Args:
        type_name: the row's ``type`` (``redun.File``, ``builtins.function``...).
        format: the row's ``format`` (unused, kept for symmetry with the row).
        data: the row's ``value`` bytes.
        shared: allow returning the object an earlier call decoded from the same bytes
            (cached); pass False for a fresh object the caller may modify.

    Returns:
        The decoded value built from stand-ins and vetted data types, an
        :class:`Unpicklable` when the bytes cannot be read, or a :class:`PreviewValue` of
        size 0 when the row holds no bytes (the value lives in a value store). Values of
        :data:`DECODE_CACHE_MIN_BYTES` or more are cached: unless ``shared`` is False, the
        same object is returned to every caller, so do not modify it.
    """
    raw = _as_bytes(data)
    if raw is None:
        return Unpicklable(TypeError(f"value bytes expected, got {type(data).__name__}"))
    if not raw:
        return PreviewValue(ValueRef(type_name, ""), 0)
    if not shared:
        return _decode_top(type_name, raw)
    return _decode_cached(type_name, format, raw)


def preview_value(
    value_hash: str, type_name: str, format: str, data: bytes, *, shared: bool = True
) -> Any:
    """What redun's ``Value.preview`` shows for a value row, decoded safely.

    Args:
        value_hash: the row's hash.
        type_name: the row's ``type``.
        format: the row's ``format``.
        data: the row's ``value`` bytes.
        shared: as for :func:`decode_value`.

    Returns:
        A :class:`PreviewValue` when the value is over :data:`MAX_VALUE_SIZE_PREVIEW` bytes
        or kept in a value store (no bytes); otherwise the same as :func:`decode_value`
        (the same cached object too, unless ``shared`` is False: do not modify it).
    """
    raw = _as_bytes(data)
    ref = ValueRef(type_name, value_hash)
    if raw is None:
        return Unpicklable(TypeError(f"value bytes expected, got {type(data).__name__}"))
    size = len(raw)
    if size > MAX_VALUE_SIZE_PREVIEW or size == 0:
        return PreviewValue(ref, size)
    if not shared:
        return _decode_top(type_name, raw)
    return _decode_cached(type_name, format, raw)


# ---------------------------------------------------------------------------------------
# Inspecting decoded values
# ---------------------------------------------------------------------------------------


def _children(obj: Any) -> Iterable[Any]:
    kind = type(obj)
    if kind in (list, tuple, set, frozenset, PickledSet, PickledFrozenSet, collections.deque):
        return list(obj)
    if isinstance(obj, dict):
        return [item for pair in obj.items() for item in pair]
    if isinstance(obj, StandIn):
        found = list(vars(obj).values()) if hasattr(obj, "__dict__") else []
        if isinstance(obj, BaseException):
            found = list(obj.args) + found
        return found
    if isinstance(obj, BaseException):
        return list(obj.args) + list(getattr(obj, "__dict__", {}).values())
    return ()


def _walk(obj: Any, limit: int = 1_000_000) -> Iterator[Any]:
    """Yield obj and everything inside it, depth first, each object once."""
    seen: set[int] = set()
    stack = [obj]
    count = 0
    while stack and count < limit:
        item = stack.pop()
        if type(item) not in _PLAIN_LEAVES:
            if id(item) in seen:
                continue
            seen.add(id(item))
        count += 1
        yield item
        stack.extend(reversed(list(_children(item))))


def iter_files(obj: Any) -> Iterator[File | FileSet]:
    """Yield the File, Dir and FileSet stand-ins inside a decoded value, in display order.

    Staging files yield their local and remote Files. Each object is yielded once.
    """
    for item in _walk(obj):
        if isinstance(item, (File, FileSet)):
            yield item


def _is_safe_item(item: Any) -> bool:
    kind = type(item)
    if kind in _PLAIN_LEAVES or kind in _REAL_TYPES:
        return True
    if kind in (PickledSet, PickledFrozenSet, set, frozenset, PosixPath, WindowsPath):
        return True
    if kind in (pathlib.PurePosixPath, pathlib.PureWindowsPath, decimal.Decimal):
        return True
    if kind in (fractions.Fraction, uuid.UUID, Counter, OrderedDict, _Builtin, PreviewValue):
        return True
    if isinstance(item, StandIn) or kind in _BUILTIN_EXCEPTIONS:
        return True
    if isinstance(item, type):
        return (
            isinstance(item, _FrozenClass)
            or item in _REAL_TYPES
            or item in _PLAIN_LEAVES
            or item in _BUILTIN_EXCEPTIONS
        )
    return isinstance(item, (datetime.tzinfo,)) and kind in _REAL_TYPES


def is_safe_loaded(obj: Any) -> bool:
    """True if everything inside ``obj`` is a stand-in or a vetted data type.

    Decoded values always are; the check exists so tests (and paranoid callers) can prove it.
    """
    return all(_is_safe_item(item) for item in _walk(obj))
