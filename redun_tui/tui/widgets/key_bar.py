"""KeyBar: a one-line list of the screen's keys (a light stand-in for Textual's Footer).

Textual's Footer re-composes a widget per key whenever focus or bindings change; on every screen
push that cost more than the rest of the screen together (measured: 0.6 s -> 0.17 s to push the
help screen under Pilot). The keys shown here are fixed per screen, so one Static is enough.

The keys come from the bindings marked ``show=True``, most specific first: the screen's own keys,
then the app's, then those every screen shares, and last the well-known ones (LATE_ACTIONS). The
screen's own keys get the room the app's and every screen's keys (search, help, tasks, files,
back) leave; a key that does not fit is left out whole (never cut mid-word); ``?`` lists every key.
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
        own, shared = self._own_and_shared()
        return [*own, *shared]

    def _own_and_shared(self) -> tuple[list[Binding], list[Binding]]:
        """(the screen's own shown bindings, then the app's and every screen's, late ones last)."""
        # The screens' shared base marks itself (KEY_BAR_SHARED): widgets never import screens.
        mro = type(self.screen).__mro__
        base = next((cls for cls in mro if vars(cls).get("KEY_BAR_SHARED")), None)
        own_classes = [] if base is None else list(mro[: mro.index(base)])
        seen: set[str] = set()
        groups: list[list[Binding]] = [[], []]
        for group, classes in ((0, own_classes), (1, [type(self.app)] + ([base] if base is not None else []))):
            for cls in classes:
                for binding in declared_bindings(cls):
                    label = key_label(binding)
                    if binding.show and label not in seen:
                        seen.add(label)
                        groups[group].append(binding)
        own, shared = groups
        return own, sorted(shared, key=lambda binding: binding.action in LATE_ACTIONS)  # stable

    def _content(self) -> Content:
        key_style = Style.from_rich_style(self.get_component_rich_style("key-bar--key"))
        width = self.size.width or self.app.size.width

        def part(binding: Binding) -> Content:
            # The key's own style sets it apart: no extra space between one pair and the next.
            return Content.assemble((f" {key_label(binding)} ", key_style), binding.description)

        own, shared = self._own_and_shared()
        essential = [binding for binding in shared if binding.action not in LATE_ACTIONS]
        # Room is kept for the keys that lead everywhere (search, help, tasks, files, back): the
        # screen's own keys fill the rest, in the order declared, each left out whole if too long.
        reserved = sum(part(binding).cell_length for binding in essential)
        chosen: set[int] = set()
        used = 0
        for limit, bindings in ((width - reserved, own), (width, shared)):
            for binding in bindings:
                needed = part(binding).cell_length
                if used + needed > limit:
                    continue  # left out whole; a shorter later key may still fit
                chosen.add(id(binding))
                used += needed
        return Content("").join(part(binding) for binding in [*own, *shared] if id(binding) in chosen)
