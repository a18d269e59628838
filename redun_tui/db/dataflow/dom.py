"""Sections -> DOM: each section as an assignment, its routing and its arguments.

:func:`make_dataflow_dom` names every node with a unique variable (through
:class:`~redun_tui.db.dataflow.nodes.DataflowVars`) and gives the one layout-free description
both the text and the JSON renderings read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Optional

from redun_tui.db.dataflow.nodes import (
    ArgumentValue,
    CallNodeValue,
    DataflowArg,
    DataflowAssign,
    DataflowEdge,
    DataflowNode,
    DataflowRouting,
    DataflowSection,
    DataflowSectionDOM,
    DataflowSectionKind,
    DataflowVars,
    iter_unique,
)
from redun_tui.db.dataflow.render import display_node
from redun_tui.db.dataflow.sections import iter_dataflow_sections
from redun_tui.db.dataflow.walk import _gc_paused
from redun_tui.db.models import CallNode, Value


def _own_name(dataflow_vars: DataflowVars, node: DataflowNode) -> str:
    # redun assumes the node a section starts at was named by an earlier section and raises
    # KeyError when it was not (an argument that is only a routing step of another variable's
    # section, and also the start of a data section). Such a node gets a name of its own:
    # its parameter name, made unique.
    if node in dataflow_vars:
        return dataflow_vars[node]
    if isinstance(node, ArgumentValue):
        return dataflow_vars.new_var_name(node)[0]
    return dataflow_vars.new_var_name(node, "value")[0]


def _own_renames(dataflow_vars: DataflowVars, node: Optional[DataflowNode]) -> dict[str, str]:
    # An argument shown as a routing step that also has a variable of its own (only where
    # redun raises, see _own_name) shows that name in its call, to link the two sections.
    if not isinstance(node, ArgumentValue) or node not in dataflow_vars:
        return {}
    argument = node.argument
    if argument.arg_key:
        name = argument.arg_key
    else:
        names = dataflow_vars.get_task_args(argument.call_node.task)
        if argument.arg_position >= len(names):
            return {}
        name = names[argument.arg_position]
    return {name: dataflow_vars[node]}


def make_section_dom(
    section: DataflowSection,
    dataflow_vars: DataflowVars,
    new_varname: str = "value",
) -> DataflowSectionDOM:
    """The DOM of a call section: the assignment, the routing lines and the arguments.

    The first edge's source is the section's variable (the start value gets ``new_varname``);
    edges from a CallNode to an ArgumentValue define arguments (new variables); the others
    route the value. The call shown last lists its parameters under their new names.
    """
    src, assign_node = section[0]
    rest = section[1:]
    if isinstance(src, Value):
        assign_var_name = dataflow_vars[src] = new_varname
    elif isinstance(src, (ArgumentValue, CallNodeValue)):
        assign_var_name = _own_name(dataflow_vars, src)
    elif isinstance(src, CallNode):
        # A walk started at a CallNode (redun asserts here): the call's result is the new
        # variable, assigned from the call itself, whose edges give its arguments.
        assign_var_name = dataflow_vars[src] = new_varname
        assign_node, rest = src, section
    else:
        raise AssertionError(f"A section cannot start at {src!r}")

    routing_nodes: list[Optional[DataflowNode]] = []
    arg_defs: list[tuple[str, Value]] = []
    renames: dict[str, str] = {}
    # Does the section end in another variable (a merge) rather than at a call?
    is_var2var = isinstance(assign_node, (ArgumentValue, CallNodeValue))
    last_routing_node: Optional[DataflowNode] = None

    for edge_src, dest in rest:
        if isinstance(edge_src, CallNode) and isinstance(dest, ArgumentValue):
            var_name, base_var_name = dataflow_vars.new_var_name(dest)
            if base_var_name:
                renames[base_var_name] = var_name
            arg_defs.append((var_name, dest.value))
        else:
            last_routing_node = dest
            if isinstance(dest, CallNode):
                is_var2var = False
            # CallNodeValue -> its own CallNode adds nothing to show.
            if not (isinstance(edge_src, CallNodeValue) and isinstance(dest, CallNode)):
                routing_nodes.append(dest)

    # Only the last line shows the call whose parameters were renamed.
    last_line = len(routing_nodes)

    if is_var2var and not routing_nodes:
        base_name = dataflow_vars[section[0].src]
        var_name, _ = dataflow_vars.new_var_name(assign_node, base_name)
        dom_assign = DataflowAssign(assign_var_name, "", var_name, assign_node)
    else:
        assign_renames = renames if last_line == 0 else _own_renames(dataflow_vars, assign_node)
        prefix, node_display = display_node(assign_node, assign_renames)
        dom_assign = DataflowAssign(assign_var_name, prefix, node_display, assign_node)

    dom_routing: list[DataflowRouting] = []
    for line, dest in enumerate(routing_nodes, 1):
        line_renames = renames if line == last_line else _own_renames(dataflow_vars, dest)
        prefix, node_display = display_node(dest, line_renames)
        dom_routing.append(DataflowRouting(prefix, node_display, dest))

    if is_var2var and isinstance(last_routing_node, (ArgumentValue, CallNodeValue)):
        # The section ends at a merge node: it becomes a variable of its own.
        base_name = dataflow_vars[section[0].src]
        var_name, _ = dataflow_vars.new_var_name(last_routing_node, base_name)
        dom_routing.append(DataflowRouting("", var_name, last_routing_node))

    dom_args = [DataflowArg(var_name, value) for var_name, value in arg_defs]
    return DataflowSectionDOM(dom_assign, dom_routing, dom_args)


def make_data_section_dom(
    section: DataflowSection,
    dataflow_vars: DataflowVars,
    new_varname: str = "value",
) -> DataflowSectionDOM:
    """The DOM of a data section: a value that ``derives from`` other tasks' results.

    For ``parent = [task1(), task2()]; task3(parent)`` the section of ``parent`` reads
    ``parent <-- derives from`` followed by ``task1_result = …`` and ``task2_result = …``.
    """
    downstream_nodes = list(iter_unique(edge.src for edge in section))
    if len(downstream_nodes) != 1:
        raise ValueError(f"A data section has one downstream node, not {len(downstream_nodes)}")
    [downstream] = downstream_nodes
    assign_var_name = _own_name(dataflow_vars, downstream)

    args = []
    for upstream_node in iter_unique(edge.dest for edge in section):
        assert isinstance(upstream_node, CallNodeValue), upstream_node
        base_var_name = upstream_node.call_node.task.name + "_result"
        var_name, _ = dataflow_vars.new_var_name(upstream_node, base_var_name)
        args.append(DataflowArg(var_name, upstream_node.value))

    return DataflowSectionDOM(
        assign=DataflowAssign(var_name=assign_var_name, prefix="", node_display="derives from", node=None),
        routing=[],
        args=args,
    )


def make_dataflow_dom(
    dataflow_edges: Iterable[DataflowEdge], new_varname: str = "value"
) -> Iterator[DataflowSectionDOM]:
    """Yields the DOM of each section, giving every value a unique variable name.

    Args:
        dataflow_edges: the edges of a walk (:func:`walk_dataflow`).
        new_varname: the name of the value the walk started from.
    """
    dataflow_vars = DataflowVars()
    doms = []
    # Built in one go (no yield while the collector is paused, see _gc_paused).
    with _gc_paused():
        for kind, section in iter_dataflow_sections(dataflow_edges):
            if kind == DataflowSectionKind.CALL:
                doms.append(make_section_dom(section, dataflow_vars, new_varname=new_varname))
            elif kind == DataflowSectionKind.DATA:
                doms.append(make_data_section_dom(section, dataflow_vars, new_varname=new_varname))
            else:
                raise NotImplementedError(f"Unknown kind '{kind}'.")
    yield from doms
