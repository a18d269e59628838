"""Unit tests of redun_tui.db.dataflow: the pure parts (names, sorting, sections, layout) and the
crash cases where redun 0.44.1 raises and we produce a dataflow instead.

Goldens for every fixture value are in test_dataflow_golden.py; SQL statement counts in
test_dataflow_sql.py; the CLI in test_dataflow_cli.py.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from redun_tui.db.backend import RedunBackendDb
from redun_tui.db.dataflow import (
    ArgumentValue,
    CallNodeValue,
    DataflowArg,
    DataflowAssign,
    DataflowEdge,
    DataflowRouting,
    DataflowSectionDOM,
    DataflowVars,
    display_dataflow,
    display_hash,
    display_section,
    get_callnode_arguments,
    get_default_arg_name,
    get_node_hash,
    get_section_edge_type,
    get_task_args,
    is_internal_task,
    iter_dataflow_segments,
    iter_subsections,
    iter_unique,
    make_dataflow_dom,
    make_var_name,
    rewrite_call_node_merges,
    serialize_dataflow,
    toposort_edges,
    walk_dataflow,
    walk_dataflow_argument_value,
    walk_dataflow_callnode,
    walk_dataflow_callnode_value,
    walk_dataflow_node,
    walk_dataflow_value,
)
from redun_tui.db.models import Argument, CallNode, Task, Value

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


# -- helpers ---------------------------------------------------------------------------------


def task(name: str = "t", source: str = "", namespace: str = "") -> Task:
    return Task(hash=f"task-{name}", name=name, namespace=namespace, source=source)


def call_node(name: str, value: Value | None = None) -> CallNode:
    node = CallNode(call_hash=f"{name:0<40}"[:40], task=task(name, f"def {name}(x):\n    pass\n"))
    node.value = value or Value(value_hash=f"v{name:0<39}"[:40])
    return node


@pytest.fixture(scope="module")
def crash_db() -> Iterator[RedunBackendDb]:
    backend = RedunBackendDb(str(FIXTURES / "crash_cases.db"))
    backend.load()
    yield backend
    backend.close()


def dataflow_text(backend: RedunBackendDb, prefix: str, new_varname: str = "value") -> str:
    value = backend.session.query(Value).filter(Value.value_hash.like(prefix + "%")).one()
    return "\n".join(display_dataflow(make_dataflow_dom(walk_dataflow(backend, value), new_varname)))


# -- names -----------------------------------------------------------------------------------


def test_make_var_name_suffixes() -> None:
    names: dict[str, object] = {}
    assert make_var_name("x", names) == "x"
    names["x"] = 1
    assert make_var_name("x", names) == "x_2"
    names["x_2"] = 1
    assert make_var_name("x_2", names) == "x_3"  # an existing suffix is replaced, not extended
    assert make_var_name("x_17", names) == "x_3"
    assert make_var_name("x", names, suffix=5) == "x_5"


def test_dataflow_vars_names_many_values_like_make_var_name() -> None:
    # The suffix hint must give exactly what a search from 2 gives, also around names set
    # directly (the start value is assigned "value" without make_var_name).
    dataflow_vars = DataflowVars()
    reference: dict[str, object] = {}
    dataflow_vars[Value(value_hash="start")] = "x_3"
    reference["x_3"] = 0
    for i in range(50):
        node = Value(value_hash=f"h{i}")
        expected = make_var_name("x", reference)
        reference[expected] = node
        assert dataflow_vars.new_var_name(node, "x") == (expected, "x")
    # An already named node keeps its name.
    assert dataflow_vars.new_var_name(node, "other") == (reference and expected, None)


def test_get_task_args_reads_the_source() -> None:
    assert get_task_args(task(source="@task()\ndef f(a, b=1, *rest, c, **kw):\n    pass\n")) == ["a", "b"]
    # Indented sources (methods, nested definitions) are dedented first.
    assert get_task_args(task(source="    def g(x):\n        return x\n")) == ["x"]
    # Positional-only parameters are not in args.args: redun ignores them too.
    assert get_task_args(task(source="def h(a, /, b):\n    pass\n")) == ["b"]
    for source in ["lambda x: x", "async def f(x):\n    pass\n", "", "def broken(:", "x = 1"]:
        with pytest.raises(SyntaxError):
            get_task_args(task(source=source))


def test_default_arg_name_and_internal_tasks() -> None:
    assert get_default_arg_name(3) == "arg3"
    assert is_internal_task(task("script", namespace="redun"))
    assert is_internal_task(task("postprocess_script", namespace="redun"))
    assert not is_internal_task(task("script", namespace="mine"))


def test_callnode_arguments_are_positional_then_keyword() -> None:
    node = CallNode(call_hash="c" * 40)
    node.arguments = [
        Argument(arg_hash="k2", arg_key="z", arg_position=None),
        Argument(arg_hash="p1", arg_key=None, arg_position=1),
        Argument(arg_hash="k1", arg_key="a", arg_position=None),
        Argument(arg_hash="p0", arg_key=None, arg_position=0),
    ]
    assert [arg.arg_hash for arg in get_callnode_arguments(node)] == ["p0", "p1", "k1", "k2"]


def test_iter_unique_keeps_first_occurrences() -> None:
    assert list(iter_unique([3, 1, 3, 2, 1])) == [3, 1, 2]
    assert list(iter_unique(["a", "B", "b"], key=str.lower)) == ["a", "B"]


# -- graph algorithms ------------------------------------------------------------------------


def test_edge_types() -> None:
    value = Value(value_hash="a" * 40)
    other = Value(value_hash="b" * 40)
    node = call_node("c", value)
    arg = ArgumentValue(Argument(arg_hash="x"), value)
    assert get_section_edge_type(DataflowEdge(value, node)) == "call_result"
    assert get_section_edge_type(DataflowEdge(value, None)) == "call_value_origin"
    assert get_section_edge_type(DataflowEdge(node, arg)) == "call_arg"
    assert get_section_edge_type(DataflowEdge(node, None)) == "call_origin"
    assert get_section_edge_type(DataflowEdge(arg, CallNodeValue(node, value))) == "call_arg_result_routing"
    assert get_section_edge_type(DataflowEdge(arg, CallNodeValue(node, other))) == "data"
    assert get_section_edge_type(DataflowEdge(arg, arg)) == "call_arg_routing"
    assert get_section_edge_type(DataflowEdge(arg, None)) == "call_arg_origin"
    assert get_section_edge_type(DataflowEdge(CallNodeValue(node, value), node)) == "call_result"
    cnv = CallNodeValue(node, value)
    assert get_section_edge_type(DataflowEdge(cnv, cnv)) == "call_result_routing"
    with pytest.raises(AssertionError):
        get_section_edge_type(DataflowEdge(node, node))


def naive_toposort(edges: list[DataflowEdge]) -> list[DataflowEdge]:
    """The textbook stack-based version of toposort_edges' contract, for comparison."""
    indegree: dict = {}
    outgoing: dict = defaultdict(list)
    for edge in edges:
        outgoing[edge.src].append(edge)
        indegree.setdefault(edge.src, 0)
        if edge.dest:
            indegree[edge.dest] = indegree.get(edge.dest, 0) + 1
    stack = [n for n, d in indegree.items() if d == 0]
    result = []
    while stack:
        n = stack.pop()
        result.extend(outgoing[n])
        for edge in reversed(outgoing[n]):
            if edge.dest:
                indegree[edge.dest] -= 1
                if indegree[edge.dest] == 0:
                    stack.append(edge.dest)
    return result


