"""PagedList: a virtual, keyboard-driven list of rows loaded page by page.

A ``ScrollView`` whose ``render_line`` draws only the visible rows from plain data, so a list of
50,000 executions costs no more to paint than a list of 50. Rows arrive in pages (keyset cursors
from the store): when the cursor or the scroll position nears the end of what is loaded, the
widget posts :class:`PagedList.LoadMore` and the screen fetches the next page in a worker and calls
:meth:`PagedList.append_page`. The widget never touches the database.

Cells are drawn as plain segments (never parsed as markup) after :func:`redun_tui.tui.text.plain`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from redun_tui.tui.text import LINE_LIMIT, plain
from redun_tui.views import Page

STATUS_CLASSES = {
    "DONE": "paged-list--done",
    "CACHED": "paged-list--cached",
    "FAILED": "paged-list--failed",
    "RUNNING": "paged-list--running",
}


@dataclass(frozen=True)
class Column:
    """A column: title, width in cells (None: share the remaining width) and minimum width."""

    title: str
    width: int | None = None
    min_width: int = 8
    status: bool = False  # cells of this column take the row's status colour
    weight: int = 1  # share of the remaining width among flexible columns
    hide_below: int = 0  # hide the column when the list is narrower than this


class PagedList(ScrollView, can_focus=True):
    """A virtual list with a header row, a cursor and on-demand pages.

    Args:
        columns: the columns.
        cells: turns an item into one string per column (raw database text is fine: it is
            made safe here).
        status_of: the item's status (for colour classes), or None.
        empty_text: what to show when the list is empty.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, tooltip="previous row"),
        Binding("down,j", "cursor_down", "Down", show=False, tooltip="next row"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, tooltip="page up"),
        Binding("pagedown,ctrl+f,space", "page_down", "Page down", show=False, tooltip="page down"),
        Binding("home,g", "first", "First", show=False, tooltip="first row"),
        Binding("end,G", "last", "Last", show=False, tooltip="last row (keeps loading pages to the end)"),
        Binding("enter", "select", "Open", show=False, tooltip="open the row"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-list--header",
        "paged-list--cursor",
        "paged-list--note",
        *STATUS_CLASSES.values(),
    }

    class Selected(Message):
        """Enter (or a click on the cursor row) on an item."""

        def __init__(self, paged_list: PagedList, item: Any, index: int) -> None:
            super().__init__()
            self.paged_list = paged_list
            self.item = item
            self.index = index

        @property
        def control(self) -> PagedList:
            return self.paged_list

    class Highlighted(Message):
        """The cursor moved to an item."""

        def __init__(self, paged_list: PagedList, item: Any, index: int) -> None:
            super().__init__()
            self.paged_list = paged_list
            self.item = item
            self.index = index

        @property
        def control(self) -> PagedList:
            return self.paged_list

    class LoadMore(Message):
        """The user is near the end of the loaded rows and another page exists.

        Attributes:
            cursor: the store's cursor for the next page.
            hurry: True while ``G`` runs to the end (the screen may fetch bigger pages).
        """

        def __init__(self, paged_list: PagedList, cursor: str, hurry: bool = False) -> None:
            super().__init__()
            self.paged_list = paged_list
            self.cursor = cursor
            self.hurry = hurry

        @property
        def control(self) -> PagedList:
            return self.paged_list

    def __init__(
        self,
        columns: Sequence[Column],
        cells: Callable[[Any], Sequence[str]],
        status_of: Callable[[Any], str | None] | None = None,
        empty_text: str = "Nothing here.",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self._cells = cells
        self._status_of = status_of
        self.empty_text = empty_text
        self.items: list[Any] = []
        self.cursor = 0
        self.next_cursor: str | None = None
        self.total: int | None = None
        self._requested: str | None = None  # the page cursor asked for and not yet delivered
        self._waiting_for_last = False  # `G` pressed while pages were still to come
        self._line_cache: dict[tuple[int, int, bool], list[Segment]] = {}
        self._widths: tuple[int, ...] = ()
        self._widths_for = -1
        self.loaded_once = False

    # Data -------------------------------------------------------------------------------------
    def set_page(self, page: Page, keep_cursor: bool = False) -> None:
        """Replaces all rows with the first page (a new query or a refresh).

        Args:
            page: the first page.
            keep_cursor: keep the cursor on the same item id (refresh) when it is still there.
        """
        previous = self.current_item if keep_cursor else None
        previous_index = self.cursor
        self.items = list(page.items)
        self.next_cursor = page.next_cursor
        self.total = page.total
        self._requested = None
        self._line_cache.clear()
        self.loaded_once = True
        self.cursor = 0
        if keep_cursor:
            key = _item_key(previous)
            match = next((i for i, item in enumerate(self.items) if key is not None and _item_key(item) == key), None)
            self.cursor = match if match is not None else min(previous_index, max(len(self.items) - 1, 0))
        else:
            self.scroll_to(y=0, animate=False)
        self._update_size()
        self._scroll_cursor_visible()
        self.refresh()
        self._maybe_load_more()
        self._post_highlight()

    def append_page(self, page: Page) -> None:
        """Adds the next page after the loaded rows."""
        self.items.extend(page.items)
        self.next_cursor = page.next_cursor
        if page.total is not None:
            self.total = page.total
        self._requested = None
        self._line_cache.clear()
        self._update_size()
        if self._waiting_for_last:
            # Follow the loading with the cursor, so `G` shows progress on long lists.
            self._move(len(self.items) - 1, keep_waiting=True)
            if self.next_cursor is None:
                self._waiting_for_last = False
            else:
                self._request_more()
        self.refresh()
        self._maybe_load_more()

    def page_failed(self) -> None:
        """The screen could not load the requested page: allow asking again."""
        self._requested = None
        self._waiting_for_last = False
        self.refresh()

    def clear(self) -> None:
        """Empties the list (e.g. while a new search runs)."""
        self.set_page(Page(items=()))
        self.loaded_once = False

    @property
    def current_item(self) -> Any | None:
        """The item under the cursor, if any."""
        if 0 <= self.cursor < len(self.items):
            return self.items[self.cursor]
        return None

    # Geometry ---------------------------------------------------------------------------------
    @property
    def _note(self) -> str | None:
        """The line after the rows: loading/more/empty notes."""
        if not self.items:
            return self.empty_text if self.loaded_once else ""
        if self.next_cursor is not None:
            shown = f"{len(self.items):,} of {self.total:,}" if self.total is not None else f"{len(self.items):,}"
            return f"… {shown} loaded; loading more" if self._requested else f"… {shown} loaded; more below"
        return None

    def _update_size(self) -> None:
        extra = 1 if self._note is not None else 0
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.items) + 1 + extra)

    def on_resize(self, event: events.Resize) -> None:
        self._line_cache.clear()
        self._widths = ()
        self._update_size()
        self._scroll_cursor_visible()

    def _column_widths(self, width: int) -> tuple[int, ...]:
        if self._widths and self._widths_for == width:
            return self._widths
        self._widths_for = width
        shown = [c for c in self.columns if width >= c.hide_below]
        gaps = len(shown) - 1
        fixed = sum(c.width for c in shown if c.width is not None)
        weights = sum(c.weight for c in shown if c.width is None)
        remaining = max(width - fixed - gaps, 0)
        widths = []
        for column in self.columns:
            if column not in shown:
                widths.append(0)
            elif column.width is not None:
                widths.append(column.width)
            else:
                share = remaining * column.weight // weights if weights else 0
                widths.append(max(share, column.min_width))
        self._widths = tuple(widths)
        return self._widths

    @property
    def _body_height(self) -> int:
        return max(self.size.height - 1, 1)

    # Rendering --------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            header = self.get_component_rich_style("paged-list--header")
            titles = [column.title for column in self.columns]
            return self._strip(self._row_segments(titles, header, None), width, base)
        index = int(self.scroll_offset.y) + y - 1
        if index < len(self.items):
            selected = index == self.cursor and self.has_focus_or_cursor
            key = (index, width, selected)
            segments = self._line_cache.get(key)
            if segments is None:
                segments = self._item_segments(index, selected)
                if len(self._line_cache) > 500:
                    self._line_cache.clear()
                self._line_cache[key] = segments
            return self._strip(segments, width, base)
        if index == len(self.items):
            note = self._note
            if note:
                style = self.get_component_rich_style("paged-list--note")
                return self._strip([Segment(note, style)], width, base)
            if index == len(self.items) and self._requested and not self.items:
                return self._strip([Segment("loading…", self.get_component_rich_style("paged-list--note"))], width, base)
        return Strip.blank(width, base)

    @property
    def has_focus_or_cursor(self) -> bool:
        """The cursor row is highlighted always (dimmer rules in CSS come from focus state)."""
        return True

    def _item_segments(self, index: int, selected: bool) -> list[Segment]:
        item = self.items[index]
        try:
            cells = [plain(cell, single_line=True, limit=LINE_LIMIT) for cell in self._cells(item)]
        except Exception as error:  # a row we cannot format must not break the whole list
            cells = [f"<unprintable row: {type(error).__name__}>"]
        status = self._status_of(item) if self._status_of else None
        status_style = self.get_component_rich_style(STATUS_CLASSES[status]) if status in STATUS_CLASSES else None
        row_style = self.get_component_rich_style("paged-list--cursor") if selected else None
        return self._row_segments(cells, row_style, status_style)

    def _row_segments(self, cells: Sequence[str], row_style: Style | None, status_style: Style | None) -> list[Segment]:
        widths = self._column_widths(self.scrollable_content_region.width)
        segments: list[Segment] = []
        last = max((i for i, w in enumerate(widths) if w), default=-1)
        for number, (column, width) in enumerate(zip(self.columns, widths)):
            if not width:
                continue
            text = cells[number] if number < len(cells) else ""
            if cell_len(text) > width:
                text = set_cell_size(text, max(width - 1, 0)) + "…"
            else:
                text = set_cell_size(text, width)
            style = status_style if column.status and status_style is not None else None
            if row_style is not None:
                style = (style + row_style) if style is not None else row_style
            segments.append(Segment(text, style))
            if number < last:
                segments.append(Segment(" ", row_style))
        return segments

    @staticmethod
    def _strip(segments: list[Segment], width: int, base: Style) -> Strip:
        strip = Strip(segments)
        return strip.crop_extend(0, width, base).apply_style(base)

    # Cursor and paging ------------------------------------------------------------------------
    def _scroll_cursor_visible(self) -> None:
        top = int(self.scroll_offset.y)
        height = self._body_height
        bottom = self.cursor
        if self.items and self.cursor == len(self.items) - 1 and self._note:
            bottom += 1  # on the last row, also show the "loading more" line under it
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif bottom >= top + height:
            self.scroll_to(y=bottom - height + 1, animate=False)

    def _move(self, cursor: int, keep_waiting: bool = False) -> None:
        if not keep_waiting:
            self._waiting_for_last = False  # any other move cancels a running `G`
        if not self.items:
            return
        cursor = max(0, min(cursor, len(self.items) - 1))
        if cursor != self.cursor:
            self.cursor = cursor
            self._line_cache.clear()
            self.refresh()
            self._post_highlight()
        self._scroll_cursor_visible()
        self._maybe_load_more()

    def _post_highlight(self) -> None:
        item = self.current_item
        if item is not None:
            self.post_message(self.Highlighted(self, item, self.cursor))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._maybe_load_more()

    def _maybe_load_more(self) -> None:
        if self.next_cursor is None or self._requested is not None:
            return
        bottom = max(int(self.scroll_offset.y) + self._body_height, self.cursor + 1)
        if bottom + self._body_height >= len(self.items):
            self._request_more()

    def _request_more(self) -> None:
        if self.next_cursor is None or self._requested is not None:
            return
        self._requested = self.next_cursor
        self._update_size()
        self.refresh()
        self.post_message(self.LoadMore(self, self.next_cursor, hurry=self._waiting_for_last))

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        self._move(self.cursor - self._body_height)

    def action_page_down(self) -> None:
        self._move(self.cursor + self._body_height)

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        """Moves to the last row; if pages remain, keeps loading them and moves when done."""
        self._move(len(self.items) - 1)
        if self.next_cursor is not None:
            self._waiting_for_last = True
            self._request_more()
            self.refresh()

    def action_select(self) -> None:
        item = self.current_item
        if item is not None:
            self.post_message(self.Selected(self, item, self.cursor))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self.items):
            was_current = index == self.cursor
            self._move(index)
            if was_current or event.chain > 1:
                self.action_select()


def _item_key(item: Any) -> Any:
    """A stable identity for keeping the cursor across refreshes (views have ``id``/``hash``)."""
    if item is None:
        return None
    for attribute in ("id", "hash", "value_hash", "job_id", "path", "task_hash"):
        value = getattr(item, attribute, None)
        if value is not None:
            return value
    return item
