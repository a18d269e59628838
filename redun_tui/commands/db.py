"""``redun-tui db``: show and migrate the schema version of a redun database, like ``redun db``.

``info``, ``versions``, ``upgrade [VERSION] [PATH_OR_URL]`` and ``downgrade VERSION
[PATH_OR_URL]`` print what redun's own commands print, with ``redun-tui`` and the database in
the header instead of redun's config directory. Without PATH_OR_URL the database is found as
redun finds it (``.redun/redun.ini`` or ``.redun/redun.db`` here or above).

Migrating a SQLite file first writes a consistent copy next to it (``NAME.bak-YYYYmmddTHHMMSSZ``)
and says where. Every error is one line ``redun-tui: …`` on stderr with exit code 2.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import click
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from redun_tui.commands import common
from redun_tui.commands.common import CliError, echo
from redun_tui.db import migrations
from redun_tui.db.backend import RedunBackendDb, sqlite_path
from redun_tui.db.models import (
    REDUN_DB_UNKNOWN_VERSION,
    REDUN_DB_VERSIONS,
    DBVersionInfo,
    RedunDatabaseError,
)

# redun's own tables at 1.0: a database with tables but none of these is not redun's.
_REDUN_CORE_TABLES = {"redun_version", "task", "value", "call_node", "job", "execution"}


def _program_version() -> str:
    try:
        return metadata.version("redun-tui")
    except metadata.PackageNotFoundError:
        return "unknown"


def _header(backend: RedunBackendDb) -> None:
    echo(f"redun-tui :: version {_program_version()}")
    echo(f"db: {backend.display_name}")
    echo()


def _parse_version(text: str) -> DBVersionInfo:
    """``latest``, ``3.0``, ``3`` or a migration id -> the DBVersionInfo, else a CliError."""
    try:
        migration_id = migrations.resolve_revision(text)
    except migrations.UnknownRevisionError as error:
        raise CliError(str(error)) from None
    return next(v for v in REDUN_DB_VERSIONS if v.migration_id == migration_id)


def _version(major: int, minor: int) -> DBVersionInfo:
    return next(v for v in REDUN_DB_VERSIONS if (v.major, v.minor) == (major, minor))


@contextmanager
def _connected(target: str | None, read_only: bool = True) -> Iterator[RedunBackendDb]:
    """Yield a backend with its engine created but no version check (old schemas are fine here).

    Database errors raised while connecting or inside the block become CliErrors.
    """
    backend: RedunBackendDb | None = None
    try:
        backend = RedunBackendDb(target, read_only=read_only, busy_timeout=common.CLI_BUSY_TIMEOUT)
        # The backend's own path checks (missing file, directory, empty or non-SQLite file).
        backend._check_path()
        backend.create_engine()
        yield backend
    except (RedunDatabaseError, SQLAlchemyError, sqlite3.Error, OSError) as error:
        raise common.database_cli_error(error, target, opening=True) from None
    finally:
        if backend is not None:
            backend.close()


def _backup_path(path: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}.bak-{stamp}")
    counter = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak-{stamp}-{counter}")
        counter += 1
    return candidate


def backup_sqlite(path: str) -> Path:
    """Copy a SQLite database next to itself and return the copy's path.

    SQLite's online backup reads a consistent snapshot even while another process (a running
    redun) writes, which a plain file copy does not guarantee.
    """
    source_path = Path(path).resolve()
    target = _backup_path(source_path)
    source = sqlite3.connect(f"{source_path.as_uri()}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


@click.group("db")
def db() -> None:
    """Show or migrate the schema version of a redun database (like `redun db`)."""


@db.command("info")
@click.argument("path_or_url", required=False)
def info(path_or_url: str | None) -> None:
    """Display the schema version of the database and whether redun-tui reads it."""
    with _connected(path_or_url) as backend:
        version = backend.get_db_version()
        low, high = backend.get_db_version_required()
        compatible = backend.is_db_compatible()
        _header(backend)
    echo(f"db version: {version} '{version.description}'")
    echo(f"CLI requires db versions: >={low},<{high.major + 1}")
    echo(f"CLI compatible with db: {compatible}")


@db.command("versions")
@click.argument("path_or_url", required=False)
def versions(path_or_url: str | None) -> None:
    """Show every schema version and its migration id (and the database's, if given)."""
    rows = [["Version", "Migration", "Description"]]
    rows += [[str(v), v.migration_id, v.description] for v in REDUN_DB_VERSIONS]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for index, row in enumerate(rows):
        if index == 1:
            echo()
        echo(" ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    if path_or_url is not None:
        with _connected(path_or_url) as backend:
            version = backend.get_db_version()
        echo()
        echo(f"db version: {version} '{version.description}'")


def _looks_like_version(text: str) -> bool:
    """True for ``latest``, a migration id, or anything shaped like a version (``9.9``)."""
    if re.fullmatch(r"\d+(\.\d+)*", text):
        return True
    try:
        migrations.resolve_revision(text)
    except migrations.UnknownRevisionError:
        return False
    return True


def _is_url(text: str) -> bool:
    return "://" in text


def migrate_database(direction: str, version_text: str, target: str | None) -> None:
    """Migrate ``target`` to ``version_text`` after the checks redun makes, backing up first."""
    desired = _parse_version(version_text)

    # Look before writing: a read-only probe rejects non-databases without touching them.
    with _connected(target) as probe:
        version = probe.get_db_version()
        tables = set(inspect(probe.engine).get_table_names())
        display_name = probe.display_name
        path = sqlite_path(probe.db_uri)
        _header(probe)
    echo(f"Initial db version: {version}")

    if version.minor == REDUN_DB_UNKNOWN_VERSION or version > REDUN_DB_VERSIONS[-1]:
        raise CliError(
            f"{display_name}: redun schema {version} is newer than this redun-tui knows "
            f"(up to {REDUN_DB_VERSIONS[-1]}); nothing changed"
        )
    if version.major < 0 and tables and not tables & _REDUN_CORE_TABLES:
        raise CliError(f"{display_name}: not a redun database (no redun tables); nothing changed")
    if desired == version:
        echo("No migration needed.")
        return
    if desired > version and direction != "upgrade":
        raise CliError(f"Must use upgrade command to migrate from {version} to {desired}.")
    if desired < version and direction != "downgrade":
        raise CliError(f"Must use downgrade command to migrate from {version} to {desired}.")

    # What a downgrade drops with its tables (redun's downgrades drop them silently).
    for major, minor, what in ((3, 1, "tags"), (2, 0, "the evaluation cache")):
        if desired < _version(major, minor) <= version:
            echo(f"Note: going below {major}.{minor} drops {what}.")

    backup: Path | None = None
    if path is not None:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
            # SQLite also writes a journal next to the file, and the backup goes there too.
            raise CliError(f"{display_name}: the file or its folder is not writable; nothing changed")
        try:
            backup = backup_sqlite(path)
        except (sqlite3.Error, OSError) as error:
            raise CliError(f"{display_name}: could not write a backup ({error}); nothing changed") from None
        echo(f"Backup written to: {backup}")
    else:
        echo("No backup made (not a SQLite file): back up a server database yourself.")

    with _connected(target, read_only=False) as backend:
        try:
            backend.migrate(desired)
        except (migrations.MigrationError, SQLAlchemyError, sqlite3.Error) as error:
            where = f"; the backup is {backup}" if backup else ""
            raise CliError(f"{display_name}: migration to {desired} failed: {error}{where}") from None
        final = backend.get_db_version()
    echo(f"Final db version: {final}")


@db.command("upgrade", context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[VERSION] [PATH_OR_URL]")
def upgrade(args: tuple[str, ...]) -> None:
    """Upgrade the database schema to VERSION (default: latest), backing up a SQLite file first.

    VERSION is a schema version (3.5, 3), a migration id or `latest`. With one argument, it is
    the database unless it names a version and no such file exists.
    """
    if len(args) > 2:
        raise CliError("usage: redun-tui db upgrade [VERSION] [PATH_OR_URL]")
    if len(args) == 2:
        version_text, target = args
    elif len(args) == 1:
        only = args[0]
        if not os.path.exists(only) and not _is_url(only) and _looks_like_version(only):
            version_text, target = only, None
        else:
            version_text, target = "latest", only
    else:
        version_text, target = "latest", None
    migrate_database("upgrade", version_text, target)


@db.command("downgrade")
@click.argument("version")
@click.argument("path_or_url", required=False)
def downgrade(version: str, path_or_url: str | None) -> None:
    """Downgrade the database schema to VERSION, backing up a SQLite file first."""
    migrate_database("downgrade", version, path_or_url)
