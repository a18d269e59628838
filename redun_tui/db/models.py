"""SQLAlchemy models of the redun database, schema 3.5.

The tables, columns, types, indexes and relationships match what redun 0.44 creates, so that
databases written by redun can be read (and, in tests, written) without redun installed. Value
bytes are never unpickled here: the properties that show values delegate to
:mod:`redun_tui.db.values`, whose unpickler imports and executes nothing.
"""

from __future__ import annotations

import enum
import json
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    select,
)
from sqlalchemy.orm import declarative_base, object_session, reconstructor, relationship
from sqlalchemy.types import TypeDecorator

from redun_tui.db import values as _values
from redun_tui.db.columns import UNPARSED_MARK, UnparsedJSON, json_dumps, json_text, read_json, utc  # noqa: F401
from redun_tui.db.errors import RedunDatabaseError, RedunVersionError  # noqa: F401 - re-exported
from redun_tui.db.versions import (  # noqa: F401 - re-exported: the versions' historical home
    NULL_DB_VERSION,
    REDUN_DB_MAX_VERSION,
    REDUN_DB_MIN_VERSION,
    REDUN_DB_UNKNOWN_VERSION,
    REDUN_DB_VERSIONS,
    DBVersionInfo,
    parse_db_version,
)
from redun_tui.db.status import ERROR_VALUE_TYPE, execution_status_from, job_status_from  # noqa: F401 - re-exported

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


class RedunVersion(Base):
    """A row per schema version written, as redun records it."""

    __tablename__ = "redun_version"

    id = Column(String, primary_key=True)
    version = Column(Integer, comment="Current database version.")
    timestamp = Column(DateTimeUTC, default=utcnow)


class RedunMigration(Base):
    """alembic's migration-head table."""

    __tablename__ = "alembic_version"

    version_num = Column(String(32), nullable=False, primary_key=True)


class Subvalue(Base):
    """Edge from a container Value to a Value found inside it (a File in a list, say)."""

    __tablename__ = "subvalue"

    value_hash = Column(String(HASH_LEN), ForeignKey("value.value_hash"), primary_key=True, index=True)
    parent_value_hash = Column(
        String(HASH_LEN), ForeignKey("value.value_hash"), primary_key=True, index=True
    )

    parent = relationship("Value", foreign_keys=[parent_value_hash], back_populates="child_edges")
    child = relationship("Value", foreign_keys=[value_hash], back_populates="parent_edges")


class Value(Base):
    """A value used as an argument or result of a Task; ``value`` holds its serialized bytes."""

    __tablename__ = "value"

    value_hash = Column(String(HASH_LEN), primary_key=True)
    type = Column(String(length=None), index=True)
    format = Column(String(100))
    value = Column(LargeBinary())

    value_hash_idx = _prefix_index("ix_value_value_hash_vpo", value_hash)

    children = relationship(
        "Value",
        secondary=Subvalue.__table__,
        primaryjoin=lambda: Value.value_hash == Subvalue.parent_value_hash,
        secondaryjoin=lambda: Value.value_hash == Subvalue.value_hash,
        back_populates="parents",
        viewonly=True,
    )
    parents = relationship(
        "Value",
        secondary=Subvalue.__table__,
        primaryjoin=lambda: Value.value_hash == Subvalue.value_hash,
        secondaryjoin=lambda: Value.value_hash == Subvalue.parent_value_hash,
        back_populates="children",
        viewonly=True,
    )
    child_edges = relationship(
        "Subvalue",
        primaryjoin=lambda: Value.value_hash == Subvalue.parent_value_hash,
        back_populates="parent",
    )
    parent_edges = relationship(
        "Subvalue",
        primaryjoin=lambda: Value.value_hash == Subvalue.value_hash,
        back_populates="child",
    )
    tags = _current_tags("Value.value_hash", back_populates="values")
    file = relationship("File", uselist=False, back_populates="value")
    subfiles = relationship(
        "File",
        secondary=Subvalue.__table__,
        primaryjoin=lambda: Value.value_hash == Subvalue.parent_value_hash,
        secondaryjoin="Subvalue.value_hash == File.value_hash",
        back_populates="parent_values",
        viewonly=True,
    )
    arguments = relationship("Argument", back_populates="value")
    evals = relationship("Evaluation", back_populates="value")
    results = relationship("CallNode", back_populates="value")
    handle = relationship("Handle", back_populates="value", uselist=False)
    subhandles = relationship(
        "Handle",
        secondary=Subvalue.__table__,
        primaryjoin=lambda: Value.value_hash == Subvalue.parent_value_hash,
        secondaryjoin="Subvalue.value_hash == Handle.value_hash",
        uselist=True,
        back_populates="parent_values",
        viewonly=True,
    )
    task = relationship(
        "Task",
        foreign_keys=lambda: [Value.value_hash],
        primaryjoin="Task.hash == Value.value_hash",
        back_populates="value",
        uselist=False,
        viewonly=True,
    )

    @property
    def preview(self) -> Any:
        """The decoded value, or a PreviewValue when it is too large or cannot be read."""
        return _values.preview_value(self.value_hash, self.type, self.format, self.value)

    @property
    def value_parsed(self) -> Any | None:
        """The decoded value (inert stand-ins for anything that is not plain data)."""
        return _values.decode_value(self.type, self.format, self.value)

    @property
    def in_value_store(self) -> bool:
        """True when the bytes live in an external value store (redun writes b"" here)."""
        return len(self.value) == 0

    def __repr__(self) -> str:
        return f"Value(hash='{self.value_hash[:8]}', value={_values.value_repr(self.value_parsed)})"


