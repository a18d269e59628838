"""PostgreSQL fixtures, and databases that are the same on SQLite and PostgreSQL.

PostgreSQL tests need a server: ``REDUN_TUI_TEST_PG_URL`` (e.g.
``postgresql://postgres@127.0.0.1:5432/redun_tui_test``) names a database whose user may create
databases. ``.ci/run`` starts one (``.ci/postgres.sh``); a developer without a server sees the
PostgreSQL variants skip with that reason. When the variable is set but the server is down, the
tests fail: a broken server must not pass as "skipped".

Fixtures:
    pg_url: a fresh, empty PostgreSQL database per test (dropped afterwards).
    make_pg_db: ``make_pg_db("seed_example.db")`` -> URL of a fresh PostgreSQL copy of a fixture.
    db_kind: "sqlite" or "postgresql" (parametrized).
    make_db_url: ``make_db_url("failures.db")`` -> a private copy of a fixture on ``db_kind``.
    db_fixture_name: the fixture ``any_db_url`` copies; override with ``@pytest.mark.parametrize``.
    any_db_url: ``make_db_url(db_fixture_name)``.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PG_ENV = "REDUN_TUI_TEST_PG_URL"
PG_SKIP_REASON = (
    f"{PG_ENV} is not set: no PostgreSQL server for this run "
    "(CI starts one; locally: `source .ci/postgres.sh && start_postgres`)"
)
# Tables the schema migrations fill themselves; their rows are not copied.
_MIGRATION_TABLES = {"alembic_version"}


def pg_base_url() -> str | None:
    """The server URL from the environment, or None."""
    return os.environ.get(PG_ENV) or None


def _sa_url(url: str):
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def pg_database_url(name: str) -> str:
    """The URL (``postgresql://``, as a user would type it) of database ``name`` on the test server."""
    base = pg_base_url()
    assert base is not None
    return _sa_url(base).set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def _admin_engine():
    from sqlalchemy import create_engine

    return create_engine(_sa_url(pg_base_url()), isolation_level="AUTOCOMMIT", poolclass=_null_pool())


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


def pg_create_database(template: str | None = None) -> str:
    """Creates a uniquely named database (optionally a copy of ``template``); returns its name."""
    from sqlalchemy import text

    name = f"rt_{uuid.uuid4().hex[:16]}"
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        engine.dispose()
    return name


def pg_drop_database(name: str) -> None:
    """Drops a test database, disconnecting whatever still uses it."""
    from sqlalchemy import text

    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def copy_sqlite_to_pg(sqlite_file: str | Path, pg_url: str) -> None:
    """Copies every row of a redun SQLite database into an empty PostgreSQL database.

    The schema comes from our migrations (so PostgreSQL has exactly the schema ``db upgrade``
    creates), then each table's rows are copied with Core, through the models' column types.
    Foreign-key triggers are off during the copy (``session_replication_role = replica``): a job
    may name a parent recorded later, and execution/job reference each other.
    """
    from sqlalchemy import create_engine, insert, select, text

    from redun_tui.db import RedunBackendDb
    from redun_tui.db.models import Base

    writer = RedunBackendDb(pg_url, read_only=False)
    try:
        writer.migrate()
    finally:
        writer.close()
    source = create_engine(f"sqlite:///{Path(sqlite_file).resolve()}", poolclass=_null_pool())
    target = create_engine(_sa_url(pg_url), poolclass=_null_pool())
    try:
        with source.connect() as src, target.begin() as dst:
            dst.execute(text("SET session_replication_role = replica"))
            existing = set(src.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
            with warnings.catch_warnings():
                # execution <-> job is a cycle; the order does not matter with triggers off.
                warnings.simplefilter("ignore")
                tables = list(Base.metadata.sorted_tables)
            for table in tables:
                if table.name in _MIGRATION_TABLES or table.name not in existing:
                    continue
                rows = [dict(row._mapping) for row in src.execute(select(table))]
                for start in range(0, len(rows), 1000):
                    dst.execute(insert(table), rows[start : start + 1000])
    finally:
        source.dispose()
        target.dispose()


@pytest.fixture(scope="session")
def _pg_templates() -> Iterator[dict[str, str]]:
    """Fixture name -> a PostgreSQL template database holding it (built once per session)."""
    templates: dict[str, str] = {}
    yield templates
    for name in templates.values():
        pg_drop_database(name)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (URL ``postgresql://…``), dropped after the test."""
    if pg_base_url() is None:
        pytest.skip(PG_SKIP_REASON)
    name = pg_create_database()
    try:
        yield pg_database_url(name)
    finally:
        pg_drop_database(name)


@pytest.fixture
def make_pg_db(_pg_templates: dict[str, str]) -> Iterator[Callable[[str], str]]:
    """``make_pg_db("seed_example.db")``: URL of a fresh PostgreSQL database holding that fixture."""
    if pg_base_url() is None:
        pytest.skip(PG_SKIP_REASON)
    created: list[str] = []

    def make(fixture: str) -> str:
        if fixture not in _pg_templates:
            template = pg_create_database()
            copy_sqlite_to_pg(FIXTURES / fixture, pg_database_url(template))
            _pg_templates[fixture] = template
        name = pg_create_database(template=_pg_templates[fixture])
        created.append(name)
        return pg_database_url(name)

    yield make
    for name in created:
        pg_drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    """The database engine a test runs on."""
    if request.param == "postgresql" and pg_base_url() is None:
        pytest.skip(PG_SKIP_REASON)
    return request.param


@pytest.fixture
def make_db_url(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``make_db_url("failures.db")``: a private copy of a fixture database on ``db_kind``.

    SQLite: a plain path to a copy in ``tmp_path``. PostgreSQL: a ``postgresql://`` URL.
    """
    if db_kind == "postgresql":
        return request.getfixturevalue("make_pg_db")

    def make(fixture: str) -> str:
        target = tmp_path / f"{uuid.uuid4().hex[:8]}-{fixture}"
        shutil.copyfile(FIXTURES / fixture, target)
        return str(target)

    return make


@pytest.fixture
def db_fixture_name() -> str:
    """The fixture database ``any_db_url`` copies (parametrize this name to change it)."""
    return "seed_example.db"


@pytest.fixture
def any_db_url(make_db_url: Callable[[str], str], db_fixture_name: str) -> str:
    """A private copy of ``db_fixture_name`` on SQLite and on PostgreSQL (parametrized)."""
    return make_db_url(db_fixture_name)


# -- running the CLI in-process -----------------------------------------------------------------


class AppStarted(Exception):
    """Raised if a test's CLI call reached the Textual app (it should have failed before)."""


class CliResult:
    """What one ``redun-tui`` invocation did."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out[-500:]!r}, err={self.err[-2000:]!r})"


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """``run_cli(["db", "info", path])``: runs ``redun_tui.cli.main`` in-process.

    The Textual app must not start: ``App.run`` raises :class:`AppStarted` (which ``main`` reports
    as an internal error, exit code 1), so a browse test can tell "failed before the app" apart.
    """
    from textual.app import App

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AppStarted("the Textual app was started")

    monkeypatch.setattr(App, "run", refuse)
    monkeypatch.setattr(App, "run_async", refuse)

    def run(argv: list[str]) -> CliResult:
        from redun_tui.cli import main

        capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
