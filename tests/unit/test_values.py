"""redun_tui.db.values against real redun's output.

Goldens in tests/golden/previews/ were written by scripts/goldens/make_previews.py with real
redun 0.44.1, browsing from a directory where the workflow modules cannot be imported. The
rows are read here with sqlite3 only.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import pickle
import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redun_tui.db import values as V

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden" / "previews"
DB_GOLDENS = sorted(p for p in GOLDEN.glob("*.json") if p.stem != "synthetic")
SYNTHETIC = json.loads((GOLDEN / "synthetic.json").read_text())
PICKLE = V.MIME_TYPE_PICKLE


def read_rows(db_name: str) -> list[tuple[str, str, str, bytes]]:
    """All value rows of a fixture database, read-only."""
    path = FIXTURES / f"{db_name}.db"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(con.execute("SELECT value_hash, type, format, value FROM value"))
    finally:
        con.close()


def all_rows() -> list[tuple[str, str, str, bytes]]:
    return [row for golden in DB_GOLDENS for row in read_rows(golden.stem)]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@pytest.mark.parametrize("golden", DB_GOLDENS, ids=lambda p: p.stem)
def test_fixture_rows_match_redun(golden: Path) -> None:
    expected = json.loads(golden.read_text())
    rows = read_rows(golden.stem)
    assert {row[0] for row in rows} == set(expected)
    mismatches = []
    for value_hash, type_name, fmt, data in rows:
        want = expected[value_hash]
        preview = V.preview_value(value_hash, type_name, fmt, data)
        parsed = V.decode_value(type_name, fmt, data)
        got = {
            "preview": V.value_repr(preview),
            "parsed": V.value_repr(parsed),
            "canonical_sha256": sha(V.value_repr(parsed, None, sort_sets=True)),
        }
        wanted = {k: want[k] for k in ("preview", "parsed", "canonical_sha256")}
        if want["unordered_sets"]:
            # redun printed these sets in a per-run order; only the sorted form is stable.
            got.pop("preview"), got.pop("parsed"), wanted.pop("preview"), wanted.pop("parsed")
        if got != wanted:
            mismatches.append((value_hash[:8], type_name, got, wanted))
    assert mismatches == []
    assert len(rows) > 0


def test_goldens_cover_the_interesting_rows() -> None:
    """The goldens hold the cases the issue names, so the test above really checks them."""
    texts = {
        row["preview"]
        for golden in DB_GOLDENS
        for row in json.loads(golden.read_text()).values()
    }
    for expected in [
        "builtins.str(hash=8167c0df, size=1000110)",
        "Point(1.5, [1, 2, 3])",
        "Task(fullname=redun.catch, hash=c35c210e)",
        "ErrorValue(ScriptError('Last line: + exit 3'))",
        "ContentFile(path=content.txt, hash=d385739f)",
        "Unpicklable('invalid load key, '{'.')",
        "Mood(2)",
    ]:
        assert expected in texts


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_pickles_match_redun(name: str) -> None:
    want = SYNTHETIC[name]
    assert "redun_error" not in want
    obj = V.decode_value(want["type"], PICKLE, bytes.fromhex(want["hex"]))
    assert V.value_repr(obj, None, sort_sets=True) == want["canonical"]
    if not want["unordered_sets"]:
        assert V.value_repr(obj) == want["preview"]
        if want["full"] is not None:
            assert V.value_repr(obj, None) == want["full"]
            assert repr(obj) == want["full"]
    assert V.is_safe_loaded(obj)


def test_value_repr_in_builtin_containers() -> None:
    """Stand-ins print right inside real lists/dicts (Python's own repr calls ours)."""
    want = SYNTHETIC["files_nested"]
    obj = V.decode_value(want["type"], PICKLE, bytes.fromhex(want["hex"]))
    assert repr(obj) == want["full"]
    assert str([obj["dir"]]) == "[Dir(path=out, hash=33333333)]"


def test_decoding_everything_imports_nothing_and_runs_only_vetted_code() -> None:
    rows = all_rows() + [
        (name, want["type"], PICKLE, bytes.fromhex(want["hex"]))
        for name, want in SYNTHETIC.items()
    ]
    values_dir = Path(V.__file__).resolve().parent  # the decoder is the values package
    python_files: set[str] = set()
    c_calls: set[str] = set()

    def profile(frame, event, arg):  # noqa: ANN001 - sys.setprofile signature
        if event == "call":
            python_files.add(frame.f_code.co_filename)
        elif event == "c_call":
            c_calls.add(getattr(arg, "__qualname__", getattr(arg, "__name__", "?")))

    V.clear_decode_cache()  # cached results would skip the decoding being watched
    before = set(sys.modules)
    # Garbage left by earlier tests (SQLAlchemy weakref callbacks...) must not be collected
    # while the profiler watches: its finalizers are not decoding.
    gc.collect()
    gc.disable()
    sys.setprofile(profile)
    try:
        decoded = []
        for value_hash, type_name, fmt, data in rows:
            decoded.append(V.preview_value(value_hash, type_name, fmt, data))
            decoded.append(V.decode_value(type_name, fmt, data))
        texts = [V.value_repr(obj, None) for obj in decoded]
        files = [f for obj in decoded for f in V.iter_files(obj)]
        tracebacks = [
            "".join(obj.traceback.format())
            for obj in decoded
            if isinstance(obj, V.ErrorValue) and obj.traceback is not None
        ]
    finally:
        sys.setprofile(None)
        gc.enable()
    assert set(sys.modules) - before == set()
    assert all(isinstance(text, str) for text in texts)
    assert files and tracebacks
    assert all(V.is_safe_loaded(obj) for obj in decoded)

    # Python code that ran: this module and a few standard-library data types' own code.
    allowed_stdlib = {
        "fractions.py",
        "uuid.py",
        "pathlib.py",
        "posixpath.py",
        "ntpath.py",
        "enum.py",
        "__init__.py",  # collections (Counter)
        "<frozen _collections_abc>",
        "<frozen abc>",
        "<frozen posixpath>",
        "threading.py",
        "dataclasses.py",
        "<string>",  # dataclass-generated __init__/__eq__ of ValueRef
    }
    ran = {Path(name).resolve() if name.startswith("/") else Path(name) for name in python_files}
    this_test = Path(__file__).resolve()
    tooling = ("/hypothesis/", "/_pytest/", "/pluggy/")  # e.g. hypothesis's gc callback
    others = {
        p
        for p in ran
        if p.parent != values_dir and p != this_test
        and p.name not in allowed_stdlib
        and not any(part in str(p) for part in tooling)
    }
    assert others == set()
    forbidden = {"system", "popen", "eval", "exec", "compile", "__import__", "open"}
    forbidden |= {"import_module", "fork", "execv", "spawnv"}
    assert c_calls & forbidden == set()


def test_preview_value_sizes_and_value_store() -> None:
    big = pickle.dumps("A" * (V.MAX_VALUE_SIZE_PREVIEW + 1), protocol=3)
    preview = V.preview_value("8167c0df" + "0" * 32, "builtins.str", PICKLE, big)
    assert isinstance(preview, V.PreviewValue)
    assert repr(preview) == f"builtins.str(hash=8167c0df, size={len(big)})"
    # decode_value still decodes it (redun's value_parsed does too).
    assert V.decode_value("builtins.str", PICKLE, big) == "A" * (V.MAX_VALUE_SIZE_PREVIEW + 1)

    exactly = b"\x80\x03X" + (V.MAX_VALUE_SIZE_PREVIEW - 10).to_bytes(4, "little")
    exactly += b"B" * (V.MAX_VALUE_SIZE_PREVIEW - 10) + b"q\x00."
    assert len(exactly) == V.MAX_VALUE_SIZE_PREVIEW
    assert V.preview_value("ab" * 20, "builtins.str", PICKLE, exactly) == "B" * (
        V.MAX_VALUE_SIZE_PREVIEW - 10
    )

    in_store = V.preview_value("cafe" * 10, "redun.File", PICKLE, b"")
    assert isinstance(in_store, V.PreviewValue) and in_store.in_value_store
    assert repr(in_store) == "redun.File(hash=cafecafe, size=0)"
    assert isinstance(V.decode_value("redun.File", PICKLE, b""), V.PreviewValue)
    assert V.decode_value("redun.File", PICKLE, memoryview(pickle.dumps(1))) == 1


def test_non_pickle_formats_print_like_redun() -> None:
    obj = V.decode_value("valuesdemo.Config", "application/json", b'{"a": 1}')
    assert repr(obj) == "Unpicklable('invalid load key, '{'.')"
    assert isinstance(obj, V.Unpicklable) and obj.error_type == "UnpicklingError"
    assert repr(V.decode_value("x", PICKLE, "not bytes")).startswith("Unpicklable(")


@pytest.mark.parametrize(
    ("text", "length", "expected"),
    [
        ("abc", 3, "abc"),
        ("abcd", 3, "..."),
        ("abcdef", 5, "ab..."),
        ("x" * 200, 200, "x" * 200),
        ("x" * 201, 200, "x" * 197 + "..."),
        ("", 200, ""),
    ],
)
def test_trim_string(text: str, length: int, expected: str) -> None:
    assert V.trim_string(text, length) == expected


def test_trim_string_custom_ellipsis_and_too_short() -> None:
    assert V.trim_string("[1, 2, 3, 4]", 8, ellipsis="...]") == "[1, ...]"
    assert V.value_repr([1, 2, 3, 4], 8, ellipsis="...]") == "[1, ...]"
    with pytest.raises(ValueError):
        V.trim_string("abc", 2)


@pytest.mark.parametrize(
    "obj",
    [
        "plain text",
        "x" * 300,
        ValueError("boom"),
        KeyError("k"),
        ValueError("a", 1),
        [1, "a"],
        {"k": b"\x00"},
        3.5,
        None,
        b"bytes",
    ],
)
def test_value_str_matches_trimmed_str(obj: object) -> None:
    assert V.value_str(obj) == V.trim_string(str(obj))
    assert V.value_str(obj, 10, ellipsis="..]") == V.trim_string(str(obj), 10, "..]")


def test_value_str_of_stand_ins() -> None:
    want = SYNTHETIC["file"]
    obj = V.decode_value(want["type"], PICKLE, bytes.fromhex(want["hex"]))
    assert V.value_str(obj) == str(obj) == "File(path=data/a.txt, hash=11111111)"


def test_value_repr_is_bounded_on_shared_structures(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2**40 leaves once expanded: Python's repr would never finish.
    data = bytearray(b"\x80\x03]q\x00K\x01a")  # memo 0 = [1]
    for level in range(1, 41):
        data += b"h" + bytes([level - 1]) + b"h" + bytes([level - 1]) + b"\x86q" + bytes([level])
    data += b"."
    obj = V.decode_value("builtins.tuple", PICKLE, bytes(data))
    text = V.value_repr(obj)
    assert len(text) == 200 and text.endswith("...")
    assert text.startswith("((((((")
    # Python's repr() would never finish: the decoded tuple comes wrapped, printed bounded.
    assert isinstance(obj, V.OversizedValue) and type(obj.value) is tuple
    assert obj.reason == f"prints as more than {V.MAX_PRINTED_SIZE:,} characters"
    monkeypatch.setattr(V.text, "REPR_HARD_LIMIT", 10_000)  # the real cap (2,000,000) is slow here
    assert len(repr(obj)) == 10_000 + 3


def test_values_that_print_fine_are_not_wrapped() -> None:
    shared = pickle.dumps([["x" * 1000] * 500] * 10, protocol=3)  # 5,000,000 characters
    obj = V.decode_value("builtins.list", PICKLE, shared)
    assert type(obj) is list and len(repr(obj)) > 5_000_000
    nested = pickle.dumps(functools.reduce(lambda acc, _: [acc], range(150), []), protocol=3)
    assert type(V.decode_value("builtins.list", PICKLE, nested)) is list


def test_file_attributes_and_iter_files() -> None:
    want = SYNTHETIC["staging_file"]
    obj = V.decode_value(want["type"], PICKLE, bytes.fromhex(want["hex"]))
    files = list(V.iter_files(obj))
    assert [(f.path, f.hash) for f in files] == [
        ("local.txt", "9999999999cccccccccc"),
        ("s3://bucket/b.txt", "2222222222bbbbbbbbbb"),
    ]
    nested = SYNTHETIC["files_nested"]
    obj = V.decode_value(nested["type"], PICKLE, bytes.fromhex(nested["hex"]))
    found = list(V.iter_files(obj))
    assert [type(f).__name__ for f in found] == ["File", "File", "Dir"]
    assert found[2].path == "out" and found[2].pattern == "out/**"


def test_error_value_exposes_error_and_frames() -> None:
    want = SYNTHETIC["error_value_custom"]
    obj = V.decode_value(want["type"], PICKLE, bytes.fromhex(want["hex"]))
    assert isinstance(obj, V.ErrorValue)
    assert obj.error_type == "AppError"
    assert obj.error_message == "('app failed', 7)"  # str() of a two-argument exception
    assert obj.error.code == 7
    frames = obj.frames
    assert frames and isinstance(frames[-1], V.FrameSummary)
    assert frames[-1].name == "<module>" and isinstance(frames[-1].lineno, int)
    text = "".join(obj.traceback.format())
    assert text.endswith("AppError: ('app failed', 7)")
    assert f'line {frames[-1].lineno}, in <module>' in text


def test_decoded_exceptions_behave_like_exceptions() -> None:
    want = SYNTHETIC["exceptions_list"]
    errors = V.decode_value(want["type"], PICKLE, bytes.fromhex(want["hex"]))
    key_error, zero, stop = errors
    assert isinstance(key_error, KeyError) and isinstance(key_error, V.ExceptionStandIn)
    assert isinstance(zero, ArithmeticError) and str(zero) == "z" and str(key_error) == "'k'"
    assert type(stop).__name__ == "StopIteration" and repr(stop) == "StopIteration()"
    assert V.value_str(key_error) == "'k'"
    with pytest.raises(AttributeError):
        type(zero).__str__ = lambda self: "x"  # type: ignore[method-assign]


def test_task_and_expression_attributes() -> None:
    task = V.decode_value("redun.Task", PICKLE, bytes.fromhex(SYNTHETIC["task"]["hex"]))
    assert isinstance(task, V.Task)
    assert (task.fullname, task.name, task.namespace) == ("synth.add", "add", "synth")
    assert len(task.hash) == 40
    expr = V.decode_value(
        "redun.expression.TaskExpression",
        PICKLE,
        bytes.fromhex(SYNTHETIC["task_expression"]["hex"]),
    )
    assert isinstance(expr, V.TaskExpression)
    assert expr.task_name == "synth.add" and expr.args == (1,)
    assert isinstance(expr.kwargs["b"], V.File)


def test_function_values_are_never_reimported() -> None:
    # redun.value.Function as redun pickles a plain function passed as a value.
    data = (
        b"\x80\x03credun.value\nFunction\n)\x81}(X\x04\x00\x00\x00hashX\x02\x00\x00\x00ab"
        b"X\x06\x00\x00\x00moduleX\x05\x00\x00\x00os.mpX\x04\x00\x00\x00nameX\x03\x00"
        b"\x00\x00sepub."
    )
    before = set(sys.modules)
    func = V.decode_value("builtins.function", PICKLE, data)
    # redun re-imports os.mp and, failing, prints its stub's repr with a memory address;
    # the stand-in names the function instead and never imports.
    assert isinstance(func, V.UnknownFunction) and func.fullname == "os.mp.sep"
    assert repr(func) == "<function os.mp.sep>"
    wrapper = V.decode_value("redun.Value", PICKLE, data)
    assert isinstance(wrapper, V.Function) and wrapper.hash == "ab"
    assert set(sys.modules) - before == set()


def test_sets_keep_pickle_order_and_are_read_only() -> None:
    # set(['b', 'a', 'c']) as protocol 3 writes it: the items in the writer's order.
    data = (
        b"\x80\x03cbuiltins\nset\n](X\x01\x00\x00\x00bX\x01\x00\x00\x00a"
        b"X\x01\x00\x00\x00ce\x85R."
    )
    obj = V.decode_value("builtins.set", PICKLE, data)
    assert list(obj) == ["b", "a", "c"]
    assert repr(obj) == "{'b', 'a', 'c'}"
    assert V.value_repr(obj, sort_sets=True) == "{'a', 'b', 'c'}"
    assert obj == {"a", "b", "c"} and "a" in obj
    with pytest.raises(TypeError):
        obj.add("d")


def test_stand_in_classes_cannot_be_modified() -> None:
    with pytest.raises(AttributeError):
        V.File.__repr__ = lambda self: "x"  # type: ignore[method-assign]
    assert repr(V.File) == "<class 'redun.file.File'>"


REAL_PICKLES = [bytes.fromhex(w["hex"]) for w in SYNTHETIC.values()]


def _check_never_raises(data: bytes) -> None:
    before = set(sys.modules)
    for obj in (
        V.decode_value("builtins.dict", PICKLE, data),
        V.preview_value("f" * 40, "builtins.function", PICKLE, data),
    ):
        text = V.value_repr(obj)
        assert isinstance(text, str) and len(text) <= 200
        assert isinstance(repr(obj), str)
        assert V.is_safe_loaded(obj)
        list(V.iter_files(obj))
    assert set(sys.modules) - before == set()


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Protocol-0 STRING opcodes with bad escapes make CPython warn (DeprecationWarning) while
# reading them, in the C unpickler as in pickletools; that is expected for fuzzed input.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data: bytes) -> None:
    _check_never_raises(data)


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_random_bytes_after_protocol_header(data: bytes) -> None:
    _check_never_raises(b"\x80\x03" + data)


@FUZZ
@given(st.sampled_from(REAL_PICKLES), st.data())
def test_fuzz_truncated_real_pickles(data: bytes, draw: st.DataObject) -> None:
    cut = draw.draw(st.integers(min_value=0, max_value=len(data)))
    _check_never_raises(data[:cut])


@FUZZ
@given(
    st.sampled_from(REAL_PICKLES),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=6),
)
def test_fuzz_mutated_real_pickles(data: bytes, edits: list[tuple[int, int]]) -> None:
    mutated = bytearray(data)
    for position, byte in edits:
        mutated[position % len(mutated)] = byte
    _check_never_raises(bytes(mutated))


@FUZZ
@given(
    st.sampled_from(REAL_PICKLES),
    st.integers(min_value=0),
    st.binary(min_size=1, max_size=12),
)
def test_fuzz_spliced_real_pickles(data: bytes, position: int, insert: bytes) -> None:
    at = position % (len(data) + 1)
    _check_never_raises(data[:at] + insert + data[at:])


def test_script_error_message_is_what_redun_prints() -> None:
    """failures.db's failed script() job: redun shows ``Last line: ...``, not the repr."""
    rows = [row for row in read_rows("failures") if b"ScriptError" in row[3]]
    assert len(rows) == 1
    _, type_name, fmt, data = rows[0]
    obj = V.decode_value(type_name, fmt, data)
    assert isinstance(obj, V.ErrorValue) and obj.error_type == "ScriptError"
    # str(error) and the last line of Traceback.format(), as real redun 0.44.1 gives them.
    assert obj.error_message == "Last line: + exit 3"
    assert "".join(obj.traceback.format()).endswith("\nScriptError: Last line: + exit 3")
    assert V.value_str(obj.error) == "Last line: + exit 3"
    # The repr is unchanged (it is in the goldens).
    assert V.value_repr(obj) == "ErrorValue(ScriptError('Last line: + exit 3'))"


def _script_error_pickle(stderr: bytes, state: bytes = b"}") -> bytes:
    """ErrorValue(ScriptError(stderr)) with ``state`` as the error's BUILD dict."""
    return (
        b"\x80\x03credun.scheduler\nErrorValue\n)\x81}(X\x05\x00\x00\x00error"
        b"credun.scripting\nScriptError\nC" + bytes([len(stderr)]) + stderr + b"\x85R"
        + state + b"bX\t\x00\x00\x00tracebackNub."
    )


def test_script_error_message_edge_cases() -> None:
    obj = V.decode_value("redun.ErrorValue", PICKLE, _script_error_pickle(b"one\ntwo\n\n"))
    assert obj.error_message == "Last line: two"
    # stderr that is not UTF-8 stays bytes, and redun's str() is then empty.
    obj = V.decode_value("redun.ErrorValue", PICKLE, _script_error_pickle(b"\xff\xfe"))
    assert obj.error_message == ""
    # A pickled message that is not text prints as nothing, never as an exception.
    odd = _script_error_pickle(b"x", b"}X\x07\x00\x00\x00message]s")
    obj = V.decode_value("redun.ErrorValue", PICKLE, odd)
    assert isinstance(obj, V.ErrorValue), V.value_repr(obj)
    assert obj.error_message == ""
    # NEWOBJ skips __init__: no message attribute at all.
    bare = (
        b"\x80\x03credun.scheduler\nErrorValue\n)\x81}(X\x05\x00\x00\x00error"
        b"credun.scripting\nScriptError\n)\x81X\t\x00\x00\x00tracebackNub."
    )
    obj = V.decode_value("redun.ErrorValue", PICKLE, bare)
    assert obj.error_message == ""
    assert V.value_repr(obj) == "ErrorValue(ScriptError(''))"
