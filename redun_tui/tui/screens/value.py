"""``values/<hash>``: type, size, bounded preview, subvalues, producers/consumers, dataflow pane.

``v`` shows the whole value in a scrollable log (read in a worker), ``p`` pipes it to ``$PAGER``,
``d`` opens the dataflow full screen.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from rich.cells import cell_len, chop_cells
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Log, Static

from redun_tui.formatting import format_size, short_id
from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
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
        Binding("v", "full_value", "Full value", tooltip="the whole value, wrapped, every character"),
        Binding("d", "dataflow", "Dataflow", tooltip="the upstream dataflow full screen"),
        Binding("w", "downstream", "Downstream",
                tooltip="downstream: the calls that consumed this value and what they derived"),
        Binding("p", "pager", "Pager", tooltip="the whole value in $PAGER"),
    ]

    def __init__(self, value_hash: str) -> None:
        super().__init__(routes.value(value_hash))
        self.value_hash = value_hash
        self.detail: ValueDetail | None = None
        self.dataflow: DataflowView | None = None

    @property
    def copy_text(self) -> str:
        return self.value_hash

    class DataflowLoaded(Loaded):
        """The value's upstream dataflow (the pane under the details)."""

    class TextLoaded(Loaded):
        """The whole value as text, for ``$PAGER``."""

    def record_call(self) -> Callable[[], ValueDetail]:
        return partial(self.store.value, self.value_hash)

    def show_record(self, detail: ValueDetail) -> None:
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
        self.start(self._read_dataflow(ref.value_hash), pane)

    @work(thread=True, exclusive=True, group="dataflow")
    def _read_dataflow(self, value_hash: str) -> None:
        self.answer(self.DataflowLoaded, lambda: self.store.dataflow(value_hash))

    def on_value_screen_dataflow_loaded(self, answer: DataflowLoaded) -> None:
        if self.accept(answer):
            self._dataflow_loaded(answer.result)
        elif answer.failed:
            for pane in self.query("#value-dataflow").results(DataflowPane):
                pane.loading = False

    def _dataflow_loaded(self, view: DataflowView) -> None:
        self.dataflow = view
        for pane in self.query("#value-dataflow").results(DataflowPane):
            pane.set_lines(view.lines, keep_cursor=True)
            if view.error:
                pane.parent.mount(muted(view.error), before=pane)

    def action_full_value(self) -> None:
        self.tui.push_screen(FullValueScreen(self.value_hash))

    def action_dataflow(self) -> None:
        self.tui.navigate(routes.dataflow(self.value_hash))

    def action_downstream(self) -> None:
        """``w``: what this value fed (the downstream screen)."""
        self.tui.navigate(routes.downstream(self.value_hash))

    def action_pager(self) -> None:
        self.start(self._read_text(self.value_hash))
        self.notify("Reading the value…", timeout=2)

    @work(thread=True, exclusive=True, group="pager")
    def _read_text(self, value_hash: str) -> None:
        self.answer(self.TextLoaded, lambda: self.store.value_text(value_hash))

    def on_value_screen_text_loaded(self, answer: TextLoaded) -> None:
        if not self.accept(answer):
            return
        text = answer.result
        pager = os.environ.get("PAGER") or "less"
        try:
            with self.app.suspend():
                subprocess.run(shlex.split(pager), input=plain(text).encode("utf-8", "replace"), check=False)
        except Exception as error:  # headless or no pager: say so, keep going
            self.notify(f"cannot run the pager ({type(error).__name__}); v shows the value here",
                        severity="warning", markup=False)


