"""redun's database layer (``redun.backends.db``), re-implemented without redun.

Models of schema 3.5, :class:`RedunBackendDb`, and the helpers of the seed's public API. Nothing
under this package imports Textual (a test enforces it), and nothing here executes code found in a
database: values are decoded by :mod:`redun_tui.db.values`.

The names below load on first use (PEP 562): importing a light module of this package (the
version rules, the stdlib SQLite opener) must not import SQLAlchemy, which the launch path
avoids until the first page of executions is on screen.
"""

from __future__ import annotations

from redun_tui.lazy import lazy_names

# Public name -> the module of this package that defines (or re-exports) it.
_EXPORTS = {
    "CorruptDatabase": "backend",
    "DatabaseLocked": "backend",
    "DatabaseNotFound": "backend",
    "DatabaseUnreachable": "backend",
    "NotADatabase": "backend",
    "NotRedunDatabase": "backend",
    "RedunBackendDb": "backend",
    "SchemaTooNew": "backend",
    "SchemaTooOld": "backend",
    "find_redun_db": "backend",
    "get_call_node_child_edges": "backend",
    "get_execution_child_edges": "backend",
    "get_job_child_edges": "backend",
    "get_tag_child_edges": "backend",
    "get_tag_entity_child_edges": "backend",
    "get_value_child_edges": "backend",
    "open_backend": "backend",
    "HASH_LEN": "models",
    "JSON": "models",
    "MAX_VALUE_SIZE_PREVIEW": "models",
    "NULL_DB_VERSION": "models",
    "REDUN_DB_MAX_VERSION": "models",
    "REDUN_DB_MIN_VERSION": "models",
    "REDUN_DB_UNKNOWN_VERSION": "models",
    "REDUN_DB_VERSIONS": "models",
    "Argument": "models",
    "ArgumentResult": "models",
    "Base": "models",
    "CallEdge": "models",
    "CallNode": "models",
    "CallSubtreeTask": "models",
    "Column": "models",
    "DateTimeUTC": "models",
    "DBVersionInfo": "models",
    "Evaluation": "models",
    "Execution": "models",
    "File": "models",
    "Handle": "models",
    "HandleEdge": "models",
    "Job": "models",
    "PreviewValue": "models",
    "RedunDatabaseError": "models",
    "RedunMigration": "models",
    "RedunVersion": "models",
    "RedunVersionError": "models",
    "Subvalue": "models",
    "Tag": "models",
    "TagEdit": "models",
    "TagEntity": "models",
    "Task": "models",
    "Value": "models",
    "get_abs_path": "models",
    "parse_db_version": "models",
}
__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)
