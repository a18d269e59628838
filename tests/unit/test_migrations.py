"""Migrations 1.0 -> 3.5 against goldens made with real redun 0.44.1 (scripts/goldens/make_schema.py).

All on SQLite files in tmp_path (never the fixtures themselves). Schemas are compared as
normalized ``sqlite_master`` text: rows sorted, whitespace collapsed, double quotes dropped and
table constraints sorted, because alembic's batch mode recreates tables with their foreign keys
in an arbitrary order and a quoted name, even in redun's own databases.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickletools
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from redun_tui.db import migrations
from redun_tui.db.migrations import VERSIONS

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
MIGRATION_GOLDENS = GOLDEN / "migrations"
HEAD = VERSIONS[-1][0]

CONSTRAINT_PREFIXES = ("PRIMARY KEY", "FOREIGN KEY", "CONSTRAINT", "UNIQUE", "CHECK")
VOLATILE_TABLES = {"redun_version", "alembic_version"}


# -- helpers (kept in step with scripts/goldens/make_schema.py) -----------------------------------


def _sort_table_constraints(sql: str) -> str:
    start = sql.index("(")
    body = sql[start + 1 : -1]
    items, depth, current = [], 0, []
    for char in body:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    columns = [item for item in items if not item.startswith(CONSTRAINT_PREFIXES)]
    constraints = sorted(item for item in items if item.startswith(CONSTRAINT_PREFIXES))
    return f"{sql[:start]}( {', '.join(columns + constraints)} )"


def schema_text(path: Path) -> str:
    """Normalized sqlite_master of a SQLite file."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        con.close()
    lines = []
    for type_, name, tbl_name, sql in rows:
        text = re.sub(r"\s+", " ", sql).strip() if sql else ""
        text = text.replace('"', "")
        if type_ == "table":
            text = _sort_table_constraints(text)
        lines.append(f"{type_}|{name}|{tbl_name}|{text}")
    return "\n".join(lines) + "\n"


def rows_digest(path: Path) -> dict:
    """{table: {"count", "sha256"}} of every table but the volatile ones."""
    con = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        result = {}
        for table in tables:
            if table in VOLATILE_TABLES:
                continue
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            rendered = sorted(
                repr(tuple(v.hex() if isinstance(v, bytes) else v for v in row)) for row in rows
            )
            digest = hashlib.sha256("\n".join(rendered).encode()).hexdigest()
            result[table] = {"count": len(rows), "sha256": digest}
        return result
    finally:
        con.close()


def golden(name: str) -> str:
    return (MIGRATION_GOLDENS / name).read_text()


GOLDEN_3_5 = (GOLDEN / "schema_3_5.sqlite.sql").read_text()