class FullValueScreen(BaseScreen):
    """The whole value, every character readable (Escape returns to the value screen).

    Lines wrap at the screen's width by default (``w`` turns wrapping off: long lines are then
    cut into LOG_CHUNK-character lines that scroll sideways). The text is read and wrapped in a
    worker; the log only draws the lines on screen, so a 1 MB value stays responsive.
    """

    AUTO_FOCUS = "Log"
    BINDINGS = [
        Binding("w", "toggle_wrap", "Wrap on/off",
                tooltip="wrap long lines at the screen's width (default), or not (← → scroll sideways)"),
        Binding("j", "scroll('down')", "Down", show=False, tooltip="down a line (↑ ↓ too)"),
        Binding("k", "scroll('up')", "Up", show=False, tooltip="up a line"),
        Binding("g", "scroll('home')", "Top", show=False, tooltip="the first line (Home too)"),
        Binding("G", "scroll('end')", "Bottom", show=False, tooltip="the last line (End too; PgUp PgDn page)"),
    ]

    def __init__(self, value_hash: str) -> None:
        super().__init__(routes.value(value_hash))
        self.value_hash = value_hash
        self.wrap = True
        self._text: str | None = None
        self._width = 0  # the width the shown lines were wrapped at

    @property
    def copy_text(self) -> str:
        return self.value_hash

    def compose_body(self) -> ComposeResult:
        yield Static(literal(f"Full value {short_id(self.value_hash)} (Escape: back)"), classes="section-title",
                     id="full-value-title")
        yield Log(id="value-log", highlight=False, max_lines=None)

    def action_scroll(self, where: str) -> None:
        """Vim keys for the log."""
        log = self.query_one(Log)
        {"down": log.scroll_down, "up": log.scroll_up, "home": log.scroll_home, "end": log.scroll_end}[where](
            animate=False
        )

    def action_toggle_wrap(self) -> None:
        """``w``: wrap long lines at the screen's width, or show them whole (scroll sideways)."""
        self.wrap = not self.wrap
        self._layout_text()

    class TextLoaded(Loaded):
        """The whole value as safe text."""

    @dataclass
    class LinesLoaded(Loaded):
        """The text cut into the lines shown (``keep_position``: where the log was scrolled)."""

        keep_position: bool = False

    def load(self) -> None:
        self.start(self._read_text(self.value_hash), self.query_one(Log))

    @work(thread=True, exclusive=True, group="text")
    def _read_text(self, value_hash: str) -> None:
        self.answer(self.TextLoaded, lambda: plain(self.store.value_text(value_hash)).replace("\t", "    "))

    def on_full_value_screen_text_loaded(self, answer: TextLoaded) -> None:
        if self.accept(answer):
            self._text = answer.result
            self._layout_text()

    def on_resize(self) -> None:
        if self.wrap and self._text is not None and self._log_width() != self._width:
            self._layout_text(keep_position=True)

    def _log_width(self) -> int:
        log = self.query_one(Log)
        # The vertical scrollbar takes columns of its own: wrap inside what is left.
        width = log.scrollable_content_region.width or self.app.size.width
        return max(10, width - log.styles.scrollbar_size_vertical)

    def _layout_text(self, keep_position: bool = False) -> None:
        text = self._text
        if text is None:
            return
        width = self._width = self._log_width() if self.wrap else 0
        self.start(self._lay_out(text, width or None, keep_position), self.query_one(Log))

    @work(thread=True, exclusive=True, group="layout")
    def _lay_out(self, text: str, width: int | None, keep_position: bool) -> None:
        self.answer(self.LinesLoaded, lambda: display_lines(text, width), keep_position=keep_position)

    def on_full_value_screen_lines_loaded(self, answer: LinesLoaded) -> None:
        if not self.accept(answer):
            return
        lines, keep_position = answer.result, answer.keep_position
        log = self.query_one(Log)
        fraction = log.scroll_y / log.max_scroll_y if keep_position and log.max_scroll_y else 0.0
        log.clear()
        log.write_lines(lines)
        log.scroll_to(x=0, y=round(fraction * log.max_scroll_y), animate=False)
        text = self._text or ""
        mode = "wrapped (w)" if self.wrap else "not wrapped (w; ← →)"
        self.query_one("#full-value-title", Static).update(literal(
            f"Full value {short_id(self.value_hash)} · {len(text):,} characters · {len(lines):,} lines · {mode}",
            single_line=True))
        log.focus()


def display_lines(text: str, width: int | None) -> list[str]:
    """The lines shown for ``text`` (already safe): wrapped at ``width`` cells, or cut every LOG_CHUNK.

    Runs in a worker thread. Wrapping cuts at the cell width (not at spaces), so every character
    is shown exactly once and a line of a million characters becomes screen-wide lines.
    """
    lines: list[str] = []
    chunk = LOG_CHUNK
    for line in text.split("\n"):
        if width is None:
            if len(line) <= chunk:
                lines.append(line)
            else:
                lines.extend(line[i:i + chunk] for i in range(0, len(line), chunk))
        elif cell_len(line) <= width:
            lines.append(line)
        else:
            lines.extend(chop_cells(line, width))
    return lines
