"""Record serializers: redun database rows <-> JSON-ready dicts, for export and import.

The dicts have the shape redun 0.44 writes with ``redun export`` (one JSON object per line), so
files move between redun and redun-tui in both directions. Five record types exist:

- ``Execution``: ``id``, ``args``, ``job_id``.
- ``Job``: times, task, ``cached``, the derived ``status``, call node, parent, children, execution.
- ``Value``: type, format, base64 bytes, subvalue hashes, and a ``subtype`` for Files (path) and
  Tasks (name, namespace, source) -- a Task travels as its companion Value.
- ``CallNode``: task, argument and result hashes, timestamp, arguments (with upstream call
  nodes) and child call nodes.
- ``Tag``: entity, key, JSON value and the tags it superseded (``parents``).

Every record carries ``_version`` (always 1) and ``_type``. Timestamps are ``str()`` of a
timezone-aware UTC datetime (``2026-11-27 09:57:27.064216+00:00``), as redun writes them.

Deserializing never touches a session: it returns unsaved model objects for the caller
(:meth:`redun_tui.db.backend.RedunBackendDb.put_records`) to add in one transaction.
"""

from __future__ import annotations

import abc
from base64 import b64decode, b64encode
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Query, aliased, joinedload, selectinload

from redun_tui.db.models import (
    REDUN_DB_VERSIONS,
    Argument,
    ArgumentResult,
    Base,
    CallEdge,
    CallNode,
    DBVersionInfo,
    Execution,
    File,
    Job,
    Subvalue,
    Tag,
    TagEdit,
    TagEntity,
    Task,
    Value,
)

# Version of the record format (redun's is 1 too; a file of another version is refused).
VERSION = 1

RECORD_TYPES = ("Execution", "Job", "CallNode", "Value", "Tag")


class RecordFormatError(ValueError):
    """A serialized record is not one this module can read (wrong version, type or fields)."""


def serialize_timestamp(timestamp: datetime | None) -> str | None:
    """Formats a datetime as redun does (``str()``), or None for a missing time."""
    if timestamp:
        return str(timestamp)
    return None


