"""Upstream dataflow of a value: walk -> edges -> sections -> DOM -> text or JSON.

"Where did this value come from?" is answered in four steps, each a public function so that
the TUI's dataflow pane and the ``redun-tui dataflow`` command share them:

1. :func:`walk_dataflow` walks the call graph upstream from a Value (or CallNode, ArgumentValue,
   CallNodeValue) and returns :class:`DataflowEdge` s between *dataflow nodes*.
2. :func:`iter_dataflow_sections` groups the edges into sections ("paragraphs").
3. :func:`make_dataflow_dom` turns the sections into a DOM of :class:`DataflowSectionDOM` s,
   naming every value with a unique variable name (``ref_genome``, ``ref_genome_2``...).
4. :func:`display_dataflow` renders the DOM as text lines and :func:`serialize_dataflow` as JSON.
   :func:`iter_dataflow_segments` is the single layout both the text and the TUI use: each line
   as pieces of text tagged with the dataflow node they show.

The output is the same, line for line, as redun 0.44.1's ``redun.backends.db.dataflow``. Two
things differ on purpose (see ``docs/dataflow.md``):

- The walk reads the call graph in batches: one recursive CTE finds every state the walk can
  reach, then one query per kind of row loads them all (about 16 statements per walk, where
  redun issues one per lazy relationship, thousands for a deep graph); whatever that missed is
  loaded a frontier at a time. Relationships the DOM code reads later (``CallNode.task``,
  ``.arguments``, ``.jobs``...) are filled in on the ORM objects so that no lazy load fires.
- Where redun raises (IndexError for variadic positional arguments, KeyError or IndexError when
  one argument is reached both by routing and as a data section), a sensible dataflow is made.

Where redun's result depends on the iteration order of Python sets of ORM objects (ties that do
not occur in practice), this package uses the order in which the database returned the rows.

One module per step: ``nodes`` (the types and variable names), ``graph`` (the batch loader),
``walk``, ``sections``, ``dom`` and ``render`` (text and JSON). This module only re-exports
them; patch a name where it is read (``dataflow.render.display_value``), not here.
"""

from __future__ import annotations

from redun_tui.db.dataflow.dom import make_data_section_dom, make_dataflow_dom, make_section_dom
from redun_tui.db.dataflow.graph import _Graph as _Graph
from redun_tui.db.dataflow.nodes import (
    REDUN_INTERNAL_TASKS,
    ArgumentValue,
    CallNodeValue,
    DataflowArg,
    DataflowAssign,
    DataflowDOM,
    DataflowEdge,
    DataflowNode,
    DataflowRouting,
    DataflowSection,
    DataflowSectionDOM,
    DataflowSectionKind,
    DataflowVars,
    get_callnode_arguments,
    get_default_arg_name,
    get_task_args,
    is_internal_task,
    iter_unique,
    make_var_name,
)
from redun_tui.db.dataflow.render import _DISPLAY_CACHE as _DISPLAY_CACHE
from redun_tui.db.dataflow.render import (
    Segment,
    display_call_node,
    display_dataflow,
    display_hash,
    display_node,
    display_section,
    display_value,
    get_dataflow_call_node,
    get_node_hash,
    iter_dataflow_segments,
    iter_section_segments,
    serialize_dataflow,
    serialize_section,
)
from redun_tui.db.dataflow.sections import (
    get_section_edge_type,
    iter_dataflow_sections,
    iter_subsections,
    rewrite_call_node_merges,
    toposort_edges,
)
from redun_tui.db.dataflow.walk import (
    walk_dataflow,
    walk_dataflow_argument_value,
    walk_dataflow_callnode,
    walk_dataflow_callnode_value,
    walk_dataflow_node,
    walk_dataflow_value,
)
from redun_tui.db.values import trim_string

__all__ = [
    "REDUN_INTERNAL_TASKS",
    "Segment",
    "ArgumentValue",
    "CallNodeValue",
    "DataflowArg",
    "DataflowAssign",
    "DataflowDOM",
    "DataflowEdge",
    "DataflowNode",
    "DataflowRouting",
    "DataflowSection",
    "DataflowSectionDOM",
    "DataflowSectionKind",
    "DataflowVars",
    "display_call_node",
    "display_dataflow",
    "display_hash",
    "display_node",
    "display_section",
    "display_value",
    "get_callnode_arguments",
    "get_dataflow_call_node",
    "get_default_arg_name",
    "get_node_hash",
    "get_section_edge_type",
    "get_task_args",
    "is_internal_task",
    "iter_dataflow_sections",
    "iter_dataflow_segments",
    "iter_section_segments",
    "iter_subsections",
    "iter_unique",
    "make_data_section_dom",
    "make_dataflow_dom",
    "make_section_dom",
    "make_var_name",
    "rewrite_call_node_merges",
    "serialize_dataflow",
    "serialize_section",
    "toposort_edges",
    "trim_string",
    "walk_dataflow",
    "walk_dataflow_argument_value",
    "walk_dataflow_callnode",
    "walk_dataflow_callnode_value",
    "walk_dataflow_node",
    "walk_dataflow_value",
]
