"""A bare word finds what `redun console --find` finds: command-line arguments and tag values
(substring, case-insensitive), from the home screen's search bar and the search screen."""

from __future__ import annotations


def test_home_search_finds_a_command_line_word(terminal, size):
    term = terminal("tags.db", size=size)
    term.wait_for("018da0b2")
    term.press("/")
    term.type("Alice")  # `--user alice` on 018da0b2's command line
    term.press("enter")
    screen = term.wait_until(lambda text: "018da0b2" in text and "a0112018" not in text, what="only 018da0b2")
    assert "9c66aabc" not in screen


def test_search_screen_finds_a_tag_value(terminal, size):
    # a0112018 was re-tagged env="production" (`redun tag update`); its command line says env=prod.
    term = terminal("tags.db", "search/PRODUCTI", size=size)
    screen = term.wait_for("a0112018")
    assert "Execution" in screen and "9c66aabc" not in screen
