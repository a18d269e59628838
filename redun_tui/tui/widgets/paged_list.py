"""PagedList: a virtual, keyboard-driven list of rows loaded page by page.

A ``ScrollView`` whose ``render_line`` draws only the visible rows from plain data, so a list of
a million jobs costs no more to paint than a list of 50. Rows arrive in pages (keyset cursors
from the store): when the viewport nears the edge of what is loaded, the widget posts
:class:`PagedList.LoadMore` with the cursor it needs and the screen fetches that page in a worker
and calls :meth:`PagedList.append_page`. The widget never touches the database.

Jump, don't walk: a list whose pages are ``seekable`` keeps a window of at most ``WINDOW_ROWS``
rows around the viewport (farther pages are dropped and read again when the user returns), and
``G``/``g`` ask for the last/first page directly. When the list's size is known too, the scroll
space is the whole list (the scrollbar has its true size; rows not loaded show as ``…`` until
their page arrives) and scrolling anywhere, by scrollbar or by "go to row" (``:``), reads the page
there. Lists that page forward only keep every row they load, as before.

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

from redun_tui.store.cursors import first_cursor, last_cursor, row_cursor
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
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f,space", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
        Binding("colon", "go_to", "Go to row", show=False),
    ]

    WINDOW_ROWS: ClassVar[int] = 1_000  # rows a seekable list keeps around the viewport
    PAGE_SIZE: ClassVar[int] = 200  # rows per page the screens read (jumps aim with it)

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
        self._pages: list[tuple[str | None, Page]] = []  # the window: (cursor it came from, page)
        self.items: list[Any] = []  # the window's rows
        self.start = 0  # row index of items[0] (always 0 unless the list is sized)
        self.cursor = 0  # row index of the cursor
        self.total: int | None = None
        self.seekable = False
        self._requested: str | None = None  # the page cursor asked for and not yet delivered
        self._after_load: str | None = None  # "first"/"last": where `g`/`G` put the cursor on arrival
        self._waiting_for_last = False  # `G` walking a forward-only list to its end
        self._highlighted: Any = None
        self._line_cache: dict[tuple[int, int, bool], list[Segment]] = {}
        self._widths: tuple[int, ...] = ()
        self._widths_for = -1
        self.loaded_once = False

    # Data -------------------------------------------------------------------------------------
    @property
    def next_cursor(self) -> str | None:
        """The cursor of the page after the window (None: the window reaches the end)."""
        return self._pages[-1][1].next_cursor if self._pages else None

    @property
    def prev_cursor(self) -> str | None:
        """The cursor of the page before the window (None: the window starts the list)."""
        return self._pages[0][1].prev_cursor if self._pages else None

    @property
    def sized(self) -> bool:
        """The scroll space is the whole list: its size is known and any page can be read."""
        return self.seekable and self.total is not None

    @property
    def reload_cursor(self) -> str | None:
        """The cursor that reads the window's first page again (a refresh in place)."""
        return self._pages[0][0] if self._pages else None

    def set_page(self, page: Page, keep_cursor: bool = False, cursor: str | None = None) -> None:
        """Replaces all rows with one page (a new query, or a refresh).

        Args:
            page: the page.
            keep_cursor: keep the cursor on the same item id (refresh) when it is still there.
            cursor: the cursor the page was read with (None: the first page); a refresh in
                place reads :attr:`reload_cursor`.
        """
        previous = self.current_item if keep_cursor else None
        previous_index = self.cursor
        self.total = page.total if page.total is not None or not keep_cursor else self.total
        self.seekable = page.seekable
        self._pages = [(cursor, page)]
        self._requested = None
        self._after_load = None
        self._waiting_for_last = False
        self._rebuild()
        self.loaded_once = True
        self.cursor = self.start
        if keep_cursor:
            key = _item_key(previous)
            match = next((i for i, item in enumerate(self.items) if key is not None and _item_key(item) == key), None)
            if match is not None:
                self.cursor = self.start + match
            else:
                self.cursor = max(min(previous_index, self.start + len(self.items) - 1), self.start)
        else:
            self.scroll_to(y=0, animate=False)
        self._update_size()
        self._scroll_cursor_visible()
        self.refresh()
        self._ensure_pages()
        self._post_highlight()

    def append_page(self, page: Page, cursor: str | None = None) -> None:
        """Adds a page the list asked for with :class:`LoadMore`.

        Args:
            page: the page.
            cursor: the cursor of the request (``LoadMore.cursor``). It says where the page goes:
                after the window, before it, or instead of it (a jump); a page that is no longer
                wanted is dropped. None: the page after the window (forward-only callers).
        """
        if cursor is not None and cursor != self._requested:
            return
        self._requested = None
        # Only `g`/`G` move the cursor with a page; otherwise the view stays where the user
        # scrolled it (a scrollbar drag away from the cursor must not snap back).
        moves = self._after_load is not None or self._waiting_for_last
        if page.total is not None:
            self.total = page.total
        self.seekable = self.seekable or page.seekable
        lead, scroll = self._lead, self.scroll_offset.y
        shift = 0  # rows added (or dropped) before the old first row, in a window-mode list
        if cursor is not None and self._pages and cursor == self.prev_cursor:
            self._pages.insert(0, (cursor, page))
            shift = len(page.items)
            keep = "front"
        elif cursor is None or (self._pages and cursor == self.next_cursor):
            self._pages.append((cursor, page))
            keep = "back"
        else:
            self._pages = [(cursor, page)]
            shift = None if not self.sized else 0
            keep = "back"
        shift = self._evict(keep, shift)
        self._rebuild()
        if shift is None:
            # A jump in a list of unknown size: its rows are the new scroll space.
            self.cursor, scroll = 0, 0
        elif not self.sized:
            self.cursor += shift
            scroll += shift
        self._line_cache.clear()
        self._update_size()
        if self._after_load == "last":
            self.cursor = self.start + len(self.items) - 1
        elif self._after_load == "first":
            self.cursor = self.start
            scroll = 0
        if not self.sized:
            self.scroll_to(y=max(scroll + self._lead - lead, 0), animate=False, immediate=True)
        self._after_load = None
        if self._waiting_for_last:
            # Follow the loading with the cursor, so `G` shows progress on forward-only lists.
            self.cursor = self.start + len(self.items) - 1
            if self.next_cursor is None:
                self._waiting_for_last = False
            else:
                self._request(self.next_cursor)
        if moves:
            self._scroll_cursor_visible()
        self.refresh()
        self._ensure_pages()
        self._post_highlight()

    def _evict(self, keep: str, shift: int | None) -> int | None:
        """Drops whole pages beyond ``WINDOW_ROWS`` on the side away from ``keep`` (seekable
        lists only: a forward-only list could not read them again). Returns ``shift`` less the
        rows dropped at the front."""
        if not self.seekable:
            return shift
        rows = sum(len(page.items) for _, page in self._pages)
        while rows > self.WINDOW_ROWS and len(self._pages) > 1:
            if keep == "front":
                _, page = self._pages.pop()
            else:
                _, page = self._pages.pop(0)
                if shift is not None:
                    shift -= len(page.items)
            rows -= len(page.items)
        return shift

    def _rebuild(self) -> None:
        self.items = [item for _, page in self._pages for item in page.items]
        self._line_cache.clear()
        if self.sized and self._pages:
            offset = self._pages[0][1].offset
            self.start = offset if offset >= 0 else max(self.total + offset, 0)
        else:
            self.start = 0

    def page_failed(self) -> None:
        """The screen could not load the requested page: allow asking again."""
        self._requested = None
        self._after_load = None
        self._waiting_for_last = False
        self.refresh()

    def clear(self) -> None:
        """Empties the list (e.g. while a new search runs)."""
        self.set_page(Page(items=()))
        self.loaded_once = False

    @property
    def current_item(self) -> Any | None:
        """The item under the cursor, if its page is loaded."""
        index = self.cursor - self.start
        if 0 <= index < len(self.items):
            return self.items[index]
        return None

    # Geometry ---------------------------------------------------------------------------------
    @property
    def _lead(self) -> int:
        """Lines before the first row: the "more above" line of a window-mode list."""
        return 1 if not self.sized and self.prev_cursor is not None else 0

    @property
    def _rows(self) -> int:
        """Rows in the scroll space: the whole list when sized, else the window."""
        return self.total if self.sized and self.total is not None else len(self.items)

    @property
    def _note(self) -> str | None:
        """The line after the rows: loading/more/empty notes."""
        if not self.items:
            if self._requested and self.loaded_once:
                return "loading…"
            return self.empty_text if self.loaded_once else ""
        if self.next_cursor is not None and not self.sized:
            loading = self._requested is not None and self._requested == self.next_cursor or self._waiting_for_last
            if self.prev_cursor is None and self.start == 0:
                shown = f"{len(self.items):,} of {self.total:,}" if self.total is not None else f"{len(self.items):,}"
                return f"… {shown} loaded; loading more" if loading else f"… {shown} loaded; more below"
            return "… loading more" if loading else "… more below"
        return None

    def _update_size(self) -> None:
        extra = 1 if self._note is not None else 0
        self.virtual_size = Size(self.scrollable_content_region.width, 1 + self._lead + self._rows + extra)

    def on_resize(self, event: events.Resize) -> None:
        self._line_cache.clear()
        self._widths = ()
        self._update_size()
        self._scroll_cursor_visible()
        self._ensure_pages()

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
        line = int(self.scroll_offset.y) + y - 1
        note_style = self.get_component_rich_style("paged-list--note")
        if line < self._lead:
            text = "… loading" if self._requested == self.prev_cursor else "… more above"
            return self._strip([Segment(text, note_style)], width, base)
        index = line - self._lead
        if 0 <= index - self.start < len(self.items):
            selected = index == self.cursor and self.has_focus_or_cursor
            key = (index, width, selected)
            segments = self._line_cache.get(key)
            if segments is None:
                segments = self._item_segments(index - self.start, selected)
                if len(self._line_cache) > 500:
                    self._line_cache.clear()
                self._line_cache[key] = segments
            return self._strip(segments, width, base)
        if index < self._rows:
            # A row of a sized list whose page is on its way.
            style = self.get_component_rich_style("paged-list--cursor") if index == self.cursor else note_style
            return self._strip([Segment("…", style)], width, base)
        if index == self._rows:
            note = self._note
            if note:
                return self._strip([Segment(note, note_style)], width, base)
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
        line = self._lead + self.cursor
        first, bottom = line, line
        if self.cursor == 0:
            first = 0  # on the first row, also show the "more above" line over it
        if self.cursor == self._rows - 1 and self._note:
            bottom += 1  # on the last row, also show the "loading more" line under it
        if first < top:
            self.scroll_to(y=first, animate=False, immediate=True)
        elif bottom >= top + height:
            self.scroll_to(y=bottom - height + 1, animate=False, immediate=True)

    def _move(self, cursor: int, keep_waiting: bool = False) -> None:
        if not keep_waiting:
            self._waiting_for_last = False  # any other move cancels a running `G`
            self._after_load = None
        if not self._rows:
            return
        cursor = max(0, min(cursor, self._rows - 1))
        if cursor != self.cursor:
            self.cursor = cursor
            self._line_cache.clear()
            self.refresh()
        self._scroll_cursor_visible()
        self._post_highlight()
        self._ensure_pages()

    def _post_highlight(self) -> None:
        item = self.current_item
        if item is not None and item is not self._highlighted:
            self._highlighted = item
            self.post_message(self.Highlighted(self, item, self.cursor))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._ensure_pages()

    def _ensure_pages(self) -> None:
        """Asks for the page the viewport needs next: a missing one first, then the neighbour
        of the window within a screen of the viewport."""
        if not self._pages or self._waiting_for_last:
            return
        height = self._body_height
        top = int(self.scroll_offset.y) - self._lead  # row index of the first visible row
        bottom = top + height
        end = self.start + len(self.items)
        wanted: str | None = None
        if self.sized and self.total:
            top, bottom = max(top, 0), min(bottom, self.total)
            if top < bottom and (top < self.start or bottom > end):
                # Rows on screen are not loaded: the neighbour page when it covers them, else a jump.
                if self.next_cursor is not None and end <= top < end + self.PAGE_SIZE - height:
                    wanted = self.next_cursor
                elif self.prev_cursor is not None and self.start - self.PAGE_SIZE + height <= top and bottom <= self.start:
                    wanted = self.prev_cursor
                else:
                    wanted = row_cursor(max(top - (self.PAGE_SIZE - height) // 2, 0), self.total, self.PAGE_SIZE)
        if wanted is None:
            if self.next_cursor is not None and bottom + height >= end:
                wanted = self.next_cursor
            elif self.prev_cursor is not None and top - height < self.start:
                wanted = self.prev_cursor
        if wanted is not None and wanted != self._requested:
            if self._requested is not None and wanted in (self.next_cursor, self.prev_cursor):
                return  # a page is on its way; prefetching the neighbour can wait for it
            self._request(wanted)

    def _request(self, cursor: str) -> None:
        if cursor == self._requested:
            return  # already on its way
        self._requested = cursor
        self._update_size()
        self.refresh()
        self.post_message(self.LoadMore(self, cursor, hurry=self._waiting_for_last))

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        self._move(self.cursor - self._body_height)

    def action_page_down(self) -> None:
        self._move(self.cursor + self._body_height)

    def action_first(self) -> None:
        """Moves to the first row; a window that does not start the list reads the first page."""
        if self.sized or self.prev_cursor is None:
            self._move(0)
            return
        self._move(self.cursor)
        self._after_load = "first"
        self._request(first_cursor())

    def action_last(self) -> None:
        """Moves to the last row: read directly when the list can jump, else loaded page by page."""
        if self.sized or self.next_cursor is None:
            self._move(self._rows - 1)
            return
        if self.seekable:
            self._after_load = "last"
            self._request(last_cursor())
        else:
            self._move(len(self.items) - 1)
            self._waiting_for_last = True
            self._request(self.next_cursor)

    def go_to_row(self, index: int) -> None:
        """Moves the cursor to row ``index`` of a sized list (its page is read if needed)."""
        self._move(index)

    def action_go_to(self) -> None:
        """Asks for a row number or a percentage and goes there (lists of known size)."""
        if not self.sized or not self.total:
            self.notify("This list's size is not known: g and G jump to its ends.", severity="warning")
            return
        total = self.total

        def go(answer: int | None) -> None:
            if answer is not None:
                self.go_to_row(answer)

        from redun_tui.tui.screens.go_to_row import GoToRowScreen

        self.app.push_screen(GoToRowScreen(total), go)

    def action_select(self) -> None:
        item = self.current_item
        if item is not None:
            self.post_message(self.Selected(self, item, self.cursor))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        index = int(self.scroll_offset.y) + event.y - 1 - self._lead
        if 0 <= index < self._rows:
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
