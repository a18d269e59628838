"""Browser: what screens and widgets need from the app, as a Protocol.

Screens reach the app through ``BaseScreen.tui`` typed as this Protocol instead of importing
:class:`redun_tui.tui.app.RedunTuiApp`: the app imports screens (its route table), so screens
importing the app would make ``tui/`` an import cycle (checked by an import-linter contract).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.screen import Screen

    from redun_tui.store import Store


class Browser(Protocol):
    """The app as screens use it (implemented by RedunTuiApp)."""

    store: Store
    db_label: str
    export_dir: Path
    live_interval: float
    loading_delay: float
    served_url: str | None
    clock: Callable[[], datetime]

    def navigate(self, route: str) -> None:
        """Opens a route on top of the history."""

    def action_back(self) -> None:
        """Goes back in the history."""

    def push_screen(self, screen: Screen[Any] | str, *args: Any, **kwargs: Any) -> Any:
        """Textual's push_screen."""