def test_toposort_orders_parents_before_children_depth_first() -> None:
    v = Value(value_hash="v" * 40)
    a, b, c = (call_node(name) for name in "abc")
    x = ArgumentValue(Argument(arg_hash="x"), v)
    y = ArgumentValue(Argument(arg_hash="y"), v)
    edges = [
        DataflowEdge(x, CallNodeValue(c, v)),
        DataflowEdge(v, a),
        DataflowEdge(a, x),
        DataflowEdge(a, y),
        DataflowEdge(y, CallNodeValue(c, v)),
        DataflowEdge(CallNodeValue(c, v), c),
        DataflowEdge(c, None),
    ]
    ordered = list(toposort_edges(edges))
    assert ordered == naive_toposort(edges)
    assert ordered[:3] == [DataflowEdge(v, a), DataflowEdge(a, x), DataflowEdge(a, y)]
    position = {edge: i for i, edge in enumerate(ordered)}
    for edge in ordered:
        for later in ordered:
            if later.src == edge.dest:
                assert position[edge] < position[later]


def test_toposort_is_linear() -> None:
    # A 20,000-edge chain would take minutes if any step re-walked the graph.
    # Any hashable nodes do: plain strings keep the set-up cheap.
    values = [f"node{i}" for i in range(20_001)]
    edges = [DataflowEdge(values[i], values[i + 1]) for i in range(20_000)]
    random.Random(1).shuffle(edges)
    import time

    start = time.thread_time()
    ordered = list(toposort_edges(edges))
    # Linear: ~0.05 s; a version re-walking the graph per node would need minutes.
    assert time.thread_time() - start < 5.0
    assert [edge.src for edge in ordered] == values[:-1]


