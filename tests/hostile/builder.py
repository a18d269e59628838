"""Builds hostile redun databases: planted pickles and hostile text inside real structure.

Everything is written with the project's recording API (``RedunBackendDb(read_only=False)``:
``record_execution``/``record_job_start``/``record_call_node``/``record_value``/``record_tags``/
``record_job_end``), so the databases have what redun writes: an execution, a job tree, call nodes
with arguments and results, values, files and tags. Only the bytes of some values are hostile.

* :func:`hostile_pickles` — pickles that would run code if given to ``pickle.loads``: every one of
  them creates ``marker`` (``touch``, ``open(..., "w")``, ``Path.touch``, ``os.mknod``…) through
  ``os.system``, ``subprocess``, ``eval``/``exec``, ``open``, ``getattr`` chains, nested
  ``pickle.loads`` and more, in protocols 0–5, nested in lists, dicts and object state.
* :func:`hostile_texts` — markup, terminal escapes, control and bidi characters, a 100,000-character
  line; :func:`build_hostile_text_db` puts them in task names, execution args, tag keys and
  values, file paths, exception messages and values (plus one 50 MB value).

Nothing here unpickles anything. The pickles are made by ``pickle.dumps`` of objects whose
``__reduce__`` names the dangerous callables (dumping only records names) or written opcode by
opcode.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import io
import operator
import os
import pathlib
import pickle
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import event

from redun_tui.db import RedunBackendDb, TagEntity
from redun_tui.db.backend import ExecutionSpec, JobSpec, TaskSpec

PICKLE = "application/python-pickle"


# -- pickles that would run code ----------------------------------------------------------------


class Call:
    """Pickles as "call ``func`` with ``args``": ``pickle.loads`` would make that call.

    Callable itself, so a Call can be the function of another Call (``getattr`` chains).
    """

    def __init__(self, func: Any, *args: Any) -> None:
        self.func = func
        self.args = args

    def __reduce__(self) -> tuple[Any, tuple]:
        return self.func, self.args

    def __call__(self, *args: Any) -> Any:  # pragma: no cover - never called
        raise AssertionError("a Call is only ever pickled")


class Holder:
    """An ordinary object whose state (``__dict__``) carries a payload."""

    def __init__(self, **state: Any) -> None:
        self.__dict__.update(state)


class Sample:
    """A workflow-defined class (not importable when browsing), with a payload in its state."""

    def __init__(self, name: str, payload: Any) -> None:
        self.name = name
        self.payload = payload


def _op_global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _fragment(obj: Any) -> bytes:
    """The opcodes pushing ``obj`` (a plain value), without PROTO and STOP."""
    data = pickle.dumps(obj, protocol=3)
    assert data[:2] == b"\x80\x03" and data[-1:] == b"."
    return data[2:-1]


def _call_fragment(callable_ops: bytes, *args: bytes) -> bytes:
    return callable_ops + b"(" + b"".join(args) + b"tR"


def _pickle(ops: bytes, protocol: int = 3) -> bytes:
    return bytes([0x80, protocol]) + ops + b"."


def hostile_pickles(marker: Path) -> dict[str, bytes]:
    """Name -> pickle bytes; each would create ``marker`` if unpickled by ``pickle.loads``."""
    m = str(marker)
    shell = f"touch '{m}'"
    code = f"open({m!r}, 'w').close()"
    argv = ["touch", m]
    payloads: dict[str, Any] = {
        "os.system": Call(os.system, shell),
        "os.popen": Call(os.popen, shell),
        "os.mknod": Call(os.mknod, m),
        "subprocess.call": Call(subprocess.call, argv),
        "subprocess.Popen": Call(subprocess.Popen, argv),
        "subprocess.check_output": Call(subprocess.check_output, argv),
        "subprocess.run-shell": Call(subprocess.getoutput, shell),
        "builtins.eval": Call(builtins.eval, code),
        "builtins.exec": Call(builtins.exec, code),
        "builtins.compile+exec": Call(builtins.exec, Call(builtins.compile, code, "<x>", "exec")),
        "builtins.open-for-write": Call(builtins.open, m, "w"),
        "io.open-for-write": Call(io.open, m, "wb"),
        "pathlib.touch": Call(Call(builtins.getattr, Call(pathlib.Path, m), "touch")),
        "getattr-chain": Call(Call(builtins.getattr, Call(builtins.__import__, "os"), "system"), shell),
        "getattr-of-getattr": Call(
            Call(builtins.getattr, Call(builtins.getattr, Call(builtins.__import__, "os"), "path"), "join"), m
        ),
        "operator.methodcaller": Call(Call(operator.methodcaller, "system", shell), Call(builtins.__import__, "os")),
        "functools.partial": Call(Call(functools.partial, os.system, shell)),
        "importlib.import_module": Call(
            Call(builtins.getattr, Call(__import__("importlib").import_module, "os"), "system"), shell
        ),
        "pickle.loads-nested": Call(pickle.loads, pickle.dumps(Call(os.system, shell), protocol=2)),
        "builtins.setattr": Call(builtins.setattr, Call(builtins.__import__, "os"), "sep", "!"),
        "breakpoint": Call(builtins.breakpoint),
        "input": Call(builtins.input, "password: "),
    }
    pickles: dict[str, bytes] = {}
    for name, payload in payloads.items():
        pickles[name] = pickle.dumps(payload, protocol=3)
    # The same classics in every protocol.
    for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
        pickles[f"os.system-protocol-{protocol}"] = pickle.dumps(Call(os.system, shell), protocol=protocol)
        pickles[f"eval-protocol-{protocol}"] = pickle.dumps(Call(builtins.eval, code), protocol=protocol)
        pickles[f"getattr-chain-protocol-{protocol}"] = pickle.dumps(payloads["getattr-chain"], protocol=protocol)
    # Nested: in containers and in object state, as a real workflow value would carry it.
    evil = payloads["os.system"]
    nested = {
        "in-list": [1, 2, evil],
        "in-dict": {"ok": 1, "bad": evil},
        "in-dict-key": {("k", 1): [evil]},
        "in-tuple-in-list": [(evil,)],
        "in-set": {1, Call(builtins.eval, code)},
        "in-object-state": Holder(x=1, nested=[{"deep": evil}]),
        "in-workflow-class": Sample("s1", evil),
        "deeply-nested": functools.reduce(lambda acc, _: [acc], range(60), evil),
    }
    for name, value in nested.items():
        pickles[f"nested-{name}"] = pickle.dumps(value, protocol=3)
    # Written opcode by opcode: forms pickle.dumps never produces.
    cmd = _fragment(shell)
    raw = {
        "raw-INST": b"(" + cmd + b"ios\nsystem\n",
        "raw-OBJ": b"(" + _op_global("os", "system") + cmd + b"o",
        "raw-STACK_GLOBAL": _call_fragment(_fragment("os") + _fragment("system") + b"\x93", cmd),
        "raw-NEWOBJ-on-function": _op_global("os", "system") + b"(" + cmd + b"t\x81",
        "raw-__builtin__-eval": _call_fragment(_op_global("__builtin__", "eval"), _fragment(code)),
        "raw-posix.system": _call_fragment(_op_global("posix", "system"), cmd),
        "raw-nt.system": _call_fragment(_op_global("nt", "system"), cmd),
        "raw-copyreg._reconstructor": _call_fragment(
            _op_global("copyreg", "_reconstructor"),
            _op_global("os", "system"),
            _op_global("builtins", "object"),
            cmd,
        ),
        "raw-BUILD-setstate-on-stand-in": _op_global("redun.file", "File")
        + b")\x81"
        + b"}("
        + _fragment("path")
        + _call_fragment(_op_global("os", "system"), cmd)
        + _fragment("__setstate__")
        + _op_global("os", "system")
        + b"ub",
        "raw-error-value-with-evil-error": _op_global("redun.scheduler", "ErrorValue")
        + b")\x81}("
        + _fragment("error")
        + _call_fragment(_op_global("subprocess", "call"), _fragment(argv))
        + _fragment("traceback")
        + b"Nub",
        "raw-import-side-effect-this": _call_fragment(_op_global("this", "s"), cmd),
        "raw-import-side-effect-antigravity": _call_fragment(_op_global("antigravity", "geohash"), cmd),
        "raw-ctypes": _call_fragment(_op_global("ctypes", "CDLL"), _fragment("libc.so.6")),
        "raw-webbrowser": _call_fragment(_op_global("webbrowser", "open"), _fragment("file://" + m)),
        "raw-EXT1": b"\x82\x01",
        "raw-PERSID": b"P" + b"os.system\n",
        "raw-BINPERSID": _fragment("x") + b"Q",
    }
    for name, ops in raw.items():
        # `__builtin__` is mapped to `builtins` only for protocols below 3.
        pickles[name] = _pickle(ops, protocol=2 if "__builtin__" in name else 3)
    pickles["raw-protocol-5-NEXT_BUFFER"] = b"\x80\x05\x97."
    pickles["raw-protocol-4-FRAME"] = b"\x80\x04\x95" + (100).to_bytes(8, "little") + b"(" + cmd + b"ios\nsystem\n."
    return pickles


def bomb_pickles() -> dict[str, bytes]:
    """Pickles that cost time or memory rather than run code (billion laughs, deep nesting…)."""
    laughs = b"\x80\x03]q\x00(" + b"X\x03\x00\x00\x00lol" * 10 + b"e"
    for level in range(1, 40):
        laughs += b"]q" + bytes([level]) + b"(" + (b"h" + bytes([level - 1])) * 10 + b"e"
    # Far deeper than any recursion limit (the standard unpickler builds these iteratively).
    deep_list = b"\x80\x03" + b"]" * 50_000 + b"a" * 49_999 + b"."
    deep_tuple = b"\x80\x03" + b"(" * 50_000 + b"t" * 50_000 + b"."
    return {
        "billion-laughs": laughs + b".",
        "deep-list": deep_list,
        "deep-tuple": deep_tuple,
        "huge-int": b"\x80\x03\x8b" + (900_000).to_bytes(4, "little") + b"\x01" * 900_000 + b".",
        "lying-length": b"\x80\x03X" + (2**31).to_bytes(4, "little") + b"abc.",
        "truncated": pickle.dumps({"a": list(range(100))}, protocol=3)[:-20],
        "not-a-pickle": b"\x00\x01\x02garbage",
        "empty-stop": b".",
        "bad-memo-get": b"\x80\x03h\xff.",
        "long-binget": b"\x80\x03j\xff\xff\xff\x7f.",
        "repeat-big-string": b"\x80\x03X\x00\x00\x01\x00" + b"A" * 65536 + b"q\x00" + b"(" + b"h\x00" * 20000 + b"l.",
    }


# -- hostile text -------------------------------------------------------------------------------

MARKUP = [
    "[bold red]x[/]",
    "[@click=app.quit]click me[/]",
    "[@click=app.exit]exit[/]",
    "[link=https://example.invalid/steal]a link[/link]",
    "[/]",
    "[/bold]",
    "[",
    "]",
    "[b]unclosed",
    "[on red][blink]x",
    "\\[escaped?]",
]
ESCAPES = [
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52: write the clipboard
    "\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]0;new title\x07",  # window title
    "\x1bP+q544e\x1b\\",  # DCS request
    "\x9b2J",  # C1 CSI
    "\x07\x07\x07",  # bell
    "\x00nul\x00",
    "back\x08\x08\x08\x08space",
    "carriage\roverwrite",
    "\x7fdel",
]
BIDI = ["\u202eexe.txt", "safe\u2066hidden\u2069", "\u202dltr\u202c", "\u200f\u200erlm"]
# Substrings that must never reach a terminal from data (raw control sequences).
DANGEROUS = ["\x1b]52", "\x1b]8", "\x1b]0", "\x1b[2J", "\x1bP", "\x9b", "\x07", "\x00", "\u202e", "\u2066", "\x08", "\r"]


def hostile_texts() -> dict[str, str]:
    """Name -> hostile string (short ones; see :data:`LONG_LINE` for the long one)."""
    texts: dict[str, str] = {}
    for index, text in enumerate(MARKUP):
        texts[f"markup-{index}"] = text
    for index, text in enumerate(ESCAPES):
        texts[f"escape-{index}"] = text
    for index, text in enumerate(BIDI):
        texts[f"bidi-{index}"] = text
    texts["everything"] = "".join(MARKUP + ESCAPES + BIDI)
    texts["newlines"] = "line1\nline2\n\n[bold]line4[/]"
    return texts


LONG_LINE_LENGTH = 100_000
BIG_VALUE_BYTES = 50 * 1024 * 1024


# -- building databases -------------------------------------------------------------------------


@dataclass
class HostileDb:
    """What a builder planted, for the tests to look up."""

    path: Path
    marker: Path
    execution_id: str = ""
    job_ids: list[str] = field(default_factory=list)
    value_hashes: dict[str, str] = field(default_factory=dict)  # name -> value hash
    call_hashes: list[str] = field(default_factory=list)
    file_paths: list[str] = field(default_factory=list)
    task_names: list[str] = field(default_factory=list)


def _hash(*parts: Any) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()


class _Recorder:
    """A thin layer over the recording API: one execution, a root job, child calls."""

    def __init__(self, backend: RedunBackendDb, exec_id: str, args: list[str], root_task: TaskSpec) -> None:
        self.backend = backend
        self.execution = ExecutionSpec(id=exec_id)
        backend.record_execution(exec_id, args)
        self.root = JobSpec(id=_hash("job", exec_id, "root"), task=root_task, execution=self.execution)
        backend.record_job_start(self.root)
        self.children: list[str] = []
        self.job_ids = [self.root.id]

    def value(self, data: bytes, type_name: str, path: str | None = None) -> str:
        value = SimpleNamespace(path=path) if path is not None else None
        return self.backend.record_value(value, data=data, type_name=type_name)

    def call(self, task: TaskSpec, result_hash: str, arg_hashes: dict[str, str], index: int) -> str:
        job = JobSpec(id=_hash("job", self.execution.id, index), task=task, execution=self.execution, parent_job=self.root)
        self.backend.record_job_start(job)
        positional = tuple(h for k, h in arg_hashes.items() if k.startswith("arg"))
        keywords = {k: h for k, h in arg_hashes.items() if not k.startswith("arg")}
        call_hash = self.backend.record_call_node(
            task_name=task.fullname,
            task_hash=task.hash,
            args_hash=_hash("args", positional, keywords),
            expr_args=((), {}),
            eval_args=(positional, keywords),
            result_hash=result_hash,
            child_call_hashes=[],
        )
        job.call_hash = call_hash
        self.backend.record_job_end(job)
        self.children.append(call_hash)
        self.job_ids.append(job.id)
        return call_hash

    def finish(self, result_hash: str) -> str:
        call_hash = self.backend.record_call_node(
            task_name=self.root.task.fullname,
            task_hash=self.root.task.hash,
            args_hash=_hash("root-args", self.execution.id),
            expr_args=((), {}),
            eval_args=((), {}),
            result_hash=result_hash,
            child_call_hashes=self.children,
        )
        self.root.call_hash = call_hash
        self.backend.record_job_end(self.root)
        return call_hash


def new_writer(target: str) -> RedunBackendDb:
    """A writable backend with the latest schema; SQLite commits without fsync (test data only)."""
    backend = RedunBackendDb(target, read_only=False)
    engine = backend.create_engine()
    if backend.is_sqlite:

        @event.listens_for(engine, "connect")
        def _fast(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA synchronous = OFF")

        backend.session.close()
    backend.migrate()
    return backend


def build_hostile_pickle_db(
    path: Path, marker: Path, db_url: str | None = None, pickles: dict[str, bytes] | None = None
) -> HostileDb:
    """A database whose job results and arguments are the pickles of :func:`hostile_pickles`.

    Each hostile pickle is the result of one job and an argument of the next; the root job's
    result is a list-typed value holding the last one. ``db_url`` writes to PostgreSQL instead;
    ``pickles`` plants others (e.g. :func:`bomb_pickles`).
    """
    info = HostileDb(path=path, marker=marker)
    backend = new_writer(db_url or str(path))
    try:
        root_task = TaskSpec(name="main", namespace="hostile", source="def main(): ...")
        recorder = _Recorder(backend, _hash("exec", "pickles"), ["redun", "run", "wf.py", "main"], root_task)
        info.execution_id = recorder.execution.id
        previous = None
        if pickles is None:
            pickles = hostile_pickles(marker)
        for index, (name, data) in enumerate(pickles.items()):
            type_name = {
                "raw-BUILD-setstate-on-stand-in": "redun.File",
                "raw-error-value-with-evil-error": "redun.ErrorValue",
            }.get(name, "builtins.list" if name.startswith("nested") else "builtins.str")
            value_hash = recorder.value(data, type_name)
            info.value_hashes[name] = value_hash
            task = TaskSpec(name=f"step_{index}", namespace="hostile", source=f"def step_{index}(x, y=1):\n    return x\n")
            args = {"arg0": previous} if previous else {}
            args["y"] = value_hash
            info.call_hashes.append(recorder.call(task, value_hash, args, index))
            previous = value_hash
        info.call_hashes.append(recorder.finish(previous))
        info.job_ids = recorder.job_ids
        backend.record_tags(TagEntity.Value, previous, [("planted", "yes")])
    finally:
        backend.close()
    return info


def _str_pickle(text: str) -> bytes:
    return pickle.dumps(text, protocol=3)


def _file_pickle(path: str) -> bytes:
    return _pickle(
        _op_global("redun.file", "File")
        + b")\x81}("
        + _fragment("path")
        + _fragment(path)
        + _fragment("hash")
        + _fragment(hashlib.sha1(path.encode()).hexdigest())
        + b"ub"
    )


def _error_pickle(message: str, line: str) -> bytes:
    frame = (
        _op_global("traceback", "FrameSummary")
        + b")\x81N}("
        + _fragment("filename")
        + _fragment(f"wf_{message[:20]}.py")
        + _fragment("lineno")
        + _fragment(3)
        + _fragment("name")
        + _fragment(message)
        + _fragment("_line")
        + _fragment(line)
        + _fragment("locals")
        + b"Nu\x86b"
    )
    traceback = _op_global("redun.scheduler", "Traceback") + b")\x81}(" + _fragment("error") + _call_fragment(
        _op_global("builtins", "ValueError"), _fragment(message)
    ) + _fragment("frames") + b"](" + frame + b"e" + _fragment("logs") + _fragment([message]) + b"ub"
    return _pickle(
        _op_global("redun.scheduler", "ErrorValue")
        + b")\x81}("
        + _fragment("error")
        + _call_fragment(_op_global("builtins", "ValueError"), _fragment(message))
        + _fragment("traceback")
        + traceback
        + b"ub"
    )


def build_hostile_text_db(path: Path, big_value: bool = True, db_url: str | None = None) -> HostileDb:
    """A database whose task names, args, tags, file paths, errors and values are hostile text.

    Includes a 100,000-character one-line value and task argument and, with ``big_value``, one
    50 MB string value (stored, never unpickled: it is over redun's preview limit).
    """
    info = HostileDb(path=path, marker=path.with_suffix(".marker"))
    texts = hostile_texts()
    long_line = "L" * (LONG_LINE_LENGTH - 10) + "[/]\x1b[2J\x07"
    backend = new_writer(db_url or str(path))
    try:
        root_task = TaskSpec(name="main" + texts["everything"], namespace="ns" + texts["escape-0"], source=texts["everything"])
        info.task_names.append(root_task.fullname)
        args = ["redun", "run", "wf.py", "main", *texts.values(), long_line]
        recorder = _Recorder(backend, _hash("exec", "text"), args, root_task)
        info.execution_id = recorder.execution.id
        index = 0
        last = None
        for name, text in [*texts.items(), ("long-line", long_line)]:
            task = TaskSpec(name=f"t_{name}_{text}"[:5000], namespace=text[:200], source=f"def t(x):\n    # {text}\n")
            info.task_names.append(task.fullname)
            value_hash = recorder.value(_str_pickle(text), "builtins.str")
            info.value_hashes[f"str-{name}"] = value_hash
            file_path = f"/data/{text}/out.txt"
            file_hash = recorder.value(_file_pickle(file_path), "redun.File", path=file_path)
            info.value_hashes[f"file-{name}"] = file_hash
            info.file_paths.append(file_path)
            error_hash = recorder.value(_error_pickle(text, f"    raise ValueError({text!r})\n"), "redun.ErrorValue")
            info.value_hashes[f"error-{name}"] = error_hash
            recorder.call(task, file_hash, {"arg0": value_hash, text[:100] or "k": value_hash}, index)
            index += 1
            failing = TaskSpec(name=f"fail_{index}", namespace="hostile", source="def f(): raise ValueError")
            recorder.call(failing, error_hash, {"arg0": file_hash}, index)
            index += 1
            backend.record_tags(TagEntity.Value, value_hash, [(text[:300] or "k", text), ("plain", {"nested": [text]})])
            backend.record_tags(TagEntity.Execution, recorder.execution.id, [(f"key{index}{text[:50]}", text)])
            backend.record_tags(TagEntity.Job, recorder.job_ids[-1], [(text[:300] or "k", [text, 1])])
            last = value_hash
        if big_value:
            big = "B" * (BIG_VALUE_BYTES - 20) + "\x1b[2J[/]"
            big_hash = recorder.value(_str_pickle(big), "builtins.str")
            info.value_hashes["big-50MB"] = big_hash
            task = TaskSpec(name="big", namespace="hostile", source="def big(): ...")
            recorder.call(task, big_hash, {"arg0": last}, index)
        info.call_hashes = list(recorder.children)
        info.call_hashes.append(recorder.finish(last))
        info.job_ids = recorder.job_ids
    finally:
        backend.close()
    return info
