"""Pilot tests for issue 10's first-contact defects: search focus, status table, full value, dataflow, killed runs."""

from __future__ import annotations

import pytest

from redun_tui.tui.screens.search import SearchScreen

DEEP_SCREENS = [
    "executions/b22c1c57", "jobs/ff72ff9e", "values/a40fd626", "dataflow/a40fd626",
    "tasks/af449f13", "files/alpha.txt", "help",
]


@pytest.mark.parametrize("route", DEEP_SCREENS)
async def test_slash_focuses_the_search_input_and_every_key_lands_in_it(make_app, settle, route):
    app = make_app("failures.db", route)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # No pause between `/` and the text: the keys typed while the screen opens count too.
        await pilot.press("slash", *"file:*.fastq")
        assert isinstance(app.screen, SearchScreen)
        assert app.is_running  # the `q` did not quit
        search_input = app.screen.query_one("#search-input")
        assert app.focused is search_input
        assert search_input.value == "file:*.fastq"
        await pilot.press("slash")  # in an input `/` is a character, not the search key
        assert search_input.value == "file:*.fastq/"


async def test_every_status_table_row_is_visible_when_selected_at_80x24(make_app, settle):
    from redun_tui.tui.widgets.status_table import StatusTable

    app = make_app("failures.db", "executions/5c286885")  # 7 tasks + "All tasks": more rows than fit
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        table = app.screen.query_one(StatusTable)
        assert app.focused is table and table.row_count == 8
        for row in range(table.row_count):
            assert table.cursor_coordinate.row == row
            # The selected row is drawn on screen, by the table itself (not clipped or covered).
            y = table.region.y + 1 + row - round(table.scroll_y)
            assert table.region.y < y < min(table.region.bottom, 24 - 1), (row, table.region, table.scroll_y)
            assert app.screen.get_widget_at(table.region.x + 3, y)[0] is table, row
            await pilot.press("down")


async def test_filter_reveals_the_failed_leaf(make_app, settle):
    app = make_app("failures.db", "executions/5c286885")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        tree = app.screen.tree
        shown = [tree.get_node_at_line(line).label.plain for line in range(tree.last_line + 1)]
        # The failed leaf three levels down is on screen at once, without expanding by hand.
        assert any(label.startswith("failures.level3") and "FAILED" in label for label in shown), shown
        cursor = tree.cursor_node.data.job
        assert cursor.status == "FAILED" and cursor.child_count == 0


async def test_full_args_and_tags_reachable_with_i(make_app, settle):
    from redun_tui.tui.screens.execution import ExecutionDetailsScreen

    app = make_app("failures.db", "executions/5c286885")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ExecutionDetailsScreen)
        text = str(app.screen.query_one(".help-fields").render())
        assert "failures_wf.py main_deep_fail" in text and "redun.version=0.44.1" in text
        await pilot.press("escape")
        assert app.screen.route.startswith("executions/5c286885")


async def test_killed_run_says_no_heartbeat_and_call_never_recorded(make_app, settle):
    app = make_app("failures.db", "executions/77fee8b0")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        fields = str(app.screen.query_one("#execution-fields").render())
        # The fixed test clock is 2027-01-01; the run's last heartbeat 2026-11-27 10:11:39.
        assert "RUNNING  (no heartbeat for 34d13h: likely killed)" in fields
        assert "Updated    2026-11-27 10:11:39" in fields
        await pilot.press("enter")  # the root job, which has no call node
        await settle(pilot)
        body = " ".join(str(widget.render()) for widget in app.screen.query("#record-body Static"))
        assert "Arguments (0)" not in body
        assert "unknown: the call was never recorded (the job has not finished, or was killed)" in body


async def test_full_value_wraps_every_character_and_keys_move(make_app, settle):
    from textual.widgets import Log

    from redun_tui.tui.screens.value import LOG_CHUNK, FullValueScreen

    app = make_app("values.db", "values/9bf8bfa5")  # a 5,010-byte string of 'x'
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FullValueScreen)
        log = screen.query_one(Log)
        lines = list(log.lines)
        width = log.scrollable_content_region.width
        assert len(lines) > 60 and all(len(line) <= width for line in lines)
        assert "".join(lines) == "'" + "x" * 5_000 + "'"  # every character, once, in order
        await pilot.press("end")
        assert log.scroll_y == log.max_scroll_y > 0
        await pilot.press("pageup")
        assert 0 < log.scroll_y < log.max_scroll_y
        await pilot.press("home")
        assert log.scroll_y == 0
        await pilot.press("w")  # no wrap: one line per LOG_CHUNK characters, scrolling sideways
        await settle(pilot)
        assert max(len(line) for line in log.lines) == LOG_CHUNK
        await pilot.press("w")
        await settle(pilot)
        assert list(log.lines) == lines


