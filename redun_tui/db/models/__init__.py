"""SQLAlchemy models of the redun database, schema 3.5.

The tables, columns, types, indexes and relationships match what redun 0.44 creates, so that
databases written by redun can be read (and, in tests, written) without redun installed. Value
bytes are never unpickled here: the properties that show values delegate to
:mod:`redun_tui.db.values`, whose unpickler imports and executes nothing.

One module per seam, imported in the order the tables are declared (the order ``create_all``
and the schema goldens see): :mod:`.base` (the declarative base, column types, shared helpers),
:mod:`.records` (values, calls, executions, jobs, tasks), :mod:`.tags` (tags, tag edits, the
record types by name). Every name stays importable from ``redun_tui.db.models``.
"""

from __future__ import annotations

from redun_tui.db import values as _values  # noqa: F401 - the historical module attribute
from redun_tui.db.columns import UNPARSED_MARK, UnparsedJSON, json_dumps, json_text, read_json, utc
from redun_tui.db.errors import RedunDatabaseError, RedunVersionError
from redun_tui.db.models.base import (
    _POSTGRESQL_INDEX_OPTIONS,  # noqa: F401
    CONTEXT_KEY,
    HASH_LEN,
    JSON,
    MAX_VALUE_SIZE_PREVIEW,
    Base,
    Column,
    DateTimeUTC,
    PreviewValue,
    TagEntity,
    _current_tags,  # noqa: F401
    _prefix_index,  # noqa: F401
    _StatusCache,  # noqa: F401
    apply_postgresql_index_options,
    get_abs_path,
    trim_string,
    utcnow,
)
from redun_tui.db.models.records import (
    Argument,
    ArgumentResult,
    CallEdge,
    CallNode,
    CallSubtreeTask,
    Evaluation,
    Execution,
    File,
    Handle,
    HandleEdge,
    Job,
    RedunMigration,
    RedunVersion,
    Subvalue,
    Task,
    Value,
)
from redun_tui.db.models.tags import (
    _TAG_ENTITY_MODELS,  # noqa: F401
    MODEL_CLASSES,
    Tag,
    TagEdit,
    _postgresql_options_before_ddl,  # noqa: F401
)
from redun_tui.db.status import ERROR_VALUE_TYPE, execution_status_from, job_status_from
from redun_tui.db.versions import (
    NULL_DB_VERSION,
    REDUN_DB_MAX_VERSION,
    REDUN_DB_MIN_VERSION,
    REDUN_DB_UNKNOWN_VERSION,
    REDUN_DB_VERSIONS,
    DBVersionInfo,
    parse_db_version,
)

__all__ = [
    "CONTEXT_KEY", "ERROR_VALUE_TYPE", "HASH_LEN", "JSON", "MAX_VALUE_SIZE_PREVIEW", "MODEL_CLASSES",
    "NULL_DB_VERSION", "REDUN_DB_MAX_VERSION", "REDUN_DB_MIN_VERSION", "REDUN_DB_UNKNOWN_VERSION",
    "REDUN_DB_VERSIONS", "UNPARSED_MARK", "Argument", "ArgumentResult", "Base", "CallEdge", "CallNode",
    "CallSubtreeTask", "Column", "DBVersionInfo", "DateTimeUTC", "Evaluation", "Execution", "File", "Handle",
    "HandleEdge", "Job", "PreviewValue", "RedunDatabaseError", "RedunMigration", "RedunVersion",
    "RedunVersionError", "Subvalue", "Tag", "TagEdit", "TagEntity", "Task", "UnparsedJSON", "Value",
    "apply_postgresql_index_options", "execution_status_from", "get_abs_path", "job_status_from",
    "json_dumps", "json_text", "parse_db_version", "read_json", "trim_string", "utc", "utcnow",
]
