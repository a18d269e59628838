"""Benchmark of the dataflow walk, DOM and text on a large generated database.

Builds (deterministically, with SQLAlchemy Core bulk inserts) a redun schema 3.5 database holding:

- a *deep* workflow: ``deep_main`` calls ``step_1 … step_N`` in sequence, each ``step_k(x)``
  taking the previous step's result and returning it through a child ``inner_k(x)``; the last
  result has ``2 * N`` upstream call nodes (N = 300 gives 600);
- a *fan-out* workflow: ``fan_main`` calls ``make_item(i)`` for i < M and ``combine(items)`` on
  the list of their results (M = 2,000), whose dataflow is a ``derives from`` section with M
  arguments and M sections after it;
- filler executions of unrelated one-job-per-call workflows up to the requested job count
  (200,000 by default).

Then it times ``walk_dataflow`` (+ SQL statement count), ``make_dataflow_dom`` and
``display_dataflow`` in-process for the deep and the fan-out value. Not part of the test run;
``tests/unit/test_dataflow_sql.py`` builds a small version with the same code.

Usage::

    .venv/bin/python benchmarks/dataflow_bench.py [--db PATH] [--jobs 200000] [--chain 300] [--fanout 2000]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from redun_tui.db import encode
from redun_tui.db.backend import RedunBackendDb
from redun_tui.db.models import (
    Argument,
    ArgumentResult,
    CallEdge,
    CallNode,
    Execution,
    Job,
    Task,
    Value,
)

PICKLE = "application/python-pickle"
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def sha(*parts: Any) -> str:
    """A deterministic 40-hex-digit hash of the parts."""
    return hashlib.sha1("\0".join(map(str, parts)).encode()).hexdigest()


def task_source(name: str, params: list[str]) -> str:
    return f"def {name}({', '.join(params)}):\n    pass\n"


class Builder:
    """Collects rows in memory and writes them with executemany inserts."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {
            name: [] for name in ("task", "value", "call_node", "argument", "argument_result", "call_edge", "execution", "job")
        }
        self.tasks: dict[str, str] = {}
        self.values: set[str] = set()
        self.clock = 0

    def tick(self) -> datetime:
        # Strictly increasing times make "most recent" choices unambiguous.
        self.clock += 1
        return EPOCH + timedelta(milliseconds=self.clock)

    def task(self, name: str, params: list[str], namespace: str = "bench") -> str:
        if name not in self.tasks:
            source = task_source(name, params)
            task_hash = sha("task", namespace, name, source)
            self.tasks[name] = task_hash
            self.rows["task"].append({"hash": task_hash, "name": name, "namespace": namespace, "source": source})
        return self.tasks[name]

    def value(self, obj: Any) -> str:
        data = encode.dumps(obj)
        value_hash = hashlib.sha1(b"value\0" + data).hexdigest()
        if value_hash not in self.values:
            self.values.add(value_hash)
            type_name = f"builtins.{type(obj).__name__}"
            self.rows["value"].append({"value_hash": value_hash, "type": type_name, "format": PICKLE, "value": data})
        return value_hash

    def call(
        self,
        task_name: str,
        params: list[str],
        args: list[tuple[str, list[str]]],
        result_hash: str,
        children: list[str] = (),
        key: str = "",
    ) -> str:
        """Adds a call node with positional arguments ``(value_hash, upstream call hashes)``."""
        task_hash = self.task(task_name, params)
        call_hash = sha("call", task_hash, key, [a for a, _ in args], result_hash)
        self.rows["call_node"].append(
            {
                "call_hash": call_hash,
                "task_name": task_name,
                "task_hash": task_hash,
                "args_hash": sha("args", key, [a for a, _ in args]),
                "value_hash": result_hash,
                "timestamp": self.tick(),
            }
        )
        for position, (value_hash, upstream) in enumerate(args):
            arg_hash = sha("arg", call_hash, position)
            self.rows["argument"].append(
                {"arg_hash": arg_hash, "call_hash": call_hash, "value_hash": value_hash, "arg_position": position, "arg_key": None}
            )
            for upstream_hash in upstream:
                self.rows["argument_result"].append({"arg_hash": arg_hash, "result_call_hash": upstream_hash})
        for order, child in enumerate(children):
            self.rows["call_edge"].append({"parent_id": call_hash, "child_id": child, "call_order": order})
        return call_hash

    def job(self, job_id: str, task_name: str, call_hash: str, execution_id: str, parent_id: str | None) -> None:
        start = self.tick()
        self.rows["job"].append(
            {
                "id": job_id,
                "start_time": start,
                "end_time": start + timedelta(milliseconds=1),
                "task_hash": self.tasks[task_name],
                "cached": False,
                "call_hash": call_hash,
                "parent_id": parent_id,
                "execution_id": execution_id,
            }
        )

    def execution(self, execution_id: str, root_job_id: str) -> None:
        self.rows["execution"].append(
            {"id": execution_id, "args": '["redun", "run"]', "job_id": root_job_id, "updated_time": self.tick()}
        )

    def write(self, engine: sa.Engine) -> None:
        tables = {
            "task": Task.__table__,
            "value": Value.__table__,
            "call_node": CallNode.__table__,
            "argument": Argument.__table__,
            "argument_result": ArgumentResult.__table__,
            "call_edge": CallEdge.__table__,
            "execution": Execution.__table__,
            "job": Job.__table__,
        }
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for name, table in tables.items():
                rows = self.rows[name]
                for start in range(0, len(rows), 20_000):
                    connection.execute(table.insert(), rows[start : start + 20_000])
                rows.clear()


