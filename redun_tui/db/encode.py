"""Write value bytes shaped like redun's pickles, without redun and without importing anything.

Used to build databases in code (tests, benchmarks, the recording API); the reading side is
:mod:`redun_tui.db.values`. A class instance is written the way pickle writes redun's objects:
``GLOBAL module name`` then either ``EMPTY_TUPLE NEWOBJ`` (most redun classes) or
``args REDUCE`` (exceptions), then ``state BUILD``.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import dataclass
from typing import Any

PROTOCOL = 3


@dataclass(frozen=True)
class Instance:
    """An instance of ``module.name`` to pickle.

    Attributes:
        module: the class's module (``redun.file``).
        name: the class name (``File``).
        state: written with BUILD when not None (a dict, or a ``(None, dict)`` slots tuple).
        args: when not None, the object is written as ``REDUCE(cls, args)`` instead of NEWOBJ.
    """

    module: str
    name: str
    state: Any = None
    args: tuple | None = None


class _Pickler(pickle._Pickler):  # the pure-Python pickler calls save() for nested objects
    def save(self, obj: Any, save_persistent_id: bool = True) -> None:
        if not isinstance(obj, Instance):
            super().save(obj, save_persistent_id)
            return
        # Written by hand: pickle's save_global would import the module to check it.
        self.write(b"c" + f"{obj.module}\n{obj.name}\n".encode())
        if obj.args is None:
            self.write(pickle.EMPTY_TUPLE + pickle.NEWOBJ)
        else:
            super().save(obj.args)
            self.write(pickle.REDUCE)
        if obj.state is not None:
            super().save(obj.state)
            self.write(pickle.BUILD)


def dumps(value: Any) -> bytes:
    """Pickles plain data (containers, strings, numbers, None) that may hold Instances.

    The memo is off so an Instance written twice is written twice, never referenced by BINGET.
    """
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, protocol=PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue()


def content_hash(*parts: str) -> str:
    """A sha1 hex digest used as a content address for generated records."""
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


def file_instance(path: str, file_hash: str | None = None) -> Instance:
    """A redun File (``redun.file File`` with path and hash)."""
    return Instance("redun.file", "File", {"path": path, "hash": file_hash or content_hash("file", path)})


def task_instance(fullname: str, task_hash: str) -> Instance:
    """A redun Task, as a ``redun.Task`` value row holds it."""
    namespace, _, name = fullname.rpartition(".")
    return Instance(
        "redun.task",
        "Task",
        {
            "name": name,
            "namespace": namespace,
            "version": None,
            "hash": task_hash,
            "compat": [],
            "script": False,
            "task_options": {},
            "export_options": Instance("builtins", "set", args=([],)),
        },
    )


def error_instance(
    exception: str, message: str, frames: list[tuple[str, int, str, str]] | tuple = ()
) -> Instance:
    """A redun ErrorValue for ``exception`` (``"builtins.ValueError"``) raised with ``message``.

    ``frames`` are ``(filename, lineno, function, line)``, outermost first.
    """
    module, _, name = exception.rpartition(".")
    error = Instance(module or "builtins", name, state={"redun_traceback": None}, args=(message,))
    frame_list = [
        Instance(
            "traceback",
            "FrameSummary",
            state=(None, {"filename": f, "lineno": n, "name": fn, "_line": line, "locals": None}),
        )
        for f, n, fn, line in frames
    ]
    traceback = Instance(
        "redun.scheduler", "Traceback", {"error": error, "frames": frame_list, "logs": []}
    )
    return Instance("redun.scheduler", "ErrorValue", {"error": error, "traceback": traceback})


def task_pickle(fullname: str, task_hash: str) -> bytes:
    """The bytes of the ``redun.Task`` value row of a task."""
    return dumps(task_instance(fullname, task_hash))
