"""TracebackView: a recorded traceback laid out as Python prints it, scrolled to the last frame.

redun records the frames as Python's ``traceback`` module formats them (``  File "…", line N, in
f`` then the code line indented by four); the view adds Python's heading and keeps the layout,
with the exception line last. A long traceback scrolls inside the view, which opens at its end:
the last frame and the exception are where the error is.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from redun_tui.tui.text import plain

HEADING = "Traceback (most recent call last):"
LINE_LIMIT = 2_000  # characters of one line (a local's repr can be huge)
MAX_LINES = 2_000  # lines shown (the end of the traceback is kept: it holds the error)


def _role(line: str, previous: str | None, seen_error: bool) -> str | None:
    """How a line is shown: heading, frame location, code, exception, or plain (locals, logs)."""
    if line.startswith("Traceback"):
        return "heading"
    if line.startswith("  ") and line.lstrip().startswith(("File ", "Job ")) and '", line ' in line:
        return "frame"
    if line.startswith("    ") and previous == "frame":
        return "code"
    if line and not line[0].isspace() and not seen_error:
        return "error"  # the first line after the frames: ``Type: message``
    return None


STYLES = {"frame": "$text-muted", "code": "bold", "error": "bold $text-error", "heading": "$text-muted"}


def traceback_content(lines: Sequence[str]) -> Content:
    """The traceback as ``Content``: heading, frames with their code lines, the exception last.

    Each line's indentation is a run of its own (unstyled) and its text a styled run, so the
    indentation survives renderers that drop a text run's leading spaces.
    """
    lines = list(lines)
    cut = len(lines) - MAX_LINES
    shown = lines[-MAX_LINES:] if cut > 0 else lines
    out: list[Content] = []
    if cut > 0:
        out.append(Content(f"… {cut:,} earlier lines not shown").stylize(STYLES["heading"]))
    if not shown or not shown[0].startswith("Traceback"):
        out.append(Content(HEADING).stylize(STYLES["heading"]))
    previous: str | None = None
    seen_error = False
    for raw in shown:
        line = plain(raw, single_line=True, limit=LINE_LIMIT)
        role = _role(line, previous, seen_error)
        seen_error = seen_error or role == "error"
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        content = Content(body)
        if role:
            content = content.stylize(STYLES[role])
        out.append(Content.assemble(" " * indent, content) if indent else content)
        previous = role
    return Content("\n").join(out)


class TracebackView(VerticalScroll):
    """A scrolling traceback that opens at its last line."""

    def __init__(self, lines: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(Static(traceback_content(lines), classes="traceback-text"), id=id, classes="traceback")

    def on_mount(self) -> None:
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True)
