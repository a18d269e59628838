"""Decoding a value row: the public entry points, the print-safety check and the cache.

:func:`decode_value` and :func:`preview_value` (redun's ``Value.value_parsed`` and
``Value.preview``) run the restricted unpickler on a fresh budget, wrap what Python's own
``repr()`` could not print (:func:`_print_problem`), and keep large results in a small LRU
cache. :func:`iter_files` and :func:`is_safe_loaded` inspect what was decoded.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import pathlib
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from redun_tui.db.values.builders import (
    Counter,
    OrderedDict,
    PickledFrozenSet,
    PickledSet,
    PosixPath,
    WindowsPath,
)
from redun_tui.db.values.redun_files import File, FileSet
from redun_tui.db.values.redun_types import Function
from redun_tui.db.values.standins import (
    _BUILTIN_EXCEPTIONS,
    MAX_BUILT_ITEMS,
    OversizedValue,
    PreviewValue,
    StandIn,
    Unpicklable,
    ValueRef,
    _budget,
    _Builtin,
    _FrozenClass,
)
from redun_tui.db.values.text import _PLAIN_LEAVES
from redun_tui.db.values.unpickler import _REAL_TYPES, _load_pickle

#: Values larger than this many bytes are shown as a PreviewValue, never unpickled (as redun).
MAX_VALUE_SIZE_PREVIEW = 1_000_000
#: The ``format`` redun records for pickled values.
MIME_TYPE_PICKLE = "application/python-pickle"


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
