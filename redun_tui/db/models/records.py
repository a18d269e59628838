"""The record tables of the redun database, schema 3.5: values, calls, executions, jobs, tasks.

The tables, columns, types, indexes and relationships match what redun 0.44 creates, so that
databases written by redun can be read (and, in tests, written) without redun installed. Value
bytes are never unpickled here: the properties that show values delegate to
:mod:`redun_tui.db.values`, whose unpickler imports and executes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import object_session, relationship

from redun_tui.db import values as _values
from redun_tui.db.models.base import (
    CONTEXT_KEY,
    HASH_LEN,
    Base,
    Column,
    DateTimeUTC,
    _current_tags,
    _prefix_index,
    _StatusCache,
    trim_string,
    utcnow,
)
from redun_tui.db.status import execution_status_from, job_status_from


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
        # A start time that is not a time (bad data) reads as None: shown, never an error.
        start = self.start_time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if self.start_time else None
        return f"Job(id='{self.id[:8]}', start_time='{start}', task_name={name!r})"

    @property
    def duration(self) -> timedelta | None:
        """End minus start time, or None while the job has no end time (or, bad data, no start)."""
        if not self.end_time or not self.start_time:
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
