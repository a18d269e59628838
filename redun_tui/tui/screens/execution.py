"""``executions/<id>``: an execution's details, its task × status table and its lazy job tree.

``d`` swaps the status table for the task statistics (durations per task, sortable with ``o``;
Enter opens the timeline filtered to that task). They load the first time they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import var
from textual.widgets import Static
from textual.widgets.tree import TreeNode

from redun_tui.formatting import format_duration, format_time, heartbeat_note, is_stale
from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.base import BaseScreen, describe_error
from redun_tui.tui.screens.tasks import JOB_COLUMNS, job_cells
from redun_tui.tui.text import fields, literal, tags_text
from redun_tui.tui.widgets.job_tree import JobTree
from redun_tui.tui.widgets.paged_list import PagedList
from redun_tui.tui.widgets.status_table import StatusTable
from redun_tui.tui.widgets.task_stats import TaskStatsList
from redun_tui.views import ExecutionDetail, JobRow, Page

PAGE_SIZE = 200


def execution_pairs(detail: ExecutionDetail, now: datetime, *, full: bool = False) -> list[tuple[str, str]]:
    """The execution's fields: one line each, or (``full``) every argument and tag on its own line.

    A RUNNING execution's status says how long redun has been silent (``updated_time``, its
    heartbeat), so a run that was killed long ago is not taken for a live one.
    """
    row = detail.row
    ended = format_time(row.end_time) or "not ended"
    heartbeat = heartbeat_note(row.status, row.updated_time, row.start_time, now)
    pairs = [
        ("Execution", row.id),
        ("Status", row.status + (f"  ({heartbeat})" if heartbeat else "")),
        ("Task", row.task_name or "(none recorded)"),
        ("Time", f"{format_time(row.start_time)} → {ended}  ({format_duration(row.duration) or '-'})"),
    ]
    if row.updated_time is not None:
        pairs.append(("Updated", format_time(row.updated_time)))
    args = list(detail.args_list) if detail.args_list else [row.args]
    if full:
        pairs.append(("Args", " ".join(args)))
        pairs.extend(("Tags" if number == 0 else "", tags_text([tag])) for number, tag in enumerate(row.tags))
        if detail.job_count is not None:
            pairs.append(("Jobs", f"{detail.job_count:,}"))
    else:
        pairs.append(("Args", " ".join(args)))
        if row.tags:
            pairs.append(("Tags", tags_text(row.tags, ", ")))
    return pairs


class ExecutionDetailsScreen(BaseScreen):
    """Every field of an execution in full: each argument and tag on its own wrapped line."""

    AUTO_FOCUS = "#execution-details"

    def __init__(self, detail: ExecutionDetail) -> None:
        super().__init__(routes.execution(detail.row.id))
        self.detail = detail

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="execution-details", classes="record-body"):
            yield Static(Content("Execution details (Escape: back)"), classes="section-title")
            yield Static(fields(execution_pairs(self.detail, self.tui.clock(), full=True), wrap=True),
                         classes="help-fields")


class JobFilter(NamedTuple):
    """Which jobs the tree and the flat list show (with their ancestors): None is any."""

    status: str | None = None
    task_name: str | None = None


class ExecutionScreen(BaseScreen):
    """One execution: header, status table (Enter on a cell filters the tree), job tree."""

    AUTO_FOCUS = "JobTree"

    BINDINGS = [
        Binding("f", "failed_only", "Failed",
                tooltip="failed jobs only, the path to each opened (again: all)"),
        Binding("D", "diff", "Diff", tooltip="diff with the previous run of the same task"),
        Binding("T", "timeline", "Timeline",
                tooltip="the execution's timeline: jobs as bars over time, critical path"),
        Binding("d", "toggle_stats", "Stats",
                tooltip="task statistics (durations per task; Enter: the task's timeline) "
                        "in place of the status table (again: back)"),
        Binding("a", "all_jobs", "All", tooltip="all jobs (clear the status-table filter)"),
        Binding("v", "toggle_list", "Tree/list", tooltip="job tree / flat job list (both follow the filter)"),
        Binding("i", "details", "Details", tooltip="every field in full: the whole Args and every tag"),
        Binding("o", "sort_stats", "Sort durations", show=False,
                tooltip="sort the task statistics by the next column"),
        Binding("O", "sort_list", "Sort job list", show=False,
                tooltip="sort the flat job list: start / duration (longest first) / status (failed first)"),
        Binding("s", "focus_table", "Status table", show=False, tooltip="focus the status table"),
        Binding("t", "focus_tree", "Tree", show=False, tooltip="focus the job tree (or list)"),
    ]

    #: The status-table filter (``f``, ``a``, Enter on a cell).
    job_filter: var[JobFilter] = var(JobFilter(), init=False)
    #: The jobs as a "tree" or a flat "list" (``v``).
    jobs_view: var[str] = var("tree", init=False)
    #: The flat list's order: start, duration, status (``O`` cycles).
    list_order: var[str] = var("start", init=False)
    #: The task statistics in place of the status table (``d``).
    show_stats: var[bool] = var(False, init=False)

    def __init__(self, execution_id: str) -> None:
        super().__init__(routes.execution(execution_id))
        self.execution_id = execution_id
        self.detail: ExecutionDetail | None = None
        self._tree_started = False

    @property
    def filter_status(self) -> str | None:
        """The status the jobs are filtered by (None: any)."""
        return self.job_filter.status

    @property
    def filter_task(self) -> str | None:
        """The task the jobs are filtered by (None: any)."""
        return self.job_filter.task_name

    def compose_body(self) -> ComposeResult:
        with Vertical(id="execution-top"):
            yield Static("", id="execution-fields", classes="fields")
            yield StatusTable(id="status-table")
            yield TaskStatsList(id="execution-stats")
        yield Static("", id="tree-filter", classes="filter-line")
        yield JobTree(id="job-tree")
        yield PagedList(JOB_COLUMNS, job_cells, lambda job: job.status, empty_text="No jobs match the filter.",
                        id="job-list")

    @property
    def tree(self) -> JobTree:
        """The job tree."""
        return self.query_one(JobTree)

    @property
    def job_list(self) -> PagedList:
        """The flat job list (``v`` switches between it and the tree)."""
        return self.query_one("#job-list", PagedList)

    @property
    def stats_list(self) -> TaskStatsList:
        """The task statistics (``d`` shows them instead of the status table)."""
        return self.query_one(TaskStatsList)

    @property
    def copy_text(self) -> str:
        if self.focused is self.job_list and self.job_list.current_item is not None:
            return self.job_list.current_item.id
        node = self.tree.cursor_node
        if self.focused is self.tree and node is not None and node.data is not None and node.data.job is not None:
            return node.data.job.id
        return self.execution_id

    def on_mount(self) -> None:
        self.job_list.display = False
        self.stats_list.display = False
        self._show_filter()
        self.tree.focus()

    # Loads ----------------------------------------------------------------------------------
    class DetailLoaded(Loaded):
        """The execution's fields."""

    class CountsLoaded(Loaded):
        """The task × status counts."""

    @dataclass
    class ChildrenLoaded(Loaded):
        """A page of children of a tree ``node`` (dropped if the tree started again since)."""

        node: TreeNode | None = None
        generation: int = 0

    class ChildrenRefreshed(ChildrenLoaded):
        """The shown children of a tree ``node`` read again (live refresh)."""

    @dataclass
    class JobsLoaded(Loaded):
        """The flat list's first page (``keep_cursor``: a refresh in place, read from ``cursor``)."""

        keep_cursor: bool = False
        cursor: str | None = None

    @dataclass
    class MoreJobsLoaded(Loaded):
        """A further page of the flat list, read from ``cursor``."""

        cursor: str | None = None

    @dataclass
    class StatsLoaded(Loaded):
        """The task statistics."""

        keep_cursor: bool = False

    def load(self) -> None:
        self.start(self._read_detail(self.execution_id), self.query_one("#execution-fields"))
        self.start(self._read_counts(self.execution_id), self.query_one(StatusTable))
        self._tree_started = False  # the tree starts once the full execution id is known

    def reload(self) -> None:
        self.start(self._read_detail(self.execution_id))
        self.start(self._read_counts(self.execution_id))
        if self.show_stats:
            self._load_stats(keep_cursor=True)
        if self.jobs_view == "list":
            self._load_list(keep_cursor=True)
        else:
            self._reload_tree()

    @work(thread=True, exclusive=True, group="detail")
    def _read_detail(self, execution_id: str) -> None:
        self.answer(self.DetailLoaded, lambda: self.store.execution(execution_id))

    @work(thread=True, exclusive=True, group="counts")
    def _read_counts(self, execution_id: str) -> None:
        self.answer(self.CountsLoaded, lambda: self.store.status_counts(execution_id))

    def _where(self) -> dict[str, Any]:
        """The execution and the filter as they are now (a worker reads with them in its thread)."""
        return {"execution_id": self.execution_id, "status": self.filter_status, "task_name": self.filter_task}

    def _load_children(self, node: TreeNode, generation: int, parent_id: str | None, cursor: str | None,
                       limit: int | None = None, refresh: bool = False) -> None:
        # A group per node (nodes load side by side); a newer load of the same node wins.
        answer = self.ChildrenRefreshed if refresh else self.ChildrenLoaded
        read = partial(self._read_children, answer, self._where(), node, generation, parent_id, cursor,
                       limit or PAGE_SIZE)
        group = f"{'refresh' if refresh else 'children'}-{id(node)}"
        self.start(self.run_worker(read, group=group, exclusive=True, thread=True))

    def _read_children(self, answer: type[ChildrenLoaded], where: dict[str, Any], node: TreeNode, generation: int,
                       parent_id: str | None, cursor: str | None, limit: int) -> None:
        self.answer(answer, lambda: self.store.job_children(parent_id=parent_id, cursor=cursor, limit=limit, **where),
                    node=node, generation=generation)

    # Results ----------------------------------------------------------------------------------
    def on_execution_screen_detail_loaded(self, answer: DetailLoaded) -> None:
        if self.accept(answer):
            self._detail_loaded(answer.result)
        elif answer.failed and not self._tree_started:
            self.query_one("#tree-filter", Static).update(literal(describe_error(answer.error)[0], single_line=True))

    def _detail_loaded(self, detail: ExecutionDetail) -> None:
        self.detail = detail
        row = detail.row
        if row.id != self.execution_id:
            self.execution_id = row.id  # a prefix resolved to the full id
        self.set_route(routes.execution(row.id))
        widget = self.query_one("#execution-fields", Static)
        widget.update(fields(execution_pairs(detail, self.tui.clock())))
        for status in ("done", "cached", "failed", "running"):
            widget.set_class(row.status.lower() == status, f"status-{status}")
        now = self.tui.clock()
        stale = is_stale(row.status, row.updated_time, row.start_time, now)
        # Still polled (a stalled run may resume), but the header must not call a dead run live.
        self.set_live(row.status == "RUNNING", row.id,
                      note="○ no heartbeat" if stale else None)
        if not self._tree_started:
            self._tree_started = True
            self.tree.start()

    def on_execution_screen_counts_loaded(self, answer: CountsLoaded) -> None:
        if self.accept(answer):
            self.query_one(StatusTable).set_counts(answer.result)

    # Tree -------------------------------------------------------------------------------------
    @on(JobTree.NeedChildren)
    def _need_children(self, event: JobTree.NeedChildren) -> None:
        self._load_children(event.node, event.generation, event.parent_id, event.cursor)

    def _reload_tree(self) -> None:
        """Re-reads the shown levels of the tree: labels update, new children appear."""
        tree = self.tree
        for node, parent_id in tree.expanded_parents():
            shown = [c for c in node.children if c.data is not None and c.data.job is not None]
            # From where the loaded children start (the tree keeps a bounded window of them).
            self._load_children(node, tree.generation, parent_id, tree.reload_cursor(node),
                                limit=max(PAGE_SIZE, len(shown)), refresh=True)

    def on_execution_screen_children_loaded(self, answer: ChildrenLoaded) -> None:
        if self.accept(answer):
            self.tree.add_page(answer.node, answer.result, answer.generation)
        elif answer.failed:
            self.tree.page_failed(answer.node, answer.generation)

    def on_execution_screen_children_refreshed(self, answer: ChildrenRefreshed) -> None:
        tree, node = self.tree, answer.node
        # A failed refresh is retried on the next tick; a tree that started again drops it.
        if not self.accept(answer, quiet=True) or answer.generation != tree.generation:
            return
        page: Page[JobRow] = answer.result
        tree.refresh_jobs({job.id: job for job in page.items})
        known = {c.data.job.id for c in node.children if c.data is not None and c.data.job is not None}
        new = tuple(job for job in page.items if job.id not in known)
        tree.add_jobs(node, new, answer.generation)

    @on(JobTree.JobChosen)
    def _open_job(self, event: JobTree.JobChosen) -> None:
        self.tui.navigate(routes.job(event.job.id))

    # Filters ----------------------------------------------------------------------------------
    @on(StatusTable.FilterChosen)
    def _filter(self, event: StatusTable.FilterChosen) -> None:
        self.set_filter(event.status, event.task_name)
        self.tree.focus()

    def set_filter(self, status: str | None, task_name: str | None) -> None:
        """Shows only jobs (and their ancestors) with ``status``/``task_name``; None: any."""
        self.job_filter = JobFilter(status, task_name)

    def watch_job_filter(self, job_filter: JobFilter) -> None:
        self._show_filter()
        if self._tree_started:
            filtered = job_filter != JobFilter()
            self.tree.start(reveal=tuple(job_filter) if filtered else None)
        if self.jobs_view == "list":
            self._load_list()

    def _show_filter(self) -> None:
        line = self.query_one("#tree-filter", Static)
        view = f"list by {self.list_order}" if self.jobs_view == "list" else "tree"
        if self.job_filter == JobFilter():
            enter = "Enter on a task: timeline" if self.show_stats else "Enter on a status cell filters"
            line.update(literal(f"Jobs ({view}): all  (f: failed only · v: tree/list · O: sort list · {enter})",
                                single_line=True))
            line.remove_class("filtered")
            return
        parts = []
        if self.filter_status:
            parts.append(f"status {self.filter_status}")
        if self.filter_task:
            parts.append(f"task {self.filter_task}")
        line.update(literal(f"Jobs ({view}) filtered: " + ", ".join(parts) + "  (a: show all · v: tree/list · O: sort list)",
                            single_line=True))
        line.add_class("filtered")

    # Flat list ---------------------------------------------------------------------------------
    def action_toggle_list(self) -> None:
        """Switches between the job tree and a flat list of the (filtered) jobs."""
        self.jobs_view = "tree" if self.jobs_view == "list" else "list"

    def watch_jobs_view(self, view: str) -> None:
        showing_list = view == "list"
        self.job_list.display = showing_list
        self.tree.display = not showing_list
        # Focus once the newly shown widget has been laid out (a hidden one cannot take focus).
        if showing_list:
            self.call_after_refresh(self.job_list.focus)
            self._load_list()
        else:
            self.call_after_refresh(self.tree.focus)
        self._show_filter()

    def _load_list(self, keep_cursor: bool = False) -> None:
        listing = self.job_list
        cursor = listing.reload_cursor if keep_cursor else None  # a refresh reads the window where it is
        if not keep_cursor:
            listing.clear()
        if self.list_order != "start":
            cursor = None  # a sorted list pages forward only: a refresh reads it again from the top
        self.cancel_load("list-more")  # late pages of the previous list are dropped
        self.start(self._read_jobs({**self._where(), "order": self.list_order}, cursor, keep_cursor), listing)

    @on(PagedList.LoadMore, "#job-list")
    def _more_jobs(self, event: PagedList.LoadMore) -> None:
        limit = 2_000 if event.hurry else PAGE_SIZE
        self.start(self._read_more_jobs({**self._where(), "order": self.list_order}, event.cursor, limit))

    @work(thread=True, exclusive=True, group="list")
    def _read_jobs(self, where: dict[str, Any], cursor: str | None, keep_cursor: bool) -> None:
        self.answer(self.JobsLoaded, lambda: self.store.jobs(cursor=cursor, limit=PAGE_SIZE, **where),
                    keep_cursor=keep_cursor, cursor=cursor)

    @work(thread=True, exclusive=True, group="list-more")
    def _read_more_jobs(self, where: dict[str, Any], cursor: str | None, limit: int) -> None:
        self.answer(self.MoreJobsLoaded, lambda: self.store.jobs(cursor=cursor, limit=limit, **where), cursor=cursor)

    def on_execution_screen_jobs_loaded(self, answer: JobsLoaded) -> None:
        if self.accept(answer):
            self.job_list.set_page(answer.result, keep_cursor=answer.keep_cursor, cursor=answer.cursor)
        elif answer.failed:
            self.job_list.page_failed()

    def on_execution_screen_more_jobs_loaded(self, answer: MoreJobsLoaded) -> None:
        if self.accept(answer):
            self.job_list.append_page(answer.result, answer.cursor)
        elif answer.failed:
            self.job_list.page_failed()

    @on(PagedList.Selected, "#job-list")
    def _open_listed_job(self, event: PagedList.Selected) -> None:
        self.tui.navigate(routes.job(event.item.id))

    def action_sort_list(self) -> None:
        """Cycles the flat list's order: start, duration (longest first), status (failed first).

        ``O``: ``o`` sorts the task statistics (durations) table.
        """
        orders = ("start", "duration", "status")
        self.list_order = orders[(orders.index(self.list_order) + 1) % len(orders)]
        self.jobs_view = "list"  # O from the tree: the list, in the new order

    def watch_list_order(self) -> None:
        self._show_filter()
        if self.jobs_view == "list":
            self._load_list()

    def action_timeline(self) -> None:
        self.tui.navigate(routes.timeline(self.execution_id))

    # Task statistics ---------------------------------------------------------------------------
    def action_toggle_stats(self) -> None:
        """Swaps the status table and the task statistics (loaded the first time they show)."""
        self.show_stats = not self.show_stats

    def watch_show_stats(self, showing: bool) -> None:
        stats, table = self.stats_list, self.query_one(StatusTable)
        stats.display, table.display = showing, not showing
        if showing and not stats.loaded_once:
            self._load_stats()
        self._show_filter()
        self.call_after_refresh((stats if showing else table).focus)

    def action_sort_stats(self) -> None:
        self.show_stats = True
        self.stats_list.cycle_sort()

    def _load_stats(self, keep_cursor: bool = False) -> None:
        self.start(self._read_stats(self.execution_id, keep_cursor), *(() if keep_cursor else (self.stats_list,)))

    @work(thread=True, exclusive=True, group="stats")
    def _read_stats(self, execution_id: str, keep_cursor: bool) -> None:
        self.answer(self.StatsLoaded, lambda: self.store.task_stats(execution_id), keep_cursor=keep_cursor)

    def on_execution_screen_stats_loaded(self, answer: StatsLoaded) -> None:
        if self.accept(answer):
            self.stats_list.set_stats(answer.result, keep_cursor=answer.keep_cursor)
        elif answer.failed:
            self.stats_list.page_failed()

    @on(TaskStatsList.Selected, "#execution-stats")
    def _timeline_of_task(self, event: TaskStatsList.Selected) -> None:
        """Opens the timeline showing only the chosen task's jobs (and their ancestors)."""
        # Imported here: the timeline screen is loaded only when someone opens it.
        from redun_tui.tui.screens.timeline import TimelineScreen

        self.app.push_screen(TimelineScreen(self.execution_id, task_name=event.item.task_name or None))

    def action_details(self) -> None:
        """``i``: every field in full (the header cuts long Args and Tags at the screen's edge)."""
        if self.detail is not None:
            self.tui.push_screen(ExecutionDetailsScreen(self.detail))

    def action_failed_only(self) -> None:
        if self.job_filter == JobFilter("FAILED"):
            self.set_filter(None, None)
        else:
            self.set_filter("FAILED", None)

    def action_all_jobs(self) -> None:
        self.set_filter(None, None)

    def action_diff(self) -> None:
        """``D``: this execution against its previous run (the diff screen finds which)."""
        self.tui.navigate(routes.diff(self.execution_id))

    def action_focus_table(self) -> None:
        (self.stats_list if self.show_stats else self.query_one(StatusTable)).focus()

    def action_focus_tree(self) -> None:
        if self.jobs_view == "list":
            self.job_list.focus()
        else:
            self.tree.focus()
