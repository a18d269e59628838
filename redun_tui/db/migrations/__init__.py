"""Alembic migrations reproducing redun's database schema history, 1.0 to 3.5.

The revision ids are redun's own, so a database written by any redun since 1.0 can be upgraded
(or downgraded) here and stays usable by redun. ``upgrade(engine)`` on an empty database creates
the full 3.5 schema, identical to what redun 0.44 creates.

Alembic is configured in code (no ``alembic.ini``): the script location is this package's folder
and the connection is passed to ``env.py`` through ``Config.attributes``.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "VERSIONS",
    "MigrationError",
    "UnknownRevisionError",
    "current_revision",
    "downgrade",
    "resolve_revision",
    "upgrade",
]

SCRIPT_LOCATION = Path(__file__).resolve().parent

# (migration_id, major, minor, description), oldest to newest: redun's list, same ids and words.
VERSIONS: list[tuple[str, int, int, str]] = [
    ("806f5dcb11bf", 1, 0, "Prototype schema."),
    ("647c510a77b1", 2, 0, "Initial production schema."),
    ("30ffbaee18cd", 2, 1, "Backfill companion values for tasks"),
    ("71ec303c90e4", 2, 2, "Add indexes for id prefix search"),
    ("d4af139b6f53", 2, 3, "Add job.execution_id"),
    ("cd2d53191748", 3, 0, "Make job.execution_id non-nullable"),
    ("cc4f663817b6", 3, 1, "Add Tag schemas."),
    ("eb7b95e4e8bf", 3, 2, "Remove length restriction on value type names."),
    ("f68b3aaee9cc", 3, 3, "Add job and value indexes."),
    ("3b0a6e67cc58", 3, 4, "Add UTC timezone to timestamps."),
    ("0bee3d6dba76", 3, 5, "Add updated_time."),
]

_IDS = [version[0] for version in VERSIONS]


class MigrationError(Exception):
    """A migration could not be run (for example, an unknown target revision)."""


class UnknownRevisionError(MigrationError, ValueError):
    """The requested migration id or version is not one of redun's."""


def resolve_revision(text: str) -> str:
    """Return the migration id named by ``text``.

    Args:
        text: ``latest``, ``head``, a version (``3.0``, ``3`` meaning ``3.0``) or a migration id.

    Returns:
        The migration id of the matching entry of ``VERSIONS``.

    Raises:
        UnknownRevisionError: ``text`` names no known version.
    """
    text = text.strip()
    if text in ("latest", "head"):
        return VERSIONS[-1][0]
    if text in _IDS:
        return text
    parts = text.split(".")
    if 1 <= len(parts) <= 2 and all(part.isdigit() for part in parts):
        major, minor = int(parts[0]), int(parts[1]) if len(parts) == 2 else 0
        for version in VERSIONS:
            if (version[1], version[2]) == (major, minor):
                return version[0]
    known = ", ".join(f"{v[1]}.{v[2]}" for v in VERSIONS)
    raise UnknownRevisionError(
        f"unknown db version or migration id: {text!r} (known versions: {known}, "
        "or their migration ids; see 'redun-tui db versions')"
    )


def _check_revision(revision: str, allow_base: bool) -> str:
    """Return an alembic revision for ``revision`` or raise ``UnknownRevisionError``."""
    if revision == "head" or (allow_base and revision == "base"):
        return revision
    return resolve_revision(revision)


def _config(connection: Connection) -> Config:
    """Build the alembic configuration in code, bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # Silences alembic's warning about the separator of version_locations (we have one folder).
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def _run(bind: Engine | Connection, action) -> None:
    """Run ``action(config)`` on a connection and commit it.

    On SQLite, foreign keys are switched off while migrating (batch mode drops and recreates
    tables that others reference, which SQLite would otherwise refuse or cascade) and restored
    afterwards, as redun does.
    """
    if isinstance(bind, Connection):
        _run_on(bind, action)
    else:
        with bind.connect() as connection:
            _run_on(connection, action)


def _run_on(connection: Connection, action) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    foreign_keys = False
    raw = None
    saved_isolation = None
    if is_sqlite:
        # PRAGMA foreign_keys is ignored inside a transaction: finish any open one first.
        if connection.in_transaction():
            connection.commit()
        foreign_keys = bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        # Python's sqlite3 runs DDL outside any transaction, so each of the ~70 statements of a
        # full upgrade would commit (and fsync) on its own and a failure would leave a
        # half-migrated file. SQLite's DDL is transactional: run the whole migration in one
        # explicit transaction instead (all or nothing, and about ten times faster).
        raw = connection.connection.dbapi_connection
        saved_isolation = raw.isolation_level
        raw.isolation_level = None
        connection.exec_driver_sql("BEGIN")
    try:
        try:
            action(_config(connection))
        except CommandError as error:
            # e.g. a database stamped with a revision this code does not know (newer than it),
            # or a downgrade "target" that is ahead of the database.
            raise MigrationError(str(error)) from None
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        if raw is not None:
            raw.isolation_level = saved_isolation
        if foreign_keys:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def upgrade(engine: Engine | Connection, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest, 3.5).

    Args:
        engine: Engine (or open Connection) of the database. An empty database gets the full
            schema. On SQLite the whole run is one transaction (a transaction already open on
            a given Connection is committed first, since foreign keys are switched off).
        revision: ``head``, a migration id of ``VERSIONS`` or a version such as ``3.0``.

    Raises:
        UnknownRevisionError: ``revision`` is not a known migration.
    """
    target = _check_revision(revision, allow_base=False)
    _run(engine, lambda config: command.upgrade(config, target))


def downgrade(engine: Engine | Connection, revision: str) -> None:
    """Downgrade the database to ``revision``.

    Args:
        engine: Engine (or open Connection) of the database.
        revision: a migration id of ``VERSIONS``, a version such as ``2.0``, or ``base`` (drops
            every table).

    Raises:
        UnknownRevisionError: ``revision`` is not a known migration.
    """
    target = _check_revision(revision, allow_base=True)
    _run(engine, lambda config: command.downgrade(config, target))


def current_revision(connection: Connection | Engine) -> str | None:
    """Return the migration id stored in ``alembic_version``, or None without that table."""
    if isinstance(connection, Engine):
        with connection.connect() as conn:
            return current_revision(conn)
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
