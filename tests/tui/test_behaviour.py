"""Pilot tests: search, refresh, live refresh, literal text, palette, export and error paths."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from textual.command import CommandList
from textual.content import Content

from redun_tui.tui.screens.base import BaseScreen
from redun_tui.tui.screens.dataflow import DataflowScreen
from redun_tui.tui.screens.execution import ExecutionScreen
from redun_tui.tui.screens.executions import ExecutionsScreen
from redun_tui.tui.screens.job import JobScreen
from redun_tui.tui.screens.value import FullValueScreen
from redun_tui.tui.widgets.job_tree import JobTree
from redun_tui.tui.widgets.links import RouteLink
from redun_tui.tui.widgets.search_bar import SearchBar

KILLED_EXECUTION = "77fee8b0-983a-4c01-88f2-36c9a2e3f3cb"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


async def test_search_bar_filters_and_clears(make_app, settle):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash")
        assert app.focused is screen.query_one("#search-input")
        await pilot.press(*"main_ok", "enter")
        await settle(pilot)
        rows = screen.listing.items
        assert len(rows) == 3 and {row.task_name for row in rows} == {"failures.main_ok"}
        await pilot.press("ctrl+u", "enter")  # clear the input: everything again
        await settle(pilot)
        assert len(screen.listing.items) == 10
        await pilot.press(*"zz9q", "enter")
        await settle(pilot)
        assert screen.listing.items == []
        assert screen.listing._note.startswith("No executions match")
        await pilot.press("escape")  # leaves the input; the app stays on the home screen
        assert app.focused is not screen.query_one("#search-input")
        assert isinstance(app.screen, ExecutionsScreen)


async def test_search_syntax_error_is_shown_not_raised(make_app, settle):
    """A search the store rejects as bad syntax shows the message (and a caret) under the bar."""
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen

        from redun_tui.search import SearchSyntaxError

        def bad(search="", cursor=None, limit=200):
            raise SearchSyntaxError("unknown status 'bogus' [red]x[/]", 7)

        app.store.executions = bad
        screen.set_search("status:bogus")
        await settle(pilot)
        error = screen.query_one("#search-error")
        assert error.display
        text = str(error.render())
        assert "unknown status 'bogus' [red]x[/]" in text  # literal, not markup
        assert "^" in text
        assert app.is_running


async def test_real_search_syntax_error_and_all_records(make_app, settle):
    from redun_tui.tui.screens.search import SearchScreen

    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.set_search("status:bogus")
        await settle(pilot)
        error = screen.query_one("#search-error")
        assert error.display and "bogus" in str(error.render())
        assert "^" in str(error.render()).splitlines()[0]
        screen.set_search("task:explode")
        await settle(pilot)
        assert not error.display
        assert screen.listing.items  # executions that ran the task
        screen.listing.focus()
        await pilot.press("s")  # the same search over every record type
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.route == "search/task:explode"
        rows = app.screen.listing.items
        assert rows and {row.type for row in rows} >= {"Job"}
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.route == rows[0].route


async def test_refresh_keeps_cursor(make_app, settle):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        listing = app.screen.listing
        await pilot.press("down", "down")
        chosen = listing.current_item
        await pilot.press("r")
        await settle(pilot)
        assert listing.cursor == 2 and listing.current_item.id == chosen.id


async def test_live_refresh_updates_running_execution(make_app, settle, wait_until, fixture_db, tmp_path):
    """While a RUNNING execution is shown, a write by redun appears without a key press."""
    app = make_app("failures.db", f"executions/{KILLED_EXECUTION}", live_interval=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExecutionScreen) and screen.live
        tree = screen.query_one(JobTree)
        await pilot.press("right", "down", "down")  # expand the root, cursor on the sleepy job
        await settle(pilot)
        node = tree.cursor_node
        assert node.data.job.task_name == "failures.sleepy" and node.data.job.status == "RUNNING"
        job_id = node.data.job.id

        # Pretend redun finished the job (a writer on the same file, as a running redun would be).
        end = datetime(2026, 11, 27, 10, 11, 45, tzinfo=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        with sqlite3.connect(tmp_path / "failures.db") as connection:
            connection.execute("UPDATE job SET end_time = ? WHERE id = ?", (end, job_id))
        await wait_until(pilot, lambda: tree.cursor_node.data.job.status != "RUNNING", "the job's live refresh")
        await settle(pilot)
        assert tree.cursor_node.data.job.id == job_id  # the cursor stayed on the same job
        assert tree.cursor_node.data.job.status == "DONE"


async def test_database_text_is_literal(make_app, settle):
    """Markup and escapes in values show as characters: nothing styled, nothing sent raw."""
    app = make_app("values.db", "jobs/7d2d56b3")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        labels = [link.render() for link in app.screen.query(RouteLink)]
        plain = [str(label) for label in labels]
        assert any("'[red]from the command line[/] \\x1b[1m!'" in text for text in plain)
        assert all("\x1b" not in text for text in plain)
        for label in labels:
            assert isinstance(label, Content)


async def test_unknown_record_notifies_and_stays_usable(make_app, settle, notifications):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.navigate("jobs/[b]nope[/b]")
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        shown = notifications(app)
        assert shown and "[b]nope[/b]" in shown[-1].message and shown[-1].markup is False
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ExecutionsScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExecutionScreen)


async def test_database_deleted_while_open(make_app, settle, tmp_path, notifications):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.store.backend.engine.dispose()  # drop pooled connections, as after a long idle
        os.remove(tmp_path / "failures.db")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        errors = [n for n in notifications(app) if n.severity == "error"]
        assert errors and all(n.markup is False for n in errors)
        await pilot.press("escape", "question_mark")  # the app still navigates
        await settle(pilot)
        assert app.screen.route == "help"


async def test_database_corrupted_while_open(make_app, settle, tmp_path, notifications):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.store.backend.engine.dispose()
        (tmp_path / "failures.db").write_bytes(b"not a database at all" * 100)
        await pilot.press("r")
        await settle(pilot)
        assert app.is_running
        assert [n for n in notifications(app) if n.severity == "error"]


async def test_palette_jumps_to_an_id_prefix(make_app, settle, wait_until):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"6bec3a18")
        await wait_until(pilot, lambda: app.screen.query_one(CommandList).option_count, "the palette's hits")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        assert app.screen.route.startswith("jobs/6bec3a18")


async def test_palette_route_with_unknown_id_notifies(make_app, settle, wait_until, notifications):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_user_route("jobs/ffffffff")
        await wait_until(pilot, lambda: any("ffffffff" in n.message for n in notifications(app)),
                         "a notification naming ffffffff")
        assert isinstance(app.screen, ExecutionsScreen)


async def test_dataflow_links_and_export(make_app, settle, tmp_path):
    app = make_app("seed_example.db", "dataflow/5ace4f46")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DataflowScreen)
        pane = screen.query_one("#dataflow-pane")
        assert pane.has_focus and len(pane.links) > 5
        golden = GOLDEN / "dataflow" / "seed_example" / "5ace4f46e78b2ed75ec24e95e2f1d77c94620473.txt"
        # As redun prints it: the value's line, a blank line, then the sections.
        header, blank, rest = pane.text.split("\n", 2)
        assert header.startswith("value = [File(path=sample1.vcf, hash=c5f347b5)") and blank == ""
        assert rest.rstrip("\n") == golden.read_text(encoding="utf-8").rstrip("\n")
        await pilot.press("e")
        exported = tmp_path / "dataflow-5ace4f46.json"
        assert json.loads(exported.read_text())
        await pilot.press("right", "right", "down")
        route = pane.current_route
        assert route
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BaseScreen) and app.screen.route == route


async def test_full_value_of_a_huge_string(make_app, settle):
    app = make_app("values.db", "values/8167c0df")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FullValueScreen)
        log = screen.query_one("#value-log")
        assert log.line_count >= 500  # 1,000,110 characters cut into display lines of 2,000


async def test_search_bar_debounces_typing(make_app, settle, wait_until):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(SearchBar)
        sent: list[str] = []
        original = app.screen.load

        def counting_load(keep_cursor=False):
            sent.append(app.screen.search_text)
            original(keep_cursor)

        app.screen.load = counting_load
        await pilot.press("slash", *"main_fail")
        await wait_until(pilot, lambda: sent, "the search after typing stopped")
        await settle(pilot)
        assert sent == ["main_fail"]  # one search after typing stopped, not one per key
        assert bar.value == "main_fail"


async def test_typing_keys_in_the_search_bar_does_not_trigger_bindings(make_app, settle):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "q", "r", "y", "question_mark", "s")
        assert app.is_running
        assert isinstance(app.screen, ExecutionsScreen)
        assert app.screen.query_one(SearchBar).value == "qry?s"


async def test_pager_without_a_terminal_says_so(make_app, settle, notifications):
    """`p` reads the value in a worker; where the app cannot suspend (headless) it says so."""
    app = make_app("values.db", "values/a11e4c29")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert app.is_running
        assert any("pager" in n.message for n in notifications(app))


async def test_slow_loads_show_a_loading_indicator(make_app, settle, wait_until):
    import time

    app = make_app("failures.db", loading_delay=0.01)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        original = app.store.job

        def slow_job(job_id):
            time.sleep(0.4)
            return original(job_id)

        app.store.job = slow_job
        app.navigate("jobs/6bec3a18")
        # The indicator while the store works.
        await wait_until(pilot, lambda: any(body.loading for body in app.screen.query("JobScreen #record-body")),
                         "the loading indicator")
        from redun_tui.tui.widgets.loading import FRAME_SECONDS, LoadingDots

        dots = app.screen.body._cover_widget  # Textual keeps the indicator outside the DOM
        assert isinstance(dots, LoadingDots) and dots.auto_refresh == FRAME_SECONDS  # not Textual's 1/16 s
        await settle(pilot)
        assert not app.screen.body.loading and app.screen.query("RouteLink")
