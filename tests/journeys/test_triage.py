"""Failed-job triage and a killed run, as a user works through them from the executions list."""

from __future__ import annotations

import re

from harness import Terminal

# failures.db, 5c286885 (main_deep_fail): the status table's rows, top to bottom.
DEEP_FAIL_TASKS = ["All tasks", "failures.count_chars", "failures.explode", "failures.level1",
                   "failures.level2", "failures.level3", "failures.main_deep_fail", "failures.make_input"]


def open_execution(term: Terminal, row: int, execution: str) -> None:
    """From the executions list, moves to ``row`` (0 = newest) and opens it."""
    term.wait_for("72a68166")  # the list is loaded (its last row)
    term.press(*["down"] * row, "enter")
    term.wait_for(f"executions/{execution}")


def page_down_until(term: Terminal, text: str, presses: int = 20) -> str:
    """PageDown until ``text`` is on the screen (a user scrolling a long record); returns that screen."""
    for _ in range(presses):
        screen = term.text()
        if text in screen:
            return screen
        term.press("pagedown")
        # One key, one move: pressing again before the page moved would scroll past the text.
        term.wait_until(lambda s, before=screen: s != before, timeout=10, what="the page to move")
    return term.wait_for(text, timeout=1)


def test_failed_job_triage(terminal, size):
    term = terminal("failures.db", size=size)
    open_execution(term, 3, "5c286885")
    term.wait_for("All tasks")
    # Every row of the status table is on screen when the cursor is on it (at 80x24 only three
    # task rows showed, and the cursor went off-screen).
    term.press("s")
    for number, task in enumerate(DEEP_FAIL_TASKS):
        if number:
            term.press("down")
        term.wait_for(re.compile(rf"^  {re.escape(task)} +[\d·]", re.M), timeout=5)
    # Failed only: the path to every failure opens by itself; the failed leaf three levels down
    # is on screen at once, and the cursor is on a failed leaf.
    term.press("f")
    screen = term.wait_for(re.compile(r"failures\.level3(\(\S*\))? +33009a35 +FAILED"), timeout=10)
    assert "filtered: status FAILED" in screen
    term.press("t", "enter")
    term.wait_for("jobs/a51d56c7")
    screen = term.wait_for("Status  FAILED")
    assert "failures.explode" in screen
    page_down_until(term, "Traceback")


def test_killed_run_is_not_taken_for_a_live_one(terminal, size):
    term = terminal("failures.db", size=size)
    open_execution(term, 1, "77fee8b0")
    screen = term.wait_for(re.compile(r"RUNNING  \(no heartbeat for \S+: likely killed\)"))
    assert "Updated" in screen and "● live" not in screen
    term.press("enter")  # its root job: redun never recorded its call
    term.wait_for("jobs/b7a8f8e8")
    screen = term.wait_for("never recorded")
    assert "Arguments (0)" not in screen
