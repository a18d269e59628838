"""``dataflow/<hash>``: the upstream dataflow of a value, full screen, every node a link."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from redun_tui.store import routes
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.base import BaseScreen
from redun_tui.tui.text import literal
from redun_tui.tui.widgets.dataflow_pane import DataflowPane
from redun_tui.views import DataflowView


class DataflowScreen(BaseScreen):
    """Arrows move between links, Enter opens one; ``e`` exports the JSON."""

    AUTO_FOCUS = "DataflowPane"

    BINDINGS = [
        Binding("e", "export", "Export JSON", tooltip="export the sections as JSON to the current directory"),
        Binding("c", "copy_text", "Copy text", tooltip="copy the text, exactly as redun-tui dataflow prints it"),
    ]

    def __init__(self, value_hash: str) -> None:
        super().__init__(routes.dataflow(value_hash))
        self.value_hash = value_hash
        self.view: DataflowView | None = None

    @property
    def copy_text(self) -> str:
        return self.value_hash

    def compose_body(self) -> ComposeResult:
        yield Static("", id="dataflow-note", classes="muted")
        yield DataflowPane(id="dataflow-pane")

    def on_mount(self) -> None:
        self.query_one(DataflowPane).focus()

    class DataflowLoaded(Loaded):
        """The upstream dataflow (text only: the JSON is built when exported)."""

    @dataclass
    class JsonLoaded(Loaded):
        """The dataflow as JSON, to write to ``path``."""

        path: Path | None = None

    def load(self) -> None:
        self.start(self._read_dataflow(self.value_hash), self.query_one(DataflowPane))

    @work(thread=True, exclusive=True, group="dataflow")
    def _read_dataflow(self, value_hash: str) -> None:
        self.answer(self.DataflowLoaded, lambda: self.store.dataflow(value_hash, with_json=False))

    def on_dataflow_screen_dataflow_loaded(self, answer: DataflowLoaded) -> None:
        if not self.accept(answer):
            return
        view: DataflowView = answer.result
        self.view = view
        self.value_hash = view.value.value_hash
        self.set_route(routes.dataflow(view.value.value_hash))
        pane = self.query_one(DataflowPane)
        pane.set_lines(view.lines, keep_cursor=True)
        note = f"{len(pane.links)} links · ←/→ next link · ↑/↓ other line · Enter opens · e exports JSON"
        if view.error:
            note = f"{view.error} · {note}"
        self.query_one("#dataflow-note", Static).update(literal(note, single_line=True))

    @on(DataflowPane.LinkHighlighted)
    def _highlighted(self, event: DataflowPane.LinkHighlighted) -> None:
        self.query_one("#dataflow-note", Static).update(literal(f"Enter opens {event.route}", single_line=True))

    def action_export(self) -> None:
        """Writes the dataflow JSON next to where the app was started."""
        if self.view is None:
            self.notify("The dataflow is still loading.", severity="warning")
            return
        path = self.tui.export_dir / f"dataflow-{self.value_hash[:8]}.json"
        # The JSON is built only when asked for (it costs ~25 ms of every open otherwise).
        self.start(self._read_json(self.value_hash, path))

    @work(thread=True, exclusive=True, group="export")
    def _read_json(self, value_hash: str, path: Path) -> None:
        self.answer(self.JsonLoaded, lambda: self.store.dataflow_json(value_hash), path=path)

    def on_dataflow_screen_json_loaded(self, answer: JsonLoaded) -> None:
        if not self.accept(answer) or answer.path is None:
            return
        path = answer.path
        try:
            path.write_text(answer.result or "{}", encoding="utf-8")
        except OSError as error:
            self.notify(f"cannot write {path}: {error.strerror or error}", severity="error", markup=False)
            return
        self.notify(f"Wrote {path}", markup=False)

    def action_copy_text(self) -> None:
        pane = self.query_one(DataflowPane)
        self.app.copy_to_clipboard(pane.text)
        self.notify("Copied the dataflow text", timeout=3)
