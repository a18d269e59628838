"""Bad input: every broken database or argument ends in ONE line ``redun-tui: …`` and exit code 2.

Each case builds the bad input in ``tmp_path`` and runs the real entry point
(:func:`redun_tui.cli.main`) in-process through each subcommand that opens a database: ``db info``,
``query``, ``dataflow``, ``browse`` (and the bare ``redun-tui PATH`` form, which is browse). For
browse the error must come before the Textual app starts (the ``run_cli`` fixture makes
``App.run`` raise). A few cases also run as a real subprocess, to prove the console script itself
prints no traceback.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, PG_SKIP_REASON, pg_base_url, pg_database_url

SEED = FIXTURES / "seed_example.db"
PYTHON = sys.executable
REPO = Path(__file__).resolve().parents[2]

# How each subcommand is called with a database; the module that implements it.
COMMANDS: dict[str, tuple[str, Callable[[str], list[str]]]] = {
    "db info": ("redun_tui.commands.db", lambda target: ["db", "info", target]),
    "query": ("redun_tui.commands.query", lambda target: ["query", target]),
    "dataflow": ("redun_tui.commands.dataflow", lambda target: ["dataflow", target, "sample1.bam"]),
    "browse": ("redun_tui.commands.browse", lambda target: ["browse", target]),
    "bare": ("redun_tui.commands.browse", lambda target: [target]),
}
ALL = tuple(COMMANDS)
# `db info` reports the version of any SQLite file (as `redun db info` does), so schema problems
# are errors only for the commands that read records.
READERS = ("query", "dataflow", "browse", "bare")


def command_argv(command: str, target: str) -> list[str]:
    """The argv for ``command`` on ``target``; skips when that subcommand is not written yet."""
    module, make = COMMANDS[command]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"`redun-tui {command}` does not exist yet ({module} missing)")
    return make(target)


def assert_one_line_error(result, *needles: str) -> str:
    """Exit code 2, nothing on stdout, exactly one stderr line starting ``redun-tui: ``."""
    assert result.code == 2, result
    lines = result.err.splitlines()
    assert len(lines) == 1, result
    line = lines[0]
    assert line.startswith("redun-tui: "), result
    assert "Traceback" not in result.err and "internal error" not in line, result
    assert result.out == "", result
    lowered = line.lower()
    assert any(needle.lower() in lowered for needle in needles), f"none of {needles} in {line!r}"
    return line


# -- builders: each returns the target string to pass on the command line --------------------------


def copy_seed(tmp_path: Path, name: str = "redun.db") -> Path:
    target = tmp_path / name
    shutil.copyfile(SEED, target)
    return target


def build_missing(tmp_path: Path) -> str:
    return str(tmp_path / "missing.db")


def build_directory(tmp_path: Path) -> str:
    (tmp_path / "adir.db").mkdir()
    return str(tmp_path / "adir.db")


def build_empty(tmp_path: Path) -> str:
    (tmp_path / "empty.db").write_bytes(b"")
    return str(tmp_path / "empty.db")


def build_text(tmp_path: Path) -> str:
    (tmp_path / "notes.db").write_text("just some text\nnot a database\n")
    return str(tmp_path / "notes.db")


def build_binary(tmp_path: Path) -> str:
    (tmp_path / "blob.db").write_bytes(bytes(range(256)) * 40)
    return str(tmp_path / "blob.db")


def build_short_header(tmp_path: Path) -> str:
    # Starts like SQLite but ends inside the 100-byte header.
    (tmp_path / "short.db").write_bytes(SEED.read_bytes()[:50])
    return str(tmp_path / "short.db")


def build_truncated(tmp_path: Path) -> str:
    data = SEED.read_bytes()
    (tmp_path / "truncated.db").write_bytes(data[: len(data) // 3])
    return str(tmp_path / "truncated.db")


def build_truncated_last_page(tmp_path: Path) -> str:
    data = SEED.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    (tmp_path / "truncated1.db").write_bytes(data[:-page_size])
    return str(tmp_path / "truncated1.db")


def build_corrupt_schema(tmp_path: Path) -> str:
    # Page 1 after the file header holds sqlite_master: garbage there breaks every statement.
    data = bytearray(SEED.read_bytes())
    data[100:4096] = bytes((index * 37 + 11) % 256 for index in range(3996))
    (tmp_path / "corrupt.db").write_bytes(bytes(data))
    return str(tmp_path / "corrupt.db")


def corrupt_table_pages(path: Path, tables: tuple[str, ...]) -> None:
    """Overwrites every page of ``tables`` (and their indexes) with garbage, leaving the rest intact."""
    connection = sqlite3.connect(path)
    try:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        names = [
            row[0]
            for row in connection.execute(
                f"SELECT name FROM sqlite_master WHERE tbl_name IN ({','.join('?' * len(tables))})", tables
            )
        ]
        pages = [
            row[0]
            for row in connection.execute(
                f"SELECT pageno FROM dbstat WHERE name IN ({','.join('?' * len(names))})", names
            )
        ]
    finally:
        connection.close()
    data = bytearray(path.read_bytes())
    for page in pages:
        start = (page - 1) * page_size
        data[start : start + page_size] = bytes((page * 7 + index * 13) % 256 for index in range(page_size))
    path.write_bytes(bytes(data))


def build_corrupt_data(tmp_path: Path) -> str:
    # The version tables are intact (opening works); the records are not.
    path = copy_seed(tmp_path, "corrupt_data.db")
    corrupt_table_pages(path, ("job", "execution", "call_node", "value", "task", "file"))
    return str(path)


def build_not_redun(tmp_path: Path) -> str:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    connection.execute("INSERT INTO customers (name) VALUES ('x')")
    connection.commit()
    connection.close()
    return str(path)


def build_redun_tables_no_version(tmp_path: Path) -> str:
    path = copy_seed(tmp_path, "noversion.db")
    connection = sqlite3.connect(path)
    connection.execute("DELETE FROM redun_version")
    connection.commit()
    connection.close()
    return str(path)


def build_old_schema(tmp_path: Path) -> str:
    target = tmp_path / "old_v3_0.db"
    shutil.copyfile(FIXTURES / "old_v3_0.db", target)
    return str(target)


def _newer(tmp_path: Path, major: int) -> str:
    path = copy_seed(tmp_path, f"newer_{major}.db")
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6'")
    connection.execute(
        "INSERT INTO redun_version (id, version, timestamp) VALUES ('future', ?, '2099-01-01 00:00:00')", (major,)
    )
    connection.commit()
    connection.close()
    return str(path)


def build_newer_same_major(tmp_path: Path) -> str:
    return _newer(tmp_path, 3)


def build_newer_major(tmp_path: Path) -> str:
    return _newer(tmp_path, 4)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_unreachable_pg(tmp_path: Path) -> str:
    # A port where nothing listens: the connection is refused at once.
    return f"postgresql://postgres@127.0.0.1:{free_port()}/redun"


OPEN_CASES: dict[str, tuple[Callable[[Path], str], tuple[str, ...]]] = {
    "missing": (build_missing, ("no such file",)),
    "directory": (build_directory, ("directory",)),
    "empty": (build_empty, ("empty",)),
    "text": (build_text, ("not a sqlite",)),
    "binary": (build_binary, ("not a sqlite",)),
    "short-header": (build_short_header, ("not a sqlite", "corrupt", "truncated")),
    "truncated": (build_truncated, ("corrupt or truncated",)),
    "truncated-last-page": (build_truncated_last_page, ("corrupt or truncated",)),
    "corrupt-schema-page": (build_corrupt_schema, ("corrupt",)),
    "unreachable-postgresql": (build_unreachable_pg, ("cannot connect",)),
}

SCHEMA_CASES: dict[str, tuple[Callable[[Path], str], tuple[str, ...]]] = {
    "not-redun": (build_not_redun, ("not a redun database",)),
    "redun-tables-no-version": (build_redun_tables_no_version, ("not a redun database", "no schema version")),
    "newer-schema-major-4": (build_newer_major, ("newer",)),
}


@pytest.mark.parametrize("command", ALL)
@pytest.mark.parametrize("case", sorted(OPEN_CASES))
def test_unopenable_database(case: str, command: str, tmp_path: Path, run_cli) -> None:
    build, needles = OPEN_CASES[case]
    target = build(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_cli(command_argv(command, target))
    assert_one_line_error(result, *needles)
    # Nothing was created next to the input (a missing file must not become an empty database).
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("command", READERS)
@pytest.mark.parametrize("case", sorted(SCHEMA_CASES))
def test_wrong_schema(case: str, command: str, tmp_path: Path, run_cli) -> None:
    build, needles = SCHEMA_CASES[case]
    target = build(tmp_path)
    result = run_cli(command_argv(command, target))
    assert_one_line_error(result, *needles)


@pytest.mark.parametrize("command", READERS)
def test_newer_minor_schema_is_read_with_one_warning(command: str, tmp_path: Path, run_cli) -> None:
    # redun 0.44.1 reads a newer minor version (its rule: >=3.5,<4); so does redun-tui, read-only,
    # after one warning line. Only a newer major version is refused (SCHEMA_CASES).
    target = build_newer_same_major(tmp_path)
    before = Path(target).read_bytes()
    result = run_cli(command_argv(command, target))
    lines = result.err.splitlines()
    assert lines[0].startswith("redun-tui: warning: ") and "3.?" in lines[0] and "read-only" in lines[0], result
    if command in ("browse", "bare"):
        assert result.code == 1 and "the Textual app was started" in result.err  # it got that far
    else:
        assert result.code == 0 and len(lines) == 1 and result.out, result
    assert Path(target).read_bytes() == before


def test_newer_minor_schema_is_never_written(tmp_path: Path, run_cli) -> None:
    target = build_newer_same_major(tmp_path)
    export = tmp_path / "slice.jsonl"
    assert run_cli(["export", str(FIXTURES / "failures.db"), "-o", str(export)]).code == 0
    before = Path(target).read_bytes()
    assert_one_line_error(run_cli(["import", str(export), target]), "never writes")
    upgrade = run_cli(["db", "upgrade", target])
    assert upgrade.code == 2 and "newer" in upgrade.err and "nothing changed" in upgrade.err
    assert Path(target).read_bytes() == before


@pytest.mark.parametrize("command", READERS)
def test_old_schema_says_how_to_upgrade(command: str, tmp_path: Path, run_cli) -> None:
    target = build_old_schema(tmp_path)
    before = Path(target).read_bytes()
    result = run_cli(command_argv(command, target))
    line = assert_one_line_error(result, "older")
    assert f"run `redun-tui db upgrade {target}`" in line
    assert Path(target).read_bytes() == before  # nothing migrates unless asked


@pytest.mark.parametrize(
    ("case", "shown"),
    [
        ("newer-schema-same-major", "db version: 3.? 'DB version newer than client.'"),
        ("newer-schema-major-4", "db version: 4.? 'DB version newer than client.'"),
        ("not-redun", "db version: -1.0 'No schema present.'"),
    ],
)
def test_db_info_reports_unusable_versions(case: str, shown: str, tmp_path: Path, run_cli) -> None:
    # `db info` exists to say which version a file has: it prints it, as `redun db info` does,
    # rather than refusing (the readers above refuse the same files).
    builders = {"newer-schema-same-major": build_newer_same_major, **{k: v[0] for k, v in SCHEMA_CASES.items()}}
    target = builders[case](tmp_path)
    result = run_cli(command_argv("db info", target))
    assert result.code == 0, result
    assert shown in result.out
    assert result.err == ""


def test_corrupt_records_fail_in_one_line(tmp_path: Path, run_cli) -> None:
    # Opening works (the version tables are intact); reading the records hits the corruption.
    target = build_corrupt_data(tmp_path)
    result = run_cli(command_argv("query", target))
    assert_one_line_error(result, "corrupt")


def test_corrupt_records_dataflow(tmp_path: Path, run_cli) -> None:
    target = build_corrupt_data(tmp_path)
    result = run_cli(command_argv("dataflow", target))
    assert_one_line_error(result, "corrupt")


# -- locked --------------------------------------------------------------------------------------

LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


def hold_exclusive_lock(path: str, seconds: float) -> subprocess.Popen:
    """Another process holding ``BEGIN EXCLUSIVE`` on ``path`` for ``seconds``."""
    process = subprocess.Popen([PYTHON, "-c", LOCKER, path, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    """Makes the in-process CLI give up on a lock after 0.3 s instead of the default."""
    from redun_tui.db.backend import RedunBackendDb

    defaults = dict(RedunBackendDb.__init__.__kwdefaults__)
    defaults["busy_timeout"] = 0.3
    monkeypatch.setattr(RedunBackendDb.__init__, "__kwdefaults__", defaults)
    monkeypatch.setattr("redun_tui.commands.common.CLI_BUSY_TIMEOUT", 0.3)
    return 0.3


@pytest.mark.parametrize("command", ALL)
def test_locked_past_timeout(command: str, tmp_path: Path, run_cli, short_busy_timeout: float) -> None:
    target = str(copy_seed(tmp_path))
    argv = command_argv(command, target)
    locker = hold_exclusive_lock(target, 30)
    try:
        started = time.monotonic()
        result = run_cli(argv)
        elapsed = time.monotonic() - started
    finally:
        locker.kill()
        locker.wait()
    assert_one_line_error(result, "locked")
    assert elapsed < 10, "the lock wait must be bounded"


def test_locked_real_timeout_subprocess(tmp_path: Path) -> None:
    # The installed default timeout, end to end: a bounded wait, then one line and exit 2.
    target = str(copy_seed(tmp_path))
    locker = hold_exclusive_lock(target, 60)
    try:
        started = time.monotonic()
        process = subprocess.run(
            [PYTHON, "-m", "redun_tui.cli", "db", "info", target], capture_output=True, text=True, timeout=60
        )
        elapsed = time.monotonic() - started
    finally:
        locker.kill()
        locker.wait()
    assert process.returncode == 2, process
    assert process.stderr.count("\n") == 1 and process.stderr.startswith("redun-tui: "), process
    assert "locked" in process.stderr
    assert elapsed < 20


def test_brief_lock_is_waited_out(tmp_path: Path, run_cli) -> None:
    # A running redun holds the lock for a moment at each commit: that is not an error.
    target = str(copy_seed(tmp_path))
    locker = hold_exclusive_lock(target, 0.5)
    try:
        result = run_cli(command_argv("db info", target))
    finally:
        locker.wait()
    assert result.code == 0, result
    assert "db version: 3.5" in result.out


# -- WAL -----------------------------------------------------------------------------------------

WAL_WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA wal_autocheckpoint=0")
connection.execute(
    "INSERT INTO task (hash, name, namespace, source) VALUES "
    "('feedfeedfeedfeedfeedfeedfeedfeedfeedfeed', 'only_in_wal', '', '')"
)
print("written", flush=True)
if sys.argv[2] == "crash":
    import os
    os._exit(0)  # no checkpoint: the rows stay in the -wal file
time.sleep(float(sys.argv[2]))
"""


