"""The base of every stand-in, the decode budget, and the results that are not values.

A stand-in is what the restricted unpickler builds in place of a class instance: a frozen
class (:class:`_FrozenClass`) whose instances hold plain data and print through the bounded
renderer. Here are the machinery they share (the budget every constructor is charged to,
the vetted-callable wrapper :class:`_Builtin`), the generic stand-ins (classes that cannot
be imported, refused standard-library globals, builtin exceptions) and what a decode returns
when there is no value to show (:class:`PreviewValue`, :class:`Unpicklable`,
:class:`OversizedValue`). redun's own classes are in ``redun_files`` and ``redun_types``.
"""

from __future__ import annotations

import builtins
import collections
import pickle
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from redun_tui.db.values.text import _leaf_str, _render, _Repr, _Str


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


# ---------------------------------------------------------------------------------------
# Builtin exceptions
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