def add_deep(builder: Builder, chain: int) -> str:
    """``deep_main`` -> step_k(x) -> inner_k(x), chained; returns the last result's hash."""
    previous_value = builder.value(0)
    previous_call: str | None = None
    steps: list[tuple[str, str, str]] = []
    for k in range(1, chain + 1):
        result = builder.value(k)
        inner = builder.call("inner", ["x"], [(previous_value, [])], result, key=f"inner{k}")
        upstream = [previous_call] if previous_call else []
        step = builder.call("step", ["x"], [(previous_value, upstream)], result, [inner], key=f"step{k}")
        steps.append((step, inner, result))
        previous_value, previous_call = result, step
    root = builder.call("deep_main", ["n"], [(builder.value(chain), [])], previous_value, [s for s, _, _ in steps])
    execution_id = sha("exec", "deep")
    root_job = sha("job", "deep", "root")
    builder.job(root_job, "deep_main", root, execution_id, None)
    for k, (step, inner, _) in enumerate(steps, 1):
        step_job = sha("job", "deep", "step", k)
        builder.job(step_job, "step", step, execution_id, root_job)
        builder.job(sha("job", "deep", "inner", k), "inner", inner, execution_id, step_job)
    builder.execution(execution_id, root_job)
    return previous_value


def add_fanout(builder: Builder, width: int) -> str:
    """``fan_main`` -> make_item(i) for i < width, then combine(items); returns combine's result."""
    items = []
    item_values = []
    for i in range(width):
        item = builder.value(f"item-{i}")
        items.append(builder.call("make_item", ["i"], [(builder.value(i), [])], item, key=f"item{i}"))
        item_values.append(f"item-{i}")
    items_value = builder.value(item_values)
    combined = builder.value(f"combined-{width}")
    combine = builder.call("combine", ["items"], [(items_value, items)], combined)
    root = builder.call("fan_main", ["n"], [(builder.value(width), [])], combined, [*items, combine])
    execution_id = sha("exec", "fan")
    root_job = sha("job", "fan", "root")
    builder.job(root_job, "fan_main", root, execution_id, None)
    for i, item in enumerate(items):
        builder.job(sha("job", "fan", i), "make_item", item, execution_id, root_job)
    builder.job(sha("job", "fan", "combine"), "combine", combine, execution_id, root_job)
    builder.execution(execution_id, root_job)
    return combined


def add_filler(builder: Builder, jobs: int, per_execution: int = 1000) -> None:
    """Executions of ``filler_main`` -> ``work(i)`` up to ``jobs`` jobs."""
    done = 0
    run = 0
    while done < jobs:
        size = min(per_execution, jobs - done)
        execution_id = sha("exec", "filler", run)
        children = []
        for i in range(size - 1):
            result = builder.value(f"filler-{run}-{i}")
            children.append(builder.call("work", ["i"], [(builder.value(i), [])], result, key=f"filler{run}-{i}"))
        root = builder.call("filler_main", ["run"], [(builder.value(run), [])], builder.value(f"run-{run}"), children, key=f"run{run}")
        root_job = sha("job", "filler", run, "root")
        builder.job(root_job, "filler_main", root, execution_id, None)
        for i, child in enumerate(children):
            builder.job(sha("job", "filler", run, i), "work", child, execution_id, root_job)
        builder.execution(execution_id, root_job)
        done += size
        run += 1


