"""The vocabulary of a dataflow: nodes, edges, sections, the DOM, and variable names.

The plain types every later step passes along (:class:`DataflowEdge`, :class:`DataflowSectionDOM`
...), redun's rules for naming a task's arguments, and :class:`DataflowVars`, which gives every
node shown a unique variable name. Separate because every other step imports it.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from textwrap import dedent
from typing import Any, NamedTuple, Optional, TypeVar, Union

from redun_tui.db.models import Argument, CallNode, Task, Value

T = TypeVar("T")

# Tasks redun runs on the user's behalf (script() is two of them); they only clutter a dataflow.
REDUN_INTERNAL_TASKS = {
    "redun.postprocess_script",
    "redun.script",
}


def iter_unique(items: Iterable[T], key: Callable[[T], Any] = lambda x: x) -> Iterator[T]:
    """Yields the items whose key was not seen before, in order.

    Args:
        items: anything iterable.
        key: maps an item to what makes it unique (the item itself by default).
    """
    seen: set[Any] = set()
    for item in items:
        item_key = key(item)
        if item_key not in seen:
            seen.add(item_key)
            yield item


class ArgumentValue(NamedTuple):
    """A dataflow node: one value (the whole argument or a subvalue of it) in an Argument."""

    argument: Argument
    value: Value


class CallNodeValue(NamedTuple):
    """A dataflow node: one value (the whole result or a subvalue of it) of a CallNode's result."""

    call_node: CallNode
    value: Value


# The kinds of node a dataflow graph is made of; None as an edge destination means "origin".
DataflowNode = Union[ArgumentValue, CallNodeValue, CallNode, Value]


class DataflowEdge(NamedTuple):
    """An edge of the dataflow graph, from a node to the node it came from (None: origin)."""

    src: DataflowNode
    dest: Optional[DataflowNode]


# The edges shown as one paragraph.
DataflowSection = list[DataflowEdge]


class DataflowSectionKind(Enum):
    """A section explains either a task call or how a value was built from other values."""

    CALL = "call"
    DATA = "data"


class DataflowAssign(NamedTuple):
    """The first line of a section: ``var_name <-- prefix <hash> node_display``."""

    var_name: str
    prefix: str
    node_display: str
    node: Optional[DataflowNode]


class DataflowRouting(NamedTuple):
    """A routing line of a section: ``<-- prefix <hash> node_display``."""

    prefix: str
    node_display: str
    node: Optional[DataflowNode]


class DataflowArg(NamedTuple):
    """An argument line of a section: ``var_name = <hash> value``."""

    var_name: str
    value: Value


class DataflowSectionDOM(NamedTuple):
    """One section of the DOM: its assignment, routing and argument clauses."""

    assign: DataflowAssign
    routing: list[DataflowRouting]
    args: list[DataflowArg]


# The whole DOM: the sections in display order.
DataflowDOM = Iterable[DataflowSectionDOM]


# ------------------------------------------------------------------------------------------
# Argument names
# ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _parse_arg_names(source: str) -> tuple[str, ...] | None:
    # Task sources are immutable per task hash, so parsing each distinct text once is enough.
    # None means "cannot be parsed as a function" (the caller raises SyntaxError).
    try:
        module = ast.parse(dedent(source))
    except (SyntaxError, ValueError):
        return None
    if not module.body or not isinstance(module.body[0], ast.FunctionDef):
        return None
    return tuple(arg.arg for arg in module.body[0].args.args)


def get_task_args(task: Task) -> list[str]:
    """The parameter names of a task, read from its source code.

    Only the ordinary parameters count (not positional-only, ``*args`` or keyword-only ones), as
    in redun. redun does not record parameter names, hence the parsing.

    Raises:
        SyntaxError: the source is not a plain (non-async) function definition.
    """
    names = _parse_arg_names(task.source or "")
    if names is None:
        raise SyntaxError("Source code is not a properly formatted function.")
    return list(names)