def naive_rewrite(edges: list[DataflowEdge]) -> list[DataflowEdge]:
    """rewrite_call_node_merges' contract applied one merge node at a time (quadratic)."""
    into: dict = defaultdict(list)
    for edge in edges:
        if edge.dest:
            into[edge.dest].append(edge)
    merges = [n for n, found in into.items() if isinstance(n, CallNode) and len(found) > 1]
    for merge in merges:
        sources = [edge.src for edge in into[merge]]
        upstream = [edge for source in sources for edge in into[source]]
        upstream_nodes = list(dict.fromkeys(edge.src for edge in upstream))
        old = set(into[merge]) | set(upstream)
        unified = CallNodeValue(merge, merge.value)
        new = [DataflowEdge(node, unified) for node in upstream_nodes] + [DataflowEdge(unified, merge)]
        kept = [edge for edge in edges if edge not in old]
        position = next(i for i, edge in enumerate(kept) if edge.src == merge)
        edges = kept[:position] + new + kept[position:]
    return edges


def random_walk_graph(rng: random.Random) -> list[DataflowEdge]:
    """Edges shaped like a walk's: CallNode -> ArgumentValue, ArgumentValue -> CallNodeValue,
    CallNodeValue -> its own CallNode or a child's CallNodeValue, ArgumentValue -> origin."""
    calls = [call_node(f"c{i}") for i in range(rng.randint(2, 6))]
    values = [Value(value_hash=f"{i:0>40}") for i in range(4)]
    args = [ArgumentValue(Argument(arg_hash=f"a{i}"), rng.choice(values)) for i in range(rng.randint(2, 8))]
    cnvs = [CallNodeValue(rng.choice(calls), rng.choice(values)) for _ in range(rng.randint(2, 8))]
    edges = set()
    for cnv in cnvs:
        edges.add(DataflowEdge(cnv, cnv.call_node))
    for node in calls:
        for arg in rng.sample(args, rng.randint(0, 2)):
            edges.add(DataflowEdge(node, arg))
        if not any(edge.src is node for edge in edges):
            edges.add(DataflowEdge(node, None))
    for arg in args:
        for cnv in rng.sample(cnvs, rng.randint(0, 2)):
            edges.add(DataflowEdge(arg, cnv))
    edges = sorted(edges, key=lambda edge: rng.random())
    return edges


def test_rewrite_call_node_merges_matches_one_merge_at_a_time() -> None:
    rng = random.Random(7)
    merges_seen = 0
    for _ in range(400):
        edges = random_walk_graph(rng)
        expected = naive_rewrite(list(edges))
        merges_seen += expected != edges
        assert rewrite_call_node_merges(list(edges)) == expected
    assert merges_seen > 50


def test_iter_subsections_splits_at_merge_nodes() -> None:
    v = Value(value_hash="v" * 40)
    node = call_node("t0", v)
    c = ArgumentValue(Argument(arg_hash="c"), v)
    d = ArgumentValue(Argument(arg_hash="d"), v)
    merge = CallNodeValue(node, v)
    section = [DataflowEdge(c, merge), DataflowEdge(d, merge), DataflowEdge(merge, node), DataflowEdge(node, None)]
    assert list(iter_subsections(section)) == [
        [DataflowEdge(c, merge)],
        [DataflowEdge(d, merge)],
        [DataflowEdge(merge, node), DataflowEdge(node, None)],
    ]
    # Without a merge node the section is kept whole.
    assert list(iter_subsections(section[2:])) == [section[2:]]


# -- layout ----------------------------------------------------------------------------------


