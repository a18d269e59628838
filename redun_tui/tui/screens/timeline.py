"""``timeline/<exec_id>``: where an execution's time went.

The job bars on a shared time axis (:class:`~redun_tui.tui.widgets.timeline.Timeline`), the
critical path with each step's own time, and the task statistics (sortable; Enter filters the
timeline to that task). Three independent loads: the axis and the rows, the critical path, the
statistics; each in its own worker (the statistics once the path is in).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import var
from textual.widgets import Static

from redun_tui.formatting import format_duration, format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.base import BaseScreen, describe_error
from redun_tui.tui.text import literal
from redun_tui.tui.widgets.paged_list import Column, PagedList
from redun_tui.tui.widgets.task_stats import TaskStatsList
from redun_tui.tui.widgets.timeline import Timeline
from redun_tui.views import CriticalStep, Page, TimelineSpan

PAGE_SIZE = 200

PATH_COLUMNS = (Column("Own", 7), Column("Task", None, min_width=8), Column("Job", 8, hide_below=40))
def path_cells(step: CriticalStep):
    """A row of the critical path."""
    return (format_duration(step.self_seconds), step.task_name or "(no task)", short_id(step.job_id))


class TimelineScreen(BaseScreen):
    """An execution's timeline, critical path and task statistics."""

    AUTO_FOCUS = "Timeline"

    BINDINGS = [
        Binding("s", "focus_stats", "Tasks", tooltip="focus the task statistics (Enter on a task: only its jobs)"),
        Binding("p", "focus_path", "Path", tooltip="focus the critical path (each step's own time)"),
        Binding("t", "focus_timeline", "Timeline", show=False, tooltip="focus the timeline"),
        Binding("o", "sort", "Sort", tooltip="sort the task statistics by the next column"),
        Binding("a", "all_tasks", "All tasks", tooltip="all tasks again (clear the task filter)"),
    ]

    #: Only this task's jobs (and their ancestors) on the timeline; None: every job.
    filter_task: var[str | None] = var(None, init=False)

    def __init__(self, execution_id: str, task_name: str | None = None) -> None:
        """``task_name``: show only that task's jobs (and their ancestors) at first."""
        super().__init__(routes.timeline(execution_id))
        self.execution_id = execution_id
        self.span: TimelineSpan | None = None
        self.set_reactive(TimelineScreen.filter_task, task_name or None)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="timeline-fields", classes="filter-line")
        yield Timeline(id="timeline")
        yield Static("", id="timeline-detail", classes="timeline-detail")
        with Horizontal(id="timeline-panels"):
            yield PagedList(PATH_COLUMNS, path_cells, lambda step: step.status, empty_text="No root job.",
                            id="critical-path")
            yield TaskStatsList(id="task-stats")

    @property
    def timeline(self) -> Timeline:
        """The bars."""
        return self.query_one(Timeline)

    @property
    def copy_text(self) -> str:
        job = self.timeline.current_job
        return job.id if self.focused is self.timeline and job is not None else self.execution_id

    # Loads ----------------------------------------------------------------------------------
    class SpanLoaded(Loaded):
        """The time axis (the other loads start once the full execution id is known)."""

    class PathLoaded(Loaded):
        """The critical path."""

    class StatsLoaded(Loaded):
        """The task statistics."""

    @dataclass
    class ChildrenLoaded(Loaded):
        """A page of children of ``parent_id`` (dropped if the timeline started again since)."""

        parent_id: str | None = None
        generation: int = 0

    def load(self) -> None:
        self.start(self._read_span(self.execution_id), self.timeline)

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="span")
    def _read_span(self, execution_id: str) -> None:
        self.answer(self.SpanLoaded, lambda: self.store.timeline_span(execution_id))

    @work(thread=True, exclusive=True, group="path")
    def _read_path(self, execution_id: str, span: TimelineSpan) -> None:
        self.answer(self.PathLoaded, lambda: self.store.critical_path(execution_id, span))

    @work(thread=True, exclusive=True, group="stats")
    def _read_stats(self, execution_id: str) -> None:
        self.answer(self.StatsLoaded, lambda: self.store.task_stats(execution_id))

    def _read_children(self, execution_id: str, task_name: str | None, parent_id: str | None,
                       cursor: str | None, generation: int) -> None:
        self.answer(self.ChildrenLoaded,
                    lambda: self.store.job_children(execution_id, parent_id, task_name=task_name, cursor=cursor,
                                                    limit=PAGE_SIZE),
                    parent_id=parent_id, generation=generation)

    # Results ----------------------------------------------------------------------------------
    def on_timeline_screen_span_loaded(self, answer: SpanLoaded) -> None:
        if self.accept(answer):
            self._span_loaded(answer.result)
        elif answer.failed:
            self.query_one("#timeline-fields", Static).update(
                literal(describe_error(answer.error)[0], single_line=True))

    def _span_loaded(self, span: TimelineSpan) -> None:
        self.span = span
        self.execution_id = span.execution_id
        self.set_route(routes.timeline(span.execution_id))
        self.timeline.set_axis(span.start_time, span.duration, span.running_end)
        self.set_live(span.root_job_id is not None and span.end_time is None, span.execution_id)
        self._show_fields()
        self.timeline.start()
        self.start(self._read_path(span.execution_id, span), self.query_one("#critical-path"))

    def on_timeline_screen_path_loaded(self, answer: PathLoaded) -> None:
        shown = self.accept(answer)
        if shown:
            path: tuple[CriticalStep, ...] = answer.result
            self.timeline.set_critical(tuple(step.job_id for step in path))
            self.query_one("#critical-path", PagedList).set_page(Page(items=path))
        if shown or answer.failed:
            # The statistics after the path: their one statement reads every job of the execution
            # (~0.3 s of CPU at 100,000 jobs), the path a few rows per level; run together on a
            # busy machine, the path waited for a core.
            self.start(self._read_stats(self.execution_id), self.query_one("#task-stats"))

    def on_timeline_screen_stats_loaded(self, answer: StatsLoaded) -> None:
        if self.accept(answer):
            self.query_one(TaskStatsList).set_stats(answer.result)

    def _show_fields(self) -> None:
        span = self.span
        if span is None:
            return
        ended = format_time(span.end_time) or "running"
        parts = [f"{short_id(span.execution_id)}  {format_time(span.start_time) or '?'} → {ended}",
                 f"{format_duration(span.duration) or '-'}", f"{span.job_count:,} jobs",
                 f"tasks by {self.query_one(TaskStatsList).sort.name}"]
        if self.filter_task:  # first: a narrow terminal cuts the end of the line
            parts.insert(0, f"filtered: task {self.filter_task} (a: all)")
        line = self.query_one("#timeline-fields", Static)
        line.update(literal("  ·  ".join(parts), single_line=True))
        line.set_class(bool(self.filter_task), "filtered")

    # Timeline ---------------------------------------------------------------------------------
    @on(Timeline.NeedChildren)
    def _need_children(self, event: Timeline.NeedChildren) -> None:
        # A group per page of rows (they load side by side); a newer request for the same page wins.
        read = partial(self._read_children, self.execution_id, self.filter_task, event.parent_id, event.cursor,
                       event.generation)
        self.start(self.run_worker(read, group=f"children-{event.parent_id}-{event.cursor}", exclusive=True,
                                   thread=True))

    def on_timeline_screen_children_loaded(self, answer: ChildrenLoaded) -> None:
        if self.accept(answer):
            self.timeline.add_page(answer.parent_id, answer.result, answer.generation)
        elif answer.failed:
            self.timeline.page_failed(answer.parent_id, answer.generation)

    @on(Timeline.Highlighted)
    def _highlighted(self, event: Timeline.Highlighted) -> None:
        job = event.job
        running_end = self.span.running_end if self.span else None
        end = format_time(job.end_time) if job.end_time else (f"running (to {format_time(running_end)})"
                                                               if running_end else "running")
        duration = job.duration
        if duration is None and job.start_time and running_end:
            duration = running_end - job.start_time
        parts = [job.task_name or "(no task)", f"call {short_id(job.call_hash) or '-'}", job.status,
                 f"{format_time(job.start_time)} → {end}", format_duration(duration) or "-"]
        critical = self.timeline.critical
        if job.id in critical:
            parts.append(f"critical path step {critical.index(job.id) + 1}/{len(critical)}")
        self.query_one("#timeline-detail", Static).update(literal("  ·  ".join(parts), single_line=True))

    @on(Timeline.JobChosen)
    def _open_job(self, event: Timeline.JobChosen) -> None:
        self.tui.navigate(routes.job(event.job.id))

    # Panels -----------------------------------------------------------------------------------
    @on(PagedList.Selected, "#critical-path")
    def _jump(self, event: PagedList.Selected) -> None:
        self.timeline.focus()
        self.timeline.jump_to(event.item.job_id)

    @on(TaskStatsList.Selected, "#task-stats")
    def _filter_task(self, event: TaskStatsList.Selected) -> None:
        if event.item.task_name:
            self.set_filter(event.item.task_name)
            self.timeline.focus()

    def set_filter(self, task_name: str | None) -> None:
        """Shows only the jobs of ``task_name`` (and their ancestors); None: every job."""
        self.filter_task = task_name

    def watch_filter_task(self) -> None:
        self._show_fields()
        if self.span is not None:
            self.timeline.start()

    def action_all_tasks(self) -> None:
        self.set_filter(None)

    def action_sort(self) -> None:
        self.query_one(TaskStatsList).cycle_sort()
        self._show_fields()

    def action_focus_stats(self) -> None:
        self.query_one("#task-stats").focus()

    def action_focus_path(self) -> None:
        self.query_one("#critical-path").focus()

    def action_focus_timeline(self) -> None:
        self.timeline.focus()
