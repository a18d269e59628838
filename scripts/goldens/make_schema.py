"""Write the schema and migration goldens with real redun 0.44.1 (a dev tool, not run in CI).

Run with the redun venv, from the repository root::

    /work/redun-venv/bin/python scripts/goldens/make_schema.py [--postgres]

It writes, under ``tests/golden/``:

- ``schema_3_5.sqlite.sql``: the normalized ``sqlite_master`` of a fresh database that redun
  creates with ``RedunBackendDb(db_uri=...).load(migrate=True)``.
- ``schema_3_5_models.sqlite.sql``: what redun's ``Base.metadata.create_all`` makes (its models
  differ slightly from its migrated schema).
- ``migrations/schema_<major>_<minor>.sqlite.sql``: an empty database upgraded by redun to each
  version (checked equal to a fresh 3.5 database downgraded by redun to that version).
- ``migrations/from_old_v2_0.rows.json`` / ``from_old_v3_0.rows.json``: a digest of the rows of
  the old fixtures after redun's own ``migrate()`` (whose schema is checked equal to 3.5).
- ``migrations/backfill_2_1.json``: task rows inserted into a 2.0 database and the ``value`` rows
  redun's 2.1 migration (30ffbaee18cd) writes for them.
- ``schema_3_5.postgresql.sql`` (with ``--postgres``): ``pg_dump --schema-only`` of a fresh
  PostgreSQL database migrated by redun (needs ``REDUN_TUI_TEST_PG_URL``, see .ci/postgres.sh).

Everything runs with ``TZ=UTC`` so that the SQLite timestamp migration is deterministic.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["TZ"] = "UTC"
time.tzset()

import sqlalchemy as sa  # noqa: E402
from redun.backends.db import Base, RedunBackendDb, parse_db_version  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
MIGRATIONS = GOLDEN / "migrations"
FIXTURES = ROOT / "tests" / "fixtures"

# Tables whose rows depend on when/who ran the migration (random ids, wall-clock time).
VOLATILE_TABLES = {"redun_version", "alembic_version"}


def normalized_schema(path: Path) -> str:
    """Return sqlite_master as text: one row per object, sorted, whitespace collapsed.

    Double quotes are dropped and table constraints sorted (see ``sort_table_constraints``).

    Kept in step with ``schema_text`` in tests/unit/test_migrations.py.
    """
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        con.close()
    lines = []
    for type_, name, tbl_name, sql in rows:
        sql_text = re.sub(r"\s+", " ", sql).strip() if sql else ""
        # Alembic's batch mode quotes the name of a table it recreates ("job"), redun's own
        # upgraded databases included; quoting means nothing here.
        sql_text = sql_text.replace('"', "")
        if type_ == "table":
            sql_text = sort_table_constraints(sql_text)
        lines.append(f"{type_}|{name}|{tbl_name}|{sql_text}")
    return "\n".join(lines) + "\n"


CONSTRAINT_PREFIXES = ("PRIMARY KEY", "FOREIGN KEY", "CONSTRAINT", "UNIQUE", "CHECK")


def sort_table_constraints(sql: str) -> str:
    """Sort the table constraints of a CREATE TABLE statement, keep the columns in order.

    Alembic's batch mode copies a table's foreign keys from an unordered collection, so the
    order of the FOREIGN KEY clauses of a recreated table changes from run to run (even in
    redun's own databases); the order means nothing to SQLite.
    """
    start = sql.index("(")
    if not sql.endswith(")"):
        return sql
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


def rows_digest(path: Path) -> dict:
    """Return {table: {"count": n, "sha256": digest of the sorted rows}} for stable tables.

    Kept in step with ``rows_digest`` in tests/unit/test_migrations.py.
    """
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


def backend(path: Path) -> RedunBackendDb:
    """Return a redun backend on a SQLite file with its engine created."""
    db = RedunBackendDb(db_uri=f"sqlite:///{path}")
    db.create_engine()
    return db


def write(path: Path, text: str) -> None:
    """Write a golden file and say so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path.relative_to(ROOT)}")


# Task rows for the 30ffbaee18cd backfill golden: ordinary, script-like, empty namespace,
# equal one-character name and namespace (pickle memoizes the shared string), dotted namespace.
# (redun's migration aborts on names its Task class rejects, so none of those here.)
BACKFILL_TASKS = [
    ("a" * 40, "mytask", "ns", "def mytask():\n    pass\n"),
    ("b" * 40, "script_task", "redun", "def script_task():\n    pass\n"),
    ("c" * 40, "plain", "", "def plain():\n    pass\n"),
    ("d" * 40, "test_help", "", "def test_help():\n    pass\n"),
    ("e" * 40, "x", "x", "def x():\n    pass\n"),
    ("f" * 40, "Task_2", "a.b_c", "def Task_2():\n    pass\n"),
]


