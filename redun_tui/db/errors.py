"""The database errors users see, and the one mapping from driver errors to them.

Standard library only: the launch path reports a missing file, a foreign file or a schema it
cannot read with these before SQLAlchemy is imported (:mod:`redun_tui.db.sqlite_open`).
:mod:`redun_tui.db.models` and :mod:`redun_tui.db.backend` re-export every name.
"""

from __future__ import annotations


class RedunDatabaseError(Exception):
    """A database could not be used as a redun database."""


class RedunVersionError(RedunDatabaseError):
    """The database schema version is not the one this library reads."""


class DatabaseNotFound(RedunDatabaseError):
    """The path does not exist or is not a file."""


class NotADatabase(RedunDatabaseError):
    """The file is not a database (or not SQLite)."""


class NotRedunDatabase(RedunDatabaseError):
    """The database has no redun schema."""


class CorruptDatabase(RedunDatabaseError):
    """SQLite reports the file as malformed or truncated."""


class DatabaseLocked(RedunDatabaseError):
    """A writer held the lock longer than the busy timeout, on every retry."""


class DatabaseUnreachable(RedunDatabaseError):
    """A database server could not be reached or refused the connection."""


class SchemaTooOld(RedunVersionError):
    """The schema predates 3.5: ``redun-tui db upgrade`` brings it up to date."""


class SchemaTooNew(RedunVersionError):
    """The schema was written by a redun newer than this code knows."""


def classify_error(error: BaseException, target: str = "") -> RedunDatabaseError:
    """Turns a driver error into a RedunDatabaseError with a one-line, user-facing message."""
    text = str(getattr(error, "orig", None) or error).strip().splitlines()[0] if str(error) else ""
    lowered = text.lower()
    where = f"{target}: " if target else ""
    if "database is locked" in lowered or "database table is locked" in lowered:
        return DatabaseLocked(f"{where}database is locked by another process (a running redun?); try again")
    if "file is not a database" in lowered or "file is encrypted" in lowered:
        return NotADatabase(f"{where}not a SQLite database")
    if "malformed" in lowered or "disk i/o error" in lowered or "database corrupt" in lowered:
        return CorruptDatabase(f"{where}database file is corrupt or truncated ({text})")
    if "unable to open database file" in lowered:
        return DatabaseNotFound(f"{where}cannot open database file")
    if "connection" in lowered or "could not" in lowered or "refused" in lowered or "timeout" in lowered:
        return DatabaseUnreachable(f"{where}cannot connect to the database server ({text})")
    return RedunDatabaseError(f"{where}{text or type(error).__name__}")
