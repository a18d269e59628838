"""PagedList on its own: pages on demand, `G` loads to the end, the cursor survives a refresh."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App, ComposeResult

from redun_tui.tui.widgets.paged_list import Column, PagedList
from redun_tui.views import Page

TOTAL = 1_000
PAGE = 100


@dataclass(frozen=True)
class Row:
    id: str
    status: str


ROWS = [Row(f"row{i:04d}", "FAILED" if i % 7 == 0 else "DONE") for i in range(TOTAL)]


def page(cursor: str | None) -> Page[Row]:
    start = int(cursor or 0)
    end = min(start + PAGE, TOTAL)
    return Page(items=tuple(ROWS[start:end]), offset=start, next_cursor=str(end) if end < TOTAL else None)


class ListApp(App):
    """A list fed by synchronous fake pages (the screens use workers; the widget does not care)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    def compose(self) -> ComposeResult:
        yield PagedList([Column("Id", 10), Column("Status", 7, status=True), Column("Note", None)],
                        lambda row: (row.id, row.status, "[b]markup[/b] \x1b[2J"), lambda row: row.status)

    def on_mount(self) -> None:
        listing = self.query_one(PagedList)
        listing.focus()
        listing.set_page(page(None))

    def on_paged_list_load_more(self, event: PagedList.LoadMore) -> None:
        self.requests.append(event.cursor)
        self.call_later(event.paged_list.append_page, page(event.cursor))


async def test_pages_load_as_the_cursor_nears_the_end():
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        listing = app.query_one(PagedList)
        await pilot.pause()
        assert len(listing.items) == PAGE
        assert app.requests == []  # one page covers the screen: nothing more asked
        for _ in range(6):
            await pilot.press("pagedown")
        await pilot.pause()
        assert app.requests and len(listing.items) > PAGE
        assert listing.cursor == 6 * (20 - 1)


async def test_G_loads_every_page_and_lands_on_the_last_row():
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        listing = app.query_one(PagedList)
        await pilot.pause()
        await pilot.press("G")
        for _ in range(40):
            await pilot.pause()
            if listing.next_cursor is None and listing.cursor == TOTAL - 1:
                break
        assert len(listing.items) == TOTAL
        assert listing.cursor == TOTAL - 1
        assert listing.current_item.id == "row0999"
        await pilot.press("g")
        assert listing.cursor == 0


async def test_cells_render_literally():
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        listing = app.query_one(PagedList)
        line = listing.render_line(1).text
        assert "[b]markup[/b]" in line and "\\e[2J" in line and "\x1b" not in line


async def test_refresh_keeps_the_cursor_on_the_same_item():
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        listing = app.query_one(PagedList)
        await pilot.pause()
        await pilot.press("down", "down", "down")
        shifted = Page(items=(Row("new", "RUNNING"), *ROWS[:PAGE]), next_cursor=str(PAGE))
        listing.set_page(shifted, keep_cursor=True)
        assert listing.current_item.id == "row0003"
        assert listing.cursor == 4