class File(Base):
    """A File value: its path, keyed by the value hash."""

    __tablename__ = "file"

    value_hash = Column(String(HASH_LEN), ForeignKey("value.value_hash"), primary_key=True)
    path = Column(String(1024), index=True)

    value = relationship("Value", foreign_keys=[value_hash], back_populates="file", uselist=False)
    parent_values = relationship(
        "Value",
        secondary=Subvalue.__table__,
        primaryjoin=lambda: File.value_hash == Subvalue.value_hash,
        secondaryjoin=lambda: Subvalue.parent_value_hash == Value.value_hash,
        uselist=True,
        back_populates="subfiles",
        viewonly=True,
    )

    def __repr__(self) -> str:
        return f"File(hash='{self.value_hash[:8]}', path='{trim_string(self.path)}')"

    @property
    def values(self) -> list[Value]:
        """The File's own Value followed by every Value that contains it."""
        found = [self.value] if self.value else []
        found.extend(self.parent_values)
        return found


class ArgumentResult(Base):
    """Links an Argument to the CallNodes whose results flowed into it."""

    __tablename__ = "argument_result"

    arg_hash = Column(String(HASH_LEN), ForeignKey("argument.arg_hash"), primary_key=True, index=True)
    result_call_hash = Column(
        String(HASH_LEN), ForeignKey("call_node.call_hash"), primary_key=True, index=True
    )

    arg = relationship("Argument", foreign_keys=[arg_hash], back_populates="arg_results")
    result_call_node = relationship(
        "CallNode", foreign_keys=[result_call_hash], back_populates="arg_results"
    )


class Argument(Base):
    """One argument of a call: positional (``arg_position``) or keyword (``arg_key``)."""

    __tablename__ = "argument"

    arg_hash = Column(String(HASH_LEN), primary_key=True)
    call_hash = Column(String(HASH_LEN), ForeignKey("call_node.call_hash"), index=True)
    value_hash = Column(String(HASH_LEN), ForeignKey("value.value_hash"), index=True)
    arg_position = Column(Integer, nullable=True)
    arg_key = Column(String(100), nullable=True)

    value = relationship("Value", foreign_keys=[value_hash], back_populates="arguments")
    call_node = relationship("CallNode", foreign_keys=[call_hash], back_populates="arguments")
    upstream = relationship(
        "CallNode",
        secondary=ArgumentResult.__table__,
        primaryjoin=lambda: Argument.arg_hash == ArgumentResult.arg_hash,
        secondaryjoin=lambda: ArgumentResult.result_call_hash == CallNode.call_hash,
        back_populates="downstream",
        viewonly=True,
    )
    arg_results = relationship("ArgumentResult", back_populates="arg")

    @property
    def value_parsed(self) -> Any | None:
        """The decoded argument value."""
        return self.value.value_parsed

    def __repr__(self) -> str:
        where = self.arg_key if self.arg_key else self.arg_position
        return (
            f"Argument(task_name='{self.call_node.task.fullname}', pos={where}, "
            f"value={_values.value_str(self.value.value_parsed)})"
        )


