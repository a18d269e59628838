"""Alembic migrations reproducing redun's database schema history, 1.0 to 3.5.

The revision ids are redun's own, so a database written by any redun since 1.0 can be upgraded
(or downgraded) here and stays usable by redun. ``upgrade(engine)`` on an empty database creates
the full 3.5 schema, identical to what redun 0.44 creates.

Alembic is configured in code (no ``alembic.ini``): the script location is this package's folder
and the connection is passed to ``env.py`` through ``Config.attributes``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "NULL_VERSION",
    "UNKNOWN_MINOR",
    "VERSIONS",
    "MigrationError",
    "UnknownRevisionError",
    "VersionRow",
    "current_revision",
    "db_version",
    "downgrade",
    "find_version",
    "record_version",
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

# What redun reports for a database without its tables, and the minor number it uses for a
# migration id it does not know (a database newer than the code).
NULL_VERSION: tuple[str, int, int, str] = ("000000000000", -1, 0, "No schema present.")
UNKNOWN_MINOR = 99

_IDS = [version[0] for version in VERSIONS]


class MigrationError(Exception):
    """A migration could not be run (for example, an unknown target revision)."""


class UnknownRevisionError(MigrationError, ValueError):
    """The requested migration id or version is not one of redun's."""


class VersionRow(NamedTuple):
    """A schema version: redun's migration id, major and minor numbers and description."""

    migration_id: str
    major: int
    minor: int
    description: str

    def __str__(self) -> str:
        if self.minor == UNKNOWN_MINOR:
            return f"{self.major}.?"
        return f"{self.major}.{self.minor}"


def find_version(text: str) -> VersionRow:
    """Return the version named by ``text``.

    Args:
        text: ``latest``, ``head``, a version (``3.0``, ``3`` meaning ``3.0``) or a migration id.

    Returns:
        The matching entry of ``VERSIONS``.

    Raises:
        UnknownRevisionError: ``text`` names no known version.
    """
    text = text.strip()
    if text in ("latest", "head"):
        return VersionRow(*VERSIONS[-1])
    for version in VERSIONS:
        if text == version[0]:
            return VersionRow(*version)
    parts = text.split(".")
    if 1 <= len(parts) <= 2 and all(part.isdigit() for part in parts):
        major, minor = int(parts[0]), int(parts[1]) if len(parts) == 2 else 0
        for version in VERSIONS:
            if (version[1], version[2]) == (major, minor):
                return VersionRow(*version)
    known = ", ".join(f"{v[1]}.{v[2]}" for v in VERSIONS)
    raise UnknownRevisionError(
        f"unknown db version or migration id: {text!r} (known versions: {known}, "
        "or their migration ids; see 'redun-tui db versions')"
    )


def _check_revision(revision: str, allow_base: bool) -> str:
    """Return an alembic revision for ``revision`` or raise ``UnknownRevisionError``."""
    if revision == "head" or (allow_base and revision == "base"):
        return revision
    if revision in _IDS:
        return revision
    return find_version(revision).migration_id


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
    if is_sqlite:
        # PRAGMA foreign_keys is ignored inside a transaction: finish any open one first.
        if connection.in_transaction():
            connection.commit()
        foreign_keys = bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        action(_config(connection))
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        if foreign_keys:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def upgrade(engine: Engine | Connection, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest, 3.5).

    Args:
        engine: Engine (or open Connection) of the database. An empty database gets the full
            schema.
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


def db_version(connection: Connection | Engine) -> VersionRow:
    """Return the database's schema version the way redun infers it.

    The major number is the newest ``redun_version`` row; the minor number is the newest
    migration id of that major found in ``alembic_version``. A database without the
    ``redun_version`` table (or without rows) gives ``NULL_VERSION``; an unknown migration id
    gives minor ``UNKNOWN_MINOR`` ("newer than this program").
    """
    if isinstance(connection, Engine):
        with connection.connect() as conn:
            return db_version(conn)
    inspector = sa.inspect(connection)
    if not inspector.has_table("redun_version"):
        return VersionRow(*NULL_VERSION)
    major = connection.execute(
        sa.text("SELECT version FROM redun_version ORDER BY timestamp DESC LIMIT 1")
    ).scalar()
    if major is None:
        return VersionRow(*NULL_VERSION)
    applied: set[str] = set()
    if inspector.has_table("alembic_version"):
        applied = set(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    for version in reversed(VERSIONS):
        if version[1] == major and version[0] in applied:
            return VersionRow(*version)
    return VersionRow("ffffffffffff", major, UNKNOWN_MINOR, "DB version newer than client.")


def record_version(connection: Connection, major: int) -> None:
    """Add a ``redun_version`` row saying the schema's major version is now ``major``.

    redun reads the major version from the newest such row, so every migration that redun's
    ``migrate()`` runs is followed by one; callers of ``upgrade``/``downgrade`` that want the
    database to report its new version to redun must do the same. The caller commits.
    """
    now = datetime.now(timezone.utc)
    if connection.dialect.name == "sqlite":
        # redun stores naive UTC text in SQLite.
        now = now.replace(tzinfo=None)
    table = sa.table(
        "redun_version",
        sa.column("id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("timestamp", sa.DateTime),
    )
    connection.execute(table.insert().values(id=str(uuid.uuid4()), version=major, timestamp=now))
