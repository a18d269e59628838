"""Planted pickles run nothing: not in the backend, the store, the dataflow, nor any CLI command.

The database (``pickle_db``) has real structure — an execution, a job tree, call nodes whose
results and arguments are the hostile values, tags — so every reading path meets the pickles the
way it would meet a real value. After every test the ``_no_marker`` fixture checks that the
marker file, which each pickle would create if executed, does not exist.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from builder import HostileDb, bomb_pickles, build_hostile_pickle_db, hostile_pickles
from exercise import cli_commands, exercise_dataflow, exercise_store, read_every_row
from sqlalchemy import select

from redun_tui.db import RedunBackendDb, Value

PYTHON = sys.executable

# Pickles that, given to pickle.loads, create the marker at once (checked in a sandbox below, so
# the tests here are not vacuous).
PROVEN = [
    "os.system",
    "subprocess.call",
    "builtins.eval",
    "builtins.exec",
    "builtins.open-for-write",
    "pathlib.touch",
    "getattr-chain",
    "operator.methodcaller",
    "functools.partial",
    "pickle.loads-nested",
    "os.system-protocol-0",
    "eval-protocol-5",
    "getattr-chain-protocol-2",
    "nested-in-list",
    "nested-in-dict",
    "nested-in-object-state",
    "nested-in-workflow-class",
    "raw-INST",
    "raw-OBJ",
    "raw-STACK_GLOBAL",
    "raw-__builtin__-eval",
]


SANDBOX = textwrap.dedent(
    """
    import pickle, sys
    sys.path.insert(0, sys.argv[1])
    for path in sys.argv[2:]:
        try:
            pickle.loads(open(path, "rb").read())
        except Exception:
            pass
    """
)


def test_the_planted_pickles_really_run_code(tmp_path: Path) -> None:
    """Sanity check in a throw-away process: ``pickle.loads`` on them does create their markers."""
    payloads = []
    for index, name in enumerate(PROVEN):
        payload = tmp_path / f"payload{index}.pickle"
        payload.write_bytes(hostile_pickles(tmp_path / f"PWNED{index}")[name])
        payloads.append(str(payload))
    subprocess.run(
        [PYTHON, "-c", SANDBOX, str(Path(__file__).parent), *payloads], cwd=tmp_path, timeout=60, capture_output=True
    )
    for index, name in enumerate(PROVEN):
        assert (tmp_path / f"PWNED{index}").exists(), f"{name} did not run code when unpickled normally"


def _backend(info: HostileDb) -> RedunBackendDb:
    backend = RedunBackendDb(str(info.path))
    backend.load()
    return backend


DECODE_SCRIPT = textwrap.dedent(
        """
        import json, sys, time
        from sqlalchemy import select
        from redun_tui.db import RedunBackendDb, Value
        from redun_tui.db import values
        backend = RedunBackendDb(sys.argv[1]); backend.load()
        with backend.new_session() as session:
            rows = list(session.execute(select(Value)).scalars())
            before = set(sys.modules)
            slowest = 0.0
            texts = {}
            for row in rows:
                started = time.thread_time()
                parsed = row.value_parsed
                preview = row.preview
                text = values.value_repr(parsed)
                repr(preview)
                assert values.is_safe_loaded(parsed), row.value_hash
                slowest = max(slowest, time.thread_time() - started)
                texts[row.value_hash] = text
            new = sorted(set(sys.modules) - before)
        print(json.dumps({"new_modules": new, "slowest": slowest, "texts": texts}))
        """
)


def decode_in_subprocess(info: HostileDb, timeout: float) -> dict:
    """Decodes and previews every value row of ``info`` in a fresh process; returns its report."""
    process = subprocess.run(
        [PYTHON, "-c", DECODE_SCRIPT, str(info.path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=info.path.parent,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    return json.loads(process.stdout)


def test_decoding_runs_nothing_and_imports_nothing(pickle_db: HostileDb) -> None:
    """Every value row decoded and previewed in a fresh process: no marker, no new module."""
    report = decode_in_subprocess(pickle_db, timeout=120)
    assert report["new_modules"] == []
    assert report["slowest"] < 1, report["slowest"]
    assert not pickle_db.marker.exists()
    texts = report["texts"]
    # Inert previews that say what was planted.
    assert "blocked" in texts[pickle_db.value_hashes["os.system"]]
    assert "system" in texts[pickle_db.value_hashes["getattr-chain"]]
    assert "subprocess.call" in texts[pickle_db.value_hashes["raw-error-value-with-evil-error"]]


def test_bombs_are_bounded(bomb_db: HostileDb) -> None:
    """Billion laughs, 200,000-deep nesting, a 7-million-bit int, lying lengths: bounded text and time."""
    report = decode_in_subprocess(bomb_db, timeout=120)
    assert report["new_modules"] == []
    # Generous: the deep-nesting pickles take seconds in the restricted (pure Python) unpickler.
    assert report["slowest"] < 15, report["slowest"]
    for name in bomb_pickles():
        assert len(report["texts"][bomb_db.value_hashes[name]]) <= 1000, name


def test_backend_reads_every_row(pickle_db: HostileDb) -> None:
    backend = _backend(pickle_db)
    try:
        coverage = read_every_row(backend)
        for value_hash in pickle_db.value_hashes.values():
            backend.get_value(value_hash)
        for call_hash in pickle_db.call_hashes:
            backend.get_call_cache(call_hash)
    finally:
        backend.close()
    assert coverage.rows > 300


def test_store_runs_nothing(pickle_db: HostileDb) -> None:
    from redun_tui.store import Store

    backend = _backend(pickle_db)
    try:
        coverage = exercise_store(Store(backend))
        details = [Store(backend).value(value_hash) for value_hash in pickle_db.value_hashes.values()]
    finally:
        backend.close()
    assert coverage.calls.get("value", 0) >= len(pickle_db.value_hashes)
    assert coverage.calls.get("job", 0) >= len(pickle_db.job_ids)
    assert len(details) == len(pickle_db.value_hashes)


def test_dataflow_runs_nothing(pickle_db: HostileDb) -> None:
    backend = _backend(pickle_db)
    try:
        coverage = exercise_dataflow(backend)
    finally:
        backend.close()
    if "dataflow module" in coverage.missing:
        pytest.skip("redun_tui.db.dataflow does not exist yet")
    assert coverage.calls["dataflow"] >= len(pickle_db.value_hashes)
    text = "\n".join(coverage.texts)
    assert "blocked" in text


def test_cli_runs_nothing(pickle_db: HostileDb, run_cli, tmp_path: Path) -> None:
    backend = _backend(pickle_db)
    try:
        argvs = cli_commands(str(pickle_db.path), backend, out_dir=tmp_path)
        with backend.new_session() as session:
            all_values = list(session.execute(select(Value.value_hash)).scalars())
    finally:
        backend.close()
    if any(argv[0] == "dataflow" for argv in argvs):
        # The values cli_commands left out (it takes 40), every other one.
        argvs += [["dataflow", str(pickle_db.path), value_hash] for value_hash in all_values[40::2]]
    for argv in argvs:
        result = run_cli(argv)
        assert result.code in (0, 2), (argv, result)
        assert "internal error" not in result.err, (argv, result)
        assert not pickle_db.marker.exists(), f"{argv} ran a planted pickle"


def test_postgres_pickles_run_nothing(pg_url: str, tmp_path: Path) -> None:
    """The same database written to PostgreSQL (bytea values) and read through the store."""
    from redun_tui.store import Store

    marker = tmp_path / "PWNED"
    info = build_hostile_pickle_db(tmp_path / "unused.db", marker, db_url=pg_url)
    backend = RedunBackendDb(pg_url)
    backend.load()
    try:
        read_every_row(backend)
        # A sample of each kind of record: the SQLite tests above cover every one.
        exercise_store(Store(backend), limit=15)
        exercise_dataflow(backend, limit=15)
    finally:
        backend.close()
    assert len(info.value_hashes) > 50
    assert not marker.exists()
