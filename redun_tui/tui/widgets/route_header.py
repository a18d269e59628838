"""RouteHeader: the top line, the command that reopens this screen, plus a live indicator."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from redun_tui.store.routes import command_line
from redun_tui.tui.text import literal


class RouteHeader(Horizontal):
    """``redun-tui DB ROUTE`` on the left, status notes (live, loading) on the right."""

    def __init__(self, db_name: str, route: str) -> None:
        super().__init__(id="route-header")
        self._db_name = db_name
        self._route = route

    def compose(self) -> ComposeResult:
        yield Static(literal(command_line(self._db_name, self._route), single_line=True), id="route-command")
        yield Static("", id="route-note")

    def set_route(self, route: str) -> None:
        """Shows a new route (after a prefix resolved to the full id)."""
        self._route = route
        self.query_one("#route-command", Static).update(
            literal(command_line(self._db_name, route), single_line=True)
        )

    def set_note(self, note: str, live: bool = False) -> None:
        """Shows a short note on the right (``live`` adds the live class for colour)."""
        widget = self.query_one("#route-note", Static)
        widget.update(literal(note, single_line=True))
        widget.set_class(live, "live")
