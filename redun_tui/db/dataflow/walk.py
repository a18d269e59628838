"""Walking the call graph upstream from a node: :func:`walk_dataflow` and its variants.

The edges are redun's, computed over a :class:`~redun_tui.db.dataflow.graph._Graph` that
loads rows in batches (the accessors raise ``_Missing`` until a round of loading has run).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any, Optional

from sqlalchemy.orm import object_session

from redun_tui.db.dataflow.graph import _Graph, _Missing
from redun_tui.db.dataflow.nodes import (
    ArgumentValue,
    CallNodeValue,
    DataflowEdge,
    DataflowNode,
    get_callnode_arguments,
    is_internal_task,
    iter_unique,
)
from redun_tui.db.models import CallNode, Value


def _first_ancestor_in(
    graph: _Graph, start: CallNode, targets: set[CallNode], seen: set[CallNode]
) -> Optional[CallNode]:
    """The first ancestor of ``start`` (depth-first, parents in call order) among ``targets``.

    Ancestors passed on the way are added to ``seen`` and not entered again by later searches
    sharing the set; the one found is not added (redun's recursive generator stops right after
    yielding it). Iterative, so a deep call stack cannot exhaust Python's recursion limit.
    """
    stack = [iter(graph.parents(start))]
    while stack:
        for parent in stack[-1]:
            if parent in seen:
                continue
            if parent in targets:
                return parent
            seen.add(parent)
            stack.append(iter(graph.parents(parent)))
            break
        else:
            stack.pop()
    return None


def _edges_value(graph: _Graph, value: Value) -> list[DataflowEdge]:
    # The CallNodes that returned the value, or returned a value containing it.
    candidates = list(
        iter_unique(
            chain(
                graph.results(value),
                (call_node for parent in graph.value_parents(value) for call_node in graph.results(parent)),
            )
        )
    )
    candidates = [cn for cn in candidates if not is_internal_task(cn.task)]
    graph.require_ancestors(candidates)

    # A candidate that is an ancestor of another candidate only routed the value through.
    targets = set(candidates)
    seen: set[CallNode] = set()
    routing: set[CallNode] = set()
    for call_node in candidates:
        ancestor = _first_ancestor_in(graph, call_node, targets, seen)
        if ancestor is not None:
            routing.add(ancestor)

    # Of the originating CallNodes, the one with the most recent job wins.
    best: Optional[CallNode] = None
    best_time: Any = None
    for call_node in candidates:
        if call_node in routing:
            continue
        for job in graph.jobs(call_node):
            # A start that is not a time (bad data, read as None) loses to any real one.
            start = job.start_time
            if best is None or (start is not None and (best_time is None or start > best_time)):
                best, best_time = call_node, start
    return [DataflowEdge(value, best)]


def _edges_callnode(graph: _Graph, call_node: CallNode) -> list[DataflowEdge]:
    graph.arguments(call_node)  # loads (and fills call_node.arguments)
    arguments = get_callnode_arguments(call_node)
    if not arguments:
        # No arguments: the call is an origin of the dataflow.
        return [DataflowEdge(call_node, None)]
    return [DataflowEdge(call_node, ArgumentValue(arg, arg.value)) for arg in arguments]


def _edges_callnode_value(graph: _Graph, call_node_value: CallNodeValue) -> list[DataflowEdge]:
    call_node, value = call_node_value
    # Follow the value down into the one child call that returned it (or a container of it);
    # with none or several such children, the whole call is the source.
    matches = []
    for child in graph.children(call_node):
        if is_internal_task(child.task):
            continue
        child_hash = child.value_hash
        if value.value_hash == child_hash or value.value_hash in graph.value_child_hashes(child_hash):
            matches.append(child)
    if len(matches) == 1:
        return [DataflowEdge(call_node_value, CallNodeValue(matches[0], value))]
    return [DataflowEdge(call_node_value, call_node)]


def _edges_argument_value(graph: _Graph, argument_value: ArgumentValue) -> list[DataflowEdge]:
    argument, value = argument_value
    call_node = argument.call_node
    upstream = graph.upstream(argument)
    own_parents = graph.parents(call_node)

    # The most recent CallNode that is a parent of the call and of all its upstream calls:
    # the scope in which the upstream calls were made, whose call order orders them.
    common = list(iter_unique(own_parents))
    for upstream_node in upstream:
        theirs = set(graph.parents(upstream_node))
        common = [node for node in common if node in theirs]
    context = max(common, key=lambda node: node.timestamp, default=None)

    if context is not None:
        ordered = [
            (upstream_node, order)
            for upstream_node in upstream
            for parent, order in graph.parent_edges(upstream_node)
            if parent is context
        ]
        # Latest call first: the walk's stack pops them back into call order.
        ordered.sort(key=lambda pair: pair[1], reverse=True)
        upstream = [node for node, _ in ordered]

    edges: list[DataflowEdge] = []
    for upstream_node in iter_unique(upstream):
        result = upstream_node.value
        subvalues = sorted(graph.value_children(result), key=lambda child: child.value_hash)
        matched = False
        for result_value in iter_unique(chain([result], subvalues)):
            if result_value.value_hash == value.value_hash:
                matched = True
                edges.append(DataflowEdge(argument_value, CallNodeValue(upstream_node, result_value)))
        if not matched:
            # The value is not visibly inside the result: the whole result is the source.
            edges.append(DataflowEdge(argument_value, CallNodeValue(upstream_node, result)))

    # The value may also have been passed down from an argument of the (most recent) parent.
    parents = sorted(own_parents, key=lambda node: node.timestamp, reverse=True)
    for parent in parents[:1]:
        for parent_argument in graph.arguments(parent):
            parent_value = parent_argument.value
            candidates = chain([parent_value.value_hash], graph.value_child_hashes(parent_value.value_hash))
            for candidate in candidates:
                if candidate == value.value_hash:
                    edges.append(DataflowEdge(argument_value, ArgumentValue(parent_argument, value)))

    if not edges:
        # Nothing upstream: the value came from the user or was made inside the task.
        edges.append(DataflowEdge(argument_value, None))
    return edges


def _node_edges(graph: _Graph, node: DataflowNode) -> list[DataflowEdge]:
    if isinstance(node, Value):
        return _edges_value(graph, node)
    if isinstance(node, CallNode):
        return _edges_callnode(graph, node)
    if isinstance(node, ArgumentValue):
        return _edges_argument_value(graph, node)
    if isinstance(node, CallNodeValue):
        return _edges_callnode_value(graph, node)
    raise TypeError(f"Not a dataflow node: {node!r}")


def _register(graph: _Graph, node: DataflowNode) -> None:
    # The walk starts from objects of the caller's session: make the graph know them.
    if isinstance(node, Value):
        graph.values.setdefault(node.value_hash, node)
    elif isinstance(node, CallNode):
        graph.add_call_nodes([node])
    elif isinstance(node, ArgumentValue):
        graph.values.setdefault(node.value.value_hash, node.value)
        graph.load_values([node.argument.value_hash])
        graph.load_call_nodes([node.argument.call_hash])
    elif isinstance(node, CallNodeValue):
        graph.values.setdefault(node.value.value_hash, node.value)
        graph.add_call_nodes([node.call_node])


def _compute_edges(graph: _Graph, nodes: list[DataflowNode]) -> dict[DataflowNode, list[DataflowEdge]]:
    """The edges of each node, loading what the whole batch needs a query per kind at a time."""
    found: dict[DataflowNode, list[DataflowEdge]] = {}
    todo = nodes
    while todo:
        retry = []
        for node in todo:
            try:
                found[node] = _node_edges(graph, node)
            except _Missing:
                retry.append(node)
        if retry:
            if not graph.has_pending():
                raise AssertionError("dataflow walk made no progress")  # a loader bug
            graph.load_pending()
        todo = retry
    return found


def _graph_for(backend: Any, node: DataflowNode) -> _Graph:
    orm_object = node
    if isinstance(node, ArgumentValue):
        orm_object = node.argument
    elif isinstance(node, CallNodeValue):
        orm_object = node.call_node
    session = object_session(orm_object)
    if session is None:
        session = backend.session
    graph = _Graph(session)
    _register(graph, node)
    return graph


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pauses the cyclic garbage collector while a walk or a DOM creates thousands of objects.

    Running, the collector scans the new ORM objects and tuples again and again as they age
    through its generations; paused, it scans them once when it resumes. Measured on the
    2,000-input fan-out benchmark: walk + DOM + text 0.95 s paused against 1.25-1.5 s running.
    None of these objects is garbage before the walk ends, so nothing is kept longer.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _walk(graph: _Graph, init_node: DataflowNode) -> list[DataflowEdge]:
    # 1. Breadth first, a frontier at a time, so that loading is batched per level.
    node_edges: dict[DataflowNode, list[DataflowEdge]] = {}
    frontier = [init_node]
    queued = {init_node}
    while frontier:
        node_edges.update(_compute_edges(graph, frontier))
        next_frontier = []
        for node in frontier:
            for edge in node_edges[node]:
                dest = edge.dest
                if dest is not None and dest not in queued:
                    queued.add(dest)
                    next_frontier.append(dest)
        frontier = next_frontier

    # 2. Replay redun's depth-first order (a stack, siblings pushed in reverse) on the
    # computed edges: the order of the edges decides the order of the sections.
    edges: list[DataflowEdge] = []
    stack: list[DataflowNode] = [init_node]
    seen: set[DataflowNode] = set()
    while stack:
        node = stack.pop()
        child_edges = node_edges[node]
        edges.extend(child_edges)
        for edge in reversed(child_edges):
            dest = edge.dest
            if dest is not None and dest not in seen:
                seen.add(dest)
                stack.append(dest)
    return edges


def walk_dataflow(backend: Any, init_node: DataflowNode) -> Iterator[DataflowEdge]:
    """Yields every upstream dataflow edge of a node, in redun's depth-first order.

    The graph is read in batches (see :class:`_Graph`): a few dozen statements however deep
    the graph, where redun issues one per lazy relationship.

    Args:
        backend: a loaded RedunBackendDb (its session is used unless the node's ORM objects
            belong to another session).
        init_node: a Value, CallNode, CallNodeValue or ArgumentValue.
    """
    with _gc_paused():
        graph = _graph_for(backend, init_node)
        graph.prefetch(init_node)
        edges = _walk(graph, init_node)
    yield from edges


def _walk_one(backend: Any, node: DataflowNode) -> Iterator[DataflowEdge]:
    graph = _graph_for(backend, node)
    yield from _compute_edges(graph, [node])[node]


def walk_dataflow_value(backend: Any, value: Value) -> Iterator[DataflowEdge]:
    """Yields the edge from a Value to the CallNode that produced it (None: origin).

    Of the CallNodes that returned the value or a value containing it, those that are
    ancestors of another one only routed it; of the rest, the one with the latest job wins.
    """
    return _walk_one(backend, value)


def walk_dataflow_callnode(backend: Any, call_node: CallNode) -> Iterator[DataflowEdge]:
    """Yields an edge from a CallNode to each of its arguments (or to None if it has none)."""
    return _walk_one(backend, call_node)


def walk_dataflow_callnode_value(backend: Any, call_node_value: CallNodeValue) -> Iterator[DataflowEdge]:
    """Yields the edge from a CallNode's result value to the child call that returned it.

    When exactly one child call returned the value (or a container of it), the edge leads to
    that child's CallNodeValue; otherwise to the CallNode itself.
    """
    return _walk_one(backend, call_node_value)


def walk_dataflow_argument_value(backend: Any, argument_value: ArgumentValue) -> Iterator[DataflowEdge]:
    """Yields the edges from an argument's value to where it came from.

    The value came from the result of upstream calls (CallNodeValue), from an argument of the
    parent call (ArgumentValue), or from nowhere recorded (None: origin).
    """
    return _walk_one(backend, argument_value)


def walk_dataflow_node(backend: Any, node: DataflowNode) -> Iterator[DataflowEdge]:
    """Yields the upstream edges of any dataflow node (one step, not the whole walk)."""
    if not isinstance(node, (Value, CallNode, ArgumentValue, CallNodeValue)):
        raise TypeError(f"Not a dataflow node: {node!r}")
    return _walk_one(backend, node)
