"""``downstream/<hash>``: what a value fed — the calls, the derived values, the executions to redo.

A summary (calls, derived values, executions, the newest execution per root task), a tree from
the value through the consuming calls to the derived values (expanded and paged on demand), and
the impact list: every execution that used the value directly or transitively, newest first,
with its status. Enter opens a value, a call's newest job or an execution; ``u`` the upstream
dataflow of the highlighted value; ``x`` the highlighted call's newest execution; ``a`` switches
between this File version and every version of its path; ``e`` exports the walk as JSON.

The first read is the walk with the jobs of the calls shown first
(``Store.downstream(jobs_page=PAGE)``); the impact list (the executions of every listed call,
with their statuses) is read next, in its own worker, so the tree is painted without waiting
for it, and the jobs of other calls as the tree shows them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from redun_tui.formatting import format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.base import BaseScreen
from redun_tui.tui.text import literal
from redun_tui.tui.widgets.downstream_tree import PAGE, PENDING, DownstreamTree
from redun_tui.tui.widgets.paged_list import Column, PagedList
from redun_tui.views import Page

IMPACT_COLUMNS = (
    Column("Exec", 8),
    Column("Status", 7, status=True),
    Column("Started (UTC)", 19, hide_below=60),
    Column("Root task", None, min_width=10),
)


def impact_cells(execution) -> tuple[str, ...]:
    """A row of the impact list."""
    return (short_id(execution.id), execution.status, format_time(execution.start), execution.task)


class DownstreamScreen(BaseScreen):
    """Downstream of one value (or of every version of its path)."""

    AUTO_FOCUS = "DownstreamTree"
    BINDINGS = [
        Binding("u", "upstream", "Upstream", tooltip="the upstream dataflow of the highlighted value"),
        Binding("e", "export", "Export JSON",
                tooltip="export the walk as JSON to the current directory (as redun-tui downstream --json)"),
        Binding("a", "toggle_versions", "All versions",
                tooltip="a File: this version / every version of its path"),
        Binding("x", "execution", "Execution", show=False,
                tooltip="the highlighted call's newest execution"),
    ]

    def __init__(self, value_hash: str, *, all_versions: bool = False) -> None:
        super().__init__(routes.downstream(value_hash))
        self.value_hash = value_hash
        self.all_versions = all_versions
        self.view = None

    @property
    def copy_text(self) -> str:
        return self.value_hash

    def compose_body(self) -> ComposeResult:
        yield Static("", id="downstream-summary")
        yield DownstreamTree(id="downstream-tree")
        yield Static("", id="downstream-impact-title", classes="section-title")
        yield PagedList(IMPACT_COLUMNS, impact_cells, lambda execution: execution.status,
                        empty_text="No execution used it.", id="downstream-impact")

    class DownstreamLoaded(Loaded):
        """The walk downstream of the value (or of every version of its path)."""

    class PreviewsLoaded(Loaded):
        """Previews of derived values the tree is about to show."""

    @dataclass
    class ImpactLoaded(Loaded):
        """The executions of the listed calls, newest first, and the newest per root task (for
        ``view``: dropped when another walk is shown since)."""

        view: Any = None

    class JobsLoaded(Loaded):
        """Jobs and executions of calls the tree is about to show."""

    class ExportReady(Loaded):
        """The JSON document ``e`` writes (with every derived value's preview)."""

    def load(self) -> None:
        for group in ("impact", "jobs"):  # answers for the previous walk are dropped
            self.cancel_load(group)
        self.start(self._read_downstream(self.value_hash, self.all_versions), self.query_one(DownstreamTree))

    @work(thread=True, exclusive=True, group="downstream")
    def _read_downstream(self, value_hash: str, all_versions: bool) -> None:
        # Without the derived values' previews: the tree asks for a page's worth as it shows them.
        self.answer(self.DownstreamLoaded,
                    lambda: self.store.downstream(value_hash, all_versions=all_versions, previews=False,
                                                  jobs_page=PAGE))

    @work(thread=True, exclusive=True, group="impact")
    def _read_impact(self, view) -> None:
        self.answer(self.ImpactLoaded, lambda: self.store.downstream_impact(call.call_hash for call in view.calls),
                    view=view)

    def on_downstream_screen_impact_loaded(self, answer: ImpactLoaded) -> None:
        if not self.accept(answer) or answer.view is not self.view:
            return
        executions, newest = answer.result
        self._show_impact(replace(self.view, executions=executions, newest_by_task=newest, impact=True))

    @on(DownstreamTree.NeedJobs)
    def _need_jobs(self, event: DownstreamTree.NeedJobs) -> None:
        self.start(self._read_jobs(event.call_hashes))

    @work(thread=True, exclusive=True, group="jobs")
    def _read_jobs(self, call_hashes) -> None:
        self.answer(self.JobsLoaded, lambda: self.store.downstream_jobs(call_hashes))

    def on_downstream_screen_jobs_loaded(self, answer: JobsLoaded) -> None:
        if self.accept(answer):
            self.query_one(DownstreamTree).set_jobs(answer.result)

    @on(DownstreamTree.NeedPreviews)
    def _need_previews(self, event: DownstreamTree.NeedPreviews) -> None:
        # Every value still waiting is asked for, so a newer request may cancel an older one.
        self.start(self._read_previews(event.hashes))

    @work(thread=True, exclusive=True, group="previews")
    def _read_previews(self, hashes) -> None:
        self.answer(self.PreviewsLoaded, lambda: self.store.downstream_previews(hashes))

    def on_downstream_screen_previews_loaded(self, answer: PreviewsLoaded) -> None:
        if self.accept(answer):
            self.query_one(DownstreamTree).set_previews(answer.result)

    def on_downstream_screen_downstream_loaded(self, answer: DownstreamLoaded) -> None:
        if not self.accept(answer):
            return
        view = self.view = answer.result
        if view.roots and not self.all_versions:
            self.value_hash = view.roots[0].hash
        self.set_route(routes.downstream(self.value_hash))
        self.query_one(DownstreamTree).set_view(view)
        if view.impact:
            self._show_impact(view)
            return
        self.query_one("#downstream-summary", Static).update(literal(self._summary(view)))
        self.query_one("#downstream-impact-title", Static).update(
            literal(f"Impact: finding the executions of {len(view.calls):,} calls…"))
        # After the app has painted the tree: on 2 cores the impact read (seconds for a wide walk
        # at L) would otherwise take a core from the first paint.
        self.app.call_after_refresh(self._start_impact, view)

    def _start_impact(self, view) -> None:
        if view is self.view:
            self.start(self._read_impact(view), self.query_one("#downstream-impact", PagedList))

    def _show_impact(self, view) -> None:
        """The summary and the impact list of a view whose executions are read."""
        self.view = view
        self.query_one("#downstream-summary", Static).update(literal(self._summary(view)))
        self.query_one("#downstream-impact-title", Static).update(
            literal(f"Impact: {len(view.executions):,} executions used it, newest first (Enter opens, e exports)"))
        self.query_one("#downstream-impact", PagedList).set_page(Page(items=view.executions, total=len(view.executions)))

    def _summary(self, view) -> str:
        if view.file_path is not None:
            versions = len(view.roots)
            scope = (f"{view.file_path}: all {versions} versions (a: this version only)" if self.all_versions
                     else f"{view.file_path} version {short_id(self.value_hash)} (a: all versions of the path)")
        else:
            root = view.roots[0] if view.roots else None
            scope = f"{short_id(self.value_hash)}  {root.preview if root else ''}"
        executions = f"{len(view.executions):,}" if view.impact else "…"
        counts = (f"{len(view.calls):,} calls · {len(view.values):,} derived values · "
                  f"{executions} executions · depth {view.max_depth}")
        if view.truncated:
            counts += f" · cut at {len(view.calls):,} calls"
        newest = "  ".join(f"{task} → {short_id(execution_id)}" for task, execution_id in view.newest_by_task)
        if not view.impact:
            newest = PENDING
        return "\n".join([f"Downstream of {scope}", counts, f"Newest: {newest or '-'}"])

    # Links ------------------------------------------------------------------------------------
    @on(DownstreamTree.Chosen)
    def _chosen(self, event: DownstreamTree.Chosen) -> None:
        if event.kind == "value":
            self.tui.navigate(routes.value(event.key))
            return
        call = event.tree.call(event.key)
        if not event.tree.has_jobs(event.key):
            self.notify("Still reading this call's jobs.", severity="warning")
        elif call is not None and call.jobs:
            self.tui.navigate(routes.job(call.jobs[0]))
        else:
            self.notify("This call has no recorded job.", severity="warning")

    @on(PagedList.Selected, "#downstream-impact")
    def _open_execution(self, event: PagedList.Selected) -> None:
        self.tui.navigate(routes.execution(event.item.id))

    def _highlighted(self):
        tree = self.query_one(DownstreamTree)
        return tree, tree.current()

    def action_upstream(self) -> None:
        """``u``: the upstream dataflow of the highlighted value (a call: of its result)."""
        tree, node = self._highlighted()
        if node is None or node.kind not in ("value", "call"):
            return
        if node.kind == "call":
            call = tree.call(node.key)
            if call is None:
                return
            self.tui.navigate(routes.dataflow(call.result))
        else:
            self.tui.navigate(routes.dataflow(node.key))

    def action_execution(self) -> None:
        """``x``: the newest execution of the highlighted call."""
        tree, node = self._highlighted()
        call = tree.call(node.key) if node is not None and node.kind == "call" else None
        if call is not None and not tree.has_jobs(call.call_hash):
            self.notify("Still reading this call's jobs.", severity="warning")
        elif call is not None and call.executions:
            self.tui.navigate(routes.execution(call.executions[0]))

    def action_toggle_versions(self) -> None:
        """``a``: this File version only, or every version of its path."""
        if self.view is None or self.view.file_path is None:
            self.notify("Not a File: there are no other versions.", severity="warning")
            return
        self.all_versions = not self.all_versions
        self.load()

    def action_export(self) -> None:
        """``e``: writes the walk (calls, values, the impact list) as JSON where the app started.

        The derived values' previews are read first, in a worker (the screen's view has only
        those shown).
        """
        if self.view is None:
            self.notify("Still loading.", severity="warning")
            return
        self.start(self._read_export(self.view))

    @work(thread=True, exclusive=True, group="export")
    def _read_export(self, view) -> None:
        def document() -> str:
            from redun_tui.store.downstream import to_json

            return json.dumps(to_json(self.store.downstream_complete(view)), indent=2, ensure_ascii=False)

        self.answer(self.ExportReady, document)

    def on_downstream_screen_export_ready(self, answer: ExportReady) -> None:
        if not self.accept(answer):
            return
        path = self.tui.export_dir / f"downstream-{short_id(self.value_hash)}.json"
        try:
            path.write_text(answer.result, encoding="utf-8")
        except OSError as error:
            self.notify(f"cannot write {path}: {error.strerror or error}", severity="error", markup=False)
            return
        self.notify(f"Wrote {path}", markup=False)
