"""redun's database layer (``redun.backends.db``), re-implemented without redun.

Models of schema 3.5, :class:`RedunBackendDb`, and the helpers of the seed's public API. Nothing
under this package imports Textual (a test enforces it), and nothing here executes code found in a
database: values are decoded by :mod:`redun_tui.db.values`.
"""

from redun_tui.db.backend import (
    CorruptDatabase,
    DatabaseLocked,
    DatabaseNotFound,
    DatabaseUnreachable,
    NotADatabase,
    NotRedunDatabase,
    RedunBackendDb,
    SchemaTooNew,
    SchemaTooOld,
    find_redun_db,
    get_call_node_child_edges,
    get_execution_child_edges,
    get_job_child_edges,
    get_tag_child_edges,
    get_tag_entity_child_edges,
    get_value_child_edges,
    open_backend,
)
from redun_tui.db.models import (
    HASH_LEN,
    JSON,
    MAX_VALUE_SIZE_PREVIEW,
    NULL_DB_VERSION,
    REDUN_DB_MAX_VERSION,
    REDUN_DB_MIN_VERSION,
    REDUN_DB_UNKNOWN_VERSION,
    REDUN_DB_VERSIONS,
    Argument,
    ArgumentResult,
    Base,
    CallEdge,
    CallNode,
    CallSubtreeTask,
    Column,
    DateTimeUTC,
    DBVersionInfo,
    Evaluation,
    Execution,
    File,
    Handle,
    HandleEdge,
    Job,
    PreviewValue,
    RedunDatabaseError,
    RedunMigration,
    RedunVersion,
    RedunVersionError,
    Subvalue,
    Tag,
    TagEdit,
    TagEntity,
    Task,
    Value,
    get_abs_path,
    parse_db_version,
)

__all__ = [name for name in dir() if not name.startswith("_")]
