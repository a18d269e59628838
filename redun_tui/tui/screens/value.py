"""``values/<hash>``: type, size, bounded preview, subvalues, producers/consumers, dataflow pane.

``v`` shows the whole value in a scrollable log (read in a worker), ``p`` pipes it to ``$PAGER``,
``d`` opens the dataflow full screen.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Log, Static

from redun_tui.formatting import format_size, short_id
from redun_tui.store import routes
from redun_tui.tui.screens.base import BaseScreen
from redun_tui.tui.screens.record import (
    RecordScreen,
    field_block,
    muted,
    section,
    tag_block,
    uses_block,
    value_link,
)
from redun_tui.tui.text import literal, plain
from redun_tui.tui.widgets.dataflow_pane import DataflowPane
from redun_tui.tui.widgets.links import RouteLink
from redun_tui.views import DataflowView, ValueDetail

LOG_CHUNK = 2_000  # characters per displayed line of the full value (a 1 MB one-liner stays usable)


class ValueScreen(RecordScreen):
    """One value."""

    BINDINGS = [
        Binding("v", "full_value", "Full value"),
        Binding("p", "pager", "Pager"),
        Binding("d", "dataflow", "Dataflow"),
        Binding("w", "downstream", "Downstream"),
    ]

    def __init__(self, value_hash: str) -> None:
        super().__init__(routes.value(value_hash))
        self.value_hash = value_hash
        self.detail: ValueDetail | None = None
        self.dataflow: DataflowView | None = None

    @property
    def copy_text(self) -> str:
        return self.value_hash

    def load(self) -> None:
        value_hash = self.value_hash
        self.fetch("value", lambda: self.store.value(value_hash), self._loaded, loading=(self.body,),
                   on_error=self.show_failure)

    def _loaded(self, detail: ValueDetail) -> None:
        self.detail = detail
        ref = detail.ref
        self.value_hash = ref.value_hash
        self.set_route(routes.value(ref.value_hash))
        pairs = [("Value", ref.value_hash), ("Type", ref.type), ("Format", detail.format),
                 ("Size", f"{format_size(detail.size)} ({detail.size:,} bytes)")]
        if detail.file_path:
            pairs.append(("File", detail.file_path))
        if detail.in_value_store:
            pairs.append(("Stored", "in a value store (not in this database)"))
        widgets = [field_block(pairs)]
        if detail.file_path:
            widgets.append(RouteLink(f"↳ every version of {detail.file_path}", routes.file(ref.value_hash)))
        widgets.append(section("Preview" + ("  (cut: v shows all, p opens $PAGER)" if detail.preview_truncated else "")))
        widgets.append(Static(literal(detail.preview_text), classes="preview", id="value-preview"))
        if detail.subvalues:
            widgets.append(section(f"Subvalues ({len(detail.subvalues)})"))
            widgets.extend(value_link(sub) for sub in detail.subvalues)
        if detail.parents:
            widgets.append(section(f"Inside ({len(detail.parents)})"))
            widgets.extend(value_link(parent) for parent in detail.parents)
        widgets.extend(uses_block(detail.produced_by))
        widgets.extend(uses_block(detail.consumed_by))
        if detail.tags:
            widgets.append(section("Tags"))
            widgets.append(tag_block(detail.tags))
        widgets.append(section("Dataflow  (d: full screen)"))
        pane = DataflowPane(id="value-dataflow")
        widgets.append(pane)
        self.show(widgets)
        self.fetch("dataflow", lambda: self.store.dataflow(ref.value_hash), self._dataflow_loaded,
                   loading=(pane,), on_error=self._dataflow_failed)

    def _dataflow_loaded(self, view: DataflowView) -> None:
        self.dataflow = view
        panes = self.query("#value-dataflow").results(DataflowPane)
        for pane in panes:
            pane.set_lines(view.lines, keep_cursor=True)
            if view.error:
                pane.parent.mount(muted(view.error), before=pane)

    def _dataflow_failed(self, error: BaseException) -> bool:
        for pane in self.query("#value-dataflow").results(DataflowPane):
            pane.loading = False
        return False

    def action_full_value(self) -> None:
        self.tui.push_screen(FullValueScreen(self.value_hash))

    def action_dataflow(self) -> None:
        self.tui.navigate(routes.dataflow(self.value_hash))

    def action_downstream(self) -> None:
        """``w``: what this value fed (the downstream screen)."""
        self.tui.navigate(routes.downstream(self.value_hash))

    def action_pager(self) -> None:
        value_hash = self.value_hash
        self.fetch("pager", lambda: self.store.value_text(value_hash), self._page_text)
        self.notify("Reading the value…", timeout=2)

    def _page_text(self, text: str) -> None:
        pager = os.environ.get("PAGER") or "less"
        try:
            with self.app.suspend():
                subprocess.run(shlex.split(pager), input=plain(text).encode("utf-8", "replace"), check=False)
        except Exception as error:  # headless or no pager: say so, keep going
            self.notify(f"cannot run the pager ({type(error).__name__}); v shows the value here",
                        severity="warning", markup=False)


class FullValueScreen(BaseScreen):
    """The whole value in a scrollable log (Escape returns to the value screen)."""

    AUTO_FOCUS = "Log"
    BINDINGS = [
        Binding("j", "scroll('down')", "Down", show=False),
        Binding("k", "scroll('up')", "Up", show=False),
        Binding("g", "scroll('home')", "Top", show=False),
        Binding("G", "scroll('end')", "Bottom", show=False),
    ]

    def __init__(self, value_hash: str) -> None:
        super().__init__(routes.value(value_hash))
        self.value_hash = value_hash

    @property
    def copy_text(self) -> str:
        return self.value_hash

    def compose_body(self) -> ComposeResult:
        yield Static(literal(f"Full value {short_id(self.value_hash)} (Escape: back)"), classes="section-title")
        yield Log(id="value-log", highlight=False, max_lines=None)

    def action_scroll(self, where: str) -> None:
        """Vim keys for the log."""
        log = self.query_one(Log)
        {"down": log.scroll_down, "up": log.scroll_up, "home": log.scroll_home, "end": log.scroll_end}[where](
            animate=False
        )

    def load(self) -> None:
        value_hash = self.value_hash
        log = self.query_one(Log)
        self.fetch("text", lambda: _display_lines(self.store.value_text(value_hash)), self._show,
                   loading=(log,))

    def _show(self, lines: list[str]) -> None:
        log = self.query_one(Log)
        log.clear()
        log.write_lines(lines)
        log.scroll_home(animate=False)
        log.focus()


def _display_lines(text: str) -> list[str]:
    """Safe lines of at most LOG_CHUNK characters (runs in the worker thread)."""
    lines: list[str] = []
    for line in plain(text).split("\n"):
        line = line.replace("\t", "    ")
        if len(line) <= LOG_CHUNK:
            lines.append(line)
        else:
            lines.extend(line[i:i + LOG_CHUNK] for i in range(0, len(line), LOG_CHUNK))
    return lines
