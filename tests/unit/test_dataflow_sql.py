"""The dataflow walk reads the database in batches: a fixed handful of SQL statements however
deep or wide the graph (redun issues one per lazy relationship, ~9,000 for 600 call nodes).

The graphs come from the benchmark's builder (benchmarks/dataflow_bench.py), at a small size:
a chain of 300 steps (600 upstream call nodes, ~1,500 dataflow edges deep) and a fan-out of 300.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from redun_tui.db.backend import RedunBackendDb
from redun_tui.db.dataflow import (
    ArgumentValue,
    CallNodeValue,
    display_dataflow,
    make_dataflow_dom,
    serialize_dataflow,
    walk_dataflow,
)
from redun_tui.db.models import CallNode, Value

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "dataflow_bench.py"
CHAIN = 300
FANOUT = 300
MAX_STATEMENTS = 50


def load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("dataflow_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_bench()


@pytest.fixture(scope="module")
def graph_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedunBackendDb, str, str]]:
    path = str(tmp_path_factory.mktemp("dataflow") / "graph.db")
    deep, fan = bench.build_database(path, jobs=3000, chain=CHAIN, fanout=FANOUT)
    backend = RedunBackendDb(path)
    backend.load()
    yield backend, deep, fan
    backend.close()


def render(backend: RedunBackendDb, node: Any) -> tuple[list[str], list[dict], int]:
    with bench.count_statements(backend.engine) as statements:
        dom = list(make_dataflow_dom(walk_dataflow(backend, node)))
        lines = list(display_dataflow(dom))
        data = list(serialize_dataflow(dom))
    return lines, data, statements[0]


def test_deep_walk_is_batched(graph_db: tuple[RedunBackendDb, str, str]) -> None:
    backend, deep, _ = graph_db
    with backend.new_session() as session:
        value = session.get(Value, deep)
        lines, data, statements = render(backend, value)
    assert statements <= MAX_STATEMENTS, statements
    # value <-- inner_300(x); then 299 sections "x_k <-- argument of step(x) <-- step(x) <-- inner(x)".
    assert lines[0].startswith("value <-- <") and lines[0].endswith("> inner(x)")
    assert len(data) == CHAIN + 1
    upstream_calls = {section["assign"]["hash"] for section in data} | {
        routing["hash"] for section in data for routing in section["routing"]
    }
    assert len(upstream_calls - {None}) == 2 * CHAIN
    assert all(section["assign"]["job_id"] for section in data if section["assign"]["hash"])


def test_fan_out_walk_is_batched(graph_db: tuple[RedunBackendDb, str, str]) -> None:
    backend, _, fan = graph_db
    with backend.new_session() as session:
        value = session.get(Value, fan)
        lines, data, statements = render(backend, value)
    assert statements <= MAX_STATEMENTS, statements
    assert lines[0].endswith("> combine(items)")
    assert lines[3] == "items <-- derives from"
    assert len([line for line in lines if line.startswith("  make_item_result")]) == FANOUT
    # The value, `items <-- derives from`, and one section per make_item call.
    assert len(data) == 2 + FANOUT
    assert len(lines) == 4 * FANOUT + 5


def test_statement_count_does_not_grow_with_depth(tmp_path: Path) -> None:
    counts = []
    for chain in (20, 200):
        path = str(tmp_path / f"chain{chain}.db")
        deep, _ = bench.build_database(path, jobs=0, chain=chain, fanout=2)
        backend = RedunBackendDb(path)
        backend.load()
        try:
            with backend.new_session() as session:
                counts.append(render(backend, session.get(Value, deep))[2])
        finally:
            backend.close()
    assert counts[0] == counts[1] <= MAX_STATEMENTS


def test_walk_without_prefetch_loads_level_by_level(
    graph_db: tuple[RedunBackendDb, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where the recursive CTE is not used (PostgreSQL), the rounds alone give the same edges.
    import redun_tui.db.dataflow as dataflow

    backend, _, _ = graph_db
    step_50 = bench.Builder().value(50)  # the result of the 50th step: a shorter chain
    with backend.new_session() as session:
        expected = list(walk_dataflow(backend, session.get(Value, step_50)))
        monkeypatch.setattr(dataflow._Graph, "prefetch", lambda self, node: False)
        with bench.count_statements(backend.engine) as statements:
            edges = list(walk_dataflow(backend, session.get(Value, step_50)))
    # Same session, so the same ORM objects: the edges compare equal.
    assert len(edges) == 5 * 50 - 1
    assert edges == expected
    # Level by level costs a few statements per level, so a chain costs about one per edge.
    assert statements[0] < 3 * len(edges)


def test_dom_and_json_read_nothing_lazily(graph_db: tuple[RedunBackendDb, str, str]) -> None:
    # After the walk, building the DOM and the text must not query (per-node lazy loads would
    # be thousands of statements); the JSON loads the jobs of the calls shown in one go.
    backend, _, fan = graph_db
    with backend.new_session() as session:
        edges = list(walk_dataflow(backend, session.get(Value, fan)))
        with bench.count_statements(backend.engine) as statements:
            dom = list(make_dataflow_dom(edges))
            list(display_dataflow(dom))
        assert statements[0] == 0
        with bench.count_statements(backend.engine) as statements:
            json.dumps(list(serialize_dataflow(dom)))
        assert statements[0] <= 1


def test_other_starts_are_batched(graph_db: tuple[RedunBackendDb, str, str]) -> None:
    backend, deep, _ = graph_db
    with backend.new_session() as session:
        value = session.get(Value, deep)
        [producer] = [node for node in session.query(CallNode).filter(CallNode.value_hash == deep) if node.task_name == "inner"]
        argument = producer.arguments[0]
        for start in (producer, CallNodeValue(producer, value), ArgumentValue(argument, argument.value)):
            lines, _, statements = render(backend, start)
            assert statements <= MAX_STATEMENTS, (start, statements)
            assert len(lines) > CHAIN


@pytest.mark.parametrize("db_fixture_name", ["seed_example.db"])
def test_postgresql_and_sqlite_give_the_golden_dataflows(any_db_url: str) -> None:
    # Same output on both engines (PostgreSQL through the LATERAL form of the closure query).
    golden = Path(__file__).resolve().parents[1] / "golden" / "dataflow" / "seed_example"
    backend = RedunBackendDb(any_db_url)
    backend.load()
    try:
        hashes = sorted(h for (h,) in backend.session.query(Value.value_hash))
        for value_hash in hashes:
            with backend.new_session() as session:
                lines, data, statements = render(backend, session.get(Value, value_hash))
            assert "\n".join(lines) == (golden / f"{value_hash}.txt").read_text(), value_hash
            assert data == json.loads((golden / f"{value_hash}.json").read_text()), value_hash
            assert statements <= MAX_STATEMENTS
    finally:
        backend.close()


def test_postgresql_deep_walk_is_batched(pg_url: str) -> None:
    deep, _ = bench.build_database(pg_url, jobs=0, chain=100, fanout=2)
    backend = RedunBackendDb(pg_url)
    backend.load()
    try:
        with backend.new_session() as session:
            lines, data, statements = render(backend, session.get(Value, deep))
    finally:
        backend.close()
    assert statements <= MAX_STATEMENTS, statements
    assert len(data) == 101