def build_database(path: str, jobs: int = 200_000, chain: int = 300, fanout: int = 2000) -> tuple[str, str]:
    """Creates the benchmark database at ``path``; returns (deep value hash, fan-out value hash)."""
    backend = RedunBackendDb(path, read_only=False)
    backend.load(migrate=True)
    engine = backend.engine
    builder = Builder()
    deep = add_deep(builder, chain)
    fan = add_fanout(builder, fanout)
    used = len(builder.rows["job"])
    builder.write(engine)
    if jobs > used:
        add_filler(builder, jobs - used)
        builder.write(engine)
    backend.close()
    return deep, fan


@contextmanager
def count_statements(engine: sa.Engine) -> Iterator[list[int]]:
    """Counts the SQL statements run on ``engine`` inside the block: ``with ... as n: n[0]``."""
    count = [0]

    def on_execute(*_args: Any) -> None:
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield count
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def measure(backend: RedunBackendDb, value_hash: str, label: str) -> dict:
    """Walk, DOM and text timings and statement count for a value, in a fresh session.

    The engine (and so SQLite's page cache) is shared between runs, as in the TUI, where a
    worker opens one session per call on the app's engine.
    """
    from redun_tui.db import dataflow
    from redun_tui.db.dataflow import display_dataflow, make_dataflow_dom, walk_dataflow

    # Every run renders every value: no display text kept from an earlier run. And every run
    # starts from a collected heap, so the previous run's garbage is not collected (and timed)
    # inside this one.
    dataflow._DISPLAY_CACHE.clear()
    gc.collect()
    with backend.new_session() as session, count_statements(backend.engine) as statements:
        start = time.perf_counter()
        value = session.get(Value, value_hash)
        edges = list(walk_dataflow(backend, value))
        walked = time.perf_counter()
        dom = list(make_dataflow_dom(edges))
        built = time.perf_counter()
        lines = list(display_dataflow(dom))
        done = time.perf_counter()
    result = {
        "label": label,
        "edges": len(edges),
        "sections": len(dom),
        "lines": len(lines),
        "walk_s": walked - start,
        "dom_s": built - walked,
        "text_s": done - built,
        "total_s": done - start,
        "statements": statements[0],
    }
    print(
        "{label:14} edges={edges:5} sections={sections:5} lines={lines:5} walk={walk_s:.3f}s "
        "dom={dom_s:.3f}s text={text_s:.3f}s total={total_s:.3f}s statements={statements}".format(**result)
    )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="database path (default: a temporary file, removed afterwards)")
    parser.add_argument("--jobs", type=int, default=200_000)
    parser.add_argument("--chain", type=int, default=300, help="steps in the deep chain (2 call nodes each)")
    parser.add_argument("--fanout", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure an existing --db without rebuilding it")
    args = parser.parse_args(argv)

    directory = None
    path = args.db
    if path is None:
        directory = tempfile.mkdtemp(prefix="dataflow-bench-")
        path = os.path.join(directory, "bench.db")
    if args.reuse and os.path.exists(path):
        # The hashes are content addresses, so they can be recomputed without the rows.
        hasher = Builder()
        deep, fan = hasher.value(args.chain), hasher.value(f"combined-{args.fanout}")
    else:
        if os.path.exists(path):
            os.remove(path)
        start = time.perf_counter()
        deep, fan = build_database(path, jobs=args.jobs, chain=args.chain, fanout=args.fanout)
        print(f"built {path} in {time.perf_counter() - start:.1f}s ({os.path.getsize(path) / 1e6:.0f} MB)")
    with sa.create_engine(f"sqlite:///{path}").connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM job").scalar()
    print(f"jobs={count} deep value={deep[:8]} fan-out value={fan[:8]}")
    backend = RedunBackendDb(path)
    backend.load()
    try:
        results: dict[str, list[float]] = {"deep": [], "fan-out": []}
        for run in range(args.repeat + 1):
            # The first run reads the pages from disk (cold SQLite cache); the others are warm.
            suffix = " (cold)" if run == 0 else ""
            for label, value_hash in (("deep", deep), ("fan-out", fan)):
                result = measure(backend, value_hash, label + suffix)
                if run:
                    results[label].append(result["total_s"])
        for label, totals in results.items():
            if totals:
                totals.sort()
                print(f"{label}: warm total best {totals[0]:.3f}s, median {totals[len(totals) // 2]:.3f}s")
    finally:
        backend.close()
        if directory:
            os.remove(path)
            os.rmdir(directory)


if __name__ == "__main__":
    sys.exit(main())