def engine_for(path: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{path}")


def migrate(path: Path, action, revision: str) -> None:
    engine = engine_for(path)
    try:
        action(engine, revision)
    finally:
        engine.dispose()


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copy(FIXTURES / name, target)
    target.chmod(0o644)
    return target


def query(path: Path, sql: str, *params) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture
def local_tz():
    """Set the process time zone (SQLite's 'utc'/'localtime' use it); restored afterwards."""
    saved = os.environ.get("TZ")

    def set_tz(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_tz
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture(scope="module")
def head_db(tmp_path_factory) -> Path:
    """A database upgraded from empty to 3.5 once per module; tests copy it."""
    path = tmp_path_factory.mktemp("head") / "head.db"
    migrate(path, migrations.upgrade, "head")
    return path


# -- schema ----------------------------------------------------------------------------------------


def test_versions_list_is_reduns():
    assert [v[0] for v in VERSIONS] == [
        "806f5dcb11bf", "647c510a77b1", "30ffbaee18cd", "71ec303c90e4", "d4af139b6f53",
        "cd2d53191748", "cc4f663817b6", "eb7b95e4e8bf", "f68b3aaee9cc", "3b0a6e67cc58",
        "0bee3d6dba76",
    ]  # fmt: skip
    assert [(v[1], v[2]) for v in VERSIONS] == [
        (1, 0), (2, 0), (2, 1), (2, 2), (2, 3), (3, 0), (3, 1), (3, 2), (3, 3), (3, 4), (3, 5)
    ]  # fmt: skip


def test_upgrade_empty_database_gives_redun_schema(head_db: Path):
    assert schema_text(head_db) == GOLDEN_3_5
    engine = engine_for(head_db)
    with engine.connect() as connection:
        assert migrations.current_revision(connection) == HEAD
    engine.dispose()


def test_current_revision_is_none_without_alembic_table(tmp_path: Path):
    engine = engine_for(tmp_path / "empty.db")
    with engine.connect() as connection:
        assert migrations.current_revision(connection) is None
    engine.dispose()


@pytest.mark.parametrize("migration_id, major, minor", [v[:3] for v in VERSIONS])
def test_each_version_up_down_and_back(tmp_path: Path, head_db: Path, migration_id, major, minor):
    expected = golden(f"schema_{major}_{minor}.sqlite.sql")

    up = tmp_path / "up.db"
    migrate(up, migrations.upgrade, migration_id)
    assert schema_text(up) == expected

    down = tmp_path / "down.db"
    shutil.copy(head_db, down)
    migrate(down, migrations.downgrade, migration_id)
    assert schema_text(down) == expected
    assert query(down, "SELECT version_num FROM alembic_version") == [(migration_id,)]

    migrate(down, migrations.upgrade, "head")
    assert schema_text(down) == GOLDEN_3_5


def test_versions_are_accepted_as_revisions(tmp_path: Path):
    path = tmp_path / "v.db"
    migrate(path, migrations.upgrade, "2.0")
    assert query(path, "SELECT version_num FROM alembic_version") == [("647c510a77b1",)]
    migrate(path, migrations.upgrade, "3")
    assert query(path, "SELECT version_num FROM alembic_version") == [("cd2d53191748",)]


def test_downgrade_to_base_drops_every_table(tmp_path: Path, head_db: Path):
    path = tmp_path / "base.db"
    shutil.copy(head_db, path)
    migrate(path, migrations.downgrade, "base")
    tables = query(path, "SELECT name FROM sqlite_master WHERE type = 'table'")
    assert tables == [("alembic_version",)]


@pytest.mark.parametrize("revision", ["deadbeef0000", "9.9", "3.7", "latest-ish", ""])
def test_unknown_revision_is_a_clear_error(tmp_path: Path, revision: str):
    engine = engine_for(tmp_path / "x.db")
    with pytest.raises(migrations.UnknownRevisionError, match="unknown db version or migration id"):
        migrations.upgrade(engine, revision)
    with pytest.raises(migrations.UnknownRevisionError):
        migrations.downgrade(engine, revision)
    engine.dispose()
    # Nothing was created.
    assert query(tmp_path / "x.db", "SELECT name FROM sqlite_master") == []


def test_database_stamped_newer_than_known_is_refused(tmp_path: Path, head_db: Path):
    path = tmp_path / "new.db"
    shutil.copy(head_db, path)
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = 'ffff00001111'")
    con.commit()
    con.close()
    with pytest.raises(migrations.MigrationError, match="ffff00001111"):
        migrate(path, migrations.upgrade, "head")


def test_foreign_keys_setting_is_restored(tmp_path: Path):
    engine = engine_for(tmp_path / "fk.db")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        migrations.upgrade(connection)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert migrations.current_revision(connection) == HEAD
    engine.dispose()


# -- old databases and their data ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["old_v2_0", "old_v3_0"])
def test_old_fixture_upgrades_like_redun(tmp_path: Path, local_tz, name: str):
    local_tz("UTC")  # the goldens were made with TZ=UTC
    path = copy_fixture(f"{name}.db", tmp_path)
    migrate(path, migrations.upgrade, "head")

    assert schema_text(path) == GOLDEN_3_5
    # Every row exactly as redun's own upgrade of the same file left it.
    assert rows_digest(path) == json.loads(golden(f"from_{name}.rows.json"))


@pytest.mark.parametrize("name", ["old_v2_0", "old_v3_0"])
def test_old_fixture_data_matches_the_3_5_original(tmp_path: Path, local_tz, name: str):
    """The old fixtures are seed_example.db downgraded; upgrading brings the same rows back.

    Except what the downgrades dropped: tags (added in 3.1), execution.updated_time (3.5) and
    fractional seconds of job times (SQLite's datetime() in the 3.4 migration truncates them).
    """
    local_tz("UTC")
    path = copy_fixture(f"{name}.db", tmp_path)
    migrate(path, migrations.upgrade, "head")
    seed = FIXTURES / "seed_example.db"

    for table in [
        "argument", "argument_result", "call_edge", "call_node", "call_subtree_task",
        "evaluation", "file", "handle", "handle_edge", "subvalue", "task", "value",
    ]:  # fmt: skip
        sql = f"SELECT * FROM {table}"
        assert sorted(query(path, sql)) == sorted(query(seed, sql)), table

    sql = "SELECT id, args, job_id FROM execution"
    assert sorted(query(path, sql)) == sorted(query(seed, sql))
    assert query(path, "SELECT count(*) FROM execution WHERE updated_time IS NOT NULL") == [(0,)]

    columns = "id, task_hash, cached, call_hash, parent_id, execution_id"
    assert sorted(query(path, f"SELECT {columns} FROM job")) == sorted(
        query(seed, f"SELECT {columns} FROM job")
    )
    seed_times = {
        job_id: (start[:19], end[:19] if end else None)
        for job_id, start, end in query(seed, "SELECT id, start_time, end_time FROM job")
    }
    times = {
        job_id: (start, end)
        for job_id, start, end in query(path, "SELECT id, start_time, end_time FROM job")
    }
    assert times == seed_times
    assert query(path, "SELECT count(*) FROM tag") == [(0,)]


def test_timestamp_migration_converts_local_time_to_utc(tmp_path: Path, local_tz):
    """Before 3.4 job times were local: the upgrade reads them in the process's time zone."""
    local_tz("XYZ+5")  # a POSIX rule (no tzdata needed): UTC-5, no daylight saving
    path = copy_fixture("old_v3_0.db", tmp_path)
    before = dict(query(path, "SELECT id, start_time FROM job"))
    migrate(path, migrations.upgrade, "head")
    after = dict(query(path, "SELECT id, start_time FROM job"))
    assert before.keys() == after.keys()
    for job_id, start in before.items():
        shifted = query(path, "SELECT datetime(?, '+5 hours')", start)[0][0]
        assert after[job_id] == shifted

    # And the downgrade converts back to local time.
    migrate(path, migrations.downgrade, "f68b3aaee9cc")
    assert dict(query(path, "SELECT id, start_time FROM job")) == before


def test_backfill_writes_the_bytes_redun_writes(tmp_path: Path):
    """30ffbaee18cd: companion ``redun.Task`` values, byte for byte as redun 0.44.1 wrote them."""
    case = json.loads(golden("backfill_2_1.json"))
    path = tmp_path / "backfill.db"
    migrate(path, migrations.upgrade, "647c510a77b1")
    con = sqlite3.connect(path)
    con.executemany("INSERT INTO task VALUES (?, ?, ?, ?)", case["tasks"])
    con.executemany(
        "INSERT INTO value VALUES (?, ?, ?, ?)",
        [(h, t, f, bytes.fromhex(v)) for h, t, f, v in case["existing_values"]],
    )
    con.commit()
    con.close()

    migrate(path, migrations.upgrade, "30ffbaee18cd")

    rows = query(
        path, "SELECT value_hash, type, format, hex(value) FROM value ORDER BY value_hash"
    )
    assert [list(row) for row in rows] == case["values"]
    for _hash, _type, _format, data in rows[1:]:
        # A well-formed pickle (read by opcodes only: nothing is imported or run).
        pickletools.dis(bytes.fromhex(data), out=open(os.devnull, "w"))  # noqa: SIM115


def test_backfill_also_covers_names_redun_would_reject(tmp_path: Path):
    """redun aborts on a task name its Task class rejects; we still write the value row."""
    path = tmp_path / "odd.db"
    migrate(path, migrations.upgrade, "647c510a77b1")
    con = sqlite3.connect(path)
    con.execute("INSERT INTO task VALUES (?, ?, ?, ?)", ("9" * 40, "tâche ü🎉", "", "src"))
    con.commit()
    con.close()
    migrate(path, migrations.upgrade, "30ffbaee18cd")
    [(type_, data)] = query(path, "SELECT type, value FROM value")
    assert type_ == "redun.Task"
    ops = [(op.name, arg) for op, arg, _pos in pickletools.genops(data)]
    assert ("BINUNICODE", "tâche ü🎉") in ops
    assert ops[1] == ("GLOBAL", "redun.task Task")


def test_stub_executions_for_root_jobs_without_one(tmp_path: Path):
    """cd2d53191748: a root job without an execution gets a stub; children inherit its id."""
    path = tmp_path / "stub.db"
    migrate(path, migrations.upgrade, "d4af139b6f53")
    con = sqlite3.connect(path)
    con.execute("INSERT INTO task VALUES ('t', 'task', '', 'src')")
    jobs = [
        ("root1", None),
        ("child1", "root1"),
        ("grandchild1", "child1"),
        ("root2", None),
        ("child2", "root2"),
    ]
    con.executemany(
        "INSERT INTO job (id, start_time, task_hash, cached, parent_id) "
        "VALUES (?, '2020-01-01 00:00:00', 't', 0, ?)",
        jobs,
    )
    con.execute("INSERT INTO execution (id, args, job_id) VALUES ('exec1', '[]', 'root1')")
    con.commit()
    con.close()

    migrate(path, migrations.upgrade, "cd2d53191748")

    executions = query(path, "SELECT id, args, job_id FROM execution ORDER BY job_id")
    assert executions[0] == ("exec1", "[]", "root1")
    stub_id, stub_args, stub_job = executions[1]
    assert (stub_args, stub_job) == ('"Stub Execution"', "root2")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", stub_id)
    assert dict(query(path, "SELECT id, execution_id FROM job")) == {
        "root1": "exec1",
        "child1": "exec1",
        "grandchild1": "exec1",
        "root2": stub_id,
        "child2": stub_id,
    }
    # The helper table was temporary: the schema is exactly redun's 3.0.
    assert schema_text(path) == golden("schema_3_0.sqlite.sql")


def test_failed_upgrade_changes_nothing(tmp_path: Path):
    """A job whose parent chain reaches no execution cannot get an execution_id: 3.0 fails.

    The whole upgrade runs in one transaction, so the file is left exactly as it was.
    """
    path = tmp_path / "orphan.db"
    migrate(path, migrations.upgrade, "d4af139b6f53")
    con = sqlite3.connect(path)
    con.execute("INSERT INTO task VALUES ('t', 'task', '', 'src')")
    con.execute(
        "INSERT INTO job (id, start_time, task_hash, cached, parent_id) "
        "VALUES ('root', '2020-01-01 00:00:00', 't', 0, NULL), "
        "('lost', '2020-01-01 00:00:00', 't', 0, 'no-such-parent')"
    )
    con.commit()
    con.close()
    before = schema_text(path), rows_digest(path)

    with pytest.raises(sa.exc.IntegrityError):
        migrate(path, migrations.upgrade, "head")

    assert (schema_text(path), rows_digest(path)) == before
    assert schema_text(path) == golden("schema_2_3.sqlite.sql")
    assert query(path, "SELECT version_num FROM alembic_version") == [("d4af139b6f53",)]
    assert query(path, "SELECT count(*) FROM execution") == [(0,)]


# -- models ----------------------------------------------------------------------------------------


def test_models_create_what_reduns_models_create(tmp_path: Path):
    """``Base.metadata.create_all`` gives exactly what redun 0.44.1's own create_all gives."""
    from redun_tui.db.models import Base

    path = tmp_path / "models.db"
    engine = engine_for(path)
    Base.metadata.create_all(engine)
    engine.dispose()
    assert schema_text(path) == (GOLDEN / "schema_3_5_models.sqlite.sql").read_text()


def test_reduns_models_and_migrated_schema_differ_only_as_known():
    """redun's models are not its migrated schema; these are all the differences (SQLite).

    They matter to nobody reading or writing rows, but a database must be created through the
    migrations (``upgrade``), never with ``create_all``, to be exactly redun's.
    """
    models = (GOLDEN / "schema_3_5_models.sqlite.sql").read_text().splitlines()
    migrated = GOLDEN_3_5.splitlines()
    only_models = sorted(set(models) - set(migrated))
    only_migrated = sorted(set(migrated) - set(models))
    assert [line.split("|")[1] for line in only_models] == [
        "alembic_version", "execution", "job", "value"
    ]  # fmt: skip
    assert [line.split("|")[1] for line in only_migrated] == [
        "alembic_version", "execution", "job", "value"
    ]  # fmt: skip
    # alembic names its primary key; the migrations added updated_time last, left
    # execution.job_id's key not deferrable and named job.execution_id's key; on SQLite the 3.2
    # migration leaves value.type VARCHAR(100).
    assert "CONSTRAINT alembic_version_pkc PRIMARY KEY" in only_migrated[0]
    assert "job_id VARCHAR NOT NULL, updated_time DATETIME" in only_migrated[1]
    assert "CONSTRAINT ct_job_execution_id FOREIGN KEY" in only_migrated[2]
    assert "type VARCHAR(100) NOT NULL" in only_migrated[3]
    assert "REFERENCES job (id) DEFERRABLE INITIALLY deferred" in only_models[1]
    assert "type VARCHAR NOT NULL" in only_models[3]


# -- the `redun-tui db` commands -------------------------------------------------------------------


@pytest.fixture
def run_db():
    from redun_tui.commands.db import db

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(db, list(args), catch_exceptions=False)

    return run


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_info_reports_version_without_writing(tmp_path: Path, run_db):
    path = copy_fixture("old_v2_0.db", tmp_path)
    before = _sha256(path)
    result = run_db("info", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("redun-tui :: version ")
    assert lines[1] == f"db: {path}"
    assert lines[3:] == [
        "db version: 2.0 'Initial production schema.'",
        "CLI requires db versions: >=3.5,<4",
        "CLI compatible with db: False",
    ]
    assert _sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old_v2_0.db"]


def test_cli_info_on_current_database(tmp_path: Path, run_db):
    path = copy_fixture("seed_example.db", tmp_path)
    result = run_db("info", str(path))
    assert result.exit_code == 0
    assert "db version: 3.5 'Add updated_time.'" in result.stdout
    assert "CLI compatible with db: True" in result.stdout


def test_cli_versions_table(run_db):
    result = run_db("versions")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Version", "Migration", "Description"]
    assert lines[1] == ""
    assert len(lines) == 2 + len(VERSIONS)
    assert lines[2].rstrip() == "1.0     806f5dcb11bf Prototype schema."
    assert lines[-1].rstrip() == "3.5     0bee3d6dba76 Add updated_time."


def test_cli_upgrade_backs_up_then_migrates(tmp_path: Path, run_db, local_tz):
    local_tz("UTC")
    path = copy_fixture("old_v2_0.db", tmp_path)
    original = _sha256(path)
    result = run_db("upgrade", str(path))
    assert result.exit_code == 0, result.output
    assert "Initial db version: 2.0" in result.stdout
    assert "Final db version: 3.5" in result.stdout

    backups = [p for p in tmp_path.iterdir() if p.name.startswith("old_v2_0.db.bak-")]
    assert len(backups) == 1
    assert f"Backup written to: {backups[0]}" in result.stdout
    # The backup holds the database as it was (same schema and rows), the file is now 3.5.
    assert schema_text(backups[0]) == schema_text(FIXTURES / "old_v2_0.db")
    assert rows_digest(backups[0]) == rows_digest(FIXTURES / "old_v2_0.db")
    assert _sha256(path) != original
    assert schema_text(path) == GOLDEN_3_5
    assert rows_digest(path) == json.loads(golden("from_old_v2_0.rows.json"))
    # Like redun, the new major version is recorded.
    assert query(path, "SELECT version FROM redun_version ORDER BY timestamp DESC LIMIT 1") == [(3,)]

    again = run_db("upgrade", str(path))
    assert again.exit_code == 0
    assert "No migration needed." in again.stdout
    assert len([p for p in tmp_path.iterdir() if ".bak-" in p.name]) == 1


def test_cli_upgrade_and_downgrade_to_a_version(tmp_path: Path, run_db):
    path = copy_fixture("old_v2_0.db", tmp_path)
    result = run_db("upgrade", "3.1", str(path))
    assert result.exit_code == 0, result.output
    assert "Final db version: 3.1" in result.stdout
    assert schema_text(path) == golden("schema_3_1.sqlite.sql")

    result = run_db("downgrade", "647c510a77b1", str(path))
    assert result.exit_code == 0, result.output
    assert "Note: going below 3.1 drops tags." in result.stdout
    assert "evaluation" not in result.stdout
    assert "Final db version: 2.0" in result.stdout
    assert schema_text(path) == golden("schema_2_0.sqlite.sql")
    assert len([p for p in tmp_path.iterdir() if ".bak-" in p.name]) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (("upgrade", "2.0", "{db}"), "redun-tui: Must use downgrade command to migrate from 3.0 to 2.0."),
        (("downgrade", "3.5", "{db}"), "redun-tui: Must use upgrade command to migrate from 3.0 to 3.5."),
        (("upgrade", "9.9", "{db}"), "redun-tui: unknown db version or migration id: '9.9'"),
        (("downgrade", "deadbeef0000", "{db}"), "redun-tui: unknown db version or migration id"),
        (("upgrade", "{missing}"), "redun-tui: "),
        (("info", "{missing}"), "redun-tui: "),
        (("info", "{dir}"), "redun-tui: "),
        (("upgrade", "{text}"), "redun-tui: "),
        (("info", "{text}"), "redun-tui: "),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path: Path, run_db, args, message):
    db_path = copy_fixture("old_v3_0.db", tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 10)
    before = _sha256(db_path), _sha256(text)
    names = {"db": db_path, "missing": tmp_path / "missing.db", "dir": tmp_path, "text": text}
    result = run_db(*(arg.format(**names) for arg in args))
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    # Nothing changed, nothing was backed up, nothing was created.
    assert (_sha256(db_path), _sha256(text)) == before
    assert not (tmp_path / "missing.db").exists()
    assert not [p for p in tmp_path.iterdir() if ".bak-" in p.name]


# -- PostgreSQL (needs REDUN_TUI_TEST_PG_URL; see tests/unit/conftest.py) ---------------------------


def pg_engine(url: str) -> sa.Engine:
    """An engine on a test database, its session time zone UTC (as the goldens')."""
    parsed = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    return sa.create_engine(
        parsed, connect_args={"options": "-c timezone=UTC"}, poolclass=sa.pool.NullPool
    )


def pg_dump_schema(url: str) -> str:
    """pg_dump --schema-only, normalized as scripts/goldens/make_schema.py does."""
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "a PostgreSQL server is configured but pg_dump is not on PATH"
    parsed = sa.engine.make_url(url)
    import subprocess

    dump = subprocess.run(
        [
            pg_dump, "--schema-only", "--no-owner", "--no-privileges",
            "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432),
            "-U", parsed.username or "postgres", parsed.database,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    lines = [
        line
        for line in dump.splitlines()
        if line.strip()
        and not line.lstrip().startswith("--")
        and not line.startswith(("SET ", "SELECT pg_catalog.set_config", "\\restrict", "\\unrestrict"))
    ]
    return "\n".join(lines) + "\n"


def test_postgres_schema_is_reduns_and_round_trips(pg_url: str):
    expected = (GOLDEN / "schema_3_5.postgresql.sql").read_text()
    engine = pg_engine(pg_url)
    try:
        migrations.upgrade(engine)
        assert pg_dump_schema(pg_url) == expected
        for migration_id, *_rest in reversed(VERSIONS):
            migrations.downgrade(engine, migration_id)
            assert migrations.current_revision(engine) == migration_id
        migrations.downgrade(engine, "base")
        migrations.upgrade(engine)
        assert pg_dump_schema(pg_url) == expected
    finally:
        engine.dispose()


def test_postgres_old_database_upgrades_with_its_data(pg_url: str):
    """old_v2_0.db's rows loaded into a 2.0 PostgreSQL schema, plus lonely tasks, then upgraded."""
    engine = pg_engine(pg_url)
    case = json.loads(golden("backfill_2_1.json"))
    try:
        migrations.upgrade(engine, "647c510a77b1")
        source = sa.create_engine(
            sa.engine.URL.create(
                "sqlite",
                database=f"file:{FIXTURES / 'old_v2_0.db'}",
                query={"mode": "ro", "uri": "true"},
            )
        )
        metadata = sa.MetaData()
        metadata.reflect(source)
        with source.connect() as src, engine.begin() as dst:
            dst.execute(sa.text("SET session_replication_role = replica"))
            for table in metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = [dict(row._mapping) for row in src.execute(sa.select(table))]
                if rows:
                    dst.execute(sa.table(table.name, *[sa.column(c) for c in rows[0]]).insert(), rows)
            dst.execute(sa.text("INSERT INTO task VALUES (:h, :n, :ns, :s)"),
                        [dict(h=h, n=n, ns=ns, s=s) for h, n, ns, s in case["tasks"]])  # fmt: skip
            dst.execute(
                sa.text("INSERT INTO value VALUES (:h, :t, :f, :v)"),
                [dict(h=h, t=t, f=f, v=bytes.fromhex(v)) for h, t, f, v in case["existing_values"]],
            )
        source.dispose()

        migrations.upgrade(engine)

        seed = FIXTURES / "seed_example.db"
        with engine.connect() as con:
            assert migrations.current_revision(con) == HEAD
            for table in ["argument", "call_edge", "call_node", "evaluation", "execution", "job"]:
                count = con.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                assert count == query(seed, f"SELECT count(*) FROM {table}")[0][0], table
            jobs = dict(con.execute(sa.text("SELECT id, execution_id FROM job")).fetchall())
            assert jobs == dict(query(seed, "SELECT id, execution_id FROM job"))
            starts = {
                job_id: start.strftime("%Y-%m-%d %H:%M:%S")
                for job_id, start in con.execute(sa.text("SELECT id, start_time FROM job"))
            }
            assert starts == {
                job_id: start[:19] for job_id, start in query(seed, "SELECT id, start_time FROM job")
            }
            values = con.execute(
                sa.text(
                    "SELECT value_hash, type, format, value FROM value "
                    "WHERE value_hash = ANY(:hashes) ORDER BY value_hash"
                ),
                {"hashes": [row[0] for row in case["values"]]},
            ).fetchall()
            assert [[h, t, f, bytes(v).hex().upper()] for h, t, f, v in values] == case["values"]
    finally:
        engine.dispose()


def test_postgres_cli_creates_downgrades_and_reports(pg_url: str, run_db):
    result = run_db("upgrade", pg_url)
    assert result.exit_code == 0, result.output
    assert "Initial db version: -1.0" in result.stdout
    assert "No backup made (not a SQLite file)" in result.stdout
    assert "Final db version: 3.5" in result.stdout

    result = run_db("downgrade", "2.0", pg_url)
    assert result.exit_code == 0, result.output
    assert "Final db version: 2.0" in result.stdout

    result = run_db("info", pg_url)
    assert result.exit_code == 0, result.output
    assert "db version: 2.0 'Initial production schema.'" in result.stdout
    assert "CLI compatible with db: False" in result.stdout

    result = run_db("upgrade", "9.9", pg_url)
    assert result.exit_code == 2
    assert result.stderr.startswith("redun-tui: unknown db version or migration id: '9.9'")