def make_backfill_golden(tmp: Path) -> None:
    """Record what redun's 2.1 migration writes for tasks without a companion value."""
    path = tmp / "backfill.db"
    db = backend(path)
    db.migrate(parse_db_version("2.0"))
    assert db.engine is not None
    with db.engine.begin() as con:
        # One task already has its value: the migration must leave it alone.
        con.execute(
            sa.text("INSERT INTO task VALUES (:h, :n, :ns, :s)"),
            [dict(h=h, n=n, ns=ns, s=s) for h, n, ns, s in BACKFILL_TASKS],
        )
        con.execute(
            sa.text(
                "INSERT INTO task VALUES ('0000000000000000000000000000000000000000', "
                "'has_value', 'ns', 'src')"
            )
        )
        con.execute(
            sa.text(
                "INSERT INTO value VALUES ('0000000000000000000000000000000000000000', "
                "'redun.Task', 'application/python-pickle', X'00')"
            )
        )
    db.migrate(parse_db_version("2.1"))
    db.session.close()
    db.engine.dispose()
    con = sqlite3.connect(path)
    values = con.execute(
        "SELECT value_hash, type, format, hex(value) FROM value ORDER BY value_hash"
    ).fetchall()
    con.close()
    golden = {
        "tasks": [list(t) for t in BACKFILL_TASKS]
        + [["0" * 40, "has_value", "ns", "src"]],
        "existing_values": [["0" * 40, "redun.Task", "application/python-pickle", "00"]],
        "values": [list(v) for v in values],
    }
    write(MIGRATIONS / "backfill_2_1.json", json.dumps(golden, indent=1, ensure_ascii=False) + "\n")


def make_sqlite_goldens(tmp: Path) -> None:
    """Write every SQLite schema golden."""
    fresh = tmp / "fresh.db"
    db = RedunBackendDb(db_uri=f"sqlite:///{fresh}")
    db.load(migrate=True)
    db.session.close()
    db.engine.dispose()
    write(GOLDEN / "schema_3_5.sqlite.sql", normalized_schema(fresh))

    golden_3_5 = normalized_schema(fresh)

    # redun's models are not quite its migrated schema (deferrable execution.job_id, unnamed
    # job.execution_id key, column order, value.type length, alembic_version's key name):
    # keep what its create_all() makes too, to check our models against.
    models = tmp / "models.db"
    engine = sa.create_engine(f"sqlite:///{models}")
    Base.metadata.create_all(engine)
    engine.dispose()
    write(GOLDEN / "schema_3_5_models.sqlite.sql", normalized_schema(models))
    for version in RedunBackendDb.get_all_db_versions():
        label = f"{version.major}_{version.minor}"

        up = tmp / f"up_{label}.db"
        db = backend(up)
        db.migrate(version)
        db.session.close()
        db.engine.dispose()

        down = tmp / f"down_{label}.db"
        shutil.copy(fresh, down)
        db = backend(down)
        db.migrate(version)
        db.session.close()
        db.engine.dispose()

        # Upgrading from nothing and downgrading from 3.5 give the same normalized schema, so
        # one golden per version serves both directions.
        if normalized_schema(up) != normalized_schema(down):
            raise SystemExit(f"redun's upgrade and downgrade to {version} differ")
        write(MIGRATIONS / f"schema_{label}.sqlite.sql", normalized_schema(up))

    for name in ("old_v2_0", "old_v3_0"):
        path = tmp / f"{name}.db"
        shutil.copy(FIXTURES / f"{name}.db", path)
        db = backend(path)
        db.migrate()
        db.session.close()
        db.engine.dispose()
        if normalized_schema(path) != golden_3_5:
            raise SystemExit(f"redun's upgrade of {name} differs from a fresh 3.5 schema")
        write(
            MIGRATIONS / f"from_{name}.rows.json",
            json.dumps(rows_digest(path), indent=1, sort_keys=True) + "\n",
        )

    make_backfill_golden(tmp)


def pg_dump_schema(url: str) -> str:
    """``pg_dump --schema-only`` of a database, without what depends on the pg_dump version."""
    parsed = sa.engine.make_url(url)
    dump = subprocess.run(
        [
            "pg_dump", "--schema-only", "--no-owner", "--no-privileges",
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


def make_postgres_golden() -> None:
    """Let redun create its schema in a fresh PostgreSQL database and pg_dump it.

    Needs ``REDUN_TUI_TEST_PG_URL`` (a server where the user may create databases; see
    ``.ci/postgres.sh``) and psycopg in the redun venv.
    """
    base = os.environ.get("REDUN_TUI_TEST_PG_URL")
    if not base:
        raise SystemExit("--postgres needs REDUN_TUI_TEST_PG_URL (source .ci/postgres.sh)")
    admin_url = sa.engine.make_url(base).set(drivername="postgresql+psycopg")
    name = "redun_golden_schema"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        con.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        url = admin_url.set(database=name)
        db = RedunBackendDb(db_uri=url.render_as_string(hide_password=False))
        db.load(migrate=True)
        db.session.close()
        db.engine.dispose()
        write(GOLDEN / "schema_3_5.postgresql.sql", pg_dump_schema(str(url)))
    finally:
        with admin.connect() as con:
            con.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main() -> None:
    """Write the goldens."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        make_sqlite_goldens(tmp)
        if "--postgres" in sys.argv:
            make_postgres_golden()


if __name__ == "__main__":
    main()
