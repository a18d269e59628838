"""The home screen: executions newest first, a search bar on top, paged as you scroll."""

from __future__ import annotations

from functools import partial

from textual.binding import Binding

from redun_tui.formatting import command_summary, format_duration, format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.text import tags_text
from redun_tui.tui.screens.list_screen import RELOAD_LIMIT, ListScreen
from redun_tui.tui.widgets.paged_list import Column
from redun_tui.views import ExecutionRow, Page


def execution_cells(row: ExecutionRow) -> tuple[str, ...]:
    """One executions-list line: id, start (UTC), duration, status, task, args, tags."""
    tags = tags_text(row.tags)
    return (
        short_id(row.id),
        format_time(row.start_time),
        format_duration(row.duration),
        row.status,
        row.task_name,
        command_summary(row.args),
        tags,
    )


WARM_DELAY = 0.3  # seconds after the first page before the real store opens (see after_page)


class ExecutionsScreen(ListScreen):
    """``executions``: every execution, newest first; ``/`` searches, Enter opens."""

    COLUMNS = (
        Column("Id", 8),
        Column("Start (UTC)", 19),
        Column("Duration", 8),
        Column("Status", 7, status=True),
        Column("Task", None, min_width=12, weight=3),
        Column("Args", None, min_width=8, weight=2),
        Column("Tags", None, min_width=10, weight=2, hide_below=100),
    )
    BINDINGS = [Binding("s", "search_all", "All record types")]
    EMPTY_TEXT = "No executions match (s: search jobs, values and tasks too)."

    def __init__(self, search: str = "") -> None:
        super().__init__("executions", search)
        self._warming = False

    def cells(self, item: ExecutionRow):
        return execution_cells(item)

    def fetch_page(self, search: str, cursor: str | None, limit: int) -> Page[ExecutionRow]:
        return self.store.executions(search=search, cursor=cursor, limit=limit)

    def route_of(self, item: ExecutionRow) -> str:
        return routes.execution(item.id)

    def id_of(self, item: ExecutionRow) -> str:
        return item.id

    def action_search_all(self) -> None:
        """The same search over every record type (jobs, values, tasks…)."""
        text = self.search_text
        self.tui.navigate(routes.search(text))

    def after_page(self) -> None:
        running = any(row.status == "RUNNING" for row in self.listing.items[:RELOAD_LIMIT])
        self.set_live(running, None)
        # At launch the first page came from the stdlib driver (redun_tui.store.first_page):
        # a moment after it is painted, open the real store in the background, so the next
        # screen opens without waiting for SQLAlchemy to load (~0.3 s of CPU, which would
        # otherwise compete with the first paint and the first keys).
        warm = getattr(self.store, "warm", None)
        if warm is not None and not self._warming:
            self._warming = True
            self.set_timer(WARM_DELAY, partial(self.run_worker, warm, group="warm-store", thread=True,
                                               exit_on_error=False))