def sample_dom() -> list[DataflowSectionDOM]:
    value = Value(value_hash="1234567890" + "0" * 30)
    node = call_node("call_variants", value)
    arg_value = Value(value_hash="abcdef0123" + "0" * 30)
    return [
        DataflowSectionDOM(
            DataflowAssign("value", "", "call_variants(bam)", node),
            [DataflowRouting("argument of", "main(x)", node), DataflowRouting("", "origin", None)],
            [DataflowArg("bam", arg_value), DataflowArg("ref_genome", arg_value)],
        ),
        DataflowSectionDOM(DataflowAssign("bam", "", "derives from", None), [], []),
    ]


def test_display_and_segments_are_one_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    import redun_tui.db.dataflow as dataflow

    monkeypatch.setattr(dataflow.render, "display_value", lambda value: f"V({value.value_hash[:4]})")
    dom = sample_dom()
    lines = list(display_dataflow(dom))
    assert lines == [
        "value <-- <call_var> call_variants(bam)",
        "      <-- argument of <call_var> main(x)",
        "      <-- origin",
        "  bam        = <abcdef01> V(abcd)",
        "  ref_genome = <abcdef01> V(abcd)",
        "",
        "bam <-- derives from",
        "",
    ]
    segments = list(iter_dataflow_segments(dom))
    assert ["".join(text for text, _ in line) for line in segments] == lines
    node = dom[0].assign.node
    assert ("<call_var> ", node) in segments[0] and ("call_variants(bam)", node) in segments[0]
    assert ("origin", None) in segments[2]
    assert ("V(abcd)", dom[0].args[0].value) in segments[3]
    assert list(display_section(dom[1])) == ["bam <-- derives from"]


def test_node_hashes() -> None:
    value = Value(value_hash="f" * 40)
    node = call_node("x")
    argument = Argument(arg_hash="a" * 40)
    argument.call_node = node
    assert get_node_hash(value) == "f" * 40
    assert get_node_hash(node) == node.call_hash
    assert get_node_hash(ArgumentValue(argument, value)) == node.call_hash
    assert get_node_hash(CallNodeValue(node, value)) == node.call_hash
    assert get_node_hash(None) is None
    assert display_hash(None) == ""
    assert display_hash(value) == "<ffffffff> "


# -- the crash cases (redun 0.44.1 raises; see tests/golden/README.md) --------------------------


def test_variadic_arguments_get_default_names(crash_db: RedunBackendDb) -> None:
    # redun: IndexError in new_var_name (add_all(first, *rest) called with 3 positionals).
    assert dataflow_text(crash_db, "c43aa136") == (
        "value <-- <1522c5ae> add_all(first)\n"
        "  first = <6f3255df> 4\n"
        "  arg1  = <6a5d10a2> 5\n"
        "  arg2  = <e52f316c> 6\n"
        "\n"
        "first <-- argument of <9f92acff> variadic_main(x)\n"
        "      <-- origin\n"
    )


def test_element_and_whole_list_into_one_call(crash_db: RedunBackendDb) -> None:
    # redun: IndexError in make_section_dom (an empty subsection at a merge node).
    assert dataflow_text(crash_db, "23c3528e") == (
        "value <-- <9c4cb7ef> consume(whole, part)\n"
        "  whole = <ddeb39fe> [File(path=out/left3.txt, hash=018404f0), File(path=out/right3.txt, hash=acb83e55)]\n"
        "  part  = <018404f0> File(path=out/left3.txt, hash=018404f0)\n"
        "\n"
        "part <-- <720fd649> make_pair(x)\n"
        "     <-- <ba4b7f7d> left_file(x)\n"
        "  x = <b0f83101> 3\n"
        "\n"
        "whole <-- <720fd649> make_pair(x_2)\n"
        "  x_2 = <b0f83101> 3\n"
        "\n"
        "x <-- <720fd649> x_2\n"
        "\n"
        "x_2 <-- argument of <d1b2296b> index_main(x)\n"
        "    <-- origin\n"
    )