class Evaluation(Base):
    """The evaluation cache: ``eval_hash`` (task and arguments) -> cached result value."""

    __tablename__ = "evaluation"

    eval_hash = Column(String(HASH_LEN), primary_key=True)
    task_hash = Column(String(HASH_LEN), ForeignKey("task.hash"), index=True)
    args_hash = Column(String(HASH_LEN))
    value_hash = Column(String(HASH_LEN), ForeignKey("value.value_hash"), index=True)

    task = relationship("Task", uselist=False, foreign_keys=[task_hash], back_populates="evals")
    value = relationship("Value", foreign_keys=[value_hash], back_populates="evals")

    @property
    def value_parsed(self) -> Any | None:
        """The decoded cached value."""
        return self.value.value_parsed


class CallEdge(Base):
    """Parent -> child edge of the call graph, ordered by ``call_order``."""

    __tablename__ = "call_edge"

    parent_id = Column(String(HASH_LEN), ForeignKey("call_node.call_hash"), primary_key=True, index=True)
    child_id = Column(String(HASH_LEN), ForeignKey("call_node.call_hash"), primary_key=True, index=True)
    call_order = Column(Integer, primary_key=True)

    parent_node = relationship("CallNode", foreign_keys=[parent_id], back_populates="child_edges")
    child_node = relationship("CallNode", foreign_keys=[child_id], back_populates="parent_edges")


class CallNode(Base):
    """A completed call of a task with given arguments, and its result value."""

    __tablename__ = "call_node"

    call_hash = Column(String(HASH_LEN), primary_key=True)
    task_name = Column(String(1024))
    task_hash = Column(String(HASH_LEN), ForeignKey("task.hash"), index=True)
    args_hash = Column(String(HASH_LEN))
    value_hash = Column(String(HASH_LEN), ForeignKey("value.value_hash"), index=True)
    timestamp = Column(DateTimeUTC, default=utcnow)

    call_hash_idx = _prefix_index("ix_call_node_call_hash_vpo", call_hash)

    task = relationship("Task", uselist=False, foreign_keys=[task_hash], back_populates="call_nodes")
    value = relationship("Value", uselist=False, foreign_keys=[value_hash], back_populates="results")
    task_set = relationship("CallSubtreeTask", back_populates="call_node", uselist=True)
    tags = _current_tags("CallNode.call_hash")
    arguments = relationship("Argument", back_populates="call_node")
    downstream = relationship(
        "Argument",
        secondary=ArgumentResult.__table__,
        primaryjoin=lambda: ArgumentResult.result_call_hash == CallNode.call_hash,
        secondaryjoin=lambda: Argument.arg_hash == ArgumentResult.arg_hash,
        back_populates="upstream",
        viewonly=True,
    )
    arg_results = relationship("ArgumentResult", back_populates="result_call_node")
    child_edges = relationship(
        "CallEdge",
        primaryjoin=lambda: CallNode.call_hash == CallEdge.parent_id,
        back_populates="parent_node",
    )
    parent_edges = relationship(
        "CallEdge",
        primaryjoin=lambda: CallNode.call_hash == CallEdge.child_id,
        back_populates="child_node",
    )
    jobs = relationship("Job", back_populates="call_node")

    def __repr__(self) -> str:
        name = self.task.fullname if self.task else ""
        return f"CallNode(hash='{self.call_hash[:8]}', task_name='{name}', args={self.args_display})"

    @property
    def value_parsed(self) -> Any | None:
        """The decoded result value."""
        return self.value.value_parsed

    def _linked(self, mine: Any, theirs: Any) -> list[CallNode]:
        # A call may repeat a child, so this cannot be a relationship (which would de-duplicate).
        # Ties in call_order (one node called by several parents) are broken by hash, which is
        # the order SQLite gives redun's query (it walks the call_hash index).
        rows = object_session(self).execute(
            select(CallNode)
            .join(CallEdge, theirs == CallNode.call_hash)
            .where(mine == self.call_hash)
            .order_by(CallEdge.call_order, CallNode.call_hash)
        )
        return [node for (node,) in rows]

    @property
    def children(self) -> list[CallNode]:
        """Child call nodes in call order, repeats kept."""
        return self._linked(CallEdge.parent_id, CallEdge.child_id)

    @property
    def parents(self) -> list[CallNode]:
        """Parent call nodes in call order, repeats kept."""
        return self._linked(CallEdge.child_id, CallEdge.parent_id)

    @property
    def args_display(self) -> str:
        """The argument values as a list repr, trimmed to 100 characters."""
        # value_repr never raises or hangs on hostile values; same text as repr() otherwise.
        return _values.value_repr([arg.value_parsed for arg in self.arguments], 100, ellipsis="...]")


