"""RouteLink: a focusable one-line link that opens a route; LinkList stacks them.

Labels are database text shown literally. Up/down move between links like Tab does, so every
link on a screen is reachable from the keyboard; Enter or a click opens the route.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Static

from redun_tui.tui.messages import Navigate
from redun_tui.tui.text import LINE_LIMIT, literal


class RouteLink(Static, can_focus=True):
    """A link to a route (None: shown but not openable, and not focusable).

    Args:
        label: the text (database text is made literal here unless already Content).
        route: the route Enter opens.
        status: optional job status; adds a ``status-<name>`` class for colour.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=False, tooltip="open the link"),
        Binding("down,j", "app.focus_next", "Next", show=False, tooltip="next link"),
        Binding("up,k", "app.focus_previous", "Previous", show=False, tooltip="previous link"),
    ]

    def __init__(self, label: str | Content, route: str | None, *, status: str | None = None,
                 id: str | None = None, classes: str = "") -> None:
        content = label if isinstance(label, Content) else literal(label, single_line=True, limit=LINE_LIMIT)
        extra = f" status-{status.lower()}" if status else ""
        super().__init__(content, id=id, classes=(classes + extra + (" dead-link" if route is None else "")).strip())
        self.route = route
        self.can_focus = route is not None

    def action_open(self) -> None:
        if self.route:
            self.post_message(Navigate(self.route))

    def on_click(self) -> None:
        self.action_open()
