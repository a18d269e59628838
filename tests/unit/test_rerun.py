"""Re-run lines (redun_tui.rerun) for every job of the fixture databases, read back independently."""

from __future__ import annotations

import math
import shlex
import sqlite3
from pathlib import Path

import pytest

from redun_tui import rerun
from redun_tui.commands.common import open_db
from redun_tui.db.values import decode_value
from redun_tui.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The old_v* databases need `db upgrade` before anything opens them (see tests/fixtures/README.md).
DATABASES = sorted(path.name for path in FIXTURES.glob("*.db") if not path.name.startswith("old_"))


def recorded_value(db: Path, value_hash: str):
    """The argument's value decoded from its raw row (not through the store's preview)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        type_name, fmt, data = connection.execute(
            "SELECT type, format, value FROM value WHERE value_hash = ?", (value_hash,)
        ).fetchone()
    value = decode_value(type_name, fmt, data, shared=False)
    return value.path if type_name == "redun.File" else value


def read_back(type_name: str, text: str):
    """What redun's command line makes of ``text`` for a parameter annotated with this type."""
    if type_name == "builtins.bool":
        return {"true": True, "false": False}[text.lower()]
    return {"builtins.int": int, "builtins.float": float}.get(type_name, str)(text)


def same(left, right) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    return type(left) is type(right) and left == right


@pytest.mark.parametrize("db_name", DATABASES)
def test_every_job_has_a_command_or_a_reason_and_commands_read_back(db_name):
    db = FIXTURES / db_name
    backend = open_db(str(db))
    store = Store(backend)
    commands = reasons = 0
    try:
        for execution in store.executions(limit=1000).items:
            for job in store.jobs(execution.id, limit=5000).items:
                detail = store.job(job.id)
                line = rerun.job_rerun(store, detail)
                assert (line.command is None) != (line.reason is None), line
                if line.reason is not None:
                    reasons += 1
                    assert "\n" not in line.reason and line.reason
                    continue
                commands += 1
                words = shlex.split(line.command)
                prefix = list(rerun.script_prefix(store.execution(job.execution_id).args_list))
                assert words[: len(prefix) + 1] == [*prefix, detail.task.fullname]
                options = words[len(prefix) + 1:]
                assert len(options) == 2 * len(detail.arguments)
                parsed = dict(zip(options[::2], options[1::2]))
                for argument in detail.arguments:
                    text = parsed[rerun.cli_name(argument.name)]
                    expected = recorded_value(db, argument.value.value_hash)
                    assert same(read_back(argument.value.type, text), expected), (argument, text, expected)
    finally:
        backend.close()
    assert commands + reasons > 0
    if db_name in ("failures.db", "seed_example.db", "values.db"):
        assert commands > 0 and reasons > 0


def test_execution_command_is_the_recorded_one(fixture_db):
    backend = open_db(str(fixture_db("failures.db")))
    try:
        detail = Store(backend).execution("b22c1c57")
    finally:
        backend.close()
    line = rerun.execution_command(detail)
    assert shlex.split(line.command) == list(detail.args_list)
    assert line.command == ("redun run --exclude-user aws --exclude-user gcp failures_wf.py main_fail "
                            "--names alpha omega")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(a, b: int, *rest, c: 'File' = None, **kw):\n    pass\n", {"a": None, "b": "int", "c": "'File'"}),
        ("lambda x: x", None),
        ("", None),
    ],
)
def test_parameters_from_source(source, expected):
    assert rerun.parameters(source) == expected


def test_cli_forms():
    assert rerun.cli_name("ref_Genome") == "--ref-genome"
    assert rerun.cli_text("builtins.bool", True) == "true"
    assert rerun.cli_text("builtins.float", 0.1) == "0.1"
    assert float(rerun.cli_text("builtins.float", 1 / 3)) == 1 / 3
    assert rerun.script_prefix(("redun", "-c", "x", "run", "--no-cache", "wf.py", "main", "--n", "3")) == (
        "redun", "-c", "x", "run", "--no-cache", "wf.py")
    assert rerun.script_prefix(("redun", "run", "mymodule", "main")) is None
