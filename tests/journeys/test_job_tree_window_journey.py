"""Issue 16: the job tree keeps a bounded window of a parent's children. A user loads page after
page with Enter on "… more"; past 1,000 children the first pages give way to an "… earlier" row,
which reads them back (tests/long_lists_db.py: a root job with 1,400 children)."""

from __future__ import annotations

from pathlib import Path

import pytest
from long_lists_db import BIG_EXECUTION, child_id, make_long_lists_db


@pytest.fixture(scope="module")
def tree_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_long_lists_db(tmp_path_factory.mktemp("tree") / "tree.db", executions=10, tasks=0, files=0,
                              children=1_400)


def _to_last_loaded(term) -> None:
    """Page Down to the tree's last loaded line (a loaded page is 200 rows: 40 pages of at least
    6 lines reach past it; the cursor stops at the last line)."""
    term.press(*["pagedown"] * 40)
    term.wait_stable()


def test_more_past_the_window_then_earlier(terminal, size, tree_db):
    term = terminal(str(tree_db), f"executions/{BIG_EXECUTION}", size=size)
    term.wait_for("b0000000")  # the root job
    term.wait_stable()
    term.press("right")  # expands it
    term.wait_for(child_id(0)[:8])  # its first children
    for first in range(200, 1_400, 200):
        _to_last_loaded(term)  # the "… more" row (G would read the list's last page)
        term.wait_for("more (")
        term.press("enter")
        term.wait_for(child_id(first)[:8])  # the cursor on the page's first row
    _to_last_loaded(term)
    term.wait_for(child_id(1_399)[:8])
    # The 1,400th child is loaded; the first 400 gave way to "… 400 earlier".
    term.press("g")
    screen = term.wait_for("400 earlier (Enter loads)")
    assert child_id(0)[:8] not in screen
    term.press("down")  # from the top job to "… earlier", right under it
    term.press("enter")
    term.wait_for(child_id(399)[:8])  # the page before the window, read back
    term.press("g")
    term.wait_for("200 earlier (Enter loads)")
    term.press("q")
    assert term.wait_exit() == 0


def test_G_shows_the_last_child_at_once(terminal, size, tree_db):
    """G (End) in the tree is the last row of the list, not of the loaded window: the last page
    of the expanded parent's children is read from the end, "… 1,200 earlier" above it."""
    term = terminal(str(tree_db), f"executions/{BIG_EXECUTION}", size=size)
    term.wait_for("b0000000")
    term.wait_stable()
    term.press("right")
    term.wait_for(child_id(0)[:8])
    term.wait_stable()
    term.press("G")
    term.wait_for(child_id(1_399)[:8])
    term.press("g")
    screen = term.wait_for("1,200 earlier (Enter loads)")
    assert child_id(0)[:8] not in screen and "more (" not in screen
    term.press("down")  # "… earlier", right under the top job
    term.press("enter")
    term.wait_for(child_id(1_199)[:8])  # the page before, read back; the cursor stays near it
    term.press("g")
    term.wait_for("1,000 earlier (Enter loads)")
    term.press("end")
    term.wait_for(child_id(1_399)[:8])
    term.press("q")
    assert term.wait_exit() == 0
