"""The one helper that turns database text into display text."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from redun_tui.tui.text import FIELD_LIMIT, fields, literal, message, plain, rich_literal


def test_literal_keeps_markup_and_escapes_controls():
    content = literal("[bold red]boom[/] [@click=app.quit]x[/] \x1b]52;c;aGk=\x07 \u202e")
    assert isinstance(content, Content)
    assert content.plain == "[bold red]boom[/] [@click=app.quit]x[/] \\e]52;c;aGk=\\a \\u202e"
    assert content.spans == []  # nothing was parsed into styles or actions


def test_single_line_and_limits():
    assert plain("a\nb\tc", single_line=True) == "a\\nb c"
    assert plain("a\nb") == "a\nb"
    assert plain("x" * 50, limit=10) == "x" * 9 + "…"
    assert plain(None) == ""
    assert isinstance(rich_literal("[b]x[/b]"), Text) and rich_literal("[b]x[/b]").plain == "[b]x[/b]"
    assert message("line one\nline two [b]") == "line one\\nline two [b]"


def test_fields_make_labels_and_values_safe_and_bounded():
    block = fields([("\x1b[2Jkey", "v" * (FIELD_LIMIT * 2)), ("Status", "[red]FAILED[/]")]).plain
    first, second = block.split("\n")
    assert first.startswith("\\e[2Jkey") and len(first) < FIELD_LIMIT + 20
    assert second.split()[-1] == "[red]FAILED[/]"
