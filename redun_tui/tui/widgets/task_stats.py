"""TaskStatsList: an execution's duration statistics per task, in one of several orders.

Shown by the timeline screen and by the execution screen (``d``). The rows are the store's
:class:`~redun_tui.views.TaskStats`; :meth:`TaskStatsList.cycle_sort` (``o`` on both screens)
changes the order, and the header marks the column it sorts by. Enter posts
:class:`~redun_tui.tui.widgets.paged_list.PagedList.Selected` with the row: the screens filter
the timeline to that task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from redun_tui.formatting import format_duration
from redun_tui.tui.widgets.paged_list import Column, PagedList
from redun_tui.views import Page, TaskStats

COLUMNS = (
    Column("Task", None, min_width=10),
    Column("Jobs", 6),
    Column("Fail", 5, hide_below=70),
    Column("Cach", 5, hide_below=70),
    Column("Total", 7),
    Column("Mean", 7, hide_below=60),
    Column("p50", 7, hide_below=80),
    Column("p95", 7),
    Column("Max", 7, hide_below=90),
)


@dataclass(frozen=True)
class Sort:
    """One order of the rows: its name, the column it marks, the key and the direction."""

    name: str
    column: str
    key: Callable[[TaskStats], Any]
    descending: bool = True


def _or_below(value: float | None) -> float:
    # Tasks without finished jobs sort after every measured one.
    return -1.0 if value is None else value


# `o` cycles through these; the first is the store's own order (total time, descending).
SORTS = (
    Sort("total", "Total", lambda s: s.total),
    Sort("p95", "p95", lambda s: _or_below(s.p95)),
    Sort("max", "Max", lambda s: _or_below(s.max)),
    Sort("mean", "Mean", lambda s: _or_below(s.mean)),
    Sort("jobs", "Jobs", lambda s: s.count),
    Sort("failed", "Fail", lambda s: s.failed),
    Sort("name", "Task", lambda s: s.task_name, descending=False),
)


def _seconds(value: float | None) -> str:
    return "-" if value is None else format_duration(value)


def stats_cells(stats: TaskStats) -> tuple[str, ...]:
    """A row of the task statistics."""
    return (stats.task_name or "(no task)", f"{stats.count:,}", f"{stats.failed:,}", f"{stats.cached:,}",
            _seconds(stats.total), _seconds(stats.mean), _seconds(stats.p50), _seconds(stats.p95), _seconds(stats.max))


class TaskStatsList(PagedList):
    """The task statistics of one execution, sortable."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(COLUMNS, stats_cells, None, empty_text="No jobs.", id=id, classes=classes)
        self.stats: tuple[TaskStats, ...] = ()
        self.sort_index = 0

    @property
    def sort(self) -> Sort:
        """The order the rows are shown in."""
        return SORTS[self.sort_index]

    def set_stats(self, stats: tuple[TaskStats, ...], keep_cursor: bool = False) -> None:
        """Shows ``stats`` in the current order."""
        self.stats = tuple(stats)
        self._show(keep_cursor)

    def cycle_sort(self) -> None:
        """The next order of :data:`SORTS`; the cursor stays on its task."""
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._show(keep_cursor=True)

    def _show(self, keep_cursor: bool) -> None:
        sort = self.sort
        mark = "▼" if sort.descending else "▲"
        self.columns = tuple(replace(c, title=c.title + mark) if c.title == sort.column else c for c in COLUMNS)
        items = tuple(sorted(self.stats, key=sort.key, reverse=sort.descending))
        self.set_page(Page(items=items), keep_cursor=keep_cursor)
