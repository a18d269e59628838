"""A bad reference file: open its value, press w, read which executions must be redone."""

from __future__ import annotations


def test_value_w_shows_the_impact_list_and_a_adds_every_version(terminal, size):
    term = terminal("downstream.db", "values/5a8b8b0b", size=size)
    term.wait_for("data/ref.txt")
    term.press("w")
    # The heading can be drawn a frame before the rows: wait for the last row too.
    screen = term.wait_until(lambda s: "Impact: 3 executions" in s and "f98ba205" in s.split("Impact:", 1)[-1]
                             and "12 calls · 15 derived values" in s,
                             what="the impact list's three rows")
    impact = screen.split("Impact:", 1)[1]
    # The impact list, newest first: two derive_main runs, then the align_main run.
    assert impact.index("f47c7651") < impact.index("2d013900") < impact.index("f98ba205")
    assert "5405a9e6" not in screen and "014136a8" not in screen
    assert "DONE" in impact and "downex.derive_main" in impact
    assert "12 calls · 15 derived values · 3 executions" in screen
    term.press("a")  # every version of data/ref.txt: the second version's run joins
    screen = term.wait_until(lambda s: "Impact: 4 executions" in s and "5405a9e6" in s.split("Impact:", 1)[-1],
                             what="the impact list's four rows")
    assert screen.split("Impact:", 1)[1].index("5405a9e6") < screen.split("Impact:", 1)[1].index("f47c7651")
    term.press("q")
    assert term.wait_exit() == 0
