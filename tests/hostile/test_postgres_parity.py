"""PostgreSQL holds and shows exactly what SQLite does.

Each fixture database is copied into PostgreSQL (schema from our migrations, rows with Core, see
``tests/unit/conftest.py``); then every row of every table read through the models, and the CLI's
``db info`` and ``dataflow`` output, must be identical on both. (The store, query, search, export
and migrations have their own PostgreSQL variants in their test files, on the same fixtures.)
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from redun_tui.db import RedunBackendDb
from redun_tui.db.models import Base

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CURRENT = sorted(p.name for p in FIXTURES.glob("*.db") if not p.name.startswith("old_"))


def _normal(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat()
    if hasattr(value, "value") and type(value).__module__.endswith("models"):  # enums
        return value.value
    return value


def all_rows(target: str) -> dict[str, list[tuple]]:
    """Every row of every mapped table (except migration bookkeeping), normalized and sorted."""
    backend = RedunBackendDb(target)
    backend.load()
    try:
        rows: dict[str, list[tuple]] = {}
        with backend.new_session() as session:
            for mapper in Base.registry.mappers:
                table = mapper.local_table
                if table.name in ("alembic_version", "redun_version"):
                    continue
                columns = [column.key for column in mapper.column_attrs]
                found = []
                for obj in session.execute(select(mapper.class_)).scalars():
                    found.append(tuple(_normal(getattr(obj, key)) for key in columns))
                rows[table.name] = sorted(found, key=repr)
        return rows
    finally:
        backend.close()


@pytest.mark.parametrize("name", CURRENT)
def test_every_row_is_the_same_on_postgresql(name: str, make_pg_db) -> None:
    url = make_pg_db(name)
    sqlite_rows = all_rows(str(FIXTURES / name))
    pg_rows = all_rows(url)
    assert sorted(pg_rows) == sorted(sqlite_rows)
    for table, rows in sqlite_rows.items():
        assert pg_rows[table] == rows, table
    assert sum(len(rows) for rows in sqlite_rows.values()) > 50


def test_postgres_schema_has_every_model_table(make_pg_db) -> None:
    backend = RedunBackendDb(make_pg_db("seed_example.db"))
    backend.load()
    try:
        tables = set(sa_inspect(backend.engine).get_table_names())
        assert str(backend.get_db_version()) == "3.5"
        assert backend.is_db_compatible()
    finally:
        backend.close()
    assert set(Base.metadata.tables) <= tables


@pytest.mark.parametrize(
    ("name", "target"),
    [("seed_example.db", "sample4.vcf"), ("failures.db", None), ("values.db", None)],
)
def test_cli_dataflow_is_the_same_on_postgresql(name: str, target: str | None, make_pg_db, run_cli) -> None:
    url = make_pg_db(name)
    sqlite_path = str(FIXTURES / name)
    if target is None:
        # The result of the most recent root job.
        from redun_tui.db import Job

        backend = RedunBackendDb(sqlite_path)
        backend.load()
        try:
            with backend.new_session() as session:
                target = session.execute(
                    select(Job.id).where(Job.parent_id.is_(None), Job.call_hash.is_not(None)).order_by(Job.start_time.desc())
                ).scalars().first()
        finally:
            backend.close()
    for extra in ([], ["--json"]):
        on_sqlite = run_cli(["dataflow", sqlite_path, target, *extra])
        on_pg = run_cli(["dataflow", url, target, *extra])
        assert on_sqlite.code == 0, on_sqlite
        assert on_pg.code == 0, on_pg
        assert on_pg.out == on_sqlite.out
        assert on_sqlite.out.strip()


def test_cli_db_info_on_postgresql(make_pg_db, run_cli) -> None:
    url = make_pg_db("tags.db")
    result = run_cli(["db", "info", url])
    assert result.code == 0, result
    assert "db version: 3.5" in result.out
    assert "CLI compatible with db: True" in result.out
