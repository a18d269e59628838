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