@pytest.mark.parametrize("writer", ["crashed", "alive"])
def test_wal_file_present(writer: str, tmp_path: Path, run_cli) -> None:
    # A database switched to WAL mode, with committed rows still only in the -wal file.
    target = str(copy_seed(tmp_path))
    process = subprocess.Popen(
        [PYTHON, "-c", WAL_WRITER, target, "crash" if writer == "crashed" else "30"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "written"
    try:
        assert os.path.exists(target + "-wal")
        main_bytes = Path(target).read_bytes()
        result = run_cli(command_argv("db info", target))
        assert result.code == 0, result
        assert "db version: 3.5" in result.out
        from redun_tui.db import RedunBackendDb, Task

        backend = RedunBackendDb(target)
        backend.load()
        try:
            with backend.new_session() as session:
                assert session.get(Task, "feedfeedfeedfeedfeedfeedfeedfeedfeedfeed").name == "only_in_wal"
        finally:
            backend.close()
        # Reading never checkpoints: the main file is untouched.
        assert Path(target).read_bytes() == main_bytes
    finally:
        process.kill()
        process.wait()


# -- paths and URLs ------------------------------------------------------------------------------

ODD_NAMES = ["with space.db", "hash#tag.db", "what?mode=rw.db", "all # of ? them .db", "ünï 🎉.db"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_path_opens_the_right_file(name: str, tmp_path: Path, run_cli) -> None:
    target = copy_seed(tmp_path, name)
    before = target.read_bytes()
    result = run_cli(command_argv("db info", str(target)))
    assert result.code == 0, result
    assert "db version: 3.5" in result.out
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert target.read_bytes() == before


@pytest.mark.parametrize("name", ODD_NAMES)
@pytest.mark.parametrize("command", ALL)
def test_odd_missing_path_creates_nothing(name: str, command: str, tmp_path: Path, run_cli) -> None:
    # Concatenating such a path into a URL used to open a *different*, writable, empty file.
    result = run_cli(command_argv(command, str(tmp_path / name)))
    assert_one_line_error(result, "no such file")
    assert list(tmp_path.iterdir()) == []


def test_missing_sqlite_url_creates_nothing(tmp_path: Path, run_cli) -> None:
    target = tmp_path / "nope #1.db"
    result = run_cli(command_argv("db info", f"sqlite:///{target}"))
    assert_one_line_error(result, "no such file")
    assert list(tmp_path.iterdir()) == []


def test_sqlite_url_to_a_real_file(tmp_path: Path, run_cli) -> None:
    target = copy_seed(tmp_path)
    result = run_cli(command_argv("db info", f"sqlite:///{target}"))
    assert result.code == 0, result
    assert "db version: 3.5" in result.out


@pytest.mark.parametrize("target", ["mysql://user@127.0.0.1:1/x", "postgresql://user@127.0.0.1:notaport/x", "://nothing"])
def test_unusable_url(target: str, run_cli) -> None:
    result = run_cli(command_argv("db info", target))
    assert_one_line_error(result, "cannot", "not a database", "driver", "unsupported", "invalid", "not a database path or url")


@pytest.mark.parametrize("command", ALL)
def test_postgres_refuses_unknown_database(command: str, run_cli) -> None:
    if pg_base_url() is None:
        pytest.skip(PG_SKIP_REASON)
    result = run_cli(command_argv(command, pg_database_url("redun_tui_no_such_database")))
    assert_one_line_error(result, "does not exist", "cannot connect")


# -- migrations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["db", "upgrade", "deadbeef0000"],
        ["db", "upgrade", "9.9"],
        ["db", "downgrade", "not-a-version"],
        ["db", "downgrade", "abc"],
    ],
    ids=["upgrade-unknown-id", "upgrade-unknown-version", "downgrade-unknown", "downgrade-short"],
)
def test_unknown_migration_id(argv: list[str], tmp_path: Path, run_cli) -> None:
    target = build_old_schema(tmp_path)
    before = Path(target).read_bytes()
    command_argv("db info", target)  # skips if `db` is missing
    result = run_cli([*argv, target])
    assert_one_line_error(result, "unknown", "not a", "no such", "invalid")
    assert Path(target).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old_v3_0.db"], "no backup for a refused upgrade"


def test_downgrade_without_version_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    target = build_old_schema(tmp_path)
    command_argv("db info", target)
    result = run_cli(["db", "downgrade"])
    assert result.code == 2, result
    assert len(result.err.splitlines()) == 1 and result.err.startswith("redun-tui: "), result


def test_unknown_subcommand_option(tmp_path: Path, run_cli) -> None:
    target = copy_seed(tmp_path)
    result = run_cli(command_argv("db info", str(target)) + ["--no-such-option"])
    assert result.code == 2, result
    assert len(result.err.splitlines()) == 1 and result.err.startswith("redun-tui: "), result


# -- the console script itself -------------------------------------------------------------------


@pytest.mark.parametrize("case", ["missing", "corrupt-schema-page"])
def test_console_script_prints_no_traceback(case: str, tmp_path: Path) -> None:
    target = OPEN_CASES[case][0](tmp_path)
    process = subprocess.run(
        [PYTHON, "-m", "redun_tui.cli", "db", "info", target],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert process.returncode == 2, process
    assert process.stdout == ""
    assert process.stderr.count("\n") == 1 and process.stderr.startswith("redun-tui: "), process
