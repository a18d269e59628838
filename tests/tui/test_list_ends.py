"""G and g on the executions, tasks and files lists read the last/first page directly (issue 16):
the real screens and Store over a generated database of 20,000 executions, 3,000 tasks and
3,000 files. Walking forward would load every page on the way and keep every row."""

from __future__ import annotations

import pytest
from long_lists_db import execution_id, file_path, make_long_lists_db, task_name

from redun_tui.tui.widgets.paged_list import PagedList

EXECUTIONS, TASKS, FILES = 20_000, 3_000, 3_000


def _last_shown(route: str):
    """(what the last row of the list must be, how to read it off an item)."""
    if route == "executions":
        return execution_id(0), lambda item: item.id  # the oldest: the last, newest first
    if route == "tasks":
        return task_name(TASKS - 1), lambda item: item.name
    return file_path(FILES - 1), lambda item: item.path


@pytest.mark.parametrize("route", ["executions", "tasks", "files"])
async def test_G_reads_the_last_page_directly_and_g_the_first(make_app, settle, tmp_path, route):
    make_long_lists_db(tmp_path / "long_lists.db", EXECUTIONS, TASKS, FILES)
    app = make_app("long_lists.db", route)
    requests: list[str] = []
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        listing = app.screen.query_one("#listing", PagedList)
        first = listing.current_item
        total = listing.total
        assert total is not None and total > PagedList.PAGE_SIZE

        original = listing.post_message

        def counting(message):
            if isinstance(message, PagedList.LoadMore):
                requests.append(message.cursor)
            return original(message)

        listing.post_message = counting
        await pilot.press("G")
        await settle(pilot)
        expected, read = _last_shown(route)
        assert read(listing.current_item) == expected
        assert listing.cursor == total - 1
        # One page read (perhaps its neighbour too), a bounded window: not every page on the way.
        assert len(requests) <= 2, requests
        assert len(listing.items) <= PagedList.WINDOW_ROWS

        await pilot.press("g")
        await settle(pilot)
        assert listing.cursor == 0
        assert listing.current_item == first
