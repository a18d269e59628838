"""Opening a SQLite redun database with the standard library driver alone, read-only.

The launch path (``redun-tui DB``) checks the file and its schema version and paints the first
page of executions through this, before SQLAlchemy is imported (~0.2 s of every start);
:class:`redun_tui.db.backend.RedunBackendDb` runs the same file check and connection set-up.
Every connection is ``mode=ro`` plus ``PRAGMA query_only``: nothing here can write a byte.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from urllib.parse import quote

from redun_tui.db import versions
from redun_tui.db.errors import DatabaseNotFound, NotADatabase, NotRedunDatabase, RedunDatabaseError, classify_error

# Seconds a reader waits for a writer's lock before SQLite says "database is locked". A running
# redun commits often and briefly: a short wait plus a retry hides that from the user.
BUSY_TIMEOUT = 2.0
SQLITE_CACHE_KIB = 4096  # page cache per read-only SQLite connection (see READ_ONLY_PRAGMAS)
# Run on every read-only connection, besides mode=ro. Memory stays bounded whatever the
# database's size: no mmap (every mapped page a scan touches counts as the process's RSS: 310
# MB for `dataflow` at 1M jobs with a 256 MB map, 130 MB without) and a small page cache per
# connection (and per temp b-tree of a GROUP BY): 64 MB cost +50 MB RSS on a 100,000-job status
# count and saved no time, since the OS page cache serves re-reads (timings equal from 2 to 64 MB
# at 1M jobs).
READ_ONLY_PRAGMAS = ("PRAGMA query_only = ON", f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}", "PRAGMA mmap_size = 0")
SQLITE_HEADER = b"SQLite format 3\x00"


def check_sqlite_file(path: str, display_name: str, read_only: bool) -> None:
    """Raises a RedunDatabaseError naming what is wrong with ``path`` before SQLite opens it.

    Read-only, the file must exist and start with SQLite's header (a missing file is never
    created); for writing, a missing file is fine (it will be created).
    """
    if not os.path.exists(path):
        if read_only:
            raise DatabaseNotFound(f"{display_name}: no such file")
        return
    if os.path.isdir(path):
        raise DatabaseNotFound(f"{display_name}: is a directory, not a database file")
    if not os.access(path, os.R_OK):
        raise DatabaseNotFound(f"{display_name}: permission denied")
    if read_only:
        with open(path, "rb") as handle:
            header = handle.read(16)
        if not header:
            raise NotRedunDatabase(f"{display_name}: empty file, not a redun database")
        if header != SQLITE_HEADER:
            raise NotADatabase(f"{display_name}: not a SQLite database")


def read_only_uri(path: str) -> str:
    """The ``file:`` URI that opens ``path`` read-only (quoted: ``#`` and ``?`` are path characters)."""
    return "file:" + quote(os.path.abspath(path)) + "?mode=ro"


def connect_read_only(path: str, busy_timeout: float) -> sqlite3.Connection:
    """A read-only stdlib connection to ``path`` (usable from any thread, one at a time)."""
    connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=busy_timeout, check_same_thread=False)
    for pragma in READ_ONLY_PRAGMAS:
        connection.execute(pragma)
    return connection


def table_names(connection: sqlite3.Connection) -> set[str]:
    """The database's tables (SQLite's own excluded, as SQLAlchemy's inspector lists them)."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'")
    return {row[0] for row in rows}


@dataclass(frozen=True)
class CheckedDatabase:
    """A SQLite redun database that opened and whose schema this code reads.

    Attributes:
        path: the absolute path of the file.
        display_name: the path as the user typed it.
        version: its schema version.
        schema_warning: one line for the user (a newer minor read read-only), or None.
        busy_timeout: seconds a read waits for a writer's lock.
    """

    path: str
    display_name: str
    version: versions.DBVersionInfo
    schema_warning: str | None
    busy_timeout: float


def open_checked(target: str, busy_timeout: float) -> CheckedDatabase:
    """Checks the file and its schema version as :meth:`RedunBackendDb.load` does, read-only.

    Raises:
        RedunDatabaseError: (a subclass naming the problem) the same error, with the same
            message, that opening it through the backend gives.
    """
    path = os.path.abspath(os.path.expanduser(target))
    check_sqlite_file(path, target, read_only=True)
    try:
        connection = connect_read_only(path, busy_timeout)
        try:
            names = table_names(connection)
            version = versions.read_db_version(names, lambda sql: connection.execute(sql).fetchall())
            warning = versions.check_version(version, lambda: names, target, read_only=True)
        finally:
            connection.close()
    except RedunDatabaseError:
        raise
    except (sqlite3.Error, OSError) as error:
        raise classify_error(error, target) from None
    return CheckedDatabase(path, target, version, warning, busy_timeout)
