"""Pilot tests of the downstream screen (issue 14): keys in, what the screen holds out."""

from __future__ import annotations

import json
import sqlite3

from redun_tui.tui.screens.dataflow import DataflowScreen
from redun_tui.tui.screens.downstream import DownstreamScreen
from redun_tui.tui.screens.execution import ExecutionScreen
from redun_tui.tui.screens.files import FileScreen
from redun_tui.tui.screens.job import JobScreen
from redun_tui.tui.screens.value import ValueScreen
from redun_tui.tui.widgets.downstream_tree import PAGE, DownstreamTree
from redun_tui.tui.widgets.paged_list import PagedList

REF_V1 = "5a8b8b0b9b49a6039339b5c1089feae99df312ae"
INDEX_JOB = "b1f4ab2b-950a-45c8-92e8-cd7a26071a66"  # index_ref in f98ba205 (reads REF_V1)


def _tree(app) -> DownstreamTree:
    return app.screen.query_one(DownstreamTree)


def _labels(tree: DownstreamTree) -> list[str]:
    lines = []

    def walk(node):
        for child in node.children:
            lines.append(str(child.label))
            if child.is_expanded:
                walk(child)

    walk(tree.root)
    return lines


async def test_w_on_a_value_shows_calls_and_the_impact_list(make_app, settle):
    app = make_app("downstream.db", "values/5a8b8b0b")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ValueScreen)
        await pilot.press("w")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DownstreamScreen)
        assert screen.route == f"downstream/{REF_V1}"
        view = screen.view
        assert (len(view.calls), len(view.values), len(view.executions)) == (12, 15, 3)
        labels = _labels(_tree(app))
        assert labels[0].startswith("5a8b8b0b  File(path=data/ref.txt")
        assert sum("downex.align(ref)" in label for label in labels) == 3
        assert any("downex.make_bundle(inputs, extras)" in label for label in labels)
        impact = screen.query_one("#downstream-impact", PagedList)
        assert [e.id[:8] for e in impact.items] == ["f47c7651", "2d013900", "f98ba205"]
        summary = str(screen.query_one("#downstream-summary").render())
        assert "12 calls · 15 derived values · 3 executions · depth 4" in summary


