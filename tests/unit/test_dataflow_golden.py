"""Dataflow of every value of every fixture database, against goldens written by redun 0.44.1.

``tests/golden/dataflow/<db>/<value_hash>.txt|.json|.edges.json`` (and ``.error`` where redun
raises) come from ``scripts/goldens/make_dataflow.py``; see ``tests/golden/README.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from redun_tui.db.backend import RedunBackendDb
from redun_tui.db.dataflow import (
    ArgumentValue,
    CallNodeValue,
    display_dataflow,
    iter_dataflow_segments,
    make_dataflow_dom,
    serialize_dataflow,
    walk_dataflow,
)
from redun_tui.db.models import CallNode, Value

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
GOLDEN = ROOT / "golden" / "dataflow"
GOLDEN_CALLNODE = ROOT / "golden" / "dataflow_callnode"
DATABASES = ["seed_example", "failures", "tags", "values", "crash_cases", "dataflow_shapes"]


def node_json(node: object) -> dict | None:
    """A dataflow node in the goldens' edge format."""
    if node is None:
        return None
    if isinstance(node, Value):
        return {"kind": "Value", "value_hash": node.value_hash}
    if isinstance(node, CallNode):
        return {"kind": "CallNode", "call_hash": node.call_hash}
    if isinstance(node, ArgumentValue):
        return {
            "kind": "ArgumentValue",
            "arg_hash": node.argument.arg_hash,
            "call_hash": node.argument.call_hash,
            "value_hash": node.value.value_hash,
        }
    if isinstance(node, CallNodeValue):
        return {"kind": "CallNodeValue", "call_hash": node.call_node.call_hash, "value_hash": node.value.value_hash}
    raise TypeError(node)


def edges_json(edges: list) -> list:
    return [[node_json(edge.src), node_json(edge.dest)] for edge in edges]


@pytest.fixture(scope="module")
def backends() -> Iterator[dict[str, RedunBackendDb]]:
    """One read-only backend per fixture database, shared by the module's tests."""
    opened: dict[str, RedunBackendDb] = {}

    yield opened
    for backend in opened.values():
        backend.close()


def open_db(backends: dict[str, RedunBackendDb], name: str) -> RedunBackendDb:
    if name not in backends:
        backend = RedunBackendDb(str(FIXTURES / f"{name}.db"), read_only=True)
        backend.load()
        backends[name] = backend
    return backends[name]


def golden_hashes(folder: Path) -> list[str]:
    return sorted({path.name.split(".")[0] for path in folder.iterdir()})


@pytest.mark.parametrize("db_name", DATABASES)
def test_every_value_matches_redun(backends: dict[str, RedunBackendDb], db_name: str) -> None:
    backend = open_db(backends, db_name)
    folder = GOLDEN / db_name
    hashes = golden_hashes(folder)
    all_values = sorted(h for (h,) in backend.session.query(Value.value_hash))
    assert hashes == all_values, "a golden for every value row"

    compared = crashed = 0
    for value_hash in hashes:
        with backend.new_session() as session:
            value = session.get(Value, value_hash)
            edges = list(walk_dataflow(backend, value))
            assert edges_json(edges) == json.loads((folder / f"{value_hash}.edges.json").read_text()), value_hash
            dom = list(make_dataflow_dom(edges))
            lines = list(display_dataflow(dom))
            data = list(serialize_dataflow(dom))
            # The tagged segments are the same layout as the text.
            assert ["".join(text for text, _ in line) for line in iter_dataflow_segments(dom)] == lines

        if (folder / f"{value_hash}.error").exists():
            crashed += 1
            # redun raised here; ours must give a complete, well-formed dataflow instead.
            assert lines and lines[0].startswith("value <-- ")
            assert lines[-1] == ""
            continue
        compared += 1
        assert "\n".join(lines) == (folder / f"{value_hash}.txt").read_text(encoding="utf-8"), value_hash
        assert data == json.loads((folder / f"{value_hash}.json").read_text(encoding="utf-8")), value_hash

    assert compared > 0
    assert crashed == (6 if db_name == "crash_cases" else 0)


@pytest.mark.parametrize("db_name", DATABASES)
def test_walk_from_every_call_node_matches_redun(backends: dict[str, RedunBackendDb], db_name: str) -> None:
    folder = GOLDEN_CALLNODE / db_name
    if not folder.exists():
        pytest.skip(f"no call node goldens for {db_name}")
    backend = open_db(backends, db_name)
    hashes = golden_hashes(folder)
    assert hashes == sorted(h for (h,) in backend.session.query(CallNode.call_hash))
    for call_hash in hashes:
        with backend.new_session() as session:
            call_node = session.get(CallNode, call_hash)
            edges = list(walk_dataflow(backend, call_node))
            expected = json.loads((folder / f"{call_hash}.edges.json").read_text())
            assert edges_json(edges) == expected, call_hash
            # redun fails on every CallNode start (AssertionError); ours shows the call.
            lines = list(display_dataflow(make_dataflow_dom(edges, new_varname="result")))
            assert lines[0].startswith(f"result <-- <{call_hash[:8]}> {call_node.task.name}("), lines


@pytest.mark.parametrize("db_name", ["seed_example", "crash_cases", "dataflow_shapes"])
def test_level_by_level_walk_gives_the_same_edges(
    backends: dict[str, RedunBackendDb], db_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the closure prefetch (too large a closure, another database), the walk loads a
    # frontier at a time; the edges must not change.
    import redun_tui.db.dataflow as dataflow

    monkeypatch.setattr(dataflow._Graph, "prefetch", lambda self, node: False)
    backend = open_db(backends, db_name)
    folder = GOLDEN / db_name
    for value_hash in golden_hashes(folder):
        with backend.new_session() as session:
            edges = list(walk_dataflow(backend, session.get(Value, value_hash)))
        assert edges_json(edges) == json.loads((folder / f"{value_hash}.edges.json").read_text()), value_hash