@pytest.mark.parametrize("prefix", ["a8396c89", "a7c25ca2", "14ef0cd0"])
def test_argument_routed_and_derived(crash_db: RedunBackendDb, prefix: str) -> None:
    # redun: KeyError in make_data_section_dom (run_chunks' n is only a routing step of
    # work's n, and also the start of a data section). It gets its own name, n_2, which the
    # routing step shows as the parameter's name to link the two sections.
    text = dataflow_text(crash_db, prefix)
    sections = text.split("\n\n")
    assert sections[1:] == [
        "n_2 <-- derives from\n  get_params_result = <0413f9df> {'n': 50, 'label': 'params'}",
        "get_params_result <-- <6a9d6c7a> get_params(chunk)\n  chunk = <0dd38128> 50",
        "n <-- argument of <72e4a01f> run_chunks(n_2)\n  <-- argument of <eccda643> chunk_main(chunk)\n  <-- <eccda643> n_3",
        "chunk <-- <eccda643> n_3",
        "n_3 <-- origin\n",
    ]
    assert sections[0].startswith("value <-- ") and "  n = <0dd38128> 50" in sections[0]


def test_file_routed_and_derived(crash_db: RedunBackendDb) -> None:
    # redun: KeyError in make_data_section_dom, with Files.
    assert dataflow_text(crash_db, "665147bb") == (
        "value <-- <fd1cde5a> read_text(f)\n"
        "  f = <158ee06e> File(path=out/a.txt, hash=158ee06e)\n"
        "\n"
        "files <-- derives from\n"
        "  make_b_result = <e3e53c76> File(path=out/b.txt, hash=e3e53c76)\n"
        "\n"
        "make_b_result <-- <e5fa6ae2> make_b()\n"
        "              <-- origin\n"
        "\n"
        "f <-- argument of <218593bd> first_of(files)\n"
        "  <-- <ec393712> make_a()\n"
        "  <-- origin\n"
    )


def test_walk_from_a_call_node_shows_the_call(crash_db: RedunBackendDb) -> None:
    # redun: AssertionError in make_section_dom for every CallNode start.
    node = crash_db.session.query(CallNode).filter(CallNode.call_hash.like("1522c5ae%")).one()
    lines = list(display_dataflow(make_dataflow_dom(walk_dataflow(crash_db, node), "result")))
    assert lines[:5] == [
        "result <-- <1522c5ae> add_all(first)",
        "  first = <6f3255df> 4",
        "  arg1  = <6a5d10a2> 5",
        "  arg2  = <e52f316c> 6",
        "",
    ]
    data = list(serialize_dataflow(make_dataflow_dom(walk_dataflow(crash_db, node), "result")))
    assert data[0]["assign"]["hash"] == node.call_hash
    assert data[0]["assign"]["job_id"] == node.jobs[0].id


def test_walks_from_argument_and_result_values(crash_db: RedunBackendDb) -> None:
    # redun: KeyError in make_section_dom (the start was never named); ours names it.
    node = crash_db.session.query(CallNode).filter(CallNode.call_hash.like("1522c5ae%")).one()
    argument = min(node.arguments, key=lambda arg: arg.arg_position)
    lines = list(display_dataflow(make_dataflow_dom(walk_dataflow(crash_db, ArgumentValue(argument, argument.value)))))
    assert lines == ["first <-- argument of <9f92acff> variadic_main(x)", "      <-- origin", ""]
    lines = list(display_dataflow(make_dataflow_dom(walk_dataflow(crash_db, CallNodeValue(node, node.value)))))
    assert lines[0] == "value <-- <1522c5ae> add_all(first)"


def test_single_step_walk_helpers(crash_db: RedunBackendDb) -> None:
    node = crash_db.session.query(CallNode).filter(CallNode.call_hash.like("1522c5ae%")).one()
    value = node.value
    assert list(walk_dataflow_value(crash_db, value)) == [DataflowEdge(value, node)]
    assert list(walk_dataflow_node(crash_db, value)) == [DataflowEdge(value, node)]
    arg_edges = list(walk_dataflow_callnode(crash_db, node))
    assert [edge.dest.argument.arg_position for edge in arg_edges] == [0, 1, 2]
    assert list(walk_dataflow_callnode_value(crash_db, CallNodeValue(node, value))) == [
        DataflowEdge(CallNodeValue(node, value), node)
    ]
    first = arg_edges[0].dest
    [edge] = walk_dataflow_argument_value(crash_db, first)
    assert isinstance(edge.dest, ArgumentValue) and edge.dest.argument.call_node.task.name == "variadic_main"
    with pytest.raises(TypeError):
        list(walk_dataflow_node(crash_db, "not a node"))  # type: ignore[arg-type]
