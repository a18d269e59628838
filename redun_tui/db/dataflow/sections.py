"""Edges -> sections: grouping a walk's edges into the paragraphs a dataflow prints.

Ordering (:func:`toposort_edges`), merging call nodes redun shows once
(:func:`rewrite_call_node_merges`) and splitting into assign, routing and data sections
(:func:`iter_dataflow_sections`), as redun 0.44.1 does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Optional

from redun_tui.db.dataflow.nodes import (
    ArgumentValue,
    CallNodeValue,
    DataflowEdge,
    DataflowNode,
    DataflowSection,
    DataflowSectionKind,
    iter_unique,
)
from redun_tui.db.models import CallNode, Value


def get_section_edge_type(edge: DataflowEdge) -> str:
    """Classifies an edge: ``data``, ``call_arg``, ``call_result``, ``call_result_routing``,
    ``call_arg_result_routing``, ``call_arg_routing``, ``call_origin``, ``call_arg_origin`` or
    ``call_value_origin``.

    Raises:
        AssertionError: for a pair of node kinds the walk never produces.
    """
    src, dest = edge
    if isinstance(src, ArgumentValue):
        if isinstance(dest, CallNodeValue):
            if src.value.value_hash != dest.value.value_hash:
                return "data"
            return "call_arg_result_routing"
        if isinstance(dest, ArgumentValue):
            return "call_arg_routing"
        if dest is None:
            return "call_arg_origin"
    elif isinstance(src, CallNode):
        if isinstance(dest, ArgumentValue):
            return "call_arg"
        if dest is None:
            return "call_origin"
    elif isinstance(src, CallNodeValue):
        if isinstance(dest, CallNode):
            return "call_result"
        if isinstance(dest, CallNodeValue):
            return "call_result_routing"
    elif isinstance(src, Value):
        if isinstance(dest, CallNode):
            return "call_result"
        if dest is None:
            return "call_value_origin"
    raise AssertionError(f"Unknown edge type {edge}")


def toposort_edges(edges: Iterable[DataflowEdge]) -> Iterator[DataflowEdge]:
    """Yields the edges in depth-first topological order (a node's edges after all edges into it).

    Roots are taken in order of first appearance, from a stack (so the last root first), and
    siblings keep their order. Linear in the number of edges.
    """
    indegree: dict[DataflowNode, int] = {}
    out_edges: dict[DataflowNode, list[DataflowEdge]] = defaultdict(list)
    for edge in edges:
        out_edges[edge.src].append(edge)
        indegree.setdefault(edge.src, 0)
        if edge.dest:
            indegree[edge.dest] = indegree.get(edge.dest, 0) + 1

    stack = [node for node, degree in indegree.items() if degree == 0]
    while stack:
        node = stack.pop()
        node_edges = out_edges.get(node, ())
        yield from node_edges
        for edge in reversed(node_edges):
            dest = edge.dest
            if dest:
                indegree[dest] -= 1
                if indegree[dest] == 0:
                    stack.append(dest)


def rewrite_call_node_merges(edges: list[DataflowEdge]) -> list[DataflowEdge]:
    """Makes every CallNode that several CallNodeValues lead to have a single CallNodeValue.

    ``A1 -> CallNodeValue(c, v1) -> c`` and ``A2 -> CallNodeValue(c, v2) -> c`` become
    ``A1 -> CallNodeValue(c, c.value)``, ``A2 -> CallNodeValue(c, c.value)`` and
    ``CallNodeValue(c, c.value) -> c``; the new edges go right before the first edge leaving
    ``c``. Linear: the rewrites of all merge nodes are collected first and applied in one pass
    (they never touch each other's edges, since every edge involved leads into its own merge
    node's CallNodeValues).
    """
    into: dict[DataflowNode, list[DataflowEdge]] = defaultdict(list)
    first_out: dict[DataflowNode, int] = {}
    for index, edge in enumerate(edges):
        first_out.setdefault(edge.src, index)
        if edge.dest:
            into[edge.dest].append(edge)

    removed: set[DataflowEdge] = set()
    inserted: dict[int, list[DataflowEdge]] = defaultdict(list)
    appended: list[DataflowEdge] = []
    for node, node_in in list(into.items()):
        if not isinstance(node, CallNode) or len(node_in) < 2:
            continue
        sources = [edge.src for edge in node_in]
        upstream_edges = [edge for source in sources for edge in into.get(source, ())]
        upstream_nodes = list(iter_unique(edge.src for edge in upstream_edges))
        removed.update(node_in)
        removed.update(upstream_edges)
        unified = CallNodeValue(node, node.value)
        new_edges = [DataflowEdge(upstream, unified) for upstream in upstream_nodes]
        new_edges.append(DataflowEdge(unified, node))
        position = first_out.get(node)
        if position is None:
            # A merge node without outgoing edges cannot come out of a walk (redun would
            # raise here); keep the new edges rather than lose them.
            appended.extend(new_edges)
        else:
            inserted[position].extend(new_edges)

    if not removed:
        return list(edges)
    result: list[DataflowEdge] = []
    for index, edge in enumerate(edges):
        if index in inserted:
            result.extend(inserted[index])
        if edge not in removed:
            result.append(edge)
    result.extend(appended)
    return result


def iter_subsections(section: DataflowSection) -> Iterator[DataflowSection]:
    """Splits a section at its merge nodes (nodes several edges lead into).

    Each root and each merge node starts a linear path that runs until a node with other than
    one outgoing edge (whose edges end the subsection) or until the next merge node. A value
    passed to two tasks whose results meet again thus shows as ``c <-- c_2``, ``d <-- c_2``
    and a section for ``c_2``. Sections without merge nodes are yielded unchanged.
    """
    out_edges: dict[Optional[DataflowNode], list[DataflowEdge]] = defaultdict(list)
    in_count: dict[DataflowNode, int] = defaultdict(int)
    for edge in section:
        out_edges[edge.src].append(edge)
        if edge.dest:
            in_count[edge.dest] += 1

    merge_nodes = [node for node, count in in_count.items() if count > 1]
    if not merge_nodes:
        yield section
        return

    merge_set = set(merge_nodes)
    roots = [node for node in iter_unique(edge.src for edge in section) if not in_count.get(node)]
    for start in roots + merge_nodes:
        subsection: DataflowSection = []
        node: Optional[DataflowNode] = start
        while True:
            next_edges = out_edges.get(node, []) if node is not None else []
            if len(next_edges) != 1:
                subsection.extend(next_edges)
                break
            edge = next_edges[0]
            subsection.append(edge)
            if edge.dest in merge_set:
                break
            node = edge.dest
        # redun yields an empty subsection for a merge node without outgoing edges in this
        # section, and then fails on it (IndexError); there is nothing to show for it.
        if subsection:
            yield subsection


def iter_dataflow_sections(
    dataflow_edges: Iterable[DataflowEdge],
) -> Iterator[tuple[DataflowSectionKind, DataflowSection]]:
    """Groups edges into sections: one per task call a value went through, one per data merge.

    A call section starts at a new variable (an argument of a walked call) and follows its
    routing up to the call that made the value, whose arguments end it. Edges from an argument
    to a different value of an upstream result (the argument was built from it) form data
    sections. Sections come out in the order of their last edge in the sorted walk.
    """
    sorted_edges = rewrite_call_node_merges(list(toposort_edges(dataflow_edges)))

    # Sections are lists shared by all their nodes; joining two sections extends one list
    # and re-points only the joining node, exactly as redun does (so output matches).
    node_section: dict[DataflowNode, list[tuple[int, DataflowEdge]]] = {}
    data_sections: dict[DataflowNode, list[tuple[int, DataflowEdge]]] = defaultdict(list)
    new_vars: set[DataflowNode] = set()

    for index, edge in enumerate(sorted_edges):
        edge_type = get_section_edge_type(edge)
        if edge_type == "data":
            data_sections[edge.src].append((index, edge))
            continue
        if edge_type == "call_arg":
            new_vars.add(edge.dest)

        if edge.src in new_vars:
            section = [(index, edge)]
        else:
            section = node_section.get(edge.src)
            if section is None:
                section = node_section[edge.src] = []
            section.append((index, edge))

        if edge.dest:
            dest_section = node_section.get(edge.dest)
            if dest_section is None:
                node_section[edge.dest] = section
            else:
                dest_section.extend(section)
                node_section[edge.src] = dest_section

    def ordered(kind: DataflowSectionKind, entries: list[tuple[int, DataflowEdge]]) -> tuple:
        last = max(index for index, _ in entries)
        return (kind, last, list(iter_unique(edge for _, edge in entries)))

    sections = [
        ordered(DataflowSectionKind.CALL, entries)
        for entries in iter_unique(node_section.values(), key=id)
    ]
    sections.extend(ordered(DataflowSectionKind.DATA, entries) for entries in data_sections.values())
    sections.sort(key=lambda row: row[1])

    for kind, _, section_edges in sections:
        if kind == DataflowSectionKind.CALL:
            for subsection in iter_subsections(section_edges):
                yield kind, subsection
        else:
            yield kind, section_edges
