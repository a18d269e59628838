"""Values: the value screen, a value's full text, and its upstream dataflow."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from redun_tui.db import dataflow as _dataflow
from redun_tui.db import values as _values
from redun_tui.db.models import File, Subvalue, TagEntity, Value
from redun_tui.store import routes
from redun_tui.store.errors import StoreError
from redun_tui.store.jobs import latest_jobs
from redun_tui.store.previews import FULL_VALUE_LIMIT, big_value_text, value_preview_text, value_ref
from redun_tui.store.sql import VALUE, resolve_one, tag_views, value_columns
from redun_tui.store.uses import producers, readers
from redun_tui.views import DataflowLine, DataflowView, Segment, ValueDetail, ValueRef

SUBVALUE_LIMIT = 200  # subvalues / parent values listed on a value screen


def value(session: Session, value_hash: str) -> ValueDetail:
    """Everything the value screen shows (bounded preview).

    The value is decoded only when it is at most MAX_VALUE_SIZE_PREVIEW bytes; the preview
    text is its full repr cut to PREVIEW_LIMIT characters, ending with a note saying so.
    """
    full_hash = resolve_one(session, Value.value_hash, value_hash, "value")
    row = session.execute(
        select(*value_columns(Value), File.path)
        .select_from(Value.__table__.outerjoin(File, File.value_hash == Value.value_hash))
        .where(Value.value_hash == full_hash)
    ).one()
    value_cols, file_path = row[:5], row[5]
    _, type_name, fmt, size, data = value_cols
    ref = value_ref(value_cols)
    preview_text, truncated = value_preview_text(value_cols)
    subvalues = linked_values(session, full_hash, Subvalue.parent_value_hash, Subvalue.value_hash)
    parents = linked_values(session, full_hash, Subvalue.value_hash, Subvalue.parent_value_hash)
    produced_by = producers(session, full_hash)
    consumed_by = readers(session, full_hash)
    tags = tag_views(session, TagEntity.Value, [full_hash]).get(full_hash, ())
    return ValueDetail(
        ref=ref,
        format=fmt or "",
        size=size or 0,
        preview_text=preview_text,
        preview_truncated=truncated,
        file_path=file_path,
        subvalues=subvalues,
        parents=parents,
        produced_by=produced_by,
        consumed_by=consumed_by,
        tags=tags,
        in_value_store=(size == 0),
    )


def value_text(session: Session, value_hash: str) -> str:
    """The full repr of a value (for the scrollable view / $PAGER); may be large.

    Values over FULL_VALUE_LIMIT bytes are not decoded (a one-line note says so).
    """
    full_hash = resolve_one(session, Value.value_hash, value_hash, "value")
    size = func.length(Value.value)
    type_name, fmt, length, data = session.execute(
        select(Value.type, Value.format, size, case((size <= FULL_VALUE_LIMIT, Value.value), else_=None)).where(
            Value.value_hash == full_hash
        )
    ).one()
    if not length:
        return f"{big_value_text(full_hash, type_name, length)}\n[the bytes are kept in a value store]"
    if data is None:
        return f"{big_value_text(full_hash, type_name, length)}\n[not decoded: over {FULL_VALUE_LIMIT:,} bytes]"
    try:
        obj = _values.decode_value(type_name, fmt, data)
    except Exception as error:
        return f"<cannot decode {type_name}: {type(error).__name__}>"
    return _values.value_repr(obj, None)


def dataflow(session: Session, value_hash: str, with_json: bool = True) -> DataflowView:
    """The upstream dataflow of a value, as linkable lines plus JSON.

    Args:
        value_hash: a value hash or unique prefix.
        with_json: also serialize the DOM to ``json_text``. Serializing renders every value
            a second time (a third of the time on a 600-call dataflow): a pane can pass
            False and call :meth:`dataflow_json` when the user exports.
    """
    full_hash = resolve_one(session, Value.value_hash, value_hash, "value")
    row = session.execute(select(*value_columns(Value)).where(Value.value_hash == full_hash)).one()
    ref = value_ref(row)
    return _build_dataflow(session, _dataflow, ref, full_hash, with_lines=True, with_json=with_json)


def dataflow_json(session: Session, value_hash: str) -> str:
    """The upstream dataflow of a value as JSON text (a list of sections), for export."""
    full_hash = resolve_one(session, Value.value_hash, value_hash, "value")
    ref = ValueRef(value_hash=full_hash, type="", preview="")
    view = _build_dataflow(session, _dataflow, ref, full_hash, with_lines=False, with_json=True)
    if view.error:
        raise StoreError(view.error)
    return view.json_text


def _build_dataflow(
    session: Session, dataflow: Any, ref: ValueRef, value_hash: str, with_lines: bool, with_json: bool
) -> DataflowView:
    """Walks a value's upstream dataflow inside ``session`` and lays it out as linkable lines.

    Each piece of a line that shows a node links to it: a value to ``values/<hash>``, a call
    (a CallNode, or the call an argument belongs to) to the most recent job of that call.
    A walk that fails on odd data gives a view with ``error`` set instead of raising;
    database errors still propagate.
    """
    value = session.get(Value, value_hash)
    try:
        edges = list(dataflow.walk_dataflow(_SessionBackend(session), value))
        dom = list(dataflow.make_dataflow_dom(edges))
        segment_lines = [list(line) for line in dataflow.iter_dataflow_segments(dom)] if with_lines else []
        json_text = ""
        if with_json:
            json_text = json.dumps(list(dataflow.serialize_dataflow(dom)), indent=2, ensure_ascii=False)
    except SQLAlchemyError:
        raise
    except Exception as error:  # a graph redun itself cannot lay out must not break the screen
        return DataflowView(value=ref, lines=(), error=f"cannot lay out this dataflow: {type(error).__name__}: {error}")

    call_hashes: dict[int, str] = {}
    for line in segment_lines:
        for _text, node in line:
            if node is not None and not isinstance(node, Value) and id(node) not in call_hashes:
                call_node = dataflow.get_dataflow_call_node(node)
                if call_node is not None:
                    call_hashes[id(node)] = call_node.call_hash
    latest = latest_jobs(session, set(call_hashes.values()))

    def route(node: Any) -> str | None:
        if node is None:
            return None
        if isinstance(node, Value):
            return routes.value(node.value_hash)
        job_id = latest.get(call_hashes.get(id(node), ""))
        return routes.job(job_id) if job_id else None

    lines = tuple(
        DataflowLine(segments=tuple(Segment(text=text, route=route(node)) for text, node in line))
        for line in segment_lines
    )
    if with_lines:
        # The text starts as `redun log` and `redun-tui dataflow` start it: `value = <repr>`.
        header = Segment(text="value = " + _values.value_repr(value.preview, None), route=None)
        lines = (DataflowLine(segments=(header,)), DataflowLine(segments=()), *lines)
    return DataflowView(value=ref, lines=lines, json_text=json_text)


class _SessionBackend:
    """The one thing walk_dataflow reads from a backend: a session (this call's own)."""
    def __init__(self, session: Session) -> None:
        self.session = session


def linked_values(session: Session, full_hash: str, this_side: Any, other_side: Any) -> tuple[ValueRef, ...]:
    """The values a Subvalue row links to ``full_hash`` (its subvalues or its parents), by hash.

    Args:
        this_side: the Subvalue column that holds ``full_hash``.
        other_side: the column naming the linked values.
    """
    return tuple(
        value_ref(cols)
        for cols in session.execute(
            select(*value_columns(VALUE))
            .select_from(Subvalue.__table__.join(VALUE.table, VALUE.value_hash == other_side))
            .where(this_side == full_hash)
            .order_by(VALUE.value_hash)
            .limit(SUBVALUE_LIMIT)
        ).all()
    )
