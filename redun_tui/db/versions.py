"""redun schema versions, and the one rule that reads a database's version and judges it.

Standard library only, so the launch path can check a SQLite file's version with the stdlib
driver before SQLAlchemy is imported (:mod:`redun_tui.db.sqlite_open`); the backend runs the same
statements (:data:`LATEST_MAJOR_SQL`, :data:`APPLIED_SQL`) through its Session and the same
judgement (:func:`check_version`). :mod:`redun_tui.db.models` re-exports the names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from redun_tui.db.errors import NotRedunDatabase, RedunVersionError, SchemaTooNew, SchemaTooOld

class DBVersionInfo(NamedTuple):
    """A redun database schema version and the alembic migration that creates it."""

    migration_id: str
    major: int
    minor: int
    description: str

    # Versions compare by (major, minor) only: the migration id is an address, not an order.
    def _key(self, other: Any) -> tuple[tuple[int, int], tuple[int, int]]:
        if not isinstance(other, DBVersionInfo):
            raise TypeError(f"Expected DBVersionInfo: {other}")
        return (self.major, self.minor), (other.major, other.minor)

    def __lt__(self, other: Any) -> bool:  # type: ignore[override]
        a, b = self._key(other)
        return a < b

    def __le__(self, other: Any) -> bool:  # type: ignore[override]
        a, b = self._key(other)
        return a <= b

    def __gt__(self, other: Any) -> bool:  # type: ignore[override]
        a, b = self._key(other)
        return a > b

    def __ge__(self, other: Any) -> bool:  # type: ignore[override]
        a, b = self._key(other)
        return a >= b

    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
        a, b = self._key(other)
        return a == b

    def __ne__(self, other: Any) -> bool:  # type: ignore[override]
        return not self == other

    def __hash__(self) -> int:
        return hash((self.major, self.minor))

    def __str__(self) -> str:
        if self.minor == REDUN_DB_UNKNOWN_VERSION:
            return f"{self.major}.?"
        return f"{self.major}.{self.minor}"


REDUN_DB_UNKNOWN_VERSION = 99
NULL_DB_VERSION = DBVersionInfo("000000000000", -1, 0, "No schema present.")
# Oldest to newest, the same ids redun's migrations use.
REDUN_DB_VERSIONS = [
    DBVersionInfo("806f5dcb11bf", 1, 0, "Prototype schema."),
    DBVersionInfo("647c510a77b1", 2, 0, "Initial production schema."),
    DBVersionInfo("30ffbaee18cd", 2, 1, "Backfill companion values for tasks"),
    DBVersionInfo("71ec303c90e4", 2, 2, "Add indexes for id prefix search"),
    DBVersionInfo("d4af139b6f53", 2, 3, "Add job.execution_id"),
    DBVersionInfo("cd2d53191748", 3, 0, "Make job.execution_id non-nullable"),
    DBVersionInfo("cc4f663817b6", 3, 1, "Add Tag schemas."),
    DBVersionInfo("eb7b95e4e8bf", 3, 2, "Remove length restriction on value type names."),
    DBVersionInfo("f68b3aaee9cc", 3, 3, "Add job and value indexes."),
    DBVersionInfo("3b0a6e67cc58", 3, 4, "Add UTC timezone to timestamps."),
    DBVersionInfo("0bee3d6dba76", 3, 5, "Add updated_time."),
]
REDUN_DB_MIN_VERSION = DBVersionInfo("", 3, 5, "")
REDUN_DB_MAX_VERSION = DBVersionInfo("", 3, REDUN_DB_UNKNOWN_VERSION, "")


def parse_db_version(version_str: str) -> DBVersionInfo:
    """Parses a version such as ``"3.5"``, ``"2"`` or ``"latest"`` into a DBVersionInfo.

    Raises:
        ValueError: the text is not of the form ``MAJOR[.MINOR]``.
        RedunVersionError: no migration has that version.
    """
    if version_str == "latest":
        return REDUN_DB_VERSIONS[-1]
    parts = version_str.split(".")
    if len(parts) > 2 or not all(part.isdigit() for part in parts):
        raise ValueError(f"Invalid db version format: {version_str}")
    major, minor = int(parts[0]), int(parts[1]) if len(parts) == 2 else 0
    for version in REDUN_DB_VERSIONS:
        if (version.major, version.minor) == (major, minor):
            return version
    raise RedunVersionError(f"Unknown db version: {version_str}")


VERSION_TABLE = "redun_version"  # a row per schema version written, as redun records it
MIGRATION_TABLE = "alembic_version"  # alembic's migration heads
# Tables whose presence says "this is a redun database".
REDUN_TABLES = {"execution", "job", "call_node", "task", "value"}
LATEST_MAJOR_SQL = f"SELECT {VERSION_TABLE}.version FROM {VERSION_TABLE} ORDER BY {VERSION_TABLE}.timestamp DESC LIMIT 1"
APPLIED_SQL = f"SELECT {MIGRATION_TABLE}.version_num FROM {MIGRATION_TABLE}"


def read_db_version(table_names: set[str], execute: Callable[[str], Iterable[Any]]) -> DBVersionInfo:
    """The schema version of a database, from its table names and ``execute(sql) -> rows``.

    NULL_DB_VERSION when no version is recorded; a version of an unknown minor (``major.?``)
    when the newest major's migration id is not one this code knows.
    """
    if VERSION_TABLE not in table_names:
        return NULL_DB_VERSION
    rows = list(execute(LATEST_MAJOR_SQL))
    if not rows:
        return NULL_DB_VERSION
    major = rows[0][0]
    applied: set[str] = set()
    if MIGRATION_TABLE in table_names:
        applied = {row[0] for row in execute(APPLIED_SQL)}
    for version in reversed(REDUN_DB_VERSIONS):
        if version.major == major and version.migration_id in applied:
            return version
    return DBVersionInfo("ffffffffffff", major, REDUN_DB_UNKNOWN_VERSION, "DB version newer than client.")


def check_version(version: DBVersionInfo, table_names: Callable[[], set[str]], display_name: str,
                  read_only: bool) -> str | None:
    """Judges a schema version: raises for one this code cannot read, else returns a warning
    (one line, for a newer minor read read-only) or None.

    Raises:
        NotRedunDatabase: no redun tables, or no version recorded.
        SchemaTooOld: older than 3.5 (``db upgrade`` helps).
        SchemaTooNew: a newer major; or a newer minor opened for writing.
    """
    low, high = REDUN_DB_MIN_VERSION, REDUN_DB_MAX_VERSION
    if version.major < 0:
        if not REDUN_TABLES <= table_names():
            raise NotRedunDatabase(f"{display_name}: not a redun database (no redun tables)")
        raise NotRedunDatabase(f"{display_name}: redun tables but no schema version recorded")
    if version < low:
        raise SchemaTooOld(
            f"{display_name}: redun schema {version} is older than {low}; "
            f"run `redun-tui db upgrade {display_name}` (it backs up the file first)"
        )
    newest = REDUN_DB_VERSIONS[-1]
    # redun's rule (RedunBackendDb.is_db_compatible): any version of the same major reads,
    # a newer minor included (a migration id it does not know counts as major.99); only a
    # newer major is refused.
    if version.major > high.major:
        raise SchemaTooNew(
            f"{display_name}: redun schema {version} is newer than this redun-tui knows "
            f"(up to {newest}, major {high.major}); upgrade redun-tui"
        )
    if version > newest:
        if not read_only:
            raise SchemaTooNew(
                f"{display_name}: redun schema {version} is newer than this redun-tui knows "
                f"(up to {newest}); it only reads such a database, never writes to it"
            )
        return (
            f"{display_name}: redun schema {version} is newer than this redun-tui knows "
            f"(up to {newest}); reading it read-only (newer fields are not shown)"
        )
    return None
