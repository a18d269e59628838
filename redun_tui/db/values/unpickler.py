"""The security boundary: the restricted unpickler and its memo-bomb pre-scan.

Unpickling runs whatever callables a pickle names. :class:`_RestrictedUnpickler` gets every
global through :func:`_resolve_global`, which only ever returns a stand-in class, a vetted
constructor, an immutable builtin type wrapped in a budget, or an inert
:class:`~redun_tui.db.values.standins.BlockedGlobal`; it never imports. Before the C
unpickler sees the bytes, :func:`_memo_bomb` refuses memo indexes that would make it
allocate gigabytes. Everything that decides what a pickle may do is in this file, so that
it can be reviewed on its own.
"""

from __future__ import annotations

import _compat_pickle
import builtins
import codecs
import collections
import datetime
import gc
import io
import pathlib
import pickle
import pickletools
import sys
import threading
from typing import Any

from redun_tui.db.values.builders import (
    OrderedDict,
    PickledFrozenSet,
    PickledSet,
    PosixPath,
    WindowsPath,
    _encode_text,
    _make_bytearray,
    _make_bytes,
    _make_counter,
    _make_decimal,
    _make_fraction,
    _make_pure_path,
    _make_str,
    _newobj,
    _newobj_ex,
    _reconstructor,
    _type_of,
    _UUIDFactory,
)
from redun_tui.db.values.redun_files import (
    ContentDir,
    ContentFile,
    ContentFileSet,
    ContentStagingDir,
    ContentStagingFile,
    Dir,
    File,
    FileSet,
    IDir,
    IFile,
    IFileSet,
    IStagingDir,
    IStagingFile,
    ShardedS3Dataset,
    StagingDir,
    StagingFile,
)
from redun_tui.db.values.redun_types import (
    ApplyExpression,
    ErrorValue,
    Expression,
    Frame,
    FrameSummary,
    Function,
    Handle,
    HandleInfo,
    PartialTask,
    QuotedExpression,
    SchedulerExpression,
    SchedulerTask,
    ScriptError,
    SimpleExpression,
    Task,
    TaskExpression,
    Traceback,
    ValueExpression,
    _enum_factory,
)
from redun_tui.db.values.standins import (
    _EXCEPTION_STAND_INS,
    BlockedGlobal,
    Unpicklable,
    _Builtin,
    _make_preview_class,
)

# Protocol-0 text is raw-unicode-escape; should anything look that codec up by name while
# decoding, looking it up now (which imports it and caches the lookup) keeps decoding from
# importing.
codecs.lookup("raw-unicode-escape")

#: redun pickles some fields as pickles (expression arguments); deeper nesting is refused
#: because each level costs C stack.
MAX_NESTED_PICKLE_DEPTH = 32

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
