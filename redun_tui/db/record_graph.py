"""Records as plain dicts, for export and import: read them, walk their graph, write them back.

:class:`RecordTransfer` is a part of :class:`~redun_tui.db.backend.RedunBackendDb` (a mixin: the
session, version and writability live there); the child-edge functions walk one record type's
links to the records it depends on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from sqlalchemy import select, text
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from redun_tui.db.models import (
    Argument,
    ArgumentResult,
    CallEdge,
    CallNode,
    Execution,
    Job,
    Subvalue,
    Tag,
    TagEdit,
    Task,
    Value,
)

RECORD_BATCH = 100  # ids per query in get_records (redun's size; see there)


class RecordTransfer:
    """Export and import of records (part of :class:`~redun_tui.db.backend.RedunBackendDb`)."""

    @property
    def _record_serializer(self) -> Any:
        # Built on first use: browsing never needs it.
        if self._serializer is None:
            from redun_tui.db.serializers import RecordSerializer

            self._serializer = RecordSerializer(self._db_version)
        return self._serializer

    _model_pks = [
        (Execution, Execution.id),
        (Job, Job.id),
        (CallNode, CallNode.call_hash),
        (Value, Value.value_hash),
        (Tag, Tag.tag_hash),
    ]

    def get_records(self, ids: Iterable[str], sorted: bool = True) -> Iterator[dict]:
        """Serialized records for the given ids (in the order of ``ids`` when ``sorted``)."""
        assert self.session is not None
        ids = list(ids)
        if sorted:
            by_id = {self._record_serializer.get_pk(rec): rec for rec in self.get_records(ids, sorted=False)}
            yield from (by_id[record_id] for record_id in ids if record_id in by_id)
            return
        for model, pk in self._model_pks:
            # Batches of 100 ids, as redun's: a Job record lists as children only the jobs
            # serialized in the same batch, so the batch size shows in the output.
            for chunk in chunks(ids, RECORD_BATCH):
                query = self.session.query(model).filter(pk.in_(chunk))
                yield from self._record_serializer.serialize_query(query)

    def has_records(self, record_ids: Iterable[str]) -> list[str]:
        """The given ids that exist as records, in the given order."""
        assert self.session is not None
        record_ids = list(record_ids)
        existing: set[str] = set()
        for _model, pk in self._model_pks:
            for chunk in chunks(record_ids):
                existing.update(self.session.execute(select(pk).where(pk.in_(chunk))).scalars())
        return [record_id for record_id in record_ids if record_id in existing]

    def _get_record_types(self, record_ids: Iterable[str]) -> Iterator[tuple[Any, str]]:
        assert self.session is not None
        record_ids = list(record_ids)
        for model, pk in self._model_pks:
            for chunk in chunks(record_ids):
                for record_id in self.session.execute(select(pk).where(pk.in_(chunk))).scalars():
                    yield model, record_id

    def get_child_record_ids(self, model_ids: Iterable[tuple[Any, str]]) -> Iterator[tuple[str, Any, str]]:
        """Ownership edges ``(edge_name, model, child_id)`` from the given records, for export."""
        assert self.session is not None
        by_model: dict[Any, list[str]] = defaultdict(list)
        for model, record_id in model_ids:
            by_model[model].append(record_id)
        walkers = {
            Execution: get_execution_child_edges,
            Job: get_job_child_edges,
            CallNode: get_call_node_child_edges,
            Value: get_value_child_edges,
            Tag: get_tag_child_edges,
        }
        for model, walker in walkers.items():
            if by_model.get(model):
                yield from walker(self.session, by_model[model])
        all_ids = [record_id for ids in by_model.values() for record_id in ids]
        if all_ids:
            yield from get_tag_entity_child_edges(self.session, all_ids)

    def iter_record_ids(self, root_ids: Iterable[str]) -> Iterator[str]:
        """Every record id reachable from ``root_ids`` by ownership edges, a layer at a time."""
        seen: set[str] = set()
        edges: Iterable[tuple[str, Any, str]] = [("", model, rid) for model, rid in self._get_record_types(root_ids)]
        while True:
            frontier = set()
            for _name, model, record_id in edges:
                if record_id not in seen:
                    seen.add(record_id)
                    frontier.add((model, record_id))
                    yield record_id
            if not frontier:
                return
            edges = list(self.get_child_record_ids(frontier))

    def put_records(self, records: Iterable[dict]) -> int:
        """Writes serialized records (skipping ones already present); returns how many were new.

        Everything happens in one transaction: on error nothing is written.
        """
        self._require_writable()
        records = list(records)
        ids = [self._record_serializer.get_pk(record) for record in records]
        existing = set(self.has_records(ids))
        fresh = []
        for record_id, record in zip(ids, records):
            if record_id not in existing:
                existing.add(record_id)
                fresh.append(record)
        with self.new_session() as session:
            # A slice of provenance references records outside it (a job's execution, a
            # parent job) and an Execution and its root Job reference each other: like redun,
            # check no foreign keys while importing (SQLite; the pragma only acts outside a
            # transaction, hence before the first write, and is restored afterwards).
            sqlite = session.get_bind().dialect.name == "sqlite"
            if sqlite:
                session.execute(text("PRAGMA foreign_keys = OFF"))
            try:
                session.add_all(chain.from_iterable(map(self._record_serializer.deserialize, fresh)))
                session.flush()
                # Only leaf tags are current: a tag with an edit child has been superseded.
                session.execute(
                    sql_update(Tag)
                    .where(Tag.tag_hash.in_(select(TagEdit.parent_id)))
                    .values(is_current=False)
                    .execution_options(synchronize_session=False)
                )
                session.commit()
            except Exception:
                session.rollback()
                raise
            finally:
                if sqlite:
                    session.execute(text("PRAGMA foreign_keys = ON"))
                    session.commit()
        return len(fresh)


def chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    """Splits ids into lists short enough for one IN (...) on every database."""
    # SQLite limits bound parameters per statement; keep IN lists well below it.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _select_in(session: Session, columns: tuple, key: Any, ids: Iterable[str]) -> Iterator[tuple]:
    ids = list(ids)
    for chunk in chunks(ids):
        yield from session.execute(select(*columns).where(key.in_(chunk)))


def get_execution_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """An execution owns its root job."""
    for (job_id,) in _select_in(session, (Execution.job_id,), Execution.id, ids):
        yield "Execution.job", Job, job_id


def get_job_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """A job owns its task, its call node and its child jobs."""
    ids = list(ids)
    for task_hash, call_hash in _select_in(session, (Job.task_hash, Job.call_hash), Job.id, ids):
        yield "Job.task", Task, task_hash
        yield "Job.call_hash", CallNode, call_hash
    for (job_id,) in _select_in(session, (Job.id,), Job.parent_id, ids):
        yield "Job.child_job", Job, job_id


def get_call_node_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """A call node owns its task, result, argument values, upstream call nodes and children."""
    ids = list(ids)
    for task_hash, value_hash in _select_in(session, (CallNode.task_hash, CallNode.value_hash), CallNode.call_hash, ids):
        yield "CallNode.task", Task, task_hash
        yield "CallNode.result", Value, value_hash
    seen_args: set[str] = set()
    for chunk in chunks(ids):
        rows = session.execute(
            select(Argument.arg_hash, Argument.value_hash, ArgumentResult.result_call_hash)
            .outerjoin(ArgumentResult, ArgumentResult.arg_hash == Argument.arg_hash)
            .where(Argument.call_hash.in_(chunk))
        )
        for arg_hash, value_hash, upstream in rows:
            if arg_hash not in seen_args:
                seen_args.add(arg_hash)
                yield "CallNode.arg", Value, value_hash
            if upstream:
                yield "CallNode.upstream", CallNode, upstream
    for (child_id,) in _select_in(session, (CallEdge.child_id,), CallEdge.parent_id, ids):
        yield "CallNode.child_call_node", CallNode, child_id


def get_value_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """A value owns its subvalues."""
    for (child,) in _select_in(session, (Subvalue.value_hash,), Subvalue.parent_value_hash, ids):
        yield "Value.subvalue", Value, child


def get_tag_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """A tag links to the tags it superseded and the tags that superseded it."""
    ids = list(ids)
    for (parent,) in _select_in(session, (TagEdit.parent_id,), TagEdit.child_id, ids):
        yield "Tag.parent", Tag, parent
    for (child,) in _select_in(session, (TagEdit.child_id,), TagEdit.parent_id, ids):
        yield "Tag.child", Tag, child


def get_tag_entity_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """Every record owns the tags attached to it."""
    for (tag_hash,) in _select_in(session, (Tag.tag_hash,), Tag.entity_id, ids):
        yield "Entity.tag", Tag, tag_hash
