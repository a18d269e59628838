"""Issue 16: G on the executions, tasks and files lists shows their last row at once, on a
generated database of 50,000 executions, 3,000 tasks and 3,000 files (tests/long_lists_db.py).
Before, G walked every page to the end (2,000 rows a page) and kept them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from long_lists_db import execution_id, file_path, make_long_lists_db, task_name
from test_big_lists import RSS_BOUND_MB, peak_rss_mb

EXECUTIONS, TASKS, FILES = 50_000, 3_000, 3_000


@pytest.fixture(scope="module")
def long_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_long_lists_db(tmp_path_factory.mktemp("long") / "long.db", EXECUTIONS, TASKS, FILES)


def _shown(text: str, wanted: str) -> bool:
    return any(wanted in line for line in text.splitlines())


@pytest.mark.parametrize(
    ("route", "first_row", "last_row"),
    [
        ("executions", "main_ok", execution_id(0)[:8]),  # newest first: the oldest execution is last
        ("tasks", "failures", task_name(TASKS - 1)),
        ("files", "alpha", file_path(FILES - 1)),
    ],
)
def test_G_shows_the_last_row_of_a_long_list(terminal, size, long_db, route, first_row, last_row):
    term = terminal(str(long_db), route, size=size)
    term.wait_for(first_row)
    assert not _shown(term.wait_stable(), last_row)
    term.press("G")
    screen = term.wait_for(last_row, timeout=15)
    assert "loaded" not in screen  # no "… 2,000 of 50,001 loaded; loading more" walk
    assert peak_rss_mb(term.child.pid) < RSS_BOUND_MB
    term.press("g")
    term.wait_gone(last_row)
    term.wait_for(first_row)
    term.press("q")
    assert term.wait_exit() == 0


def test_a_bare_word_naming_the_root_task_reaches_the_oldest_execution(terminal, size, long_db):
    """The generated executions match ``main_ok`` only through their root job's task (their
    command lines say ``long.py main``): End shows the oldest of them, the list's last row."""
    term = terminal(str(long_db), "search/is:execution main_ok", size=size)
    term.wait_for("Execution")
    assert not _shown(term.wait_stable(), execution_id(0)[:8])
    term.press("end")
    term.wait_for(execution_id(0)[:8], timeout=15)
    term.wait_for(execution_id(1)[:8])  # the rows before it
    term.press("q")
    assert term.wait_exit() == 0
