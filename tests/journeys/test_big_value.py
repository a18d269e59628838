"""Reading a big value with ``v``: every character readable, Home/End/PgUp/PgDn work.

Before the fix the full value was cut into 2,000-character lines showing only their first screen
width (the rest one column per →) and End showed no line's end.
"""

from __future__ import annotations

import re

import pytest

# values.db: a 1,000,110-byte string of 'A' (its repr: 1,000,102 characters) and a 5,010-byte one of 'x'.
VALUES = [("8167c0df", "A"), ("9bf8bfa5", "x")]


def log_lines(screen: str, char: str) -> list[str]:
    """The value's lines on the screen (the run of ``char`` with its quotes), scrollbars cut off."""
    return [m.group(0) for m in re.finditer(rf"^'?{char}+'?", screen, re.M)]


@pytest.mark.parametrize(("value", "char"), VALUES, ids=[v for v, _ in VALUES])
def test_full_value_wraps_and_end_reaches_the_last_character(terminal, size, value, char):
    term = terminal("values.db", f"values/{value}", size=size)
    term.wait_for("Preview")
    term.press("v")
    screen = term.wait_for("wrapped")
    first = log_lines(screen, char)
    # Wrapped at the screen's width: the first line starts with the quote and fills the width.
    assert first and first[0].startswith(f"'{char}") and len(first[0]) >= size[0] - 6, screen
    assert all(len(line) == len(first[0]) for line in first[1:] if not line.endswith("'")), screen
    term.press("end")
    screen = term.wait_for(re.compile(rf"^{char}*'\s*(▁▁)?\s*$", re.M))  # the closing quote
    term.press("home")
    term.wait_until(lambda s: log_lines(s, char)[:1] == first[:1], timeout=10, what="the first line again")
    if not first[-1].endswith("'"):  # more than a screen: PgDn moves a page
        term.press("pagedown")
        term.wait_until(lambda s: log_lines(s, char)[:1] != first[:1], timeout=10, what="the next page")
    # w: long lines not wrapped (they scroll sideways), and back.
    term.press("w")
    term.wait_for("not wrapped")
    term.press("w")
    term.wait_for("wrapped")