@pytest.mark.parametrize("route", ["dataflow/5ace4f46", "values/5ace4f46"])
async def test_dataflow_pane_shows_and_copies_exactly_the_cli_text(make_app, settle, fixture_db, route):
    import subprocess
    import sys
    from pathlib import Path

    from redun_tui.tui.widgets.dataflow_pane import DataflowPane

    db = fixture_db("seed_example.db")
    script = Path(sys.executable).with_name("redun-tui")
    cli = subprocess.run([str(script), "dataflow", str(db), "5ace4f46"], capture_output=True, text=True,
                         check=True).stdout
    assert cli.startswith("value = [File(path=sample1.vcf")
    app = make_app("seed_example.db", route)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(DataflowPane)
        assert pane.text.rstrip("\n") == cli.rstrip("\n")
        if route.startswith("dataflow/"):
            await pilot.press("c")
            assert app.clipboard.rstrip("\n") == cli.rstrip("\n")


@pytest.mark.parametrize("route", ["executions", "executions/5c286885", "jobs/ff72ff9e", "values/a40fd626",
                                   "dataflow/a40fd626", "tasks", "files", "help"])
async def test_footer_at_80_columns_keeps_every_important_key_whole(make_app, settle, route):
    from redun_tui.tui.widgets.key_bar import KeyBar

    app = make_app("failures.db", route)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        text = str(bar.render())
        assert len(text) <= 80 and "…" not in text
        for key in ("/ Search", "? Help", "2 Tasks", "3 Files", "esc Back"):
            assert f" {key}" in text, (key, text)
        own = [b for b in bar.shown_bindings() if b.action not in
               {"search", "help", "open('tasks')", "open('files')", "back", "quit", "command_palette",
                "refresh", "copy"}]
        for binding in own:  # the screen's own keys come first: shown, or left out because too long
            part = f" {binding.key} {binding.description}"
            assert part in text or len(text) + len(part) > 80, (binding.key, text)
        # With room (120 columns), every one of the screen's own keys shows.
        await pilot.resize_terminal(120, 24)
        await settle(pilot)
        wide = str(bar.render())
        for binding in own:
            assert f" {binding.key} {binding.description}" in wide, (binding.key, wide)


async def test_digits_open_tasks_and_files_and_help_lists_generated_keys(make_app, settle):
    from redun_tui.tui.app import RedunTuiApp
    from redun_tui.tui.screens.files import FilesScreen
    from redun_tui.tui.screens.help import HelpScreen, help_sections
    from redun_tui.tui.screens.tasks import TasksScreen

    app = make_app("failures.db", "jobs/ff72ff9e")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert isinstance(app.screen, TasksScreen)
        await pilot.press("3")
        assert isinstance(app.screen, FilesScreen)
        await pilot.press("1")  # home
        assert type(app.screen).__name__ == "ExecutionsScreen"
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(str(widget.render()) for widget in app.screen.query(".help-fields"))
        for _, rows in help_sections(RedunTuiApp):
            for _keys, text in rows:
                assert text in shown
        assert "the tasks list" in shown and "every field in full" in shown


async def test_keys_reach_the_list_of_a_screen_opened_while_the_app_was_blurred(make_app, settle):
    """``redun-tui serve``: the page starts blurred, so Textual skipped the list's auto-focus.

    Textual restores on focus only a widget that had focus before the blur; a screen composed
    while blurred had none, and the first arrow keys reached nothing (found in the browser).
    """
    app = make_app("failures.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.app_focus = False  # the browser tab without focus
        app.navigate("tasks")
        await settle(pilot)
        assert app.screen.route == "tasks" and app.focused is None
        await pilot.press("down")  # a key gives the app focus back
        listing = app.screen.query_one("#listing")
        assert app.focused is listing
        assert listing.cursor == 1  # and the key itself moved the cursor
