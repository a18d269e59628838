"""Batched loading of the call graph for a dataflow walk (our optimisation over redun).

redun walks the call graph through lazy ORM relationships: one query per node, thousands for a
deep graph. :class:`_Graph` instead finds every reachable state with one recursive CTE
(:meth:`_Graph.prefetch`), loads each kind of row in one query per chunk, and falls back to a
frontier at a time for whatever it missed; it fills the relationships the later steps read on
the ORM objects so that no lazy load fires. Separate from the walk: it is all SQL, the walk none.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from redun_tui.db.dataflow.nodes import ArgumentValue, CallNodeValue, DataflowNode
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
