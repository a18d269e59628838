"""The declarative base of the redun models, their column types and shared helpers.

Column types as redun declares them (NOT NULL by default, JSON, timezone-aware UTC datetimes),
the PostgreSQL-only index options attached before DDL, and the pieces several record modules
share (the current-tags relationship, the cached status).
"""

from __future__ import annotations

import enum
import os
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import declarative_base, reconstructor, relationship
from sqlalchemy.types import TypeDecorator

from redun_tui.db import values as _values
from redun_tui.db.columns import json_dumps, read_json, sqlite_datetime, utc

HASH_LEN = 40
MAX_VALUE_SIZE_PREVIEW = _values.MAX_VALUE_SIZE_PREVIEW
PreviewValue = _values.PreviewValue
trim_string = _values.trim_string

# Tag key under which redun stores a CallNode's context.
CONTEXT_KEY = "redun.context"

Base: Any = declarative_base()


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def get_abs_path(root_dir: str, path: str) -> str:
    """Returns ``path`` made absolute against ``root_dir`` when it is a local path.

    URLs with a scheme (``s3://…``) and absolute paths are returned unchanged.
    """
    if "://" in path or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(root_dir, path))


class Column(sa.Column):
    """A Column that is NOT NULL unless told otherwise, as every redun column is."""

    inherit_cache = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("nullable", False)
        super().__init__(*args, **kwargs)


class JSON(TypeDecorator):
    """JSON stored as JSONB on PostgreSQL and as normalized text elsewhere.

    The normalization (sorted keys, compact separators) makes equal JSON values equal strings,
    so tags can be matched exactly and indexed on SQLite.
    """

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return value
        return json_dumps(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return value
        return read_json(value)


class DateTimeUTC(TypeDecorator):
    """Timezone-aware UTC datetimes; SQLite returns naive text, which is read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"timezone naive datetimes are not allowed: {value}")
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return utc(value)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        # SQLite: the stored text read by the one tolerant reader (a time that is not a time is
        # None, not an error that would stop a whole list); PostgreSQL stores real timestamps.
        if dialect.name == "sqlite":
            return sqlite_datetime
        return super().result_processor(dialect, coltype)


class TagEntity(enum.Enum):
    """The kinds of record a Tag can be attached to."""

    Execution = "Execution"
    Job = "Job"
    CallNode = "CallNode"
    Task = "Task"
    Value = "Value"
    Null = "Null"


# PostgreSQL-only index options, attached just before DDL runs on PostgreSQL: giving them to
# Index() directly makes SQLAlchemy import its PostgreSQL dialect (~50 ms) in every process,
# including every SQLite one. They only change CREATE INDEX, never a query.
_POSTGRESQL_INDEX_OPTIONS: list[tuple[Index, dict[str, Any]]] = []


def _prefix_index(name: str, column: Any, unique: bool = True) -> Index:
    # PostgreSQL needs varchar_pattern_ops for LIKE 'prefix%' to use the index.
    index = Index(name, column, unique=unique)
    _POSTGRESQL_INDEX_OPTIONS.append((index, {"ops": "varchar_pattern_ops"}))
    return index


def apply_postgresql_index_options() -> None:
    """Gives the indexes their PostgreSQL options (pattern ops, partial index); idempotent."""
    for index, options in _POSTGRESQL_INDEX_OPTIONS:
        for key, value in options.items():
            if key == "ops":
                # Read the column name now: declarative names columns after the class body runs.
                value = {column.name: value for column in index.columns}
            index.dialect_options["postgresql"][key] = value


def _current_tags(key: str, **kwargs: Any) -> Any:
    """The current tags of a record whose primary key is ``key`` (``"Job.id"``)."""
    return relationship(
        "Tag",
        foreign_keys="Tag.entity_id",
        primaryjoin=f"and_({key} == Tag.entity_id, Tag.is_current == True)",
        viewonly=True,
        uselist=True,
        **kwargs,
    )


class _StatusCache:
    """Keeps a computed status on the instance, reset whenever it is loaded (as redun does)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._load()

    @reconstructor
    def _load(self) -> None:
        self._status: str | None = None

