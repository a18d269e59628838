"""KeyBar: a one-line list of the screen's keys (a light stand-in for Textual's Footer).

Textual's Footer re-composes a widget per key whenever focus or bindings change; on every screen
push that cost more than the rest of the screen together (measured: 0.6 s -> 0.17 s to push the
help screen under Pilot). The keys shown here are fixed per screen, so one Static is enough.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

KEY_NAMES = {"escape": "esc", "question_mark": "?", "slash": "/", "ctrl+p": "^p"}


def _key_label(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    first = binding.key.split(",")[0]
    return KEY_NAMES.get(first, first)


class KeyBar(Static):
    """Shows ``key description`` pairs of the bindings marked ``show=True`` on the screen and app."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key"}

    def on_mount(self) -> None:
        self.update(self._content())

    def _content(self) -> Content:
        screen = self.screen
        bindings: list[Binding] = []
        for source in (type(screen), type(self.app)):
            for cls in reversed(source.__mro__):
                for binding in getattr(cls, "BINDINGS", ()) if "BINDINGS" in vars(cls) else ():
                    if isinstance(binding, Binding) and binding.show:
                        bindings.append(binding)
        seen: set[str] = set()
        parts: list[Content] = []
        key_style = Style.from_rich_style(self.get_component_rich_style("key-bar--key"))
        for binding in bindings:
            label = _key_label(binding)
            if label in seen:
                continue
            seen.add(label)
            parts.append(Content.assemble((f" {label} ", key_style), binding.description))
        parts.append(Content.assemble((" ^p ", key_style), "palette"))
        return Content(" ").join(parts)
