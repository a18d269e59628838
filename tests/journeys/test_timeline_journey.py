"""Where did the time go: open an execution, press T, read the critical path, walk it with c."""

from __future__ import annotations

import re


def test_T_shows_the_critical_path_and_c_walks_it(terminal, size):
    term = terminal("seed_example.db", "executions/b2ffcd8f", size=size)
    term.wait_for("seedex.main")
    term.press("T")
    screen = term.wait_for(re.compile(r"0\.20s\s+seedex\.call_variants"))
    # The critical path panel: each step's own time, root first.
    assert re.search(r"0\.07s\s+seedex\.main", screen)
    assert re.search(r"0\.12s\s+seedex\.call_varia", screen)
    assert "timeline/b2ffcd8f" in screen and "1.21s" in screen
    # The bars: the root's spans the axis, eighth blocks at the ends of the others.
    assert "█████" in screen and "◆" in screen
    term.press("c", "c")
    screen = term.wait_for("call 6245caed")  # the detail line of the leaf, reached by opening its parent
    assert "CACHED" in screen
    term.press("enter")
    screen = term.wait_for("jobs/c0e447cc")
    term.press("escape")
    term.wait_for("timeline/b2ffcd8f")
    term.press("q")
    assert term.wait_exit() == 0


def test_the_latest_run_by_its_redun_name(terminal, size):
    # "Where did last night's run go?": `-` is the latest execution, as redun reads it; the route
    # is expanded before the app starts and the header shows the full one.
    term = terminal("seed_example.db", "timeline/-", size=size)
    screen = term.wait_for(re.compile(r"0\.20s\s+seedex\.call_variants"))
    assert "timeline/b2ffcd8f" in screen
    term.press("q")
    assert term.wait_exit() == 0
    term = terminal("seed_example.db", "timeline/~9", size=size)
    assert term.wait_exit() == 2
    assert "no execution ~9" in bytes(term.raw).decode()
