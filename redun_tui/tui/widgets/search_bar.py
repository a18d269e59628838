"""SearchBar: the search input on top of list screens, with a line for syntax errors."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from redun_tui.tui.text import literal

PLACEHOLDER = "/ search: task:NAME status:failed tag:k=v file:*.vcf exec:ID type:T, or an id prefix"
DEBOUNCE = 0.35  # seconds of quiet typing before a search starts


class SearchBar(Vertical):
    """An Input that posts :class:`SearchBar.Changed` (debounced while typing, at once on Enter)."""

    class Changed(Message):
        """The search text to run (may be empty: show everything)."""

        def __init__(self, bar: SearchBar, text: str) -> None:
            super().__init__()
            self.bar = bar
            self.text = text

        @property
        def control(self) -> SearchBar:
            return self.bar

    def __init__(self, value: str = "", *, placeholder: str = PLACEHOLDER, id: str | None = None) -> None:
        super().__init__(id=id, classes="search-bar")
        self._value = value
        self._placeholder = placeholder
        self._timer: Timer | None = None
        self._sent = value

    def compose(self) -> ComposeResult:
        yield Input(self._value, placeholder=self._placeholder, id="search-input", select_on_focus=False)
        yield Static("", id="search-error", classes="search-error")

    @property
    def input(self) -> Input:
        """The text input."""
        return self.query_one("#search-input", Input)

    @property
    def value(self) -> str:
        """The current text."""
        return self.input.value

    def set_value(self, text: str) -> None:
        """Sets the text without posting a change (the caller runs the search)."""
        self._sent = text
        if self._timer is not None:
            self._timer.stop()
        with self.input.prevent(Input.Changed):
            self.input.value = text

    def show_error(self, message: str | None, position: int | None = None) -> None:
        """Shows a syntax error under the input (None hides it); ``position`` gets a caret."""
        error = self.query_one("#search-error", Static)
        if not message:
            error.update("")
            error.display = False
            return
        lines = [literal(message, single_line=True, limit=300)]
        if position is not None and 0 <= position <= len(self.value):
            # The input and this line have the same left padding: the caret lines up.
            lines.insert(0, Content(" " * position + "^"))
        error.update(Content("\n").join(lines))
        error.display = True

    def on_mount(self) -> None:
        self.show_error(None)

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._send)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._send(force=True)

    def _send(self, force: bool = False) -> None:
        text = self.value.strip()
        if text == self._sent and not force:
            return
        self._sent = text
        self.post_message(self.Changed(self, text))
