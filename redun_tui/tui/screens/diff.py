"""``diff/<idA>/<idB>`` (or ``diff/<idB>``: B against its previous run): what changed between runs.

A summary line, the changes that explain the others (a task's code, an input File with new
content at the same path), then a tree of the pairs that are not ``same`` (``a`` shows them all)
and, under it, the pair under the cursor: both jobs, each changed argument as old → new with
links to both values and to their upstream dataflow. The values' previews are read for the pair
under the cursor when it gets there (decoding them is not part of the first screen).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from redun_tui.formatting import format_duration, format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.base import BaseScreen, describe_error
from redun_tui.tui.text import fields, literal, plain
from redun_tui.tui.widgets.diff_tree import DiffTree
from redun_tui.tui.widgets.links import RouteLink
from redun_tui.views import DiffPair, DiffView

PREVIEW_LIMIT = 200  # characters of a value preview in a link


def summary_text(view: DiffView) -> str:
    """``same 6 (cached 6) · changed 5 · added 0 · removed 0``."""
    s = view.summary
    return f"same {s.same} (cached {s.cached}) · changed {s.changed} · added {s.added} · removed {s.removed}"


def cause_text(view: DiffView) -> list[str]:
    """One line per change that explains others (raw text; shown literally)."""
    lines = []
    for cause in view.causes:
        if cause.kind == "code":
            jobs = f"{cause.count} job{'s' if cause.count != 1 else ''}"
            lines.append(f"code of {cause.text} changed ({short_id(cause.a)} → {short_id(cause.b)}, {jobs})")
        else:
            lines.append(f"{cause.text}: same path, new content ({short_id(cause.a)} → {short_id(cause.b)})")
    return lines


class DiffScreen(BaseScreen):
    """Two executions compared pair by pair (see :mod:`redun_tui.store.diff`)."""

    AUTO_FOCUS = "DiffTree"

    BINDINGS = [
        Binding("a", "toggle_all", "All/changes"),
        Binding("A", "open_a", "Open A job"),
        Binding("B", "open_b", "Open B job"),
        Binding("t", "focus_tree", "Tree", show=False),
    ]

    def __init__(self, arg: str) -> None:
        self.a_id, self.b_id = routes.diff_ids(arg)
        super().__init__(routes.diff(self.b_id, self.a_id))
        self.view: DiffView | None = None
        self.everything = False
        self.previews: dict[str, str | None] = {}  # value hash -> preview (None: no value row)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="diff-fields", classes="fields")
        yield Static("", id="diff-summary", classes="filter-line")
        yield Static("", id="diff-causes", classes="block")
        yield DiffTree(id="diff-tree")
        yield VerticalScroll(id="diff-detail")

    @property
    def tree(self) -> DiffTree:
        """The tree of pairs."""
        return self.query_one(DiffTree)

    @property
    def copy_text(self) -> str:
        pair = self.tree.current_pair
        if self.focused is self.tree and pair is not None:
            return pair.b_job or pair.a_job or self.route
        return self.route

    class DiffLoaded(Loaded):
        """The two executions compared."""

    def load(self) -> None:
        self.start(self._read_diff(self.a_id, self.b_id, self.everything), self.tree)

    @work(thread=True, exclusive=True, group="diff")
    def _read_diff(self, a_id: str | None, b_id: str, everything: bool) -> None:
        # Changes only (the first screen) reads no pair object for the same pairs; ``a`` reads
        # the view of every pair (redun_tui.store.diff).
        self.answer(self.DiffLoaded, lambda: self.store.diff(a_id, b_id, previews=False, everything=everything))

    @dataclass
    class PreviewsLoaded(Loaded):
        """Previews of the values of the pair under the cursor (``hashes``: the values asked)."""

        hashes: tuple[str, ...] = ()

    @work(thread=True, exclusive=True, group="previews")
    def _read_previews(self, hashes: tuple[str, ...]) -> None:
        self.answer(self.PreviewsLoaded, lambda: self.store.diff_previews(hashes), hashes=hashes)

    # Results ----------------------------------------------------------------------------------
    def on_diff_screen_diff_loaded(self, answer: DiffLoaded) -> None:
        if self.accept(answer):
            self._loaded(answer.result)
        elif answer.failed:
            self.query_one("#diff-summary", Static).update(literal(describe_error(answer.error)[0], single_line=True))

    def _loaded(self, view: DiffView) -> None:
        self.view = view
        # A chosen as B's previous run stays chosen (None): a re-read, such as ``a`` reading every
        # pair, is then the same diff and still says so.
        self.a_id, self.b_id = (None if view.chosen else view.a.id), view.b.id
        self.set_route(view.route)
        chosen = "  (B's previous run)" if view.chosen else ""
        self.query_one("#diff-fields", Static).update(fields([
            ("A", f"{short_id(view.a.id)}  {view.a.status}  {format_time(view.a.start)}  {view.a.task or '(no task)'}{chosen}"),
            ("B", f"{short_id(view.b.id)}  {view.b.status}  {format_time(view.b.start)}  {view.b.task or '(no task)'}"),
        ]))
        self._show_summary()
        causes = self.query_one("#diff-causes", Static)
        lines = cause_text(view)
        causes.update(literal("\n".join(f"cause: {plain(line, single_line=True)}" for line in lines)))
        causes.display = bool(lines)
        self.tree.show(view, self.everything)

    def _show_summary(self) -> None:
        if self.view is None:
            return
        shown = "all pairs" if self.everything else "changes only"
        self.query_one("#diff-summary", Static).update(
            literal(f"{summary_text(self.view)}  ({shown}; a: toggle)", single_line=True))

    # Detail of the pair under the cursor ------------------------------------------------------
    @on(DiffTree.PairHighlighted)
    def _highlighted(self, event: DiffTree.PairHighlighted) -> None:
        self._show_pair(event.pair)
        wanted = tuple(dict.fromkeys(value_hash for arg in event.pair.args for value_hash in (arg.a, arg.b)
                                     if value_hash is not None and value_hash not in self.previews))
        if wanted:
            self.start(self._read_previews(wanted))

    def on_diff_screen_previews_loaded(self, answer: PreviewsLoaded) -> None:
        if not self.accept(answer, quiet=True):  # no preview: the hashes stay
            return
        for value_hash in answer.hashes:
            self.previews[value_hash] = answer.result.get(value_hash)
        pair = self.tree.current_pair
        if pair is not None and any(value_hash in answer.hashes for arg in pair.args for value_hash in (arg.a, arg.b)):
            self._show_pair(pair)

    def _show_pair(self, pair: DiffPair) -> None:
        detail = self.query_one("#diff-detail", VerticalScroll)
        detail.remove_children()
        detail.mount_all(self._pair_widgets(pair))

    def _pair_widgets(self, pair: DiffPair) -> list[Static]:
        widgets: list[Static] = []
        head = pair.change if pair.change != "changed" else f"changed: {', '.join(pair.reasons) or 'call'}"
        widgets.append(Static(literal(f"{head}  {pair.task}", single_line=True), classes=f"diff-head diff-{pair.change}"))
        for side, job_id, status, duration in (("A", pair.a_job, pair.a_status, pair.a_duration),
                                               ("B", pair.b_job, pair.b_status, pair.b_duration)):
            if job_id is None:
                widgets.append(Static(literal(f"{side} job: none"), classes="muted"))
                continue
            label = f"{side} job {short_id(job_id)}  {status}  {format_duration(duration) or ''}".rstrip()
            widgets.append(RouteLink(label, routes.job(job_id), status=status))
        for arg in pair.args:
            note = "  (same path, new content)" if arg.same_path_new_content else ""
            widgets.append(Static(literal(f"{arg.name}: {short_id(arg.a) or 'none'} → {short_id(arg.b) or 'none'}{note}",
                                          single_line=True), classes="diff-arg"))
            for side, value_hash, preview in (("old", arg.a, arg.a_preview), ("new", arg.b, arg.b_preview)):
                if value_hash is None:
                    continue
                preview = self.previews.get(value_hash, preview)
                text = preview if preview is not None else value_hash
                widgets.append(RouteLink(literal(f"  {side} {text}", single_line=True, limit=PREVIEW_LIMIT),
                                         routes.value(value_hash)))
                widgets.append(RouteLink(f"    dataflow of the {side} value", routes.dataflow(value_hash)))
        if "result" in pair.reasons:
            for side, value_hash in (("old", pair.a_result), ("new", pair.b_result)):
                if value_hash:
                    widgets.append(RouteLink(f"{side} result {short_id(value_hash)}", routes.value(value_hash)))
        return widgets

    # Actions ----------------------------------------------------------------------------------
    @on(DiffTree.PairChosen)
    def _chosen(self, event: DiffTree.PairChosen) -> None:
        job_id = event.pair.b_job or event.pair.a_job
        if job_id:
            self.tui.navigate(routes.job(job_id))

    def action_toggle_all(self) -> None:
        self.everything = not self.everything
        self._show_summary()
        if self.view is not None and self.everything and not self.view.complete:
            self.start(self._read_diff(self.a_id, self.b_id, True), self.tree)
        elif self.view is not None:
            self.cancel_load("diff")  # a view of every pair still being read is not wanted now
            self.tree.show(self.view, self.everything)

    def _open(self, side: str) -> None:
        pair = self.tree.current_pair
        job_id = None if pair is None else (pair.a_job if side == "a" else pair.b_job)
        if job_id:
            self.tui.navigate(routes.job(job_id))
        else:
            self.notify(f"no {side.upper()} job on this line", timeout=3)

    def action_open_a(self) -> None:
        self._open("a")

    def action_open_b(self) -> None:
        self._open("b")

    def action_focus_tree(self) -> None:
        self.tree.focus()
