"""Standard-library data types a pickle may build for real, through safe constructors.

``set``, ``OrderedDict``, ``Decimal``, ``Fraction``, paths, ``UUID``, ``str``/``bytes`` with
an encoding and the ``copyreg`` helpers: each constructor here checks its arguments so that
it runs no code from the pickle, imports nothing and allocates only what the budget allows.
Separate from the unpickler, which only decides which of them a pickle may name.
"""

from __future__ import annotations

import collections
import decimal
import fractions
import pathlib
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from redun_tui.db.values.standins import (
    _BUILTIN_EXCEPTIONS,
    BlockedGlobal,
    StandIn,
    _Builtin,
    _charge,
    _FrozenClass,
)
from redun_tui.db.values.text import _full_text, _leaf_repr

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
