"""Hostile pickles: decoding them must create nothing, call nothing and import nothing.

Every payload here would run a command, write a file or import a module if it reached
``pickle.loads``. Decoding must return an inert preview whose repr names what was refused.
Tripwires replace the dangerous callables while decoding, a profiler records every Python
function and C function called, and a marker file must never appear.
"""

from __future__ import annotations

import builtins
import copyreg
import functools
import gc
import operator
import os
import pickle
import shutil
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redun_tui.db import values as V

PICKLE = V.MIME_TYPE_PICKLE
PROTOCOLS = range(0, pickle.HIGHEST_PROTOCOL + 1)


class Reduce:
    """Pickles as ``func(*args)``: the classic code-execution payload."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func = func
        self.args = args

    def __call__(self) -> None:  # lets a Reduce be the callable of another pickled call
        raise AssertionError("never called")

    def __reduce__(self) -> tuple:
        return (self.func, self.args)


class CallOf:
    """Pickles as ``inner(*args)`` where ``inner`` is itself a pickled call (getattr chains)."""

    def __init__(self, inner: Any, *args: Any) -> None:
        self.inner = inner
        self.args = args

    def __call__(self) -> None:  # pickle only checks that the first item is callable
        raise AssertionError("never called")

    def __reduce__(self) -> tuple:
        return (self.inner, self.args)


class WithState:
    """An object of a class a browser cannot import, carrying a payload in its state."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload
        self.other = [payload]


def payloads(marker: Path) -> dict[str, Any]:
    """Objects whose unpickling would touch ``marker`` (or worse)."""
    touch = f"touch {marker}"
    os_module = CallOf(Reduce(builtins.__import__, "os"))
    get_system = CallOf(Reduce(getattr, Reduce(builtins.__import__, "os"), "system"), touch)
    del os_module
    return {
        "os.system": Reduce(os.system, touch),
        "posix.system": Reduce(os.system, touch),  # os.system pickles as posix.system
        "subprocess.Popen": Reduce(subprocess.Popen, ["touch", str(marker)]),
        "subprocess.call": Reduce(subprocess.call, ["touch", str(marker)]),
        "subprocess.check_output": Reduce(subprocess.check_output, ["touch", str(marker)]),
        "builtins.eval": Reduce(eval, f"open({str(marker)!r}, 'w').write('x')"),
        "builtins.exec": Reduce(exec, f"open({str(marker)!r}, 'w').write('x')"),
        "builtins.open": Reduce(open, str(marker), "w"),
        "builtins.getattr": get_system,
        "builtins.__import__": Reduce(builtins.__import__, "antigravity"),
        "functools.partial": Reduce(functools.partial, os.system, touch),
        "operator.methodcaller": CallOf(
            Reduce(operator.methodcaller, "system", touch), Reduce(builtins.__import__, "os")
        ),
        "shutil.rmtree": Reduce(shutil.rmtree, str(marker.parent / "nothing-here")),
        "pickle.loads": Reduce(pickle.loads, pickle.dumps(Reduce(os.system, touch))),
        "os.remove": Reduce(os.remove, str(marker)),
    }


def expected_name(key: str) -> str:
    """The global the repr must name (os.system pickles as posix.system on Linux, open as
    io.open, and the getattr/methodcaller chains start with the inner call)."""
    module = os.system.__module__  # 'posix' here, 'nt' on Windows
    return {
        "os.system": f"{module}.system",
        "posix.system": f"{module}.system",
        "os.remove": f"{module}.remove",
        "builtins.open": "io.open",
        "pickle.loads": "pickle.loads",  # _pickle.loads, or pickle.loads below protocol 3
    }.get(key, key)