async def test_enter_opens_the_call_job_and_the_execution(make_app, settle):
    app = make_app("downstream.db", f"downstream/{REF_V1[:8]}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = _tree(app)
        assert tree.has_focus
        # The first call under the target: align (sorted by task, then call hash).
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        first_call = next(iter(tree.view.calls))
        assert app.screen.job_id == first_call.jobs[0]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x")  # the highlighted call's newest execution
        await settle(pilot)
        assert isinstance(app.screen, ExecutionScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("up", "u")  # the target's upstream dataflow
        await settle(pilot)
        assert isinstance(app.screen, DataflowScreen) and app.screen.value_hash == REF_V1
        await pilot.press("escape")
        await settle(pilot)
        app.screen.query_one("#downstream-impact", PagedList).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExecutionScreen)
        assert app.screen.route.startswith("executions/f47c7651")


async def test_expanding_walks_down_to_the_chain_end(make_app, settle):
    app = make_app("downstream.db", "downstream/c60338db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = _tree(app)
        labels = _labels(tree)
        align = next(i for i, label in enumerate(labels) if label.startswith("downex.align(ref) → 38bf2e5e"))
        await pilot.press(*["down"] * align, "right", "down", "right", "down", "right")
        await settle(pilot)
        labels = _labels(tree)
        assert any("38bf2e5e  File(path=out/s2.bam" in label and "depth 1" in label for label in labels)
        assert any(label.startswith("downex.merge_bams(bams) → b09ad4b7") for label in labels)


async def test_a_toggles_every_version_of_the_path(make_app, settle):
    app = make_app("downstream.db", f"downstream/{REF_V1}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(app.screen.view.roots) == 1
        await pilot.press("a")
        await settle(pilot)
        view = app.screen.view
        assert len(view.roots) == 2 and (len(view.calls), len(view.values)) == (19, 21)
        impact = app.screen.query_one("#downstream-impact", PagedList)
        assert [e.id[:8] for e in impact.items] == ["5405a9e6", "f47c7651", "2d013900", "f98ba205"]
        assert "all 2 versions" in str(app.screen.query_one("#downstream-summary").render())
        await pilot.press("a")
        await settle(pilot)
        assert len(app.screen.view.roots) == 1


async def test_e_exports_the_json_of_the_cli(make_app, settle, tmp_path):
    from click.testing import CliRunner

    from redun_tui.cli import cli

    app = make_app("downstream.db", f"downstream/{REF_V1}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
    written = json.loads((tmp_path / "downstream-5a8b8b0b.json").read_text())
    printed = json.loads(CliRunner().invoke(cli, ["downstream", str(tmp_path / "downstream.db"), REF_V1, "--json"]).stdout)
    assert written == printed
    assert [e["id"][:8] for e in written["executions"]] == ["f47c7651", "2d013900", "f98ba205"]


async def test_w_on_a_file_and_on_a_job(make_app, settle):
    app = make_app("downstream.db", "files/data/ref.txt")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FileScreen)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, DownstreamScreen) and len(app.screen.view.roots) == 2
        app.navigate(f"jobs/{INDEX_JOB}")
        await settle(pilot)
        app.screen.focus_next()  # the first link (not an argument): w follows the result
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, DownstreamScreen)
        assert app.screen.view.roots[0].preview.startswith("File(path=out/ref.idx")


async def test_many_calls_are_paged(make_app, settle, fixture_db):
    path = fixture_db("downstream.db")
    connection = sqlite3.connect(path)
    with connection:
        connection.executescript(_WIDEN)
    connection.close()
    app = make_app("downstream.db", f"downstream/{REF_V1}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = _tree(app)
        target = tree.root.children[0]
        calls = [child for child in target.children if child.data.kind == "call"]
        assert len(calls) == PAGE
        more = target.children[-1]
        assert more.data.kind == "more" and "of 126 shown" in str(more.label)
        tree.move_cursor(more)
        await pilot.press("enter")
        await settle(pilot)
        calls = [child for child in target.children if child.data.kind == "call"]
        assert len(calls) == 2 * PAGE


async def test_jobs_of_later_pages_are_read_as_they_are_shown(make_app, settle, fixture_db, monkeypatch):
    """A large listing's first read carries the jobs of the first page only; "… more" shows
    calls whose jobs are read then, and their labels and Enter use them."""
    from redun_tui.store import downstream as ds

    monkeypatch.setattr(ds, "ALL_JOBS_UP_TO", 0)
    path = fixture_db("downstream.db")
    connection = sqlite3.connect(path)
    with connection:
        connection.executescript(_WIDEN + _WIDE_JOBS)
    connection.close()
    app = make_app("downstream.db", f"downstream/{REF_V1}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = _tree(app)
        assert len(tree.view.jobs_known) == PAGE
        target = tree.root.children[0]
        more = target.children[-1]
        tree.move_cursor(more)
        await pilot.press("enter")
        await settle(pilot)
        calls = [child for child in target.children if child.data.kind == "call"]
        assert len(calls) == 2 * PAGE
        assert all(tree.has_jobs(node.data.key) for node in calls)
        assert not any("… jobs" in str(node.label) for node in calls)
        last = calls[-1]
        assert " 1 job " in str(last.label)
        tree.move_cursor(last)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        assert app.screen.job_id == tree.call(last.data.key).jobs[0]


async def test_database_text_is_literal(make_app, settle):
    app = make_app("values.db", "downstream/b8c9f96b")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        labels = _labels(_tree(app))
        assert "weird [red]name[/] ü 🎉.txt" in labels[0]


_WIDEN = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
INSERT INTO argument (arg_hash, call_hash, value_hash, arg_position, arg_key)
  SELECT 'wide-arg' || i, 'wide-c' || i, '""" + REF_V1 + """', 0, NULL FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
INSERT INTO call_node (call_hash, task_name, task_hash, args_hash, value_hash, timestamp)
  SELECT 'wide-c' || i, c.task_name, c.task_hash, 'wide-a' || i, c.value_hash, c.timestamp
  FROM n, call_node c WHERE c.call_hash LIKE '3cb5b22c%';
"""
# A job for each of those calls (in index_ref's execution).
_WIDE_JOBS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
INSERT INTO job (id, start_time, end_time, task_hash, cached, call_hash, parent_id, execution_id)
  SELECT 'wide-j' || i, j.start_time, j.end_time, j.task_hash, 0, 'wide-c' || i, j.parent_id, j.execution_id
  FROM n, job j WHERE j.call_hash LIKE '3cb5b22c%';
"""
