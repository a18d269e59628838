"""DOM -> text and JSON: the one layout of a dataflow section, and its serialization.

:func:`iter_dataflow_segments` lays out each line as pieces of text tagged with the node they
show; the text (:func:`display_dataflow`) joins the pieces and the TUI pane styles them, so the
two never disagree. :func:`serialize_dataflow` gives the JSON of ``redun-tui dataflow --json``.
Values are printed through a bounded cache (a dataflow shows each value at least twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from itertools import chain
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from redun_tui.db.dataflow.graph import _Graph
from redun_tui.db.dataflow.nodes import (
    ArgumentValue,
    CallNodeValue,
    DataflowDOM,
    DataflowNode,
    DataflowSectionDOM,
    get_default_arg_name,
    get_task_args,
)
from redun_tui.db.models import CallNode, Job, Value
from redun_tui.db.values import value_repr


def get_dataflow_call_node(node: Optional[DataflowNode]) -> Optional[CallNode]:
    """The CallNode a node belongs to (None for a bare Value and for the origin)."""
    if isinstance(node, CallNode):
        return node
    if isinstance(node, ArgumentValue):
        return node.argument.call_node
    if isinstance(node, CallNodeValue):
        return node.call_node
    return None


def get_node_hash(node: Optional[DataflowNode]) -> Optional[str]:
    """A Value's hash, else the hash of the node's CallNode (None for the origin)."""
    if isinstance(node, Value):
        return node.value_hash
    call_node = get_dataflow_call_node(node)
    return call_node.call_hash if call_node is not None else None


_NO_TIME = datetime.min.replace(tzinfo=timezone.utc)  # sorts a job without a readable start

# value hash -> display text. A hash is a content address (type and bytes), so its text never
# changes; the text and the JSON of a dataflow show each value at least twice, and decoding
# is most of the cost of rendering. Bounded; dict reads and writes are atomic under the GIL.
_DISPLAY_CACHE: dict[str, str] = {}
_DISPLAY_CACHE_SIZE = 20_000


def display_value(value: Value) -> str:
    """A value as redun shows it: the repr of its preview, trimmed to 200 characters."""
    key = value.value_hash
    text = _DISPLAY_CACHE.get(key)
    if text is None:
        text = value_repr(value.preview)
        if len(_DISPLAY_CACHE) >= _DISPLAY_CACHE_SIZE:
            _DISPLAY_CACHE.clear()
        _DISPLAY_CACHE[key] = text
    return text


def display_call_node(call_node: CallNode, renames: dict[str, str]) -> str:
    """``task_name(param, ...)`` with the parameters renamed by ``renames``.

    Parameters come from the task source, or are ``arg0…`` (one per argument) when the
    source does not parse.
    """
    try:
        names = get_task_args(call_node.task)
    except SyntaxError:
        names = [get_default_arg_name(i) for i in range(len(call_node.arguments))]
    return "{}({})".format(call_node.task.name, ", ".join(renames.get(name, name) for name in names))


def display_node(node: Optional[DataflowNode], renames: dict[str, str]) -> tuple[str, str]:
    """``(prefix, text)`` for a node in an assignment or routing line."""
    if isinstance(node, CallNode):
        return "", display_call_node(node, renames)
    if isinstance(node, ArgumentValue):
        return "argument of", display_call_node(node.argument.call_node, renames)
    if isinstance(node, CallNodeValue):
        return "", display_call_node(node.call_node, renames)
    if isinstance(node, Value):
        return "", display_value(node)
    if node is None:
        return "", "origin"
    raise TypeError(f"Not a dataflow node: {node!r}")


def display_hash(node: Optional[DataflowNode]) -> str:
    """``<12345678> `` for a node with a hash, ``""`` otherwise."""
    node_hash = get_node_hash(node)
    return f"<{node_hash[:8]}> " if node_hash else ""


# A line of a rendered dataflow: pieces of text, each with the node it shows (or None).
Segment = tuple[str, Optional[Any]]


def iter_section_segments(dom: DataflowSectionDOM) -> Iterator[list[Segment]]:
    """Yields a section's lines as pieces of text tagged with the node each piece shows.

    This is the one layout of a section: :func:`display_section` joins the pieces. Hashes and
    node texts are tagged with their node (a Value, CallNode, ArgumentValue or CallNodeValue);
    argument lines tag the hash and the value text with the argument's Value.
    """
    assign = dom.assign
    line: list[Segment] = [(assign.var_name, None), (" <-- ", None)]
    if assign.prefix:
        line.append((assign.prefix + " ", None))
    node_hash = display_hash(assign.node)
    if node_hash:
        line.append((node_hash, assign.node))
    line.append((assign.node_display, assign.node))
    yield line

    indent = " " * (len(assign.var_name) + 1)
    for routing in dom.routing:
        line = [(indent + "<-- ", None)]
        if routing.prefix:
            line.append((routing.prefix + " ", None))
        node_hash = display_hash(routing.node)
        if node_hash:
            line.append((node_hash, routing.node))
        line.append((routing.node_display, routing.node))
        yield line

    if dom.args:
        width = max(len(arg.var_name) for arg in dom.args)
        for arg in dom.args:
            padding = " " * (width - len(arg.var_name))
            yield [
                ("  ", None),
                (arg.var_name, None),
                (padding + " = ", None),
                (f"<{arg.value.value_hash[:8]}> ", arg.value),
                (display_value(arg.value), arg.value),
            ]


def iter_dataflow_segments(dom: DataflowDOM) -> Iterator[list[Segment]]:
    """Yields every line of a dataflow as tagged pieces; a blank line (``[]``) ends each section.

    ``"".join(text for text, _ in line)`` is the corresponding line of :func:`display_dataflow`.
    """
    for section in dom:
        yield from iter_section_segments(section)
        yield []


def _join(line: list[Segment]) -> str:
    return "".join(text for text, _ in line)


def display_section(dom: DataflowSectionDOM) -> Iterator[str]:
    """Yields the text lines of a section."""
    for line in iter_section_segments(dom):
        yield _join(line)


def display_dataflow(dom: DataflowDOM) -> Iterator[str]:
    """Yields the text lines of a dataflow, a blank line after each section."""
    for line in iter_dataflow_segments(dom):
        yield _join(line)


def _latest_job(call_node: CallNode) -> Optional[Job]:
    # The most recent job (the first of equal start times, in row order); a CallNode
    # without jobs (redun raises IndexError) has none to link to.
    # Newest first; a start that is not a time (bad data, read as None) last.
    jobs = sorted(call_node.jobs, key=lambda job: job.start_time or _NO_TIME, reverse=True)
    return jobs[0] if jobs else None


def _call_node_links(node: Optional[DataflowNode]) -> tuple[Optional[str], Optional[str], Optional[str]]:
    call_node = get_dataflow_call_node(node)
    if call_node is None:
        return None, None, None
    job = _latest_job(call_node)
    if job is None:
        return call_node.call_hash, None, None
    return call_node.call_hash, job.id, job.execution_id


def serialize_section(dom: DataflowSectionDOM) -> dict:
    """A section as JSON-ready dicts, with the hash, job and execution of each call shown."""
    assign_node = dom.assign.node
    if isinstance(assign_node, Value):
        assign_hash, assign_job_id, assign_execution_id = assign_node.value_hash, None, None
    else:
        assign_hash, assign_job_id, assign_execution_id = _call_node_links(assign_node)

    routing = []
    for routing_def in dom.routing:
        call_hash, job_id, execution_id = _call_node_links(routing_def.node)
        routing.append(
            {
                "prefix": routing_def.prefix,
                "hash": call_hash,
                "display": routing_def.node_display,
                "job_id": job_id,
                "execution_id": execution_id,
            }
        )

    args = [
        {"var_name": arg.var_name, "hash": arg.value.value_hash, "value_display": display_value(arg.value)}
        for arg in dom.args
    ]
    return {
        "assign": {
            "var_name": dom.assign.var_name,
            "prefix": dom.assign.prefix,
            "display": dom.assign.node_display,
            "hash": assign_hash,
            "job_id": assign_job_id,
            "execution_id": assign_execution_id,
        },
        "routing": routing,
        "args": args,
    }


def _preload_jobs(sections: list[DataflowSectionDOM]) -> None:
    # serialize_section reads CallNode.jobs for every call shown: load the jobs of all of them
    # in one query instead of one lazy load per CallNode.
    by_session: dict[Session, dict[str, CallNode]] = defaultdict(dict)
    for section in sections:
        for node in chain([section.assign.node], (routing.node for routing in section.routing)):
            call_node = get_dataflow_call_node(node)
            if call_node is None or "jobs" not in sa.inspect(call_node).unloaded:
                continue
            session = object_session(call_node)
            if session is not None:
                by_session[session][call_node.call_hash] = call_node
    for session, call_nodes in by_session.items():
        graph = _Graph(session)
        graph.call_nodes.update(call_nodes)
        graph.load_jobs(call_nodes)


def serialize_dataflow(dom: DataflowDOM) -> Iterator[dict]:
    """Yields each section of a dataflow as JSON-ready dicts."""
    sections = list(dom)
    _preload_jobs(sections)
    for section in sections:
        yield serialize_section(section)
