"""``jobs/<id>``: status, times, the trail up to the execution, the call, error, source, children."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual import on, work
from textual.binding import Binding
from textual.widgets import Static

from redun_tui.formatting import format_duration, format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.record import (
    RecordScreen,
    code_block,
    field_block,
    links_or_none,
    muted,
    section,
    tag_block,
    value_link,
)
from redun_tui.tui.screens.tasks import JOB_COLUMNS, job_cells
from redun_tui.tui.text import literal
from redun_tui.tui.widgets.links import RouteLink
from redun_tui.tui.widgets.paged_list import PagedList
from redun_tui.tui.widgets.traceback_view import TracebackView
from redun_tui.views import JobDetail, JobRow

PAGE_SIZE = 200
NO_CALL = "the job has not finished, or was killed"


class JobScreen(RecordScreen):
    """One job. Tab/arrows move through every link; Enter opens it."""

    BINDINGS = [Binding("w", "downstream", "Downstream",
                        tooltip="downstream of the focused argument (or of the result)")]

    def __init__(self, job_id: str) -> None:
        super().__init__(routes.job(job_id))
        self.job_id = job_id
        self.detail: JobDetail | None = None

    @property
    def copy_text(self) -> str:
        return self.job_id

    @dataclass
    class ChildrenLoaded(Loaded):
        """A further page of the child jobs, read from ``cursor``."""

        cursor: str | None = None

    def record_call(self) -> Callable[[], JobDetail]:
        return partial(self.store.job, self.job_id)

    def show_record(self, detail: JobDetail) -> None:
        self.detail = detail
        row = detail.row
        self.job_id = row.id
        self.set_route(routes.job(row.id))
        self.set_live(row.status == "RUNNING", row.execution_id)
        ended = format_time(row.end_time) or "not ended"
        pairs = [
            ("Job", row.id),
            ("Status", row.status + ("  (cached)" if row.cached and row.status != "CACHED" else "")),
            ("Task", detail.task.fullname or row.task_name),
            ("Time", f"{format_time(row.start_time)} → {ended}  ({format_duration(row.duration) or '-'})"),
            ("Call", (detail.call_hash or f"(not recorded: {NO_CALL})")
             + (f"  args {short_id(detail.args_hash)}" if detail.args_hash else "")),
        ]
        widgets = [field_block(pairs, status=row.status)]
        if detail.error is not None:
            # A failed job's error is what the user came for: right under the header.
            widgets.append(section("Error"))
            widgets.append(Static(literal(detail.error.error_repr, limit=4_000), classes="error-text"))

        widgets.append(section("Trail"))
        for depth, link in enumerate(detail.trail):
            indent = "  " * depth + ("└ " if depth else "")
            widgets.append(RouteLink(indent + link.label, link.route))

        widgets.append(section("Task"))
        widgets.append(RouteLink(f"{detail.task.fullname}  {short_id(detail.task.hash)}", detail.task.route))

        if detail.call_hash is None:
            # redun records the call (arguments and result) when the job ends: no call node is
            # not "no arguments" (redun log says "CallNode UNKNOWN" here).
            widgets.append(section("Arguments"))
            widgets.append(muted(f"unknown: the call was never recorded ({NO_CALL})"))
        else:
            widgets.append(section(f"Arguments ({len(detail.arguments)})"))
        arguments = []
        for argument in detail.arguments:
            arguments.append(value_link(argument.value, prefix=f"{argument.name} = "))
            for upstream in argument.upstream_job_ids:
                arguments.append(RouteLink(f"    ↳ from job {short_id(upstream)}", routes.job(upstream)))
        if detail.call_hash is not None:
            widgets.extend(links_or_none(arguments))

        widgets.append(section("Result"))
        if detail.result is not None:
            widgets.append(value_link(detail.result))
            widgets.append(RouteLink("    ↳ upstream dataflow of the result", routes.dataflow(detail.result.value_hash)))
        elif detail.call_hash is None:
            widgets.append(muted(f"unknown: the call was never recorded ({NO_CALL})"))
        else:
            widgets.append(Static(literal("none (the job has not finished or failed)"), classes="muted"))

        if detail.error is not None and detail.error.traceback:
            widgets.append(section("Traceback"))
            widgets.append(TracebackView(detail.error.traceback))

        if detail.tags:
            widgets.append(section("Tags"))
            widgets.append(tag_block(detail.tags))

        total = detail.children.total
        count = f"{total:,}" if total is not None else f"{len(detail.children.items):,}{'+' if detail.children.has_more else ''}"
        widgets.append(section(f"Child jobs ({count})"))
        children = PagedList(JOB_COLUMNS, job_cells, lambda job: job.status, empty_text="No child jobs.",
                             id="job-children")
        widgets.append(children)

        widgets.append(section("Source"))
        widgets.append(code_block(detail.source or "(no source recorded)"))
        self.show(widgets)
        self.call_after_refresh(lambda: children.set_page(detail.children, keep_cursor=True))

    def action_downstream(self) -> None:
        """``w``: what the focused argument fed, else what the job's result fed."""
        focused = self.focused
        route = focused.route if isinstance(focused, RouteLink) else None
        parsed = routes.parse(route) if route else None
        if parsed is not None and parsed.kind == "values" and parsed.arg:
            self.tui.navigate(routes.downstream(parsed.arg))
        elif self.detail is not None and self.detail.result is not None:
            self.tui.navigate(routes.downstream(self.detail.result.value_hash))
        else:
            self.notify("This job has no result yet; focus an argument to follow it.", severity="warning")

    @on(PagedList.LoadMore, "#job-children")
    def _more_children(self, event: PagedList.LoadMore) -> None:
        if self.detail is not None:
            self.start(self._read_children(self.detail.row.execution_id, self.detail.row.id, event.cursor))

    @work(thread=True, exclusive=True, group="children")
    def _read_children(self, execution_id: str, job_id: str, cursor: str | None) -> None:
        self.answer(self.ChildrenLoaded,
                    lambda: self.store.job_children(execution_id, job_id, cursor=cursor, limit=PAGE_SIZE),
                    cursor=cursor)

    def on_job_screen_children_loaded(self, answer: ChildrenLoaded) -> None:
        accepted = self.accept(answer)
        for listing in self.query("#job-children").results(PagedList):
            if accepted:
                listing.append_page(answer.result, answer.cursor)
            elif answer.failed:
                listing.page_failed()

    @on(PagedList.Selected, "#job-children")
    def _open_child(self, event: PagedList.Selected) -> None:
        job: JobRow = event.item
        self.tui.navigate(routes.job(job.id))
