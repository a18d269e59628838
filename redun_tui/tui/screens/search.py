"""``search`` and ``search/<text>``: records of any type matching the search language."""

from __future__ import annotations

from redun_tui.formatting import format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.screens.list_screen import ListScreen
from redun_tui.tui.widgets.paged_list import Column
from redun_tui.views import Page, RecordRow


class SearchScreen(ListScreen):
    """Every record type: executions, jobs, values… (Enter opens the record's screen)."""

    COLUMNS = (
        Column("Type", 9),
        Column("Id", 8),
        Column("Status", 7, status=True),
        Column("Task / type", None, min_width=16, weight=2),
        # What tells rows of one task or type apart: a job's arguments, a value's preview (a
        # File's path), an execution's command line.
        Column("Arguments / value", None, min_width=12, weight=3),
        Column("Time (UTC)", 19, hide_below=110),
    )
    EMPTY_TEXT = "No records match (type a search above; ? shows the syntax)."

    def __init__(self, search: str = "") -> None:
        super().__init__(routes.search(search), search)
        if not search:
            # Opened by `/` to type a search: the input has focus from the moment the screen is
            # composed, so no key typed meanwhile reaches the list (or runs as a hotkey).
            self.AUTO_FOCUS = "#search-input"

    def load(self, keep_cursor: bool = False) -> None:
        self.set_route(routes.search(self.search_text))
        if not self.search_text:
            self.listing.clear()
            self.listing.loaded_once = True
            self.listing.refresh()
            return
        super().load(keep_cursor)

    def cells(self, item: RecordRow):
        return (item.type, short_id(item.id), item.status, item.task_name, item.detail, format_time(item.time))

    def fetch_page(self, search: str, cursor: str | None, limit: int) -> Page[RecordRow]:
        return self.store.search(search, cursor=cursor, limit=limit)

    def route_of(self, item: RecordRow) -> str:
        return item.route

    def id_of(self, item: RecordRow) -> str:
        return item.id
