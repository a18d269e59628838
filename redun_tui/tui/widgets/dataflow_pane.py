"""DataflowPane: the dataflow text exactly as ``display_dataflow`` prints it, with keyboard links.

Each line is drawn from its segments (joined, they are the text format's line), so the pane shows
the same characters as the CLI. Segments that carry a route are links: left/right (or Tab-like
``n``/``p``) step through them in reading order, up/down go to the nearest link on another line,
Enter opens the link under the cursor. One widget with ``render_line`` instead of one widget per
link keeps a 600-node dataflow cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from redun_tui.tui.messages import Navigate
from redun_tui.tui.text import plain
from redun_tui.views import DataflowLine


@dataclass(frozen=True)
class LinkSpot:
    """Where a link sits: line, first cell, cell width, route."""

    line: int
    x: int
    width: int
    route: str


class DataflowPane(ScrollView, can_focus=True):
    """Dataflow lines with focusable link segments."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,l,n", "next_link", "Next link", show=False, tooltip="next link"),
        Binding("left,h,p", "previous_link", "Previous link", show=False, tooltip="previous link"),
        Binding("down,j", "line_down", "Down", show=False, tooltip="the nearest link on a line below"),
        Binding("up,k", "line_up", "Up", show=False, tooltip="the nearest link on a line above"),
        Binding("home,g", "first", "First", show=False, tooltip="first link"),
        Binding("end,G", "last", "Last", show=False, tooltip="last link"),
        Binding("enter", "open", "Open link", show=False, tooltip="open the value or job under the cursor"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"dataflow-pane--link", "dataflow-pane--cursor"}

    class LinkHighlighted(Message):
        """The link cursor moved (the screen may show where Enter goes)."""

        def __init__(self, pane: DataflowPane, route: str) -> None:
            super().__init__()
            self.pane = pane
            self.route = route

        @property
        def control(self) -> DataflowPane:
            return self.pane

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lines: tuple[DataflowLine, ...] = ()
        self._texts: list[list[tuple[str, str | None]]] = []
        self.links: list[LinkSpot] = []
        self.link_index = 0

    def set_lines(self, lines: Sequence[DataflowLine], keep_cursor: bool = False) -> None:
        """Shows new lines (all segments made safe once, here)."""
        previous = self.current_route if keep_cursor else None
        self.lines = tuple(lines)
        self._texts = []
        self.links = []
        width = 0
        for number, line in enumerate(self.lines):
            parts: list[tuple[str, str | None]] = []
            x = 0
            for segment in line.segments:
                text = plain(segment.text, single_line=True)
                parts.append((text, segment.route))
                length = cell_len(text)
                if segment.route:
                    last = self.links[-1] if self.links else None
                    if last is not None and last.line == number and last.route == segment.route and last.x + last.width == x:
                        # One node split over adjacent segments is one link (one Tab stop).
                        self.links[-1] = LinkSpot(number, last.x, last.width + length, segment.route)
                    else:
                        self.links.append(LinkSpot(number, x, length, segment.route))
                x += length
            self._texts.append(parts)
            width = max(width, x)
        self.link_index = 0
        if previous is not None:
            self.link_index = next((i for i, spot in enumerate(self.links) if spot.route == previous), 0)
        self.virtual_size = Size(width, len(self.lines))
        self.refresh()
        self._show_link()

    @property
    def current_route(self) -> str | None:
        """The route of the link under the cursor."""
        if 0 <= self.link_index < len(self.links):
            return self.links[self.link_index].route
        return None

    @property
    def text(self) -> str:
        """The whole pane as plain text (what the CLI prints, escapes made visible)."""
        return "\n".join("".join(text for text, _ in parts) for parts in self._texts)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._texts):
            return Strip.blank(width, base)
        link_style = self.get_component_rich_style("dataflow-pane--link")
        cursor_style = self.get_component_rich_style("dataflow-pane--cursor")
        current = self.links[self.link_index] if self.links and self.has_focus else None
        segments = []
        x = 0
        for text, route in self._texts[index]:
            style = None
            if route:
                on_cursor = (current is not None and current.line == index
                             and current.x <= x < current.x + current.width)
                style = cursor_style if on_cursor else link_style
            segments.append(Segment(text, style))
            x += cell_len(text)
        strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, base).apply_style(base)
        return strip

    # Link cursor ------------------------------------------------------------------------------
    def _set_link(self, index: int) -> None:
        if not self.links:
            return
        self.link_index = max(0, min(index, len(self.links) - 1))
        self.refresh()
        self._show_link()
        self.post_message(self.LinkHighlighted(self, self.links[self.link_index].route))

    def _show_link(self) -> None:
        if not self.links:
            return
        spot = self.links[self.link_index]
        self.scroll_to_region_of(spot)

    def scroll_to_region_of(self, spot: LinkSpot) -> None:
        """Scrolls so the link is visible (both directions)."""
        from textual.geometry import Region

        self.scroll_to_region(Region(spot.x, spot.line, max(spot.width, 1), 1), animate=False, immediate=True)

    def action_next_link(self) -> None:
        self._set_link(self.link_index + 1)

    def action_previous_link(self) -> None:
        self._set_link(self.link_index - 1)

    def _line_link(self, direction: int) -> None:
        if not self.links:
            self.scroll_relative(y=direction, animate=False)
            return
        current = self.links[self.link_index]
        candidates = [
            (i, spot) for i, spot in enumerate(self.links)
            if (spot.line > current.line if direction > 0 else spot.line < current.line)
        ]
        if not candidates:
            return
        target_line = min(s.line for _, s in candidates) if direction > 0 else max(s.line for _, s in candidates)
        on_line = [(i, s) for i, s in candidates if s.line == target_line]
        best = min(on_line, key=lambda pair: abs(pair[1].x - current.x))
        self._set_link(best[0])

    def action_line_down(self) -> None:
        self._line_link(1)

    def action_line_up(self) -> None:
        self._line_link(-1)

    def action_first(self) -> None:
        self._set_link(0)
        self.scroll_to(y=0, animate=False)

    def action_last(self) -> None:
        self._set_link(len(self.links) - 1)

    def action_open(self) -> None:
        route = self.current_route
        if route:
            self.post_message(Navigate(route))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        scroll_x, scroll_y = self.scroll_offset
        line, x = scroll_y + event.y, scroll_x + event.x
        for i, spot in enumerate(self.links):
            if spot.line == line and spot.x <= x < spot.x + spot.width:
                self._set_link(i)
                self.action_open()
                return