class CallSubtreeTask(Base):
    """Which tasks appear anywhere below a call node (used by redun's cache checks)."""

    __tablename__ = "call_subtree_task"

    call_hash = Column(String(HASH_LEN), ForeignKey("call_node.call_hash"), primary_key=True, index=True)
    task_hash = Column(String(HASH_LEN), ForeignKey("task.hash"), primary_key=True, index=True)

    call_node = relationship("CallNode", foreign_keys=[call_hash], back_populates="task_set", uselist=False)
    task = relationship("Task", foreign_keys=[task_hash], uselist=False)


class HandleEdge(Base):
    """Parent -> child edge between Handle versions."""

    __tablename__ = "handle_edge"

    parent_id = Column(String(HASH_LEN), ForeignKey("handle.hash"), primary_key=True, index=True)
    child_id = Column(String(HASH_LEN), ForeignKey("handle.hash"), primary_key=True, index=True)


class Handle(Base):
    """A redun Handle (a stateful resource such as a database connection) at one version."""

    __tablename__ = "handle"

    hash = Column(String(HASH_LEN), primary_key=True)
    fullname = Column(String(1024), index=True)
    value_hash = Column(String(HASH_LEN), ForeignKey("value.value_hash"), index=True)
    key = Column(String(1024))
    is_valid = Column(Boolean, default=True)

    value = relationship("Value", foreign_keys=[value_hash], back_populates="handle", uselist=False)
    parent_values = relationship(
        "Value",
        secondary=Subvalue.__table__,
        primaryjoin=lambda: Handle.value_hash == Subvalue.value_hash,
        secondaryjoin=lambda: Subvalue.parent_value_hash == Value.value_hash,
        uselist=True,
        back_populates="subhandles",
        viewonly=True,
    )
    children = relationship(
        "Handle",
        secondary=HandleEdge.__table__,
        primaryjoin=lambda: Handle.hash == HandleEdge.parent_id,
        secondaryjoin=lambda: Handle.hash == HandleEdge.child_id,
        back_populates="parents",
        viewonly=True,
    )
    parents = relationship(
        "Handle",
        secondary=HandleEdge.__table__,
        primaryjoin=lambda: Handle.hash == HandleEdge.child_id,
        secondaryjoin=lambda: Handle.hash == HandleEdge.parent_id,
        back_populates="children",
        viewonly=True,
    )

    def __repr__(self) -> str:
        return f"Handle(hash='{self.hash[:8]}', name='{self.fullname}')"

    @property
    def values(self) -> list[Value]:
        """The Handle's own Value followed by every Value that contains it."""
        found = [self.value] if self.value else []
        found.extend(self.parent_values)
        return found


class Execution(_StatusCache, Base):
    """One run of ``redun run``: its command line and root job."""

    __tablename__ = "execution"

    id = Column(String, primary_key=True)
    args = Column(String)
    updated_time = Column(DateTimeUTC, nullable=True)
    job_id = Column(String, ForeignKey("job.id", deferrable=True, initially="deferred"), index=True)

    id_idx = _prefix_index("ix_execution_id_vpo", id)

    job = relationship("Job", foreign_keys=[job_id], uselist=False)
    jobs = relationship(
        "Job",
        primaryjoin="Job.execution_id == Execution.id",
        uselist=True,
        back_populates="execution",
    )
    tags = _current_tags("Execution.id")

    def __repr__(self) -> str:
        name = self.task.fullname if self.task else "None"
        return f"Execution(id='{self.id[:8]}', task_name='{name}', args={self.args})"

    @property
    def call_node(self) -> CallNode | None:
        """The root job's call node (None for a run that died before finishing its root)."""
        return self.job.call_node if self.job else None

    @property
    def task(self) -> Task | None:
        """The root task, when the root job finished."""
        call_node = self.call_node
        return call_node.task if call_node else None

    def calc_status(self, result_type: str | None) -> str:
        """Computes (and caches) the status from the result type of the root job."""
        job_status = self.job.calc_status(result_type) if self.job else None
        self._status = execution_status_from(job_status)
        return self._status

    @property
    def status(self) -> str:
        """DONE, FAILED or RUNNING, from the root job."""
        if not self._status:
            self._status = execution_status_from(self.job.status if self.job else None)
        return self._status

    @property
    def status_display(self) -> str:
        """The status padded for tables (``RUN `` for RUNNING)."""
        return "RUN " if self.status == "RUNNING" else self.status


