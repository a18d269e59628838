"""GoToRowScreen: a one-line prompt for "go to row N" or "go to P%" in a list of known size."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static


def parse_row(text: str, total: int) -> int | None:
    """The 0-based row a user's answer names: ``N`` (1-based row), ``P%`` (of the list), or None."""
    text = text.strip().replace(",", "").replace("_", "")
    try:
        if text.endswith("%"):
            percent = float(text[:-1])
            if not 0 <= percent <= 100:
                return None
            return min(int(total * percent / 100), total - 1)
        row = int(text)
    except ValueError:
        return None
    if row < 1:
        return None
    return min(row, total) - 1


class GoToRowScreen(ModalScreen[int | None]):
    """Returns the chosen 0-based row, or None (Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical(id="go-to-row"):
            yield Static(Content(f"Go to row (1–{self.total:,}) or percent (e.g. 50%):"))
            yield Input(placeholder="row or %", id="go-to-row-input")
            yield Static(Content(""), id="go-to-row-error")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        row = parse_row(event.value, self.total)
        if row is None:
            self.query_one("#go-to-row-error", Static).update(
                Content(f"Expected a row number from 1 to {self.total:,}, or a percentage.")
            )
            return
        self.dismiss(row)

    def action_cancel(self) -> None:
        self.dismiss(None)
