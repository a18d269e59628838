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
not occur in practice), this module uses the order in which the database returned the rows.
"""

from __future__ import annotations

import ast
import functools
import gc
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from itertools import chain
from textwrap import dedent
from typing import Any, NamedTuple, Optional, TypeVar, Union

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from redun_tui.db.models import (
    Argument,
    ArgumentResult,
    CallEdge,
    CallNode,
    Job,
    Subvalue,
    Task,
    Value,
)
from redun_tui.db.values import trim_string, value_repr

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


# ------------------------------------------------------------------------------------------
# Batched loading of the call graph
# ------------------------------------------------------------------------------------------

# Rows per IN list: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
_IN_CHUNK = 5000


class _Missing(Exception):
    """Raised by a graph accessor whose data is not loaded yet (the key is queued for loading)."""


class _Graph:
    """The part of the call graph a walk needs, loaded in batches and kept by hash.

    The walk code asks for data with the accessors (``results``, ``parents``...). An accessor
    whose data is not loaded queues the key and raises :class:`_Missing`; the walker catches
    that, loads every queued key of every node of its frontier in one query per kind, and
    retries. Loaded ORM objects also get their relationships (``task``, ``value``,
    ``arguments``, ``jobs``, ``call_node``) filled in, so later attribute reads do not query.

    Rows come back in the order redun's lazy loads see them on SQLite (the rowid order of the
    index redun's query uses), because several of redun's choices depend on that order.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        bind = session.get_bind()
        self.is_sqlite = bind.dialect.name == "sqlite"
        self.call_nodes: dict[str, CallNode] = {}
        self.values: dict[str, Value] = {}
        self.tasks: dict[str, Task] = {}
        self._args: dict[str, list[Argument]] = {}
        self._jobs: dict[str, list[Job]] = {}
        self._parent_edges: dict[str, list[tuple[str, int]]] = {}
        self._parents_sorted: dict[str, list[CallNode]] = {}
        self._children: dict[str, list[str]] = {}
        self._upstream: dict[str, list[str]] = {}
        self._value_children: dict[str, list[str]] = {}
        self._value_parents: dict[str, list[str]] = {}
        self._results: dict[str, list[str]] = {}
        self._ancestors_done: set[str] = set()
        self._pending: dict[str, set[str]] = defaultdict(set)

    # -- accessors (raise _Missing) ------------------------------------------------------

    def _need(self, kind: str, key: str) -> None:
        self._pending[kind].add(key)
        raise _Missing(kind)

    def value_children(self, value: Value) -> list[Value]:
        """The values directly inside ``value`` (subvalue rowid order)."""
        hashes = self._value_children.get(value.value_hash)
        if hashes is None:
            self._need("value_children", value.value_hash)
        return [self.values[h] for h in hashes]

    def value_child_hashes(self, value_hash: str) -> list[str]:
        """Hashes of the values directly inside a value."""
        hashes = self._value_children.get(value_hash)
        if hashes is None:
            self._need("value_children", value_hash)
        return hashes

    def value_parents(self, value: Value) -> list[Value]:
        """The values that contain ``value`` (by parent hash, as redun's lazy load sees them)."""
        hashes = self._value_parents.get(value.value_hash)
        if hashes is None:
            self._need("value_parents", value.value_hash)
        return [self.values[h] for h in hashes]

    def results(self, value: Value) -> list[CallNode]:
        """The CallNodes whose result is ``value``."""
        hashes = self._results.get(value.value_hash)
        if hashes is None:
            self._need("results", value.value_hash)
        return [self.call_nodes[h] for h in hashes]

    def arguments(self, call_node: CallNode) -> list[Argument]:
        """A CallNode's arguments in row order."""
        args = self._args.get(call_node.call_hash)
        if args is None:
            self._need("arguments", call_node.call_hash)
        return args

    def parent_edges(self, call_node: CallNode) -> list[tuple[CallNode, int]]:
        """``(parent, call_order)`` for each call edge into the node, in row order."""
        edges = self._parent_edges.get(call_node.call_hash)
        if edges is None:
            self._need("parents", call_node.call_hash)
        return [(self.call_nodes[h], order) for h, order in edges]

    def parents(self, call_node: CallNode) -> list[CallNode]:
        """Parent CallNodes ordered by call order, repeats kept (as ``CallNode.parents``)."""
        parents = self._parents_sorted.get(call_node.call_hash)
        if parents is None:
            edges = self.parent_edges(call_node)
            parents = [parent for parent, _ in sorted(edges, key=lambda edge: edge[1])]
            self._parents_sorted[call_node.call_hash] = parents
        return parents

    def children(self, call_node: CallNode) -> list[CallNode]:
        """Child CallNodes in call order, repeats kept (as ``CallNode.children``)."""
        hashes = self._children.get(call_node.call_hash)
        if hashes is None:
            self._need("children", call_node.call_hash)
        return [self.call_nodes[h] for h in hashes]

    def upstream(self, argument: Argument) -> list[CallNode]:
        """The CallNodes whose results flowed into an argument (by call hash)."""
        hashes = self._upstream.get(argument.arg_hash)
        if hashes is None:
            self._need("upstream", argument.arg_hash)
        return [self.call_nodes[h] for h in hashes]

    def require_ancestors(self, call_nodes: Iterable[CallNode]) -> None:
        """Makes sure the parents of every ancestor of these nodes are loaded."""
        missing = False
        for call_node in call_nodes:
            if call_node.call_hash not in self._ancestors_done:
                self._pending["ancestors"].add(call_node.call_hash)
                missing = True
        if missing:
            raise _Missing("ancestors")

    def jobs(self, call_node: CallNode) -> list[Job]:
        """A CallNode's jobs in row order."""
        jobs = self._jobs.get(call_node.call_hash)
        if jobs is None:
            self._need("jobs", call_node.call_hash)
        return jobs

    # -- loading --------------------------------------------------------------------------

    def _rowid(self, table: sa.Table) -> Any:
        # The order in which SQLite hands back rows of an index lookup; PostgreSQL has no
        # such order, so the primary key makes the result at least deterministic there.
        if self.is_sqlite:
            return sa.literal_column(f"{table.name}.rowid")
        return None

    def _keys(self, keys: list[str]) -> Any:
        # On SQLite the keys travel as one JSON parameter (json_each): a 2,000-key IN list
        # would cost 2,000 bound parameters to compile and bind. Elsewhere, a plain IN list.
        if self.is_sqlite:
            return sa.select(sa.func.json_each(json.dumps(keys)).table_valued("value").c.value)
        return keys

    def _select_in(self, stmt_for: Callable[[Any], Any], keys: Iterable[str]) -> list[Any]:
        keys = sorted(set(keys))
        if not keys:
            return []
        chunk = len(keys) if self.is_sqlite else _IN_CHUNK
        rows: list[Any] = []
        for start in range(0, len(keys), chunk):
            rows.extend(self.session.execute(stmt_for(self._keys(keys[start : start + chunk]))).all())
        return rows

    # The states a walk can reach, over-approximated, as a recursive CTE. A state is
    # (kind, key, v): "A" = value v traced in argument key, "R" = value v traced in the result
    # of call node key, "C" = the arguments of call node key. The moves mirror the walk's
    # without its choices (all parents rather than the most recent, every matching child, a
    # call's arguments always), so the data loaded is a superset of what the walk reads;
    # anything missed would still be loaded by the rounds. Each move is (columns, tables,
    # condition) over the current state ``w``.
    _MOVES = [
        # An argument's value from an upstream call's result (the value itself, if inside)...
        (
            "'R', u.call_hash, w.v, ''",
            "argument_result ar JOIN call_node u ON u.call_hash = ar.result_call_hash",
            "w.kind = 'A' AND ar.arg_hash = w.key AND (u.value_hash = w.v OR EXISTS ("
            "SELECT 1 FROM subvalue s WHERE s.parent_value_hash = u.value_hash AND s.value_hash = w.v))",
        ),
        # ... or that whole result.
        (
            "'R', u.call_hash, u.value_hash, ''",
            "argument_result ar JOIN call_node u ON u.call_hash = ar.result_call_hash",
            "w.kind = 'A' AND ar.arg_hash = w.key",
        ),
        # An argument routed from an argument of a parent call.
        (
            "'A', pa.arg_hash, w.v, pa.call_hash",
            "call_edge e JOIN argument pa ON pa.call_hash = e.parent_id",
            "w.kind = 'A' AND e.child_id = w.c AND (pa.value_hash = w.v OR EXISTS ("
            "SELECT 1 FROM subvalue s WHERE s.parent_value_hash = pa.value_hash AND s.value_hash = w.v))",
        ),
        # A result routed from a child call that returned it.
        (
            "'R', d.call_hash, w.v, ''",
            "call_edge e JOIN call_node d ON d.call_hash = e.child_id",
            "w.kind = 'R' AND e.parent_id = w.key AND (d.value_hash = w.v OR EXISTS ("
            "SELECT 1 FROM subvalue s WHERE s.parent_value_hash = d.value_hash AND s.value_hash = w.v))",
        ),
        # A result made by the call itself: its arguments.
        ("'C', w.key, '', ''", "", "w.kind = 'R'"),
        ("'A', a.arg_hash, a.value_hash, a.call_hash", "argument a", "w.kind = 'C' AND a.call_hash = w.key"),
    ]

    @classmethod
    def closure_sql(cls, seeds: list[tuple[str, str, str]], dialect: str) -> str:
        """The closure query: rows ``(kind, key, v, c)``, ``c`` being an "A" state's call.

        Args:
            seeds: the start states as ``(columns, tables, condition)`` SELECT parts.
            dialect: SQLite (>= 3.34) accepts one recursive SELECT per move; PostgreSQL allows a
                single reference to the recursive table, so there the moves are a LATERAL union.
        """

        def select(columns: str, tables: str, condition: str) -> str:
            if dialect != "sqlite":
                # PostgreSQL wants the same column types in every term of a recursive CTE.
                columns = ", ".join(f"CAST({column} AS TEXT)" for column in columns.split(", "))
            text = f"SELECT {columns}"
            if tables:
                text += f" FROM {tables}"
            if condition:
                text += f" WHERE {condition}"
            return text

        seed = " UNION ".join(select(*part) for part in seeds)
        if dialect == "sqlite":
            terms = [
                select(columns, f"walk w, {tables}" if tables else "walk w", condition)
                for columns, tables, condition in cls._MOVES
            ]
            recursive = "\n  UNION\n  ".join(terms)
        else:
            moves = "\n    UNION ALL\n    ".join(select(*move) for move in cls._MOVES)
            recursive = (
                "SELECT t.kind, t.key, t.v, t.c FROM walk w CROSS JOIN LATERAL (\n    "
                + moves
                + "\n  ) AS t(kind, key, v, c)"
            )
        return (
            "WITH RECURSIVE\n"
            f"seed(kind, key, v, c) AS ({seed}),\n"
            "walk(kind, key, v, c) AS (\n"
            "  SELECT kind, key, v, c FROM seed\n"
            f"  UNION\n  {recursive}\n"
            ")\n"
            "SELECT kind, key, v, c FROM walk LIMIT :limit"
        )

    # Past this many states the prefetch is abandoned (the rounds still load what is needed).
    _CLOSURE_LIMIT = 300_000

    def prefetch(self, init_node: DataflowNode) -> bool:
        """Loads, in a fixed handful of statements, everything a walk from ``init_node`` reads.

        Returns:
            False for a database other than SQLite and PostgreSQL, or when the closure is too
            large; the walk then loads a frontier at a time.
        """
        dialect = self.session.get_bind().dialect.name
        if dialect not in ("sqlite", "postgresql"):
            return False
        params: dict[str, Any] = {"limit": self._CLOSURE_LIMIT + 1}
        if isinstance(init_node, Value):
            seeds = [
                ("'C', call_hash, '', ''", "call_node", "value_hash = :v"),
                (
                    "'C', cn.call_hash, '', ''",
                    "subvalue s JOIN call_node cn ON cn.value_hash = s.parent_value_hash",
                    "s.value_hash = :v",
                ),
            ]
            params["v"] = init_node.value_hash
        elif isinstance(init_node, CallNode):
            seeds = [("'C', :key, '', ''", "", "")]
            params["key"] = init_node.call_hash
        elif isinstance(init_node, ArgumentValue):
            seeds = [("'A', :key, :v, :call", "", "")]
            params.update(
                key=init_node.argument.arg_hash,
                v=init_node.value.value_hash,
                call=init_node.argument.call_hash,
            )
        elif isinstance(init_node, CallNodeValue):
            seeds = [("'R', :key, :v, ''", "", "")]
            params.update(key=init_node.call_node.call_hash, v=init_node.value.value_hash)
        else:
            return False
        rows = self.session.execute(sa.text(self.closure_sql(seeds, dialect)), params).all()
        if len(rows) > self._CLOSURE_LIMIT:
            return False

        call_hashes: set[str] = set()
        result_nodes: set[str] = set()
        arg_hashes: set[str] = set()
        for kind, key, _, arg_call_hash in rows:
            if kind == "A":
                arg_hashes.add(key)
                if arg_call_hash:
                    call_hashes.add(arg_call_hash)
            else:
                call_hashes.add(key)
                if kind == "R":
                    result_nodes.add(key)

        if isinstance(init_node, Value):
            self.load_results([init_node.value_hash])
            self.load_value_parents([init_node.value_hash])
            candidates = list(self._results.get(init_node.value_hash, []))
            for parent in self._value_parents.get(init_node.value_hash, []):
                candidates.extend(self._results.get(parent, []))
            self.load_ancestors(candidates)
            self.load_jobs(candidates)
        self.load_call_nodes(call_hashes)
        self.load_children(result_nodes)
        self.load_upstream(arg_hashes)
        # Parents of every call node (contexts, argument routing), then the arguments of all
        # of them: the walk reads the arguments of a call's most recent parent.
        self.load_parents(list(self.call_nodes))
        self.load_arguments(list(self.call_nodes))
        self.load_value_children(
            {arg.value_hash for args in self._args.values() for arg in args}
            | {call_node.value_hash for call_node in self.call_nodes.values()}
        )
        return True

    def has_pending(self) -> bool:
        """True when some accessor queued keys since the last load."""
        return any(self._pending.values())

    def load_pending(self) -> None:
        """Loads everything queued, in dependency order."""
        pending, self._pending = self._pending, defaultdict(set)
        if pending.get("ancestors"):
            self.load_ancestors(pending["ancestors"])
        if pending.get("results"):
            self.load_results(pending["results"])
        if pending.get("value_parents"):
            self.load_value_parents(pending["value_parents"])
        if pending.get("upstream"):
            self.load_upstream(pending["upstream"])
        if pending.get("parents"):
            self.load_parents(pending["parents"])
        if pending.get("children"):
            self.load_children(pending["children"])
        if pending.get("arguments"):
            self.load_arguments(pending["arguments"])
        if pending.get("value_children"):
            self.load_value_children(pending["value_children"])
        if pending.get("jobs"):
            self.load_jobs(pending["jobs"])

    def load_values(self, hashes: Iterable[str]) -> None:
        """Loads Value rows (with their bytes, which the display needs)."""
        missing = [h for h in set(hashes) if h not in self.values]
        if not missing:
            return
        rows = self._select_in(lambda keys: sa.select(Value).where(Value.value_hash.in_(keys)), missing)
        for (value,) in rows:
            self.values[value.value_hash] = value

    def load_tasks(self, hashes: Iterable[str]) -> None:
        """Loads Task rows."""
        missing = [h for h in set(hashes) if h not in self.tasks]
        if not missing:
            return
        rows = self._select_in(lambda keys: sa.select(Task).where(Task.hash.in_(keys)), missing)
        for (task,) in rows:
            self.tasks[task.hash] = task

    def add_call_nodes(self, call_nodes: Iterable[CallNode]) -> None:
        """Registers CallNode objects and loads their task and result value."""
        new = [cn for cn in call_nodes if cn.call_hash not in self.call_nodes]
        for call_node in new:
            self.call_nodes[call_node.call_hash] = call_node
        if not new:
            return
        self.load_tasks(cn.task_hash for cn in new)
        self.load_values(cn.value_hash for cn in new)
        for call_node in new:
            set_committed_value(call_node, "task", self.tasks.get(call_node.task_hash))
            set_committed_value(call_node, "value", self.values.get(call_node.value_hash))

    def load_call_nodes(self, hashes: Iterable[str]) -> None:
        """Loads CallNode rows by hash (with task and result value)."""
        missing = [h for h in set(hashes) if h not in self.call_nodes]
        if not missing:
            return
        rows = self._select_in(
            lambda keys: sa.select(CallNode).where(CallNode.call_hash.in_(keys)), missing
        )
        self.add_call_nodes(row[0] for row in rows)

    def load_jobs(self, call_hashes: Iterable[str]) -> None:
        """Loads the jobs of CallNodes (row order) and fills ``CallNode.jobs``."""
        missing = [h for h in set(call_hashes) if h not in self._jobs]
        if not missing:
            return
        rowid = self._rowid(Job.__table__)

        def stmt(keys: list[str]) -> Any:
            query = sa.select(Job).where(Job.call_hash.in_(keys))
            return query.order_by(Job.call_hash, rowid if rowid is not None else Job.id)

        for key in missing:
            self._jobs[key] = []
        for (job,) in self._select_in(stmt, missing):
            self._jobs[job.call_hash].append(job)
        for key in missing:
            call_node = self.call_nodes.get(key)
            if call_node is not None:
                set_committed_value(call_node, "jobs", list(self._jobs[key]))

    def load_arguments(self, call_hashes: Iterable[str]) -> None:
        """Loads the arguments of CallNodes and their values, filling the relationships."""
        missing = [h for h in set(call_hashes) if h not in self._args]
        if not missing:
            return
        self.load_call_nodes(missing)
        rowid = self._rowid(Argument.__table__)

        def stmt(keys: list[str]) -> Any:
            query = sa.select(Argument).where(Argument.call_hash.in_(keys))
            return query.order_by(Argument.call_hash, rowid if rowid is not None else Argument.arg_hash)

        for key in missing:
            self._args[key] = []
        rows = [row[0] for row in self._select_in(stmt, missing)]
        self.load_values(arg.value_hash for arg in rows)
        for arg in rows:
            self._args[arg.call_hash].append(arg)
            set_committed_value(arg, "value", self.values.get(arg.value_hash))
            set_committed_value(arg, "call_node", self.call_nodes.get(arg.call_hash))
        for key in missing:
            call_node = self.call_nodes.get(key)
            if call_node is not None:
                set_committed_value(call_node, "arguments", list(self._args[key]))

    def load_value_children(self, value_hashes: Iterable[str]) -> None:
        """Loads the subvalues of values."""
        missing = [h for h in set(value_hashes) if h not in self._value_children]
        if not missing:
            return
        table = Subvalue.__table__
        rowid = self._rowid(table)

        def stmt(keys: list[str]) -> Any:
            query = sa.select(table.c.parent_value_hash, table.c.value_hash).where(
                table.c.parent_value_hash.in_(keys)
            )
            return query.order_by(table.c.parent_value_hash, rowid if rowid is not None else table.c.value_hash)

        for key in missing:
            self._value_children[key] = []
        rows = self._select_in(stmt, missing)
        self.load_values(child for _, child in rows)
        for parent, child in rows:
            if child in self.values:
                self._value_children[parent].append(child)

    def load_value_parents(self, value_hashes: Iterable[str]) -> None:
        """Loads the values containing the given values, and the CallNodes that produced them."""
        missing = [h for h in set(value_hashes) if h not in self._value_parents]
        if not missing:
            return
        table = Subvalue.__table__

        def stmt(keys: list[str]) -> Any:
            query = sa.select(table.c.value_hash, table.c.parent_value_hash).where(
                table.c.value_hash.in_(keys)
            )
            return query.order_by(table.c.value_hash, table.c.parent_value_hash)

        for key in missing:
            self._value_parents[key] = []
        rows = self._select_in(stmt, missing)
        self.load_values(parent for _, parent in rows)
        for child, parent in rows:
            if parent in self.values:
                self._value_parents[child].append(parent)
        # walk_dataflow_value always needs the producers of the parents next.
        self.load_results(parent for _, parent in rows)

    def load_results(self, value_hashes: Iterable[str]) -> None:
        """Loads the CallNodes whose result is one of the given values."""
        missing = [h for h in set(value_hashes) if h not in self._results]
        if not missing:
            return
        rowid = self._rowid(CallNode.__table__)

        def stmt(keys: list[str]) -> Any:
            query = sa.select(CallNode).where(CallNode.value_hash.in_(keys))
            return query.order_by(CallNode.value_hash, rowid if rowid is not None else CallNode.call_hash)

        for key in missing:
            self._results[key] = []
        rows = [row[0] for row in self._select_in(stmt, missing)]
        self.add_call_nodes(rows)
        for call_node in rows:
            self._results[call_node.value_hash].append(call_node.call_hash)

    def _store_parent_edges(self, keys: Iterable[str], rows: list[Any]) -> None:
        # Only nodes seen for the first time take the rows: the others are already complete.
        fresh = {key for key in keys if key not in self._parent_edges}
        for key in fresh:
            self._parent_edges[key] = []
        for child, parent, order in rows:
            if child in fresh and parent in self.call_nodes:
                self._parent_edges[child].append((parent, order))

    def load_parents(self, call_hashes: Iterable[str]) -> None:
        """Loads the call edges into CallNodes, and the parent CallNodes."""
        missing = [h for h in set(call_hashes) if h not in self._parent_edges]
        if not missing:
            return
        table = CallEdge.__table__
        rowid = self._rowid(table)

        def stmt(keys: list[str]) -> Any:
            query = sa.select(table.c.child_id, table.c.parent_id, table.c.call_order).where(
                table.c.child_id.in_(keys)
            )
            order = rowid if rowid is not None else table.c.call_order
            return query.order_by(table.c.child_id, order)

        rows = self._select_in(stmt, missing)
        self.load_call_nodes(parent for _, parent, _ in rows)
        self._store_parent_edges(missing, rows)

    def load_ancestors(self, call_hashes: Iterable[str]) -> None:
        """Loads the parent edges of every ancestor of the given CallNodes in one query."""
        missing = [h for h in set(call_hashes) if h not in self._ancestors_done]
        if not missing:
            return
        table = CallEdge.__table__
        rowid = self._rowid(table)

        def stmt(keys: Any) -> Any:
            seed = sa.select(table.c.child_id.label("h")).where(table.c.child_id.in_(keys))
            closure = seed.cte("ancestors", recursive=True)
            closure = closure.union(sa.select(table.c.parent_id).where(table.c.child_id == closure.c.h))
            order = rowid if rowid is not None else table.c.call_order
            return (
                sa.select(table.c.child_id, table.c.parent_id, table.c.call_order)
                .where(table.c.child_id.in_(sa.select(closure.c.h)))
                .order_by(table.c.child_id, order)
            )

        rows = self._select_in(stmt, missing)
        nodes = set(missing) | {child for child, _, _ in rows} | {parent for _, parent, _ in rows}
        self.load_call_nodes(nodes)
        # Nodes without parent edges are roots: recorded with an empty list.
        self._store_parent_edges(nodes, rows)
        self._ancestors_done.update(nodes)

    def load_children(self, call_hashes: Iterable[str]) -> None:
        """Loads child CallNodes in call order, and the subvalues of their results."""
        missing = [h for h in set(call_hashes) if h not in self._children]
        if not missing:
            return
        table = CallEdge.__table__

        def stmt(keys: list[str]) -> Any:
            query = sa.select(table.c.parent_id, table.c.child_id).where(table.c.parent_id.in_(keys))
            return query.order_by(table.c.parent_id, table.c.call_order)

        rows = self._select_in(stmt, missing)
        self.load_call_nodes(child for _, child in rows)
        for key in missing:
            self._children[key] = []
        for parent, child in rows:
            if child in self.call_nodes:
                self._children[parent].append(child)
        # walk_dataflow_callnode_value compares against the children's result subvalues next.
        self.load_value_children(self.call_nodes[child].value_hash for _, child in rows if child in self.call_nodes)

    def load_upstream(self, arg_hashes: Iterable[str]) -> None:
        """Loads the CallNodes whose results flowed into the given arguments."""
        missing = [h for h in set(arg_hashes) if h not in self._upstream]
        if not missing:
            return
        table = ArgumentResult.__table__

        def stmt(keys: list[str]) -> Any:
            query = sa.select(table.c.arg_hash, table.c.result_call_hash).where(table.c.arg_hash.in_(keys))
            return query.order_by(table.c.arg_hash, table.c.result_call_hash)

        rows = self._select_in(stmt, missing)
        self.load_call_nodes(call for _, call in rows)
        for key in missing:
            self._upstream[key] = []
        for arg_hash, call_hash in rows:
            if call_hash in self.call_nodes:
                self._upstream[arg_hash].append(call_hash)


# ------------------------------------------------------------------------------------------
# Walking the call graph upstream
# ------------------------------------------------------------------------------------------


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
            if best_time is None or job.start_time > best_time:
                best, best_time = call_node, job.start_time
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


# ------------------------------------------------------------------------------------------
# Edges -> sections
# ------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------
# Sections -> DOM
# ------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------
# DOM -> text and JSON
# ------------------------------------------------------------------------------------------


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
    jobs = sorted(call_node.jobs, key=lambda job: job.start_time, reverse=True)
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