class Job(_StatusCache, Base):
    """One scheduled call of a task inside an execution."""

    __tablename__ = "job"

    id = Column(String, primary_key=True)
    start_time = Column(DateTimeUTC, index=True)
    end_time = Column(DateTimeUTC, nullable=True, index=True)
    task_hash = Column(String(HASH_LEN), ForeignKey("task.hash"), index=True)
    cached = Column(Boolean, default=False)
    call_hash = Column(String(HASH_LEN), ForeignKey("call_node.call_hash"), nullable=True, index=True)
    parent_id = Column(String, ForeignKey("job.id"), nullable=True, index=True)
    execution_id = Column(
        String, ForeignKey("execution.id", deferrable=True, initially="deferred"), index=True
    )

    id_idx = _prefix_index("ix_job_id_vpo", id)

    task = relationship("Task", uselist=False, back_populates="jobs")
    call_node = relationship("CallNode", uselist=False, back_populates="jobs")
    child_jobs = relationship(
        "Job", foreign_keys=[parent_id], back_populates="parent_job", order_by="Job.start_time"
    )
    parent_job = relationship("Job", uselist=False, remote_side=[id], back_populates="child_jobs")
    execution = relationship("Execution", foreign_keys=[execution_id], uselist=False, back_populates="jobs")
    tags = _current_tags("Job.id")

    def __repr__(self) -> str:
        name = self.task.fullname if self.task else "None"
        start = self.start_time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return f"Job(id='{self.id[:8]}', start_time='{start}', task_name={name!r})"

    @property
    def duration(self) -> timedelta | None:
        """End minus start time, or None while the job has no end time."""
        if not self.end_time:
            return None
        return self.end_time - self.start_time

    def calc_status(self, result_type: str | None) -> str:
        """Computes (and caches) the status given the type name of the call node's result."""
        self._status = job_status_from(result_type, self.end_time, self.cached)
        return self._status

    @property
    def status(self) -> str:
        """RUNNING, FAILED, CACHED or DONE."""
        if self._status:
            return self._status
        result_type = self.call_node.value.type if self.call_node else None
        return self.calc_status(result_type)

    @property
    def status_display(self) -> str:
        """The status padded for tables (``RUN `` for RUNNING)."""
        return "RUN " if self.status == "RUNNING" else self.status

    @property
    def context(self) -> dict:
        """The context dict recorded on the job's call node, if any."""
        if not self.call_node:
            return {}
        for tag in self.call_node.tags:
            if tag.key == CONTEXT_KEY:
                return tag.value_parsed or {}
        return {}


class Task(Base):
    """A task definition at one version (hash), with its source code."""

    __tablename__ = "task"

    hash = Column(String(HASH_LEN), primary_key=True)
    name = Column(String)
    namespace = Column(String)
    source = Column(String)

    hash_idx = _prefix_index("ix_task_hash_vpo", hash)
    name_idx = _prefix_index("ix_task_name_vpo", name, unique=False)
    namespace_idx = _prefix_index("ix_task_namespace_vpo", namespace, unique=False)

    value = relationship(
        "Value",
        foreign_keys=lambda: [Value.value_hash],
        primaryjoin=lambda: Task.hash == Value.value_hash,
        back_populates="task",
        uselist=False,
        viewonly=True,
    )
    tags = _current_tags("Task.hash")
    evals = relationship("Evaluation", back_populates="task")
    call_nodes = relationship("CallNode", back_populates="task")
    jobs = relationship("Job", back_populates="task")

    @property
    def fullname(self) -> str:
        """``namespace.name``, or just the name without a namespace."""
        return f"{self.namespace}.{self.name}" if self.namespace else self.name

    def __repr__(self) -> str:
        return f"Task(hash='{self.hash[:8]}', name='{self.fullname}')"

    def show_source(self) -> None:
        """Prints the task's source code."""
        print(self.source)


class TagEdit(Base):
    """Edge from a tag to the tag that superseded (or deleted) it."""

    __tablename__ = "tag_edit"

    parent_id = Column(String, ForeignKey("tag.tag_hash"), primary_key=True)
    child_id = Column(String, ForeignKey("tag.tag_hash"), primary_key=True)

    parent = relationship("Tag", foreign_keys=[parent_id], back_populates="child_edits", viewonly=True)
    child = relationship("Tag", foreign_keys=[child_id], back_populates="parent_edits", viewonly=True)


