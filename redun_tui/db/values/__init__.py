"""Safe decoding of redun value rows.

A redun ``value`` row holds ``(value_hash, type, format, value)``; ``value`` is usually a
pickle. Unpickling runs whatever the pickle names, so this package never hands a pickle to
Python's normal loader. Its restricted unpickler (``unpickler.py``, the security boundary)
resolves every global a pickle names to something defined or vetted here:

* redun's own classes (File, Dir, Task, the expressions, ErrorValue, ...) become local
  stand-ins whose ``repr`` is the text redun prints and whose attributes are plain data
  (``redun_files.py``, ``redun_types.py``, on the base in ``standins.py``);
* a short list of standard-library data types (``set``, ``datetime``, ``Decimal``, ...) is
  built for real, but only through constructors that run no code from the pickle
  (``builders.py``);
* classes from any other module become :class:`PreviewObject` instances printed the way
  redun prints classes it cannot import (``Point(1.5, [1, 2, 3])``);
* anything else from the standard library (``os.system``, ``builtins.eval``,
  ``subprocess.Popen``...) becomes a :class:`BlockedGlobal`: calling it only records the
  call, and its ``repr`` says it was blocked.

Nothing is ever imported while decoding, and no error escapes: a pickle that cannot be read
becomes :class:`Unpicklable`, printed like redun's ``Unpicklable('...')``. Decoded values
print through one bounded renderer (``text.py``).

Public API: :data:`MAX_VALUE_SIZE_PREVIEW`, :class:`PreviewValue`, :func:`decode_value`
(redun's ``Value.value_parsed``), :func:`preview_value` (``Value.preview``),
:func:`trim_string`, :func:`value_repr` / :func:`value_str` (bounded ``repr``/``str`` as redun
trims them), :func:`iter_files`, :func:`is_safe_loaded`, :func:`clear_decode_cache`
(``decode.py``).

Decoding large values is cached (see :data:`DECODE_CACHE_MIN_BYTES`): decoded values are
shared between callers and must be treated as read-only.

This module only re-exports. Settings and internals are read where they are defined: patch
``values.text.REPR_HARD_LIMIT`` or ``values.decode.DECODE_CACHE_ENTRIES``, not the copies here.
"""
# ruff: noqa: I001 - the import order matters: text first (the renderer the classes print with)

from __future__ import annotations

# ``text`` first: the modules below it bind the renderer's names at import time, and it binds
# theirs at its end (see the bottom of text.py).
from redun_tui.db.values.text import (
    trim_string,
    value_repr,
    value_str,
)
from redun_tui.db.values.standins import (
    BlockedCall,
    BlockedGlobal,
    ExceptionStandIn,
    OversizedValue,
    PreviewObject,
    PreviewValue,
    StandIn,
    Unpicklable,
    ValueRef,
)
from redun_tui.db.values.redun_files import ContentFile, Dir, File, FileSet
from redun_tui.db.values.redun_types import (
    ErrorValue,
    FrameSummary,
    Function,
    Task,
    TaskExpression,
    Traceback,
    UnknownFunction,
)
from redun_tui.db.values.decode import (
    MAX_VALUE_SIZE_PREVIEW,
    MIME_TYPE_PICKLE,
    clear_decode_cache,
    decode_value,
    is_safe_loaded,
    iter_files,
    preview_value,
)

# Limits and internals that tests and benchmarks read or call (see the note above on patching).
from redun_tui.db.values.decode import DECODE_CACHE_BYTES as DECODE_CACHE_BYTES
from redun_tui.db.values.decode import DECODE_CACHE_ENTRIES as DECODE_CACHE_ENTRIES
from redun_tui.db.values.decode import DECODE_CACHE_MIN_BYTES as DECODE_CACHE_MIN_BYTES
from redun_tui.db.values.decode import MAX_PRINTED_DEPTH as MAX_PRINTED_DEPTH
from redun_tui.db.values.decode import MAX_PRINTED_SIZE as MAX_PRINTED_SIZE
from redun_tui.db.values.standins import MAX_BUILT_ITEMS as MAX_BUILT_ITEMS
from redun_tui.db.values.text import MAX_REPR_DEPTH as MAX_REPR_DEPTH
from redun_tui.db.values.text import REPR_HARD_LIMIT as REPR_HARD_LIMIT
from redun_tui.db.values.unpickler import MAX_NESTED_PICKLE_DEPTH as MAX_NESTED_PICKLE_DEPTH
from redun_tui.db.values.decode import _children as _children
from redun_tui.db.values.decode import _decode_cache as _decode_cache
from redun_tui.db.values.decode import _decode_top as _decode_top
from redun_tui.db.values.decode import _walk as _walk
from redun_tui.db.values.unpickler import _memo_bomb as _memo_bomb

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
