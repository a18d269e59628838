"""KeyBar: a one-line list of the screen's keys (a light stand-in for Textual's Footer).

Textual's Footer re-composes a widget per key whenever focus or bindings change; on every screen
push that cost more than the rest of the screen together (measured: 0.6 s -> 0.17 s to push the
help screen under Pilot). The keys shown here are fixed per screen, so one Static is enough.

The keys come from the bindings marked ``show=True``, most specific first: the screen's own keys,
then the app's, then those every screen shares, and last the well-known ones (LATE_ACTIONS). A key that does not fit is left out whole (never
cut mid-word); ``?`` lists every key.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

from redun_tui.tui.keys import declared_bindings, key_label


# Keys everyone knows or finds in `?`: shown after every other key, so they are the first left out.
LATE_ACTIONS = ("refresh", "copy", "quit", "command_palette")


class KeyBar(Static):
    """Shows ``key description`` pairs of the bindings marked ``show=True`` on the screen and app."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key"}

    def on_mount(self) -> None:
        self.update(self._content())

    def on_resize(self) -> None:
        self.update(self._content())

    def shown_bindings(self) -> list[Binding]:
        """Every binding the bar would show given room, in the order it shows them."""
        from redun_tui.tui.screens.base import BaseScreen

        screen_classes = [cls for cls in type(self.screen).__mro__ if issubclass(cls, BaseScreen)]
        own = [cls for cls in screen_classes if cls is not BaseScreen]
        ordered = [*own, type(self.app), BaseScreen]
        seen: set[str] = set()
        result: list[Binding] = []
        for cls in ordered:
            for binding in declared_bindings(cls):
                label = key_label(binding)
                if binding.show and label not in seen:
                    seen.add(label)
                    result.append(binding)
        return sorted(result, key=lambda binding: binding.action in LATE_ACTIONS)  # stable

    def _content(self) -> Content:
        key_style = Style.from_rich_style(self.get_component_rich_style("key-bar--key"))
        width = self.size.width or self.app.size.width
        parts: list[Content] = []
        used = 0
        for binding in self.shown_bindings():
            # The key's own style sets it apart: no extra space between one pair and the next.
            part = Content.assemble((f" {key_label(binding)} ", key_style), binding.description)
            needed = part.cell_length
            if used + needed > width:
                continue  # left out whole; a shorter later key may still fit
            parts.append(part)
            used += needed
        return Content("").join(parts)
