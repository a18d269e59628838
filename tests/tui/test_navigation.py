"""Pilot tests: keyboard navigation through every screen, deep links and back history."""

from __future__ import annotations

import pytest

from redun_tui.tui.screens.dataflow import DataflowScreen
from redun_tui.tui.screens.execution import ExecutionScreen
from redun_tui.tui.screens.executions import ExecutionsScreen
from redun_tui.tui.screens.files import FileScreen, FilesScreen
from redun_tui.tui.screens.help import HelpScreen
from redun_tui.tui.screens.job import JobScreen
from redun_tui.tui.screens.tasks import TaskScreen, TasksScreen
from redun_tui.tui.screens.value import FullValueScreen, ValueScreen
from redun_tui.tui.widgets.job_tree import JobTree
from redun_tui.tui.widgets.links import RouteLink

FAILED_EXECUTION = "b22c1c57-fd37-41f1-8570-52ceaeb421ce"  # failures.db: main_fail (alpha, omega)
FAILED_ROOT_JOB = "6bec3a18"
KILLED_EXECUTION = "77fee8b0-983a-4c01-88f2-36c9a2e3f3cb"


async def focus_link(pilot, predicate, limit: int = 80) -> RouteLink:
    """Presses Tab until a link matching ``predicate`` has the focus (keyboard only)."""
    for _ in range(limit):
        focused = pilot.app.focused
        if isinstance(focused, RouteLink) and predicate(focused):
            return focused
        await pilot.press("tab")
    raise AssertionError("no such link reachable with Tab")


async def test_home_lists_executions_newest_first(make_app, settle):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExecutionsScreen)
        rows = screen.listing.items
        assert len(rows) == 10
        starts = [row.start_time for row in rows]
        assert starts == sorted(starts, reverse=True)
        assert screen.listing.has_focus


async def test_keyboard_only_through_every_screen(make_app, settle):
    """executions -> execution -> job -> task / value -> dataflow -> value; plus tasks, files, help."""
    app = make_app("seed_example.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("end", "enter")  # the oldest execution: the first, all DONE run
        await settle(pilot)
        assert isinstance(app.screen, ExecutionScreen)
        tree = app.screen.query_one(JobTree)
        assert tree.has_focus
        await pilot.press("right")  # expand the root job
        await settle(pilot)
        await pilot.press("down", "enter")  # the first child job
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        job_screen = app.screen

        link = await focus_link(pilot, lambda link: (link.route or "").startswith("tasks/"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is job_screen
        assert app.focused is link  # focus comes back to the link we left from

        await focus_link(pilot, lambda link: (link.route or "").startswith("values/"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ValueScreen)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DataflowScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, FullValueScreen)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is job_screen

        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"tasks", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        assert app.screen.listing.items
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskScreen)

        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"files", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FilesScreen)
        assert app.screen.listing.items
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FileScreen)
        assert app.screen.query(RouteLink)


@pytest.mark.parametrize(
    ("db_name", "route", "screen_type", "shown"),
    [
        ("failures.db", f"executions/{FAILED_EXECUTION[:8]}", ExecutionScreen, FAILED_EXECUTION),
        ("values.db", "values/8167c0df", ValueScreen, "8167c0df"),
        ("seed_example.db", "dataflow/8167c0df", None, None),
        ("seed_example.db", "files", FilesScreen, None),
    ],
)
async def test_deep_links(make_app, settle, db_name, route, screen_type, shown):
    app = make_app(db_name, route)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        if screen_type is None:  # a hash from another database: a message, and the app stays up
            assert app.screen.route.startswith("dataflow/")
            return
        assert isinstance(app.screen, screen_type)
        if shown:
            assert shown in app.screen.route  # prefixes become the full id in the header
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ExecutionsScreen)  # Escape from a deep link lands home


async def test_back_history_restores_cursor(make_app, settle):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        home = app.screen
        await pilot.press("down", "down", "down")
        assert home.listing.cursor == 3
        await pilot.press("enter")
        await settle(pilot)
        first = app.screen
        assert isinstance(first, ExecutionScreen)
        await pilot.press("enter")  # the root job
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is first
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is home
        assert home.listing.cursor == 3
        await pilot.press("escape")  # nothing further back: stays home
        assert app.screen is home


async def test_copy_id_and_command(make_app, settle):
    app = make_app("failures.db", f"executions/{FAILED_EXECUTION}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one("#status-table").focus()
        await pilot.press("y")
        assert app.clipboard == FAILED_EXECUTION
        await pilot.press("Y")
        assert app.clipboard == f"redun-tui failures.db executions/{FAILED_EXECUTION}"
        app.screen.query_one(JobTree).focus()
        await pilot.press("y")
        assert app.clipboard.startswith(FAILED_ROOT_JOB)


async def test_failed_only_and_status_cell_filter(make_app, settle):
    app = make_app("failures.db", f"executions/{FAILED_EXECUTION}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        tree = screen.query_one(JobTree)
        await pilot.press("f")
        await settle(pilot)
        assert screen.filter_status == "FAILED"
        await pilot.press("right")
        await settle(pilot)
        shown = [node.data.job for node in tree.root.children[0].children if node.data.job is not None]
        assert shown and all(job.status == "FAILED" for job in shown)
        await pilot.press("v")  # the same filter as a flat list
        await settle(pilot)
        listing = screen.query_one("#job-list")
        assert listing.has_focus and not tree.display
        assert [job.status for job in listing.items] == ["FAILED", "FAILED"]
        await pilot.press("down", "y")
        assert app.clipboard == listing.items[1].id
        await pilot.press("v")
        await settle(pilot)
        assert tree.has_focus and not listing.display
        await pilot.press("a")
        await settle(pilot)
        assert screen.filter_status is None

        # Status table: row "failures.make_input", column CACHED -> only that task's cached jobs.
        await pilot.press("s")
        table = screen.query_one("#status-table")
        assert table.has_focus
        names = screen.query_one("#status-table")._tasks
        row = names.index("failures.make_input")
        await pilot.press(*["down"] * row, "right", "right", "enter")
        await settle(pilot)
        assert (screen.filter_task, screen.filter_status) == ("failures.make_input", "CACHED")
        assert tree.has_focus
        await pilot.press("right")
        await settle(pilot)
        shown = [node.data.job for node in tree.root.children[0].children if node.data.job is not None]
        assert [job.status for job in shown] == ["CACHED"]


async def test_job_tree_pages_children(make_app, settle, monkeypatch):
    """Children come in pages; the "more" node loads the next page in place."""
    import redun_tui.tui.screens.execution as execution_module

    monkeypatch.setattr(execution_module, "PAGE_SIZE", 3)
    app = make_app("failures.db", f"executions/{FAILED_EXECUTION}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(JobTree)
        await pilot.press("right")
        await settle(pilot)
        root = tree.root.children[0]
        kinds = [child.data.kind for child in root.children]
        assert kinds == ["job", "job", "job", "more"]
        tree.move_cursor(root.children[-1])  # the "more" node (End reads the last page)
        await pilot.press("enter")
        await settle(pilot)
        kinds = [child.data.kind for child in root.children]
        assert kinds == ["job"] * 4
        ids = [child.data.job.id for child in root.children]
        assert len(set(ids)) == 4