@contextmanager
def tripwires(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Replace dangerous callables with recorders while the body runs."""
    calls: list[str] = []

    def wire(name: str):
        def tripped(*args: Any, **kwargs: Any) -> None:
            calls.append(name)
            raise AssertionError(f"{name} was called")

        return tripped

    with monkeypatch.context() as patch:
        patch.setattr(os, "system", wire("os.system"))
        patch.setattr(os, "remove", wire("os.remove"))
        patch.setattr(subprocess, "Popen", wire("subprocess.Popen"))
        patch.setattr(subprocess, "call", wire("subprocess.call"))
        patch.setattr(subprocess, "check_output", wire("subprocess.check_output"))
        patch.setattr(shutil, "rmtree", wire("shutil.rmtree"))
        patch.setattr(pickle, "loads", wire("pickle.loads"))
        patch.setattr(builtins, "eval", wire("eval"))
        patch.setattr(builtins, "exec", wire("exec"))
        patch.setattr(builtins, "open", wire("open"))
        patch.setattr(builtins, "__import__", wire("__import__"))
        yield calls


def profile_calls(func: Any) -> tuple[Any, set[str], set[str]]:
    """Run func() under sys.setprofile; return its result, Python files and C functions run."""
    files: set[str] = set()
    c_funcs: set[str] = set()

    def profile(frame, event, arg):  # noqa: ANN001 - sys.setprofile signature
        if event == "call":
            files.add(frame.f_code.co_filename)
        elif event == "c_call":
            c_funcs.add(getattr(arg, "__qualname__", getattr(arg, "__name__", "?")))

    gc.disable()  # no collection of other tests' garbage (and its finalizers) in here
    sys.setprofile(profile)
    try:
        result = func()
    finally:
        sys.setprofile(None)
        gc.enable()
    return result, files, c_funcs


FORBIDDEN_C = {"system", "popen", "eval", "exec", "compile", "__import__", "open", "fork"}
VALUES_DIR = Path(V.__file__).resolve().parent  # the decoder is the values package


def _test_tooling(filename: str) -> bool:
    """Frames of the test tools themselves (hypothesis registers a gc callback)."""
    return any(part in filename for part in ("/hypothesis/", "/_pytest/", "/pluggy/"))


def decode_safely(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    """Decode ``data`` behind tripwires and a profiler; check nothing ran or was imported."""
    V.clear_decode_cache()  # a cached result would skip the decode being checked
    before = set(sys.modules)
    with tripwires(monkeypatch) as calls:
        (obj, text), files, c_funcs = profile_calls(
            lambda: (lambda o: (o, V.value_repr(o, None)))(V.decode_value("x.Y", PICKLE, data))
        )
    assert calls == []
    assert set(sys.modules) - before == set()
    assert c_funcs & FORBIDDEN_C == set()
    # Python code that ran: this module's decoder only (its pre-scan reads opcodes itself).
    ran = {
        Path(f).name
        for f in files
        if Path(f).parent != VALUES_DIR and not f.endswith(__file__) and not _test_tooling(f)
    }
    assert ran <= {"threading.py", "<frozen abc>"}, ran
    assert V.is_safe_loaded(obj)
    if isinstance(obj, V.StandIn):
        # Python's own repr of a 100,000-deep list or a 200,000-digit int raises; stand-ins
        # never do.
        assert isinstance(repr(obj), str)
    return obj, text


def wrap(payload: Any, how: str) -> Any:
    if how == "bare":
        return payload
    if how == "list":
        return [1, [payload], "x"]
    if how == "dict":
        return {"key": {"inner": payload}, payload.__class__.__name__: 2}
    if how == "state":
        return WithState(payload)
    raise ValueError(how)


@pytest.mark.parametrize("how", ["bare", "list", "dict", "state"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("key", sorted(payloads(Path("/tmp/x"))))
def test_reduce_payloads_are_inert(
    key: str, protocol: int, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "pwned"
    data = pickle.dumps(wrap(payloads(marker)[key], how), protocol=protocol)
    obj, text = decode_safely(data, monkeypatch)
    assert not marker.exists()
    assert "<blocked " in text and f"{expected_name(key)}(" in text, text
    blocked = [item for item in V._walk(obj) if isinstance(item, V.BlockedGlobal)]
    assert blocked
    real_callables = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    assert not any(isinstance(item, real_callables) for item in V._walk(obj))
    if how == "state":
        assert text.startswith("WithState(payload=<blocked ")


def test_blocked_call_records_what_it_would_have_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    obj = V.decode_value("x", PICKLE, pickle.dumps(Reduce(os.system, f"touch {marker}")))
    assert isinstance(obj, V.BlockedCall)
    assert obj.fullname == f"{os.system.__module__}.system"
    assert obj.args == (f"touch {marker}",)
    assert repr(obj) == f"<blocked {os.system.__module__}.system('touch {marker}')>"
    # Calling the record only makes another record.
    again = obj("more")
    assert isinstance(again, V.BlockedCall) and not marker.exists()


def test_getattr_chain_repr(tmp_path: Path) -> None:
    chain = CallOf(Reduce(getattr, Reduce(builtins.__import__, "os"), "system"), "id")
    obj = V.decode_value("x", PICKLE, pickle.dumps(chain, protocol=2))
    assert repr(obj) == (
        "<blocked builtins.getattr(<blocked builtins.__import__('os')>, 'system')('id')>"
    )


HAND_MADE = {
    # protocol 0 INST and OBJ opcodes: the callable comes from find_class too.
    "inst": b"(S'touch MARKER'\nios\nsystem\n.",
    "obj": b"(cos\nsystem\nS'touch MARKER'\no.",
    # Python 2 names go through the same resolution (__builtin__ -> builtins).
    "py2_builtin_eval": b"c__builtin__\neval\n(S'1+1'\ntR.",
    "nt_system": b"cnt\nsystem\n(S'touch MARKER'\ntR.",
    "stack_global": b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93"
    b"\x8c\rtouch MARKER\x85R.",
    "newobj_ex": b"\x80\x04cos\nsystem\n)}\x92.",
    "reconstructor": b"ccopyreg\n_reconstructor\n(cos\nsystem\ncbuiltins\nobject\nNtR.",
    "newobj_copyreg": b"ccopyreg\n__newobj__\n(cos\nsystem\nS'touch MARKER'\ntR.",
    "namedtuple_exec": b"ccollections\nnamedtuple\n(S'P'\nS'a b'\ntR.",
    "type_3_args": b"cbuiltins\ntype\n(S'X'\n)}tR.",
    "type_of_type": b"cbuiltins\ntype\n(cbuiltins\nint\ntR.",
    "codecs_rot13": b"c_codecs\nencode\n(S'x'\nS'rot13'\ntR.",
    "str_idna": b"cbuiltins\nstr\n(C\x03abcS'idna'\ntR.",
    "bytes_utf16": b"\x80\x03cbuiltins\nbytearray\nX\x01\x00\x00\x00xX\x06\x00\x00\x00utf-16\x86R.",
    "fraction_exponent": b"\x80\x03cfractions\nFraction\nX\x0c\x00\x00\x001e9999999999\x85R.",
    "redun_internal": b"\x80\x03credun.utils\npickle_loads\nC\x05\x80\x03N.\x85R.",
    "importlib": b"cimportlib\nimport_module\n(S'antigravity'\ntR.",
}


@pytest.mark.parametrize("name", sorted(HAND_MADE))
def test_hand_made_opcode_paths(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "pwned"
    data = HAND_MADE[name].replace(b"MARKER", str(marker).encode())
    if name == "stack_global":
        data = data.replace(b"\x8c\rtouch", bytes([0x8C, len(f"touch {marker}")]) + b"touch")
    obj, text = decode_safely(data, monkeypatch)
    assert not marker.exists()
    assert "antigravity" not in sys.modules
    assert isinstance(obj, (V.BlockedGlobal, V.Unpicklable, V.PreviewObject)), text
    if isinstance(obj, V.Unpicklable):
        assert text.startswith("Unpicklable(")
    elif isinstance(obj, V.PreviewObject):
        assert name == "redun_internal" and text == "pickle_loads(b'\\x80\\x03N.')"
    else:
        assert text.startswith("<blocked ")


def test_extension_registry_codes_resolve_through_find_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = 0xF1F1
    copyreg.add_extension("os", "system", code)
    try:
        # EXT2 <code>: the C unpickler maps the code to ("os", "system") and calls find_class.
        data = b"\x80\x02\x83" + code.to_bytes(2, "little") + b"X\x02\x00\x00\x00id\x85R."
        obj, text = decode_safely(data, monkeypatch)
    finally:
        copyreg.remove_extension("os", "system", code)
    assert text == "<blocked os.system('id')>"


@pytest.mark.parametrize("data", [b"Pfoo\n.", b"\x80\x03X\x03\x00\x00\x00fooQ."])
def test_persistent_ids_are_refused(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    obj, text = decode_safely(data, monkeypatch)
    assert text == (
        "Unpicklable('A load persistent id instruction was encountered,\n"
        "but no persistent_load function was specified.')"
    )


def test_build_cannot_modify_stand_in_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    # GLOBAL redun.file File; BUILD (None, {'__repr__': builtins.str}) -> setattr on the class.
    poison = (
        b"\x80\x03credun.file\nFile\nN}X\x08\x00\x00\x00__repr__cbuiltins\nstr\ns\x86b."
    )
    obj, text = decode_safely(poison, monkeypatch)
    assert isinstance(obj, V.Unpicklable)
    # BUILD on a vetted callable and on a real type fails the same way.
    for data in (
        b"\x80\x03cbuiltins\nset\nN}X\x01\x00\x00\x00xK\x01s\x86b.",
        b"\x80\x03cbuiltins\ncomplex\nN}X\x01\x00\x00\x00xK\x01s\x86b.",
        b"\x80\x03cdatetime\ndatetime\n}X\x01\x00\x00\x00xK\x01sb.",
    ):
        assert isinstance(decode_safely(data, monkeypatch)[0], V.Unpicklable)
    file_pickle = (
        b"\x80\x03credun.file\nFile\n)\x81}(X\x04\x00\x00\x00pathX\x01\x00\x00\x00a"
        b"X\x04\x00\x00\x00hashX\x08\x00\x00\x0012345678ub."
    )
    assert repr(V.decode_value("redun.File", PICKLE, file_pickle)) == "File(path=a, hash=12345678)"


def test_class_swap_through_slot_state_stays_inert(monkeypatch: pytest.MonkeyPatch) -> None:
    # An unknown-class object whose slot state sets __class__ to a redun stand-in.
    data = (
        b"\x80\x03cmymod\nThing\n)\x81N}X\t\x00\x00\x00__class__credun.file\nFile\ns\x86b."
    )
    obj, text = decode_safely(data, monkeypatch)
    assert isinstance(obj, (V.StandIn, V.Unpicklable))


def test_memo_bomb_is_refused_without_allocating(monkeypatch: pytest.MonkeyPatch) -> None:
    obj, text = decode_safely(b"\x80\x03Nr\xff\xff\xff\xff.", monkeypatch)
    assert text == "Unpicklable('memo index 4294967295 out of range for a 9-byte pickle')"
    obj, text = decode_safely(b"(lp99999999999\n.", monkeypatch)
    assert isinstance(obj, V.Unpicklable)


def _expression_around(inner: bytes) -> bytes:
    """A TaskExpression whose args are the pickle ``inner`` (redun nests pickles like this)."""
    empty = pickle.dumps({}, protocol=3)
    return (
        b"\x80\x03credun.expression\nTaskExpression\n)\x81}("
        b"X\t\x00\x00\x00task_nameX\x01\x00\x00\x00t"
        b"X\x04\x00\x00\x00argsB" + len(inner).to_bytes(4, "little") + inner
        + b"X\x06\x00\x00\x00kwargsC" + bytes([len(empty)]) + empty + b"ub."
    )


def test_deeply_nested_pickles_stop_at_a_fixed_depth(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pickle.dumps((1,), protocol=3)
    for _ in range(200):
        data = _expression_around(data)
    obj, text = decode_safely(data, monkeypatch)
    assert text.startswith("t(t(t(t(")
    assert f"pickles nested deeper than {V.MAX_NESTED_PICKLE_DEPTH} levels" in text


def test_deep_lists_and_shared_structures_print_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    depth = 20_000  # far past the interpreter's recursion limit for repr()
    data = b"\x80\x03" + b"]" * depth + b"a" * (depth - 1) + b"."
    obj, text = decode_safely(data, monkeypatch)
    # Python's repr() of the list would raise RecursionError: the value comes wrapped.
    assert isinstance(obj, V.OversizedValue) and type(obj.value) is list
    assert obj.reason == f"nests containers more than {V.MAX_PRINTED_DEPTH} deep"
    assert repr(obj) == text
    shown = V.value_repr(obj)
    assert len(shown) == 200 and shown.startswith("[" * (V.MAX_REPR_DEPTH + 1) + "...]")
    levels = V.MAX_REPR_DEPTH + 1
    assert text == "[" * levels + "..." + "]" * levels


def test_huge_int_and_self_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    big = b"\x80\x03\x8b" + (200_000).to_bytes(4, "little") + b"\x01" * 200_000 + b"."
    obj, text = decode_safely(big, monkeypatch)
    assert isinstance(obj, V.OversizedValue)
    assert text == f"<int of {obj.value.bit_length()} bits>"
    assert repr([obj]) == f"[<int of {obj.value.bit_length()} bits>]"
    loop = (
        b"\x80\x03credun.file\nFile\n)\x81q\x00}(X\x04\x00\x00\x00pathh\x00"
        b"X\x04\x00\x00\x00hashX\x01\x00\x00\x00hub."
    )
    obj, text = decode_safely(loop, monkeypatch)
    assert text == "File(path=..., hash=h)"


def test_stand_in_reprs_never_raise_on_odd_state(monkeypatch: pytest.MonkeyPatch) -> None:
    # A File whose hash is an int and a Task whose name is a list: printed, not crashed.
    data = (
        b"\x80\x03]q\x00(credun.file\nFile\n)\x81}(X\x04\x00\x00\x00pathK\x01"
        b"X\x04\x00\x00\x00hashK\x02ubcredun.task\nTask\n)\x81}(X\x04\x00\x00\x00name]"
        b"X\t\x00\x00\x00namespaceNX\x07\x00\x00\x00versionNX\x04\x00\x00\x00hashNube."
    )
    obj, text = decode_safely(data, monkeypatch)
    assert text == "[File(path=1, hash=2), Task(fullname=[], hash=)]"


def _big_list_then(name: bytes, times: int) -> bytes:
    """A 100,000-item list (memo 0), then ``builtins.<name>(that list)`` ``times`` times."""
    head = b"\x80\x03]q\x00(" + b"K\x01" * 100_000 + b"e"
    call = b"cbuiltins\n" + name + b"\nq\x01"
    return head + call + b"0]q\x02(" + b"h\x01h\x00\x85R" * times + b"e."


AMPLIFIERS = {
    # builtins.list(memo 0): a 100,000-item copy for every 5 bytes of pickle.
    "list_copies": _big_list_then(b"list", 50_000),
    "set_copies": _big_list_then(b"set", 50_000),
    "tuple_copies": _big_list_then(b"tuple", 50_000),
    # BUILD of the same 100,000-key state dict on many objects of an unknown class.
    "state_copies": (
        b"\x80\x03}q\x00("
        + b"".join(b"X\x06\x00\x00\x00k%05dN" % i for i in range(50_000))
        + b"ucmymod\nThing\nq\x01]q\x02("
        + b"h\x01)\x81h\x00b" * 20_000
        + b"e."
    ),
    # BUILD of the same 50,000-key state dict on many ValueErrors.
    "exception_state_copies": (
        b"\x80\x03}q\x00("
        + b"".join(b"X\x06\x00\x00\x00k%05dN" % i for i in range(50_000))
        + b"ucbuiltins\nValueError\nq\x01)q\x02]q\x03("
        + b"h\x01h\x02Rh\x00b" * 20_000
        + b"e."
    ),
    # ... and on many Counters / OrderedDicts (real dict subclasses with a __dict__).
    "counter_state_copies": (
        b"\x80\x03}q\x00("
        + b"".join(b"X\x06\x00\x00\x00k%05dN" % i for i in range(50_000))
        + b"uccollections\nCounter\nq\x01)q\x02]q\x03("
        + b"h\x01h\x02Rh\x00b" * 20_000
        + b"e."
    ),
    "ordered_dict_state_copies": (
        b"\x80\x03}q\x00("
        + b"".join(b"X\x06\x00\x00\x00k%05dN" % i for i in range(50_000))
        + b"uccollections\nOrderedDict\nq\x01)q\x02]q\x03("
        + b"h\x01h\x02Rh\x00b" * 20_000
        + b"e."
    ),
    # An unknown class (and a blocked global) called with the same 100,000-item tuple.
    "preview_args_copies": (
        b"\x80\x03(" + b"K\x01" * 100_000 + b"tq\x00cmymod\nThing\nq\x01]q\x02("
        + b"h\x01h\x00R" * 50_000 + b"e."
    ),
    "blocked_call_copies": (
        b"\x80\x03(" + b"K\x01" * 100_000 + b"tq\x00cos\nsystem\nq\x01]q\x02("
        + b"h\x01h\x00R" * 50_000 + b"e."
    ),
    "bytes_alloc": b"\x80\x03cbuiltins\nbytes\n\x8a\x06\x00\x00\x00\x00\x00\x01\x85R.",
    "range_list": (
        b"\x80\x03cbuiltins\nlist\ncbuiltins\nrange\n\x8a\x06\x00\x00\x00\x00\x00\x01\x85R\x85R."
    ),
    "nested_pickle_replays": b"",  # filled below
}
_inner = pickle.dumps(list(range(50_000)), protocol=3)
AMPLIFIERS["nested_pickle_replays"] = (
    b"\x80\x03]q\x00(B" + len(_inner).to_bytes(4, "little") + _inner + b"q\x01"
    + (
        b"credun.expression\nTaskExpression\n)\x81}(X\t\x00\x00\x00task_nameX\x01\x00\x00\x00t"
        b"X\x04\x00\x00\x00argsh\x01X\x06\x00\x00\x00kwargsC\x06\x80\x03}q\x00.ub"
    )
    * 2_000
    + b"e."
)


@pytest.mark.parametrize("name", sorted(AMPLIFIERS))
def test_memo_amplification_is_cut_off(name: str) -> None:
    """A few bytes per repetition must not buy gigabytes: the decode stops on a budget."""
    data = AMPLIFIERS[name]
    assert len(data) <= V.MAX_VALUE_SIZE_PREVIEW
    started = time.thread_time()
    obj = V.decode_value("builtins.list", PICKLE, data)
    elapsed = time.thread_time() - started
    if name == "nested_pickle_replays":
        # Each memoized pickle is decoded once and shared; printing is what would explode.
        assert isinstance(obj, V.OversizedValue), V.value_repr(obj)
        exprs = [item for item in obj.value if isinstance(item, V.TaskExpression)]
        assert len(exprs) == 2_000 and len({id(expr.args) for expr in exprs}) == 1
    else:
        assert isinstance(obj, V.Unpicklable), V.value_repr(obj)
        assert "too large to decode" in obj.error
    assert len(V.value_repr(obj)) <= 200
    assert elapsed < 10


def test_budget_leaves_honest_large_values_alone() -> None:
    honest = pickle.dumps([list(range(1000)) for _ in range(500)], protocol=3)  # 500,000 ints
    obj = V.decode_value("builtins.list", PICKLE, honest)
    assert type(obj) is list and len(obj) == 500
    sets = pickle.dumps([set(range(1000)) for _ in range(200)], protocol=3)
    assert len(V.decode_value("builtins.list", PICKLE, sets)) == 200


# -- the memo-index pre-scan --------------------------------------------------------------


def _pickletools_memo_index(data: bytes) -> int | None:
    """The first oversized PUT/LONG_BINPUT index pickletools finds (the old pre-scan)."""
    import pickletools

    limit = len(data) + 16
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.code in "pr" and isinstance(arg, int) and arg > limit:
                return arg
    except Exception:
        pass
    return None


def test_memo_scan_reads_put_lines_as_the_c_reader_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # The C reader stops the PUT number at a NUL byte: this stores at index 99,999,999,999
    # (pickletools, which the scan used before, rejected the line and missed it).
    data = b"Np99999999999\x00junk\n."
    obj, text = decode_safely(data, monkeypatch)
    expected = f"memo index 99999999999 out of range for a {len(data)}-byte pickle"
    assert text == f"Unpicklable('{expected}')"
    for line in (b" +99_999_999_999 ", b"99999999999\t", b"9" * 5000):
        obj, text = decode_safely(b"Np" + line + b"\n.", monkeypatch)
        assert isinstance(obj, V.Unpicklable) and "out of range" in obj.error, line[:20]


def test_memo_scan_finds_long_binput_after_every_kind_of_argument() -> None:
    bomb = b"r\xff\xff\xff\x7f"
    arguments = {
        "binunicode": b"X\x05\x00\x00\x00r\xff\xff\xff\xff",
        "short-binbytes": b"C\x05r\xff\xff\xff\xff",
        "binbytes8": b"\x8e\x05\x00\x00\x00\x00\x00\x00\x00r\xff\xff\xff\xff",
        "binunicode8": b"\x8d\x01\x00\x00\x00\x00\x00\x00\x00r",
        "bytearray8": b"\x96\x02\x00\x00\x00\x00\x00\x00\x00p1",
        "global": b"cr\xff\xff\xff\xff\np9999999999\n",
        "string": b"S'r\xff\xff\xff\xff'\n",
        "long1": b"\x8a\x02r\xff",
        "long4": b"\x8b\x01\x00\x00\x00r",
        "frame": b"\x95\x10\x00\x00\x00\x00\x00\x00\x00",
        "binfloat": b"Gr\xff\xff\xff\xffrrr",
        "binput": b"Nqr",
        "binint": b"Jr\xff\xff\xff",
    }
    for name, argument in arguments.items():
        data = b"\x80\x04" + argument + b"N" + bomb + b"."
        assert V._memo_bomb(data) == 0x7FFFFFFF, name
        # The same bytes inside an argument are data, not an opcode.
        assert V._memo_bomb(b"\x80\x04" + argument + b".") is None, name


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_memo_scan_passes_honest_pickles(protocol: int) -> None:
    from redun_tui.db import encode

    # Thousands of memo entries (LONG_BINPUT in protocols 1-3, PUT in 0), and strings full
    # of the bytes the scan looks for.
    tricky = [b"r\xff\xff\xff\xff", "p99999999999\n", "r" * 300, "\x00p9\n", 10**40]
    value = [{"path": f"out/{i}.vcf", "size": i, "tag": (f"t{i}",)} for i in range(2000)]
    value.append(tricky)
    data = pickle.dumps(value, protocol=protocol)
    assert V._memo_bomb(data) is None
    assert V.decode_value("builtins.list", PICKLE, data) == value
    files = encode.dumps([encode.file_instance(f"out/sample{i}.vcf") for i in range(2000)])
    assert V._memo_bomb(files) is None
    decoded = V.decode_value("builtins.list", PICKLE, files)
    assert type(decoded) is list and len(decoded) == 2000
    assert V.value_repr(decoded[1999]).startswith("File(path=out/sample1999.vcf, hash=")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([0, 2, 3, 4, 5]),
    st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from(b"rp\xff\n\x00\x7fX")),
        min_size=1,
        max_size=6,
    ),
)
def test_memo_scan_finds_whatever_pickletools_finds(
    protocol: int, edits: list[tuple[int, int]]
) -> None:
    """On mutated pickles the fast scan may refuse more, never less, than pickletools did."""
    base = pickle.dumps([{"a": i, "b": [i, f"r{i}"]} for i in range(300)], protocol=protocol)
    data = bytearray(base)
    for position, byte in edits:
        data[position % len(data)] = byte
    old = _pickletools_memo_index(bytes(data))
    if old is not None:
        assert V._memo_bomb(bytes(data)) is not None


# -- deep nesting -------------------------------------------------------------------------


def test_deep_pickles_are_wrapped_after_a_bounded_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    depth = 200_000
    deep_list = b"\x80\x03" + b"]" * depth + b"a" * (depth - 1) + b"."
    deep_tuple = b"\x80\x03" + b"(" * depth + b"t" * depth + b"."
    # A chain built through the memo: the unpickler's stack never holds more than two lists.
    chain = b"\x80\x03]r\x00\x00\x00\x00" + b"".join(
        b"0]j" + level.to_bytes(4, "little") + b"ar" + (level + 1).to_bytes(4, "little")
        for level in range(3000)
    ) + b"."
    for data in (deep_list, deep_tuple, chain):
        obj = V.decode_value("builtins.list", PICKLE, data)
        assert isinstance(obj, V.OversizedValue), V.value_repr(obj)
        assert obj.reason == f"nests containers more than {V.MAX_PRINTED_DEPTH} deep"
        assert V.value_repr(obj).startswith("[" * 10 if data is not deep_tuple else "(" * 10)
    # The depth check stops the walk at the limit instead of measuring every level first.
    dicts = b"\x80\x03" + b"}X\x01\x00\x00\x00k" * 20_000 + b"}" + b"s" * 20_000 + b"."
    seen: list[Any] = []
    real_children = V._children

    def counting(obj: Any) -> Any:
        seen.append(obj)
        return real_children(obj)

    monkeypatch.setattr(V.decode, "_children", counting)
    V.clear_decode_cache()
    obj = V.decode_value("builtins.dict", PICKLE, dicts)
    assert isinstance(obj, V.OversizedValue)
    assert obj.reason == f"nests containers more than {V.MAX_PRINTED_DEPTH} deep"
    assert len(seen) <= V.MAX_PRINTED_DEPTH + 1


def test_decoding_leaves_the_garbage_collector_as_it_was() -> None:
    depth = 50_000
    deep = b"\x80\x03" + b"]" * depth + b"a" * (depth - 1) + b"."
    assert gc.isenabled()
    for data in (deep, b"\x80\x03]q\x00h\x01.", pickle.dumps([1], protocol=3)):
        V.clear_decode_cache()
        V.decode_value("builtins.list", PICKLE, data)
        assert gc.isenabled()
    gc.disable()
    try:
        V.clear_decode_cache()
        V.decode_value("builtins.list", PICKLE, deep)
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


# -- the decode cache ---------------------------------------------------------------------


def _sized_value(index: int, size: int = 10_000) -> bytes:
    return pickle.dumps([index, "x" * size], protocol=3)


def test_large_values_are_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    V.clear_decode_cache()
    decodes: list[bytes] = []
    real = V._decode_top

    def counting(type_name: str, data: bytes) -> Any:
        decodes.append(data)
        return real(type_name, data)

    monkeypatch.setattr(V.decode, "_decode_top", counting)
    data = _sized_value(1)
    first = V.decode_value("builtins.list", PICKLE, data)
    assert V.decode_value("builtins.list", PICKLE, bytes(data)) is first
    assert V.preview_value("abc", "builtins.list", PICKLE, bytearray(data)) is first
    assert len(decodes) == 1
    # The type is part of the key: builtins.function unwraps what the pickle holds.
    V.decode_value("builtins.tuple", PICKLE, data)
    assert len(decodes) == 2
    # Small values are not cached (hashing them costs as much as decoding).
    small = pickle.dumps([1, 2], protocol=3)
    assert len(small) < V.DECODE_CACHE_MIN_BYTES
    assert V.decode_value("builtins.list", PICKLE, small) is not V.decode_value(
        "builtins.list", PICKLE, small
    )
    # Expensive refusals are cached too.
    bomb = AMPLIFIERS["list_copies"]
    refused = V.decode_value("builtins.list", PICKLE, bomb)
    assert V.decode_value("builtins.list", PICKLE, bomb) is refused
    # A caller that means to modify the value asks for its own copy.
    mine = V.decode_value("builtins.list", PICKLE, data, shared=False)
    assert mine == first and mine is not first
    assert V.preview_value("abc", "builtins.list", PICKLE, data, shared=False) is not first
    mine.append("changed")
    assert V.decode_value("builtins.list", PICKLE, data) is first and len(first) == 2
    V.clear_decode_cache()
    assert V.decode_value("builtins.list", PICKLE, data) is not first


def test_decode_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    V.clear_decode_cache()
    monkeypatch.setattr(V.decode, "DECODE_CACHE_ENTRIES", 3)
    values = [_sized_value(index) for index in range(5)]
    decoded = [V.decode_value("builtins.list", PICKLE, data) for data in values]
    assert len(V._decode_cache) == 3
    # Least recently used go first; a hit makes an entry recent again.
    assert V.decode_value("builtins.list", PICKLE, values[2]) is decoded[2]
    V.decode_value("builtins.list", PICKLE, _sized_value(5))
    assert V.decode_value("builtins.list", PICKLE, values[2]) is decoded[2]
    assert V.decode_value("builtins.list", PICKLE, values[3]) is not decoded[3]
    # Total size: a value alone over the byte bound is never kept.
    monkeypatch.setattr(V.decode, "DECODE_CACHE_BYTES", 25_000)
    V.clear_decode_cache()
    for index in range(4):
        V.decode_value("builtins.list", PICKLE, _sized_value(index))
    assert len(V._decode_cache) == 2 and V.decode._decode_cache_size <= 25_000
    V.decode_value("builtins.list", PICKLE, _sized_value(9, 30_000))
    assert len(V._decode_cache) == 2
    V.clear_decode_cache()
    assert V.decode._decode_cache_size == 0