def deserialize_timestamp(date_str: str | None) -> datetime | None:
    """Parses a timestamp written by :func:`serialize_timestamp` (or any ISO 8601 text).

    A time without an offset is taken as UTC, as redun's databases store UTC.

    Raises:
        RecordFormatError: the text is not a timestamp.
    """
    if not date_str:
        return None
    text = date_str.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise RecordFormatError(f"invalid timestamp: {date_str!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _check(spec: Any, type_name: str, fields: tuple[str, ...]) -> None:
    # Import files are user input: fail with a message naming what is wrong, never a KeyError.
    if not isinstance(spec, dict):
        raise RecordFormatError(f"record is not a JSON object: {type(spec).__name__}")
    if spec.get("_version") != VERSION:
        raise RecordFormatError(f"unsupported record version: {spec.get('_version')!r}")
    if spec.get("_type") != type_name:
        raise RecordFormatError(f"expected a {type_name} record, got {spec.get('_type')!r}")
    missing = [name for name in fields if name not in spec]
    if missing:
        raise RecordFormatError(f"{type_name} record lacks field(s): {', '.join(missing)}")


class Serializer(abc.ABC):  # noqa: B024 - the seed names it abstract; methods have defaults
    """Base class of the per-model serializers.

    Args:
        db_version: schema version of the database the records come from or go to (the latest
            when None). The record format does not depend on it today; it is kept so a future
            schema can change what is written.
    """

    pk_field: str = ""

    def __init__(self, db_version: DBVersionInfo | None = None) -> None:
        self._db_version = db_version or REDUN_DB_VERSIONS[-1]

    def get_pk(self, spec: dict) -> str:
        """The primary key of a serialized record."""
        return spec[self.pk_field]

    def serialize(self, row: Base) -> dict:
        """One model row as a JSON-ready dict."""
        raise NotImplementedError()

    def serialize_query(self, query: Query) -> Iterator[dict]:
        """Every row of a query of this serializer's model, serialized."""
        for row in query.all():
            yield self.serialize(row)

    def deserialize(self, spec: dict) -> list[Base]:
        """Unsaved model objects (the row and its edges) for a serialized record."""
        raise NotImplementedError()


class ExecutionSerializer(Serializer):
    """Executions: id, command line (JSON text) and root job id."""

    pk_field = "id"

    def serialize(self, execution: Base) -> dict:  # type: ignore[override]
        return {
            "_version": VERSION,
            "_type": "Execution",
            "id": execution.id,
            "args": execution.args,
            "job_id": execution.job_id,
        }

    def deserialize(self, spec: dict) -> list[Base]:
        _check(spec, "Execution", ("id", "args", "job_id"))
        return [Execution(id=spec["id"], args=spec["args"], job_id=spec["job_id"])]


def _job_dict(job: Job, status: str, children: list[str]) -> dict:
    return {
        "_version": VERSION,
        "_type": "Job",
        "id": job.id,
        "start_time": serialize_timestamp(job.start_time),
        "end_time": serialize_timestamp(job.end_time),
        "task_hash": job.task_hash,
        "cached": job.cached,
        "status": status,
        "call_hash": job.call_hash,
        "parent_id": job.parent_id,
        "children": children,
        "execution_id": job.execution_id,
    }


class JobSerializer(Serializer):
    """Jobs, with their derived status and child job ids (in start order)."""

    pk_field = "id"

    def serialize(self, job: Base) -> dict:  # type: ignore[override]
        return _job_dict(job, job.status, [child.id for child in job.child_jobs])

    def serialize_query(self, query: Query) -> Iterator[dict]:
        """Serializes a query of jobs with two extra queries in total (not two per job).

        As in redun, ``children`` lists only child jobs that are themselves in ``query``: an
        export walks every job of an execution, so nothing is lost there.
        """
        session = query.session
        parent = aliased(Job, query.subquery())
        child = aliased(Job, query.subquery())
        children: dict[str, list[str]] = defaultdict(list)
        pairs = (
            session.query(parent.id, child.id)
            .join(child, child.parent_id == parent.id)
            .order_by(child.start_time)
        )
        for parent_id, child_id in pairs:
            children[parent_id].append(child_id)

        result_value = aliased(Value)
        result_types = dict(
            session.query(parent.id, result_value.type)
            .outerjoin(CallNode, parent.call_hash == CallNode.call_hash)
            .outerjoin(result_value, CallNode.value_hash == result_value.value_hash)
            .all()
        )
        for job in query.all():
            yield _job_dict(job, job.calc_status(result_types.get(job.id)), children[job.id])

    def deserialize(self, spec: dict) -> list[Base]:
        _check(
            spec,
            "Job",
            ("id", "start_time", "end_time", "task_hash", "cached", "call_hash", "parent_id", "execution_id"),
        )
        return [
            Job(
                id=spec["id"],
                start_time=deserialize_timestamp(spec["start_time"]),
                end_time=deserialize_timestamp(spec["end_time"]),
                task_hash=spec["task_hash"],
                cached=bool(spec["cached"]),
                call_hash=spec["call_hash"],
                parent_id=spec["parent_id"],
                execution_id=spec["execution_id"],
            )
        ]


class ValueSerializer(Serializer):
    """Values, with their bytes in base64, subvalues, and File or Task details."""

    pk_field = "value_hash"

    def serialize(self, value: Base) -> dict:  # type: ignore[override]
        file, task = value.file, value.task
        subtype: dict[str, Any] | None = None
        if file is not None and task is not None:
            # A hash is either a File's or a Task's; both would mean a corrupt database.
            raise RecordFormatError(f"value {value.value_hash} is both a File and a Task")
        if file is not None:
            subtype = {"_type": "File", "path": file.path}
        elif task is not None:
            subtype = {
                "_type": "Task",
                "name": task.name,
                "namespace": task.namespace,
                "source": task.source,
            }
        return {
            "_version": VERSION,
            "_type": "Value",
            "value_hash": value.value_hash,
            "type": value.type,
            "format": value.format,
            "data": b64encode(value.value).decode("utf8"),
            "subvalues": sorted(edge.value_hash for edge in value.child_edges),
            "subtype": subtype,
        }

    def serialize_query(self, query: Query) -> Iterator[dict]:
        query = query.options(
            joinedload(Value.file),
            joinedload(Value.task),
            joinedload(Value.child_edges),
        )
        for row in query.all():
            yield self.serialize(row)

    def deserialize(self, spec: dict) -> list[Base]:
        _check(spec, "Value", ("value_hash", "type", "format", "data", "subvalues"))
        value_hash = spec["value_hash"]
        try:
            data = b64decode(spec["data"], validate=True)
        except (TypeError, ValueError):
            raise RecordFormatError(f"value {value_hash}: data is not base64") from None
        rows: list[Base] = [Value(value_hash=value_hash, type=spec["type"], format=spec["format"], value=data)]
        rows += [Subvalue(parent_value_hash=value_hash, value_hash=child) for child in spec["subvalues"]]
        subtype = spec.get("subtype")
        if subtype:
            kind = subtype.get("_type") if isinstance(subtype, dict) else None
            if kind == "File":
                rows.append(File(value_hash=value_hash, path=subtype["path"]))
            elif kind == "Task":
                rows.append(
                    Task(
                        hash=value_hash,
                        name=subtype["name"],
                        namespace=subtype["namespace"],
                        source=subtype["source"],
                    )
                )
            else:
                raise RecordFormatError(f"value {value_hash}: unknown subtype {kind!r}")
        return rows


class CallNodeSerializer(Serializer):
    """Call nodes with their arguments (keyed by name or position) and child call nodes."""

    pk_field = "call_hash"

    def serialize(self, call_node: Base) -> dict:  # type: ignore[override]
        args = {
            arg.arg_key or str(arg.arg_position): {
                "arg_hash": arg.arg_hash,
                "value_hash": arg.value_hash,
                "upstream": sorted(link.result_call_hash for link in arg.arg_results),
            }
            for arg in call_node.arguments
        }
        return {
            "_version": VERSION,
            "_type": "CallNode",
            "call_hash": call_node.call_hash,
            "task_name": call_node.task_name,
            "task_hash": call_node.task_hash,
            "args_hash": call_node.args_hash,
            "value_hash": call_node.value_hash,
            "timestamp": serialize_timestamp(call_node.timestamp),
            "args": args,
            # The order rows come back in, as redun writes it; import numbers them 0, 1, …
            "children": [edge.child_id for edge in call_node.child_edges],
        }

    def serialize_query(self, query: Query) -> Iterator[dict]:
        query = query.options(
            selectinload(CallNode.arguments).joinedload(Argument.arg_results),
            selectinload(CallNode.child_edges),
        )
        for row in query.all():
            yield self.serialize(row)

    def deserialize(self, spec: dict) -> list[Base]:
        _check(
            spec,
            "CallNode",
            ("call_hash", "task_name", "task_hash", "args_hash", "value_hash", "timestamp", "args", "children"),
        )
        call_hash = spec["call_hash"]
        rows: list[Base] = [
            CallNode(
                call_hash=call_hash,
                task_name=spec["task_name"],
                task_hash=spec["task_hash"],
                args_hash=spec["args_hash"],
                value_hash=spec["value_hash"],
                timestamp=deserialize_timestamp(spec["timestamp"]),
            )
        ]
        rows += [
            CallEdge(parent_id=call_hash, child_id=child, call_order=order)
            for order, child in enumerate(spec["children"])
        ]
        if not isinstance(spec["args"], dict):
            raise RecordFormatError(f"call node {call_hash}: args is not an object")
        for key, arg in spec["args"].items():
            # Positional arguments are keyed by their position ("0", "1", …).
            positional = key.isdigit()
            rows.append(
                Argument(
                    arg_hash=arg["arg_hash"],
                    call_hash=call_hash,
                    value_hash=arg["value_hash"],
                    arg_position=int(key) if positional else None,
                    arg_key=None if positional else key,
                )
            )
        for arg in spec["args"].values():
            rows += [ArgumentResult(arg_hash=arg["arg_hash"], result_call_hash=up) for up in arg["upstream"]]
        return rows


class TagSerializer(Serializer):
    """Tags with the tags they superseded; whether a tag is current follows from the edits."""

    pk_field = "tag_hash"

    def serialize(self, tag: Base) -> dict:  # type: ignore[override]
        return {
            "_version": VERSION,
            "_type": "Tag",
            "tag_hash": tag.tag_hash,
            "entity_type": tag.entity_type.name,
            "entity_id": tag.entity_id,
            "key": tag.key,
            "value": tag.value,
            "parents": [edit.parent_id for edit in tag.parent_edits],
        }

    def serialize_query(self, query: Query) -> Iterator[dict]:
        query = query.options(selectinload(Tag.parent_edits).joinedload(TagEdit.child))
        for row in query.all():
            yield self.serialize(row)

    def deserialize(self, spec: dict) -> list[Base]:
        _check(spec, "Tag", ("tag_hash", "entity_type", "entity_id", "key", "value", "parents"))
        try:
            entity_type = TagEntity(spec["entity_type"])
        except ValueError:
            raise RecordFormatError(f"tag {spec['tag_hash']}: unknown entity type {spec['entity_type']!r}") from None
        rows: list[Base] = [
            Tag(
                tag_hash=spec["tag_hash"],
                entity_type=entity_type,
                entity_id=spec["entity_id"],
                key=spec["key"],
                value=spec["value"],
                is_current=True,
            )
        ]
        rows += [TagEdit(parent_id=parent, child_id=spec["tag_hash"]) for parent in spec["parents"]]
        return rows


class RecordSerializer(Serializer):
    """Serializes any record type, dispatching on the model (or on ``_type`` when reading)."""

    def __init__(self, db_version: DBVersionInfo | None = None) -> None:
        super().__init__(db_version)
        self._serializers: dict[str, Serializer] = {
            "Execution": ExecutionSerializer(db_version),
            "Job": JobSerializer(db_version),
            "CallNode": CallNodeSerializer(db_version),
            "Value": ValueSerializer(db_version),
            "Tag": TagSerializer(db_version),
        }

    def _for_spec(self, spec: Any) -> Serializer:
        if not isinstance(spec, dict):
            raise RecordFormatError(f"record is not a JSON object: {type(spec).__name__}")
        kind = spec.get("_type")
        if kind not in self._serializers:
            raise RecordFormatError(f"unknown record type: {kind!r}")
        return self._serializers[kind]

    def get_pk(self, spec: dict) -> str:
        """The primary key of a serialized record of any type."""
        serializer = self._for_spec(spec)
        try:
            return spec[serializer.pk_field]
        except KeyError:
            raise RecordFormatError(f"{spec['_type']} record lacks field: {serializer.pk_field}") from None

    def get_subserializer(self, type: str) -> Serializer:
        """The serializer of one record type (``"Job"``, …)."""
        return self._serializers[type]

    def serialize(self, obj: Base) -> dict:
        """Serializes a row of any record type; a Task is written as its companion Value."""
        if isinstance(obj, Task):
            obj = obj.value
        return self._serializers[type(obj).__name__].serialize(obj)

    def serialize_query(self, query: Query) -> Iterator[dict]:
        """Serializes a single-model query (``session.query(Job)…``)."""
        [column] = query.column_descriptions
        return self._serializers[column["name"]].serialize_query(query)

    def deserialize(self, spec: dict) -> list[Base]:
        """Unsaved model objects for a serialized record of any type."""
        return self._for_spec(spec).deserialize(spec)
