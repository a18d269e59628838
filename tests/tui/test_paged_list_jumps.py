"""PagedList over a seekable list (issue 16): G/g read the ends directly, a bounded window of
pages around the viewport, pages read again on return, a scroll space of the true size and
go-to-row for lists of known size. The fake store pages an in-memory list with the real cursor
codec of redun_tui.store.paging."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App, ComposeResult

from redun_tui.store.paging import decode_position, split_position_page
from redun_tui.tui.screens.go_to_row import parse_row
from redun_tui.tui.widgets.paged_list import Column, PagedList
from redun_tui.views import Page

TOTAL = 100_000
PAGE = PagedList.PAGE_SIZE


@dataclass(frozen=True)
class Row:
    id: str
    number: int
    status: str = "DONE"


def fetch(cursor: str | None, sized: bool) -> Page[Row]:
    """A page of rows 0..TOTAL-1 keyed by their number, as the store pages a keyset."""
    position = decode_position(cursor, 1)
    if position.key is not None:
        number = position.key[0]
        numbers = range(number - 1, -1, -1) if position.backward else range(number + 1, TOTAL)
    else:
        skip = position.skip()
        numbers = range(TOTAL - 1 - skip, -1, -1) if position.backward else range(skip, TOTAL)
    rows = [Row(f"row{n:06d}", n) for n in numbers[: PAGE + 1]]
    rows, offset, prev_cursor, next_cursor = split_position_page(rows, PAGE, position, lambda row: (row.number,))
    total = TOTAL if sized and position.key is None else None
    return Page(items=tuple(rows), offset=offset, next_cursor=next_cursor, prev_cursor=prev_cursor, total=total,
                seekable=True)


class ListApp(App):
    def __init__(self, sized: bool) -> None:
        super().__init__()
        self.sized = sized
        self.requests: list[str] = []

    def compose(self) -> ComposeResult:
        yield PagedList([Column("Id", 12), Column("Status", 7, status=True)], lambda row: (row.id, row.status),
                        lambda row: row.status)

    def on_mount(self) -> None:
        listing = self.query_one(PagedList)
        listing.focus()
        listing.set_page(fetch(None, self.sized))

    def on_paged_list_load_more(self, event: PagedList.LoadMore) -> None:
        self.requests.append(event.cursor)
        self.call_later(event.paged_list.append_page, fetch(event.cursor, self.sized), event.cursor)


async def settle(pilot, listing: PagedList) -> None:
    for _ in range(50):
        await pilot.pause()
        if listing._requested is None and listing.current_item is not None:
            return


async def test_G_reads_the_last_page_directly_in_a_list_of_unknown_size():
    app = ListApp(sized=False)
    async with app.run_test(size=(60, 20)) as pilot:
        listing = app.query_one(PagedList)
        await pilot.pause()
        await pilot.press("G")
        await settle(pilot, listing)
        assert listing.current_item.number == TOTAL - 1
        assert len(app.requests) <= 2  # the last page (and perhaps the one before it), not 500
        assert len(listing.items) <= PagedList.WINDOW_ROWS
        assert "row099999" in "\n".join(listing.render_line(y).text for y in range(listing.size.height))
        # Up from the end reads the pages before, keeping the cursor on its row.
        for _ in range(3):
            await pilot.press("pageup")
            await settle(pilot, listing)
        assert listing.current_item.number == TOTAL - 1 - 3 * (20 - 1)
        await pilot.press("g")
        await settle(pilot, listing)
        assert listing.current_item.number == 0
        assert listing.prev_cursor is None


async def test_walking_keeps_a_bounded_window_and_reads_pages_again_on_return():
    app = ListApp(sized=False)
    async with app.run_test(size=(60, 20)) as pilot:
        listing = app.query_one(PagedList)
        await pilot.pause()
        for _ in range(120):  # ~2,300 rows down: more than the window holds
            await pilot.press("pagedown")
            await settle(pilot, listing)
        at = listing.current_item.number
        assert at == 120 * 19
        assert len(listing.items) <= PagedList.WINDOW_ROWS
        assert listing.prev_cursor is not None  # the first pages were dropped
        requests = len(app.requests)
        for _ in range(120):
            await pilot.press("pageup")
            await settle(pilot, listing)
        assert listing.current_item.number == 0
        assert len(app.requests) > requests  # the dropped pages were read again
        assert len(listing.items) <= PagedList.WINDOW_ROWS


async def test_a_sized_list_scrolls_over_its_true_size_and_jumps_anywhere():
    app = ListApp(sized=True)
    async with app.run_test(size=(60, 20)) as pilot:
        listing = app.query_one(PagedList)
        await pilot.pause()
        assert listing.sized and listing.virtual_size.height >= TOTAL
        await pilot.press("G")
        await settle(pilot, listing)
        assert listing.current_item.number == TOTAL - 1
        listing.go_to_row(TOTAL // 2)
        await settle(pilot, listing)
        assert listing.current_item.number == TOTAL // 2
        assert len(listing.items) <= PagedList.WINDOW_ROWS
        # Dragging the scrollbar is a scroll: the rows there are read.
        listing.scroll_to(y=TOTAL // 4, animate=False, immediate=True)
        for _ in range(50):
            await pilot.pause()
            if listing._requested is None and listing.start <= TOTAL // 4 < listing.start + len(listing.items):
                break
        lines = [listing.render_line(y).text for y in range(1, listing.size.height)]
        assert lines[0].startswith(f"row{TOTAL // 4:06d}")


async def test_go_to_row_prompt():
    app = ListApp(sized=True)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = app.query_one(PagedList)
        await pilot.pause()
        await pilot.press("colon")
        await pilot.pause()
        for char in "50%":
            await pilot.press(char)
        await pilot.press("enter")
        await settle(pilot, listing)
        assert listing.current_item.number == TOTAL // 2


def test_parse_row():
    assert parse_row("1", 10) == 0
    assert parse_row("10", 10) == 9
    assert parse_row("11", 10) == 9
    assert parse_row("1,000", 5000) == 999
    assert parse_row("50%", 10) == 5
    assert parse_row("100%", 10) == 9
    assert parse_row("0", 10) is None
    assert parse_row("x", 10) is None
    assert parse_row("150%", 10) is None
