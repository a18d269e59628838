"""RecordScreen: one record shown as a scrolling column of sections (job, value, task, file).

Sections are mounted when the data arrives; a live refresh rebuilds them and puts the focus back
on the same link, so the cursor does not jump.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from redun_tui.formatting import format_time, short_id
from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.base import BaseScreen, describe_error
from redun_tui.tui.text import fields, literal, tag_value
from redun_tui.tui.widgets.links import RouteLink
from redun_tui.views import JobUse, JobUses, TagView, ValueRef

CODE_LIMIT = 20_000  # characters of source/traceback shown (a record can hold far more)


def section(title: str) -> Static:
    """A section heading (our text)."""
    return Static(Content(title), classes="section-title")


def muted(text: str) -> Static:
    """A dim note (may contain database text: rendered literally)."""
    return Static(literal(text), classes="muted")


def field_block(pairs: Sequence[tuple[str, object]], status: str | None = None) -> Static:
    """A block of ``label value`` lines; ``status`` adds a coloured edge."""
    classes = "fields" + (f" status-{status.lower()}" if status else "")
    return Static(fields(pairs), classes=classes)


def code_block(text: str, limit: int = CODE_LIMIT) -> Static:
    """Multi-line database text (source, traceback), literal and capped."""
    shown = text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit:,} more characters)"
    return Static(literal(shown), classes="code")


def value_link(value: ValueRef, prefix: str = "") -> RouteLink:
    """A link to a value: ``prefix preview (type)``."""
    return RouteLink(f"{prefix}{value.preview}  ({value.type})", value.route)


def job_use_link(use: JobUse) -> RouteLink:
    """A link to a job that produced or read something: how it holds it, task, id, status, start."""
    label = f"{use.how:<11}  {use.task_name}  {short_id(use.job_id)}  {use.status}  {format_time(use.start_time)}"
    return RouteLink(label, routes.job(use.job_id), status=use.status)


def uses_block(uses: JobUses) -> list[Widget]:
    """A ``Produced by (n)`` / ``Read by (n)`` section: title, what it counts, the job links."""
    return [section(uses.title), muted(uses.note), *[job_use_link(use) for use in uses]]


def tag_block(tags: Iterable[TagView]) -> Static:
    """Tags as ``key value`` lines."""
    return field_block([(tag.key, tag_value(tag.value)) for tag in tags])


class RecordScreen(BaseScreen):
    """A screen whose body is a VerticalScroll of sections built from one view."""

    AUTO_FOCUS = "RouteLink"
    BINDINGS = [
        Binding("g", "edge('home')", "Top", show=False, tooltip="first link of the record"),
        Binding("G", "edge('end')", "Bottom", show=False, tooltip="last link of the record"),
    ]

    def compose_body(self) -> ComposeResult:
        yield VerticalScroll(id="record-body", classes="record-body")

    @property
    def body(self) -> VerticalScroll:
        """The scrolling column."""
        return self.query_one("#record-body", VerticalScroll)

    def show(self, widgets: Sequence[Widget]) -> None:
        """Replaces the sections, keeping the focused link and the scroll position."""
        body = self.body
        focused = self.focused
        focused_route = focused.route if isinstance(focused, RouteLink) else None
        focused_id = focused.id if focused is not None and focused.id else None
        scroll_y = body.scroll_y
        had_content = bool(body.children)
        body.remove_children()
        body.mount_all(widgets)

        def restore() -> None:
            target: Widget | None = None
            if focused_id:
                found = body.query(f"#{focused_id}")
                target = found.first() if found else None
            if target is None and focused_route:
                target = next((link for link in body.query(RouteLink) if link.route == focused_route), None)
            if target is None and not had_content:
                target = next((link for link in body.query(RouteLink) if link.can_focus), None)
                if target is None:
                    focusable = [w for w in body.query("*") if w.focusable]
                    target = focusable[0] if focusable else None
            if target is not None:
                # The first view starts at the top (the record's fields), not at the first link.
                target.focus(scroll_visible=False)
            body.scroll_to(y=scroll_y if had_content else 0, animate=False)

        self.call_after_refresh(restore)

    def action_edge(self, where: str) -> None:
        """``g``/``G``: the first / last link of the record (lists handle their own g/G)."""
        links = [link for link in self.body.query(RouteLink) if link.can_focus]
        if not links:
            return
        target = links[0] if where == "home" else links[-1]
        target.focus()
        if where == "home":
            self.body.scroll_home(animate=False)
        else:
            self.body.scroll_end(animate=False)

    # Loading ----------------------------------------------------------------------------------
    class RecordLoaded(Loaded):
        """The record's view (what :meth:`record_call` returned)."""

    def record_call(self) -> Callable[[], Any]:
        """The store call that reads the record (built here, run in a worker thread)."""
        raise NotImplementedError

    def show_record(self, view: Any) -> None:
        """Builds the sections from the record's view (with :meth:`show`)."""
        raise NotImplementedError

    def load(self) -> None:
        self.start(self._read_record(self.record_call()), self.body)

    @work(thread=True, exclusive=True, group="record")
    def _read_record(self, call: Callable[[], Any]) -> None:
        self.answer(self.RecordLoaded, call)

    def on_record_screen_record_loaded(self, answer: RecordLoaded) -> None:
        if self.accept(answer):
            self.show_record(answer.result)
        elif answer.failed and not self.body.children:
            # Why the record could not load, in the body too (the toast may be missed).
            self.body.mount(Static(literal(describe_error(answer.error)[0]), classes="error-text"))


def links_or_none(links: Sequence[Any], empty: str = "none") -> list[Widget]:
    """The links, or one muted line when there are none."""
    return list(links) if links else [muted(empty)]
