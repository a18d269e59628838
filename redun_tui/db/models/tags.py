"""The tag tables of the redun database (tags and their edits), and the record types by name."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Boolean, ForeignKey, Index, String, select
from sqlalchemy.orm import object_session, relationship

from redun_tui.db.models.base import (
    _POSTGRESQL_INDEX_OPTIONS,
    HASH_LEN,
    JSON,
    Base,
    Column,
    TagEntity,
    apply_postgresql_index_options,
)
from redun_tui.db.models.records import CallNode, Execution, Job, Task, Value


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