def make_var_name(var_name_base: str, name2var: dict[str, Any], suffix: int = 2) -> str:
    """A variable name not yet in ``name2var``: the base itself, else ``base_2``, ``base_3``...

    A numeric suffix already on the base is dropped first, so ``x_2`` grows into ``x_3``, not
    ``x_2_2``.
    """
    base = re.sub(r"_\d+$", "", var_name_base)
    if base not in name2var:
        return base
    while f"{base}_{suffix}" in name2var:
        suffix += 1
    return f"{base}_{suffix}"


def get_default_arg_name(pos: int) -> str:
    """The name shown for positional argument ``pos`` when the source gives none (``arg0``)."""
    return f"arg{pos}"


class DataflowVars:
    """The variable names given to dataflow nodes so far, both ways."""

    def __init__(self) -> None:
        self.var2name: dict[DataflowNode, str] = {}
        self.name2var: dict[str, DataflowNode] = {}
        self.task2args: dict[Task, list[str]] = {}
        # Base name -> the suffix to try first next time (see _unique_name).
        self._suffix_hints: dict[str, int] = {}

    def __getitem__(self, node: DataflowNode) -> str:
        return self.var2name[node]

    def __setitem__(self, node: DataflowNode, var_name: str) -> str:
        self.var2name[node] = var_name
        self.name2var[var_name] = node
        return var_name

    def __contains__(self, node: object) -> bool:
        return node in self.var2name

    def get_task_args(self, task: Task) -> list[str]:
        """The task's parameter names ([] when the source cannot be parsed)."""
        names = self.task2args.get(task)
        if not names:
            try:
                names = self.task2args[task] = get_task_args(task)
            except SyntaxError:
                return []
        return names

    def new_var_name(
        self, node: DataflowNode, base_var_name: Optional[str] = None
    ) -> tuple[str, Optional[str]]:
        """The node's variable name, giving it a new unique one if it has none yet.

        Args:
            node: the node to name.
            base_var_name: the name to start from; by default an ArgumentValue's parameter name.

        Returns:
            ``(var_name, base_var_name)``; ``base_var_name`` is None when the node already had a
            name.
        """
        existing = self.var2name.get(node)
        if existing:
            return existing, None
        if not base_var_name:
            assert isinstance(node, ArgumentValue), node
            argument = node.argument
            if argument.arg_key:
                base_var_name = argument.arg_key
            else:
                names = self.get_task_args(argument.call_node.task)
                position = argument.arg_position
                # redun indexes the names blindly and raises IndexError for the extra
                # arguments of *args; those get the default name instead.
                if names and position < len(names):
                    base_var_name = names[position]
                else:
                    base_var_name = get_default_arg_name(position)
        var_name = self._unique_name(base_var_name)
        self[node] = var_name
        return var_name, base_var_name

    def _unique_name(self, var_name_base: str) -> str:
        # make_var_name() searches suffixes from 2 each time: quadratic for the 2,000
        # "make_item_result_N" of a fan-out. Names are never released, so every suffix below
        # the last one found for a base is still taken and the search can resume there.
        base = re.sub(r"_\d+$", "", var_name_base)
        if base not in self.name2var:
            return base
        var_name = make_var_name(base, self.name2var, suffix=self._suffix_hints.get(base, 2))
        self._suffix_hints[base] = int(var_name.rsplit("_", 1)[1]) + 1
        return var_name


def is_internal_task(task: Task) -> bool:
    """True for redun's own helper tasks, which a dataflow skips."""
    return task.fullname in REDUN_INTERNAL_TASKS


def get_callnode_arguments(call_node: CallNode) -> list[Argument]:
    """A call's arguments: positional ones by position, then keyword ones by name."""
    positional = sorted(
        (arg for arg in call_node.arguments if arg.arg_position is not None),
        key=lambda arg: arg.arg_position,
    )
    keyword = sorted(
        (arg for arg in call_node.arguments if arg.arg_position is None),
        key=lambda arg: arg.arg_key,
    )
    return positional + keyword
