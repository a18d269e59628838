"""``tasks`` (every task version by namespace) and ``tasks/<hash>`` (source, versions, recent jobs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual import on, work
from textual.widgets import Static

from redun_tui.formatting import format_duration, format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.list_screen import ListScreen
from redun_tui.tui.screens.record import RecordScreen, code_block, field_block, links_or_none, section, tag_block
from redun_tui.tui.text import literal
from redun_tui.tui.widgets.links import RouteLink
from redun_tui.tui.widgets.paged_list import Column, PagedList
from redun_tui.views import JobRow, Page, TaskDetail, TaskHistory, TaskRow


class TasksScreen(ListScreen):
    """``tasks``: each task version; Enter opens it."""

    COLUMNS = (
        Column("Namespace", None, min_width=9),
        Column("Name", None, min_width=12),
        Column("Hash", 8),
        Column("Jobs", 7),
        Column("Last run (UTC)", 19),
    )
    EMPTY_TEXT = "No tasks match."
    PLACEHOLDER = "/ filter tasks by name (namespace.name, * wildcards)"

    def __init__(self, search: str = "") -> None:
        super().__init__("tasks", search)

    def cells(self, item: TaskRow):
        jobs = "" if item.job_count is None else f"{item.job_count:,}"
        return (item.namespace or "", item.name, short_id(item.hash), jobs, format_time(item.last_run))

    def status_of(self, item: TaskRow) -> None:
        return None

    def fetch_page(self, search: str, cursor: str | None, limit: int) -> Page[TaskRow]:
        return self.store.tasks(search=search, cursor=cursor, limit=limit)

    def route_of(self, item: TaskRow) -> str:
        return routes.task(item.hash)

    def id_of(self, item: TaskRow) -> str:
        return item.hash


JOB_COLUMNS = (
    Column("Job", 8),
    Column("Call", None, min_width=10),
    Column("Status", 7, status=True),
    # Below 100 columns the call needs the room more than the start time does.
    Column("Start (UTC)", 19, hide_below=100),
    Column("Duration", 8),
)


def job_cells(job: JobRow):
    """A line of a job list."""
    return (short_id(job.id), job.call, job.status, format_time(job.start_time), format_duration(job.duration))


class TaskScreen(RecordScreen):
    """``tasks/<hash>``: one task version."""

    def __init__(self, task_hash: str) -> None:
        super().__init__(routes.task(task_hash))
        self.task_hash = task_hash

    @property
    def copy_text(self) -> str:
        return self.task_hash

    @dataclass
    class HistoryLoaded(Loaded):
        """The durations of the task's jobs in its latest executions, for ``plot`` and ``summary``."""

        plot: Any = None
        summary: Any = None

    def record_call(self) -> Callable[[], TaskDetail]:
        return partial(self.store.task, self.task_hash)

    def show_record(self, detail: TaskDetail) -> None:
        row = detail.row
        self.task_hash = row.hash
        self.set_route(routes.task(row.hash))
        pairs = [("Task", row.fullname), ("Namespace", row.namespace or "(none)"), ("Name", row.name),
                 ("Hash", row.hash)]
        if row.job_count is not None:
            pairs.append(("Jobs", f"{row.job_count:,}"))
        if row.last_run is not None:
            pairs.append(("Last run", format_time(row.last_run)))
        widgets = [field_block(pairs)]
        widgets.append(section(f"Recent jobs ({len(detail.recent_jobs)})"))
        jobs = PagedList(JOB_COLUMNS, job_cells, lambda job: job.status, empty_text="No jobs recorded.",
                         id="task-jobs")
        widgets.append(jobs)
        widgets.extend(self._history_widgets(row.hash))
        widgets.append(section(f"Versions ({len(detail.versions)})"))
        widgets.extend(links_or_none([
            RouteLink(f"{version.fullname}  {short_id(version.hash)}"
                      + ("" if version.last_run is None else f"  last run {format_time(version.last_run)}")
                      + ("  (this version)" if version.hash == row.hash else ""),
                      routes.task(version.hash))
            for version in detail.versions
        ]))
        if detail.tags:
            widgets.append(section("Tags"))
            widgets.append(tag_block(detail.tags))
        widgets.append(section("Source"))
        widgets.append(code_block(detail.source or "(no source recorded)"))
        self.show(widgets)
        self.call_after_refresh(lambda: jobs.set_page(Page(items=detail.recent_jobs)))

    def _history_widgets(self, task_hash: str) -> list:
        """The "did it get slower?" plot, filled by its own worker."""
        from redun_tui.tui.widgets.task_history import TaskHistoryPlot

        plot = TaskHistoryPlot(id="task-history")
        summary = Static("", id="task-history-summary", classes="block")
        self.start(self._read_history(task_hash, plot, summary), summary)
        return [section("Duration history (latest executions, every version)"), summary, plot]

    @work(thread=True, exclusive=True, group="history")
    def _read_history(self, task_hash: str, plot: Any, summary: Static) -> None:
        self.answer(self.HistoryLoaded, lambda: self.store.task_history(task_hash), plot=plot, summary=summary)

    def on_task_screen_history_loaded(self, answer: HistoryLoaded) -> None:
        if self.accept(answer):
            self._history_loaded(answer.result, answer.plot, answer.summary)

    @staticmethod
    def _history_loaded(history: TaskHistory, plot, summary) -> None:
        plot.show_history(history)
        finished = [point for point in history.points if point.p50 is not None]
        if not finished:
            summary.update(literal("No finished jobs recorded.", single_line=True))
            return
        last = finished[-1]
        summary.update(literal(
            f"{len(finished)} executions; latest ({format_time(last.start_time)}, {last.count} jobs): "
            f"p50 {format_duration(last.p50)} · p95 {format_duration(last.p95)} · max {format_duration(last.max)}",
            single_line=True))

    @on(PagedList.Selected, "#task-jobs")
    def _open_job(self, event: PagedList.Selected) -> None:
        self.tui.navigate(routes.job(event.item.id))
