"""The first thing a user does: open a database, see the executions, quit."""

from __future__ import annotations


def test_open_database_shows_executions_and_q_quits(terminal, size):
    term = terminal("failures.db", size=size)
    # Every execution of failures.db fits at 80x24 too: ten rows under the header.
    screen = term.wait_for("72a68166")
    assert "223c49ab" in screen and "FAILED" in screen and "RUNNING" in screen
    term.press("q")
    assert term.wait_exit() == 0


def test_missing_database_is_one_line_and_exit_2(terminal, size):
    term = terminal("missing.db", size=size)
    assert term.wait_exit() == 2
    lines = [line for line in term.lines() if line]
    assert len(lines) == 1 and lines[0].startswith("redun-tui: ")
