"""Recording executions, jobs, values and tags as redun writes them (tests, benchmarks, import).

:class:`Recorder` is a part of :class:`~redun_tui.db.backend.RedunBackendDb` (a mixin: the
session and writability live there); the specs are what the recording API needs of redun's Task,
Execution and Job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from redun_tui.db import encode
from redun_tui.db.models import (
    Argument,
    ArgumentResult,
    CallEdge,
    CallNode,
    CallSubtreeTask,
    Evaluation,
    Execution,
    File,
    Job,
    RedunDatabaseError,
    Subvalue,
    Tag,
    TagEdit,
    TagEntity,
    Task,
    Value,
    json_dumps,
    utcnow,
)

MIME_TYPE_PICKLE = "application/python-pickle"


def hash_struct(*parts: Any) -> str:
    """A sha1 hex digest of a JSON-able structure (our records' content addresses)."""
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class TaskSpec:
    """A task to record (what the recording API needs of redun's Task)."""

    name: str
    namespace: str = ""
    source: str = ""
    hash: str = ""

    def __post_init__(self) -> None:
        if not self.hash:
            self.hash = hash_struct("task", self.namespace, self.name, self.source)

    @property
    def fullname(self) -> str:
        """``namespace.name`` or the bare name."""
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


@dataclass
class ExecutionSpec:
    """An execution to record."""

    id: str


@dataclass
class JobSpec:
    """A job to record (what the recording API needs of redun's Job)."""

    id: str
    task: TaskSpec
    execution: ExecutionSpec
    parent_job: JobSpec | None = None
    call_hash: str | None = None
    was_cached: bool = False
    extra: dict = field(default_factory=dict)


# redun's type names for the classes encode.Instance can stand for.
_REDUN_TYPE_NAMES = {
    ("redun.file", "File"): "redun.File",
    ("redun.file", "Dir"): "redun.Dir",
    ("redun.scheduler", "ErrorValue"): "redun.ErrorValue",
    ("redun.task", "Task"): "redun.Task",
}


def _redun_type_name(value: Any) -> str:
    if isinstance(value, encode.Instance):
        return _REDUN_TYPE_NAMES.get((value.module, value.name), f"{value.module}.{value.name}")
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


class Recorder:
    """Writing records (part of :class:`~redun_tui.db.backend.RedunBackendDb`); read-only refuses."""

    def _require_writable(self) -> None:
        if self.read_only:
            raise RedunDatabaseError("this database is open read-only")

    def _commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def _defer_constraints(self, session: Session) -> None:
        # An execution and its root job reference each other: check foreign keys at commit.
        if self.is_sqlite:
            session.execute(text("PRAGMA defer_foreign_keys = ON"))
        else:
            session.execute(text("SET CONSTRAINTS ALL DEFERRED"))

    def record_execution(self, exec_id: str, args: list[str]) -> None:
        """Starts recording an execution; it is written with its root job."""
        self._require_writable()
        self._executions[exec_id] = Execution(id=exec_id, args=json.dumps(args))

    def record_updated_time(self, execution_id: str | None = None) -> None:
        """Writes the execution's heartbeat (``updated_time``)."""
        self._require_writable()
        now = utcnow()
        if execution_id in self._executions:
            self._executions[execution_id].updated_time = now
            return
        assert self.session is not None
        query = sql_update(Execution).values(updated_time=now)
        if execution_id is not None:
            query = query.where(Execution.id == execution_id)
        self.session.execute(query)
        self._commit()

    def record_task(self, task: Any) -> str:
        """Writes a task row (and its ``redun.Task`` value row) if missing; returns its hash."""
        self._require_writable()
        assert self.session is not None
        if self.session.get(Task, task.hash) is None:
            self.session.add(Task(hash=task.hash, name=task.name, namespace=task.namespace or "", source=task.source or ""))
            if self.session.get(Value, task.hash) is None:
                data = encode.task_pickle(task.fullname, task.hash)
                self.session.add(Value(value_hash=task.hash, type="redun.Task", format=MIME_TYPE_PICKLE, value=data))
            self.session.flush()
        return task.hash

    def record_job_start(self, job: Any, now: datetime | None = None) -> Job:
        """Writes a started job (and, for a root job, its pending execution)."""
        self._require_writable()
        assert self.session is not None
        self.record_task(job.task)
        self._defer_constraints(self.session)
        if job.parent_job is None:
            execution = self._executions.pop(job.execution.id)
            execution.job_id = job.id
            self.session.add(execution)
        db_job = Job(
            id=job.id,
            start_time=now or utcnow(),
            task_hash=job.task.hash,
            parent_id=job.parent_job.id if job.parent_job else None,
            execution_id=job.execution.id,
            cached=False,
        )
        self.session.add(db_job)
        self._commit()
        return db_job

    def record_job_end(self, job: Any, now: datetime | None = None, status: str | None = None) -> None:
        """Writes a job's end: time, cached flag and call node (starting it first if needed)."""
        self._require_writable()
        assert self.session is not None
        now = now or utcnow()
        db_job = self.session.get(Job, job.id)
        if db_job is None:
            db_job = self.record_job_start(job, now=now)
        db_job.cached = bool(getattr(job, "was_cached", False))
        db_job.end_time = now
        db_job.call_hash = job.call_hash
        self._commit()

    def record_value(self, value: Any, data: bytes | None = None, type_name: str | None = None) -> str:
        """Writes a value row and returns its hash.

        Args:
            value: plain data, possibly holding :class:`redun_tui.db.encode.Instance` objects
                (``encode.file_instance(path)`` for a redun File), pickled as redun would.
            data: the bytes to store instead of pickling ``value``.
            type_name: redun's type name (derived from ``value`` when omitted).

        A File gets a ``file`` row too. Hashes are content addresses of the type and bytes.
        """
        self._require_writable()
        assert self.session is not None
        if data is None:
            data = encode.dumps(value)
        type_name = type_name or _redun_type_name(value)
        value_hash = hashlib.sha1(type_name.encode() + b"\0" + data).hexdigest()
        if self.session.get(Value, value_hash) is None:
            self.session.add(Value(value_hash=value_hash, type=type_name, format=MIME_TYPE_PICKLE, value=data))
            if type_name == "redun.File" and isinstance(value, encode.Instance):
                self.session.add(File(value_hash=value_hash, path=value.state["path"]))
            self._commit()
        return value_hash

    def record_subvalues(self, parent_value_hash: str, value_hashes: Iterable[str]) -> None:
        """Writes subvalue edges from a container value to the values inside it."""
        self._require_writable()
        assert self.session is not None
        for value_hash in set(value_hashes):
            if self.session.get(Subvalue, (value_hash, parent_value_hash)) is None:
                self.session.add(Subvalue(value_hash=value_hash, parent_value_hash=parent_value_hash))
        self._commit()

    def record_call_node(
        self,
        task_name: str,
        task_hash: str,
        args_hash: str,
        expr_args: tuple[tuple, dict],
        eval_args: tuple[tuple, dict],
        result_hash: str,
        child_call_hashes: list[str],
    ) -> str:
        """Writes a call node, its arguments and child edges; returns the call hash.

        Unlike redun, which takes live expressions, ``eval_args`` here holds the argument value
        hashes (``((hash, …), {key: hash})``) and ``expr_args`` the upstream call hashes of each
        argument in the same shape (a list of call hashes, or None), which become
        ``argument_result`` rows.
        """
        self._require_writable()
        assert self.session is not None
        call_hash = hash_struct("call", task_hash, args_hash, result_hash, child_call_hashes)
        if self.session.get(CallNode, call_hash) is not None:
            return call_hash
        self.session.add(
            CallNode(
                call_hash=call_hash,
                task_name=task_name,
                task_hash=task_hash,
                args_hash=args_hash,
                value_hash=result_hash,
                timestamp=utcnow(),
            )
        )
        positional, keyword = eval_args
        upstream_pos, upstream_key = expr_args if expr_args else ((), {})
        arguments = [(i, None, h, upstream_pos[i] if i < len(upstream_pos) else None) for i, h in enumerate(positional)]
        arguments += [(None, k, h, upstream_key.get(k)) for k, h in keyword.items()]
        for position, key, value_hash, upstream in arguments:
            arg_hash = hash_struct("arg", call_hash, position, key, value_hash)
            self.session.add(
                Argument(arg_hash=arg_hash, call_hash=call_hash, value_hash=value_hash, arg_position=position, arg_key=key)
            )
            for upstream_hash in upstream or ():
                self.session.add(ArgumentResult(arg_hash=arg_hash, result_call_hash=upstream_hash))
        for order, child in enumerate(child_call_hashes):
            self.session.add(CallEdge(parent_id=call_hash, child_id=child, call_order=order))
        subtree = {task_hash}
        if child_call_hashes:
            subtree.update(
                self.session.execute(
                    select(CallSubtreeTask.task_hash).where(CallSubtreeTask.call_hash.in_(child_call_hashes))
                ).scalars()
            )
        for subtree_task in subtree:
            self.session.add(CallSubtreeTask(call_hash=call_hash, task_hash=subtree_task))
        self._commit()
        return call_hash

    def set_eval_cache(self, eval_hash: str, task_hash: str, args_hash: str, value: Any, value_hash: str | None = None) -> None:
        """Writes (or replaces) an evaluation cache entry."""
        self._require_writable()
        assert self.session is not None
        value_hash = value_hash or self.record_value(value)
        row = self.session.get(Evaluation, eval_hash)
        if row is None:
            self.session.add(Evaluation(eval_hash=eval_hash, task_hash=task_hash, args_hash=args_hash, value_hash=value_hash))
        else:
            row.value_hash = value_hash
        self._commit()

    def record_tags(
        self,
        entity_type: TagEntity,
        entity_id: str,
        tags: Iterable[tuple[str, Any]],
        parents: Iterable[str] = (),
        update: bool = False,
        new: bool = False,
    ) -> list[tuple[str, str, str, Any]]:
        """Writes tags on an entity, superseding ``parents`` (or, with ``update``, same-key tags).

        Returns ``[(tag_hash, entity_id, key, value)]`` of the written tags.
        """
        self._require_writable()
        assert self.session is not None
        tags = list(tags)
        if not tags:
            return []
        parents = list(parents)
        if update:
            keys = [key for key, _ in tags]
            parents += list(
                self.session.execute(
                    select(Tag.tag_hash).where(Tag.is_current.is_(True), Tag.entity_id == entity_id, Tag.key.in_(keys))
                ).scalars()
            )
            new = True
        parents = sorted(set(parents))
        written = []
        for key, value in tags:
            tag_parents = parents
            tag_hash = hash_struct("tag", entity_id, key, json_dumps(value), tag_parents)
            # "new": a tag identical to a superseded one must become a fresh current leaf.
            while new and self.session.execute(select(TagEdit.parent_id).where(TagEdit.parent_id == tag_hash)).first():
                tag_parents = [tag_hash]
                tag_hash = hash_struct("tag", entity_id, key, json_dumps(value), tag_parents)
            if self.session.get(Tag, tag_hash) is None:
                self.session.add(
                    Tag(tag_hash=tag_hash, entity_type=entity_type, entity_id=entity_id, key=key, value=value, is_current=True)
                )
            for parent in tag_parents:
                if self.session.get(TagEdit, (parent, tag_hash)) is None:
                    self.session.add(TagEdit(parent_id=parent, child_id=tag_hash))
            written.append((tag_hash, entity_id, key, value))
            if tag_parents:
                self.session.execute(
                    sql_update(Tag).where(Tag.tag_hash.in_(tag_parents)).values(is_current=False)
                    .execution_options(synchronize_session=False)
                )
        self._commit()
        return written

    def delete_tags(self, entity_id: str, tags: Iterable[tuple[str, Any]], keys: Iterable[str] = ()) -> list[tuple[str, str, str, Any]]:
        """Marks matching current tags deleted by superseding them with a Null tag."""
        self._require_writable()
        assert self.session is not None
        conditions = [(Tag.key == key) & (Tag.value == value) for key, value in tags]
        keys = list(keys)
        if keys:
            conditions.append(Tag.key.in_(keys))
        if not conditions:
            return []
        parents = list(
            self.session.execute(
                select(Tag.tag_hash).where(Tag.is_current.is_(True), Tag.entity_id == entity_id, or_(*conditions))
            ).scalars()
        )
        return self.record_tags(TagEntity.Null, "", [("", None)], parents=parents)
