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


def test_more_past_the_window_then_earlier(terminal, size, tree_db):
    term = terminal(str(tree_db), f"executions/{BIG_EXECUTION}", size=size)
    term.wait_for("b0000000")  # the root job
    term.wait_stable()
    term.press("right")  # expands it
    term.wait_for(child_id(0)[:8])  # its first children
    for first in range(200, 1_400, 200):
        term.press("G")  # to the "… more" row, the tree's last line
        term.press("enter")
        term.wait_for(child_id(first)[:8])  # the cursor on the page's first row
    term.press("G")
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