class Tag(Base):
    """A key/value tag on an execution, job, call node, task or value."""

    __tablename__ = "tag"

    tag_hash = Column(String(HASH_LEN), primary_key=True)
    entity_type = Column(sa.Enum(TagEntity))
    entity_id = Column(String, index=True)
    key = Column(String, index=True)
    value = Column(JSON, index=True)
    is_current = Column(Boolean, default=True)

    # A partial index: lookups of current tags are the common case.
    tag_hash_idx = Index(
        "ix_tag_tag_hash_current",
        tag_hash,
        unique=True,
        sqlite_where=is_current,
    )

    parents = relationship(
        "Tag",
        secondary=TagEdit.__table__,
        primaryjoin="Tag.tag_hash == TagEdit.child_id",
        secondaryjoin="Tag.tag_hash == TagEdit.parent_id",
        back_populates="children",
    )
    children = relationship(
        "Tag",
        secondary=TagEdit.__table__,
        primaryjoin="Tag.tag_hash == TagEdit.parent_id",
        secondaryjoin="Tag.tag_hash == TagEdit.child_id",
        back_populates="parents",
    )
    child_edits = relationship(
        "TagEdit", primaryjoin="Tag.tag_hash == TagEdit.parent_id", back_populates="parent", viewonly=True
    )
    parent_edits = relationship(
        "TagEdit", primaryjoin="Tag.tag_hash == TagEdit.child_id", back_populates="child", viewonly=True
    )
    call_nodes = relationship(
        "CallNode",
        foreign_keys=[entity_id],
        primaryjoin="and_(CallNode.call_hash == Tag.entity_id, Tag.is_current == True)",
        viewonly=True,
    )
    executions = relationship(
        "Execution",
        foreign_keys=[entity_id],
        primaryjoin="and_(Execution.id == Tag.entity_id, Tag.is_current == True)",
        viewonly=True,
    )
    jobs = relationship(
        "Job",
        foreign_keys=[entity_id],
        primaryjoin="and_(Job.id == Tag.entity_id, Tag.is_current == True)",
        viewonly=True,
    )
    values = relationship(
        "Value",
        foreign_keys=[entity_id],
        primaryjoin="and_(Value.value_hash == Tag.entity_id, Tag.is_current == True)",
        viewonly=True,
        back_populates="tags",
    )
    tasks = relationship(
        "Task",
        foreign_keys=[entity_id],
        primaryjoin="and_(Task.hash == Tag.entity_id, Tag.is_current == True)",
        viewonly=True,
    )

    def __repr__(self) -> str:
        return (
            f"Tag(tag_hash={self.tag_hash[:8]}, entity_id={self.entity_id[:8]}, key={self.key}, "
            f"value={json.dumps(self.value, sort_keys=True)})"
        )

    @property
    def entity(self) -> Any:
        """The tagged record."""
        model, pk = _TAG_ENTITY_MODELS[self.entity_type]
        session = object_session(self)
        return session.execute(select(model).where(pk == self.entity_id)).scalar_one()

    @property
    def base_key(self) -> str:
        """The key without its namespace (``env`` for ``project.env``)."""
        return self.key.rsplit(".", 1)[-1]

    @property
    def namespace(self) -> str:
        """The key's namespace (``project`` for ``project.env``), or ``""``."""
        return self.key.rsplit(".", 1)[0] if "." in self.key else ""

    @property
    def value_parsed(self) -> Any:
        """The Value whose hash is this tag's value, decoded (None if there is none)."""
        if not isinstance(self.value, str):
            return None
        value = object_session(self).get(Value, self.value)
        return value.value_parsed if value is not None else None


_POSTGRESQL_INDEX_OPTIONS.append((Tag.tag_hash_idx, {"where": Tag.is_current}))


@sa.event.listens_for(Base.metadata, "before_create")
def _postgresql_options_before_ddl(_metadata: Any, connection: Any, **_kw: Any) -> None:
    if connection.dialect.name == "postgresql":
        apply_postgresql_index_options()


_TAG_ENTITY_MODELS = {
    TagEntity.Execution: (Execution, Execution.id),
    TagEntity.Job: (Job, Job.id),
    TagEntity.CallNode: (CallNode, CallNode.call_hash),
    TagEntity.Task: (Task, Task.hash),
    TagEntity.Value: (Value, Value.value_hash),
}

# The record types of the call graph, by name, and their primary key columns.
MODEL_CLASSES = {
    "Execution": Execution,
    "Job": Job,
    "CallNode": CallNode,
    "Task": Task,
    "Value": Value,
}
