"""Timeline: an execution's jobs as bars on a shared time axis (a Gantt chart for the terminal).

A ``ScrollView`` drawing only the visible rows with ``render_line`` (the approach of
:mod:`redun_tui.tui.widgets.paged_list`), so 100,000 jobs cost no more to paint than 100. Rows are
the job tree in tree order, children loaded lazily page by page: the widget posts
:class:`Timeline.NeedChildren` and the screen calls :meth:`Timeline.add_page`; it never queries.

Bars use eighth-block characters for sub-cell precision: a bar's end is a left-aligned partial
block, its start the same block drawn in reverse. CACHED jobs are a thin mark; RUNNING jobs end
at ``now`` (the execution's ``updated_time``) with a marker. Colours come from component classes
styled in app.tcss (status and critical path), never from Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from redun_tui.formatting import format_duration
from redun_tui.tui.text import plain
from redun_tui.views import JobRow, Page

# Left-aligned blocks of 1/8 .. 8/8 of a cell.
EIGHTHS = " ▏▎▍▌▋▊▉█"
CACHED_MARK = "│"
RUNNING_MARK = "▸"
CRITICAL_MARK = "◆"
MIN_SPAN = 0.001  # seconds: the deepest zoom
STATUS_CLASSES = {
    "DONE": "timeline--done",
    "CACHED": "timeline--cached",
    "FAILED": "timeline--failed",
    "RUNNING": "timeline--running",
}


@dataclass
class TimelineRow:
    """A visible row: a job (with its depth and expansion), or a "more"/"loading" line."""

    job: JobRow | None
    depth: int
    kind: str = "job"  # "job", "more", "loading" or "note"
    parent_id: str | None = None
    cursor: str | None = None
    expanded: bool = False
    loaded: bool = False
    label: str = ""


def bar_cells(start: float, end: float, width: int) -> list[tuple[int, str, bool]]:
    """The cells of a bar from ``start`` to ``end`` (in cells, fractional) within ``width``.

    Returns ``(column, character, reverse)`` triples: full blocks, a left-aligned partial block at
    the end, and at the start a partial block to draw reversed (its right part is the bar).
    """
    start, end = max(start, 0.0), min(end, float(width))
    if end <= start or start >= width or end <= 0:
        return []
    first, last = int(start), int(end)
    cells: list[tuple[int, str, bool]] = []
    if first == last or (last == first + 1 and end == last and start > first):
        # Shorter than a cell (or ending on the cell's edge): one partial block, at least 1/8.
        eighths = max(1, min(8, round((end - start) * 8)))
        return [(first, EIGHTHS[eighths], False)]
    head = round((start - first) * 8)
    if head == 0:
        cells.append((first, EIGHTHS[8], False))
    elif head < 8:
        cells.append((first, EIGHTHS[head], True))
    cells.extend((column, EIGHTHS[8], False) for column in range(first + 1, last))
    tail = round((end - last) * 8)
    if tail and last < width:
        cells.append((last, EIGHTHS[tail], False))
    return cells


class Timeline(ScrollView, can_focus=True):
    """The bars of an execution's jobs; Enter opens the job under the cursor.

    Keys: ``+``/``-`` zoom around the middle, ``←``/``→`` pan, ``0`` fits the whole execution,
    space/``l``/``h`` expand and collapse, ``c`` jumps to the next job on the critical path.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "move_pages(-1)", "Page up", show=False),
        Binding("pagedown", "move_pages(1)", "Page down", show=False),
        Binding("home,g", "move_to(0)", "First", show=False),
        Binding("end,G", "move_to(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
        Binding("space", "toggle", "Expand", show=False),
        Binding("l", "expand", "Expand", show=False),
        Binding("h", "collapse", "Collapse", show=False),
        Binding("plus,equals_sign", "zoom_in", "Zoom in"),
        Binding("minus", "zoom_out", "Zoom out"),
        Binding("left", "pan(-1)", "Pan", show=False),
        Binding("right", "pan(1)", "Pan", show=False),
        Binding("0", "fit", "Fit"),
        Binding("c", "critical", "Critical path"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--header",
        "timeline--cursor",
        "timeline--note",
        "timeline--critical",
        *STATUS_CLASSES.values(),
    }

    #: Seconds from the axis start to the left edge of the view, and seconds shown across it.
    view_start: reactive[float] = reactive(0.0)
    view_span: reactive[float] = reactive(1.0)

    class NeedChildren(Message):
        """Load a page of the children of ``parent_id`` (None: the root job)."""

        def __init__(self, timeline: Timeline, parent_id: str | None, cursor: str | None, generation: int) -> None:
            super().__init__()
            self.timeline = timeline
            self.parent_id = parent_id
            self.cursor = cursor
            self.generation = generation

        @property
        def control(self) -> Timeline:
            return self.timeline

    class Highlighted(Message):
        """The cursor moved to a job."""

        def __init__(self, timeline: Timeline, job: JobRow) -> None:
            super().__init__()
            self.timeline = timeline
            self.job = job

    class JobChosen(Message):
        """Enter on a job."""

        def __init__(self, timeline: Timeline, job: JobRow) -> None:
            super().__init__()
            self.timeline = timeline
            self.job = job

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[TimelineRow] = []
        self.cursor = 0
        self.generation = 0
        self.axis_start: datetime | None = None
        self.duration = 1.0
        self.now: datetime | None = None
        self.critical: tuple[str, ...] = ()
        self._pending_jump: str | None = None

    # Data -------------------------------------------------------------------------------------
    def set_axis(self, start: datetime | None, duration: float | None, now: datetime | None) -> None:
        """Sets the time axis (the root job's start and duration) and fits the view to it."""
        self.axis_start, self.now = start, now
        self.duration = max(duration or 0.0, MIN_SPAN)
        self.action_fit()

    def set_critical(self, job_ids: tuple[str, ...]) -> None:
        """Marks the critical path (root first)."""
        self.critical = job_ids
        self.refresh()

    def start(self) -> None:
        """Clears the rows and asks for the root job (call again after changing a filter)."""
        self.generation += 1
        self.rows = [TimelineRow(None, 0, "loading", label="loading…")]
        self.cursor = 0
        self._update_size()
        self.refresh()
        self.post_message(self.NeedChildren(self, None, None, self.generation))

    def add_page(self, parent_id: str | None, page: Page[JobRow], generation: int) -> None:
        """Puts a page of ``parent_id``'s children after it (replacing its loading/more row)."""
        if generation != self.generation:
            return
        if parent_id is None:
            at, depth = 0, 0
            self.rows = [row for row in self.rows if row.kind not in ("loading", "more") or row.parent_id is not None]
        else:
            parent = self._index_of(parent_id)
            if parent is None:
                return
            self.rows[parent].loaded = True
            depth = self.rows[parent].depth + 1
            at = parent + 1
            while at < len(self.rows) and self.rows[at].depth >= depth:
                if self.rows[at].kind in ("loading", "more") and self.rows[at].parent_id == parent_id:
                    del self.rows[at]
                    continue
                at += 1
        new = [TimelineRow(job, depth, parent_id=parent_id) for job in page.items]
        if page.next_cursor is not None:
            shown = page.offset + len(page.items)
            total = "" if page.total is None else f" of {page.total:,}"
            new.append(TimelineRow(None, depth, "more", parent_id, page.next_cursor,
                                   label=f"… {shown:,}{total} shown; Enter loads more"))
        if parent_id is None and not page.items:
            new.append(TimelineRow(None, 0, "note", label="No jobs."))
        self.rows[at:at] = new
        self._update_size()
        self.refresh()
        if parent_id is None and page.items and not self.rows[0].expanded and page.items[0].child_count:
            self._expand(0)  # the root alone says nothing: show its children
        self._continue_jump()
        self._post_highlight()

    def page_failed(self, parent_id: str | None, generation: int) -> None:
        """Loading failed: the placeholder becomes a "retry" line."""
        if generation != self.generation:
            return
        for row in self.rows:
            if row.kind == "loading" and row.parent_id == parent_id:
                row.kind, row.label = "more", "could not load; Enter retries"
        self.refresh()

    @property
    def current_job(self) -> JobRow | None:
        """The job under the cursor."""
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor].job
        return None

    def _index_of(self, job_id: str) -> int | None:
        return next((i for i, row in enumerate(self.rows) if row.job is not None and row.job.id == job_id), None)

    # Expansion --------------------------------------------------------------------------------
    def _expand(self, index: int) -> None:
        row = self.rows[index]
        if row.job is None or row.expanded or not row.job.child_count:
            return
        row.expanded = True
        if not row.loaded:
            self.rows.insert(index + 1, TimelineRow(None, row.depth + 1, "loading", row.job.id, label="loading…"))
            self.post_message(self.NeedChildren(self, row.job.id, None, self.generation))
        self._update_size()
        self.refresh()

    def _collapse(self, index: int) -> None:
        row = self.rows[index]
        if not row.expanded:
            return
        row.expanded = False
        # Children stay loaded in spirit but leave the list: expanding loads them again (fresh).
        end = index + 1
        while end < len(self.rows) and self.rows[end].depth > row.depth:
            end += 1
        del self.rows[index + 1:end]
        row.loaded = False
        self._update_size()
        self.refresh()

    def action_expand(self) -> None:
        self._expand(self.cursor)

    def action_collapse(self) -> None:
        row = self.rows[self.cursor] if self.rows else None
        if row is None:
            return
        if row.expanded:
            self._collapse(self.cursor)
        elif row.parent_id is not None:
            parent = self._index_of(row.parent_id)
            if parent is not None:
                self._move(parent)

    def action_toggle(self) -> None:
        if self.rows and self.rows[self.cursor].expanded:
            self._collapse(self.cursor)
        else:
            self._expand(self.cursor)

    # Critical path ----------------------------------------------------------------------------
    def action_critical(self) -> None:
        """Moves to the next job of the critical path (from the root again after the last)."""
        if not self.critical:
            return
        job = self.current_job
        position = self.critical.index(job.id) if job is not None and job.id in self.critical else -1
        target = self.critical[(position + 1) % len(self.critical)]
        self.jump_to(target)

    def jump_to(self, job_id: str) -> None:
        """Moves the cursor to a job on the critical path, expanding (and paging) its ancestors."""
        self._pending_jump = job_id
        self._continue_jump()

    def _continue_jump(self) -> None:
        target = self._pending_jump
        if target is None:
            return
        index = self._index_of(target)
        if index is not None:
            self._pending_jump = None
            self._move(index)
            return
        if target not in self.critical:
            self._pending_jump = None
            return
        # Open the deepest visible ancestor on the path; its page brings the next one.
        for ancestor in reversed(self.critical[: self.critical.index(target)]):
            at = self._index_of(ancestor)
            if at is None:
                continue
            row = self.rows[at]
            if not row.expanded:
                self._expand(at)
                return
            more = next((i for i in range(at + 1, len(self.rows)) if self.rows[i].kind == "more"
                         and self.rows[i].parent_id == ancestor and self.rows[i].cursor), None)
            if more is not None:
                self._load_more(more)
            return

    # Zoom and pan -----------------------------------------------------------------------------
    def action_fit(self) -> None:
        self.view_start, self.view_span = 0.0, self.duration

    def action_zoom_in(self) -> None:
        middle = self.view_start + self.view_span / 2
        self.view_span = max(self.view_span / 2, MIN_SPAN)
        self.view_start = max(middle - self.view_span / 2, 0.0)

    def action_zoom_out(self) -> None:
        middle = self.view_start + self.view_span / 2
        self.view_span = min(self.view_span * 2, self.duration)
        self.view_start = min(max(middle - self.view_span / 2, 0.0), max(self.duration - self.view_span, 0.0))

    def action_pan(self, direction: int) -> None:
        step = self.view_span / 4
        self.view_start = min(max(self.view_start + direction * step, 0.0), max(self.duration - self.view_span, 0.0))

    def watch_view_start(self) -> None:
        self.refresh()

    def watch_view_span(self) -> None:
        self.refresh()

    # Geometry ---------------------------------------------------------------------------------
    def _update_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows) + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._update_size()
        self._scroll_cursor_visible()

    @property
    def _label_width(self) -> int:
        width = self.scrollable_content_region.width
        return max(12, min(40, width * 3 // 10))

    @property
    def _bar_width(self) -> int:
        return max(self.scrollable_content_region.width - self._label_width - 1, 1)

    def _offset(self, moment: datetime | None) -> float | None:
        if moment is None or self.axis_start is None:
            return None
        return (moment - self.axis_start).total_seconds()

    # Rendering --------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._strip(self._header(), width, base)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, base)
        return self._strip(self._row_segments(index), width, base)

    def _header(self) -> list[Segment]:
        style = self.get_component_rich_style("timeline--header")
        left = f"+{format_duration(self.view_start)}"
        right = f"+{format_duration(self.view_start + self.view_span)}"
        zoom = self.duration / self.view_span if self.view_span else 1.0
        title = "job" if zoom < 1.01 else f"job (zoom ×{zoom:.0f})"
        bar_width = self._bar_width
        axis = left + " " * max(bar_width - len(left) - len(right), 1) + right
        return [Segment(set_cell_size(title, self._label_width) + " ", style), Segment(axis[:bar_width], style)]

    def _row_segments(self, index: int) -> list[Segment]:
        row = self.rows[index]
        selected = index == self.cursor
        cursor_style = self.get_component_rich_style("timeline--cursor") if selected else None
        if row.job is None:
            note = self.get_component_rich_style("timeline--note")
            text = "  " * row.depth + row.label
            return [Segment(set_cell_size(text, self.scrollable_content_region.width), note + cursor_style
                            if cursor_style else note)]
        job = row.job
        critical = job.id in self.critical
        marker = ("▾ " if row.expanded else "▸ ") if job.child_count else "  "
        label = "  " * min(row.depth, 10) + marker + (plain(job.task_name, single_line=True, limit=200) or "(no task)")
        label_width = self._label_width
        if critical:
            label = label[: max(label_width - 2, 0)]
        label = set_cell_size(label, label_width - (2 if critical else 0)) if cell_len(label) <= label_width else (
            set_cell_size(label, label_width - 1 - (2 if critical else 0)) + "…")
        label_style = cursor_style
        segments = [Segment(label, label_style)]
        if critical:
            mark_style = self.get_component_rich_style("timeline--critical")
            segments.append(Segment(" " + CRITICAL_MARK, mark_style + cursor_style if cursor_style else mark_style))
        segments.append(Segment(" ", cursor_style))
        segments.extend(self._bar(job, cursor_style))
        return segments

    def _bar(self, job: JobRow, cursor_style: Style | None) -> list[Segment]:
        width = self._bar_width
        status_style = self.get_component_rich_style(STATUS_CLASSES.get(job.status, "timeline--done"))
        blank = cursor_style or Style()
        chars = [" "] * width
        styles: list[Style] = [blank] * width
        start = self._offset(job.start_time)
        running = job.end_time is None and job.status in ("RUNNING",)
        end = self._offset(job.end_time if job.end_time is not None else (self.now if running else None))
        scale = width / self.view_span if self.view_span else 0.0
        if start is not None:
            x0 = (start - self.view_start) * scale
            if job.status == "CACHED":
                column = int(x0)
                if 0 <= column < width:
                    chars[column], styles[column] = CACHED_MARK, blank + status_style
            elif end is not None:
                x1 = (end - self.view_start) * scale
                for column, char, reverse in bar_cells(x0, x1, width):
                    chars[column] = char
                    styles[column] = blank + status_style + Style(reverse=True) if reverse else blank + status_style
                if running:
                    column = min(max(int(x1) + (1 if x1 > int(x1) else 0), 0), width - 1)
                    if 0 <= x1 <= width:
                        chars[column], styles[column] = RUNNING_MARK, blank + status_style
        segments: list[Segment] = []
        for char, style in zip(chars, styles):
            if segments and segments[-1].style == style:
                segments[-1] = Segment(segments[-1].text + char, style)
            else:
                segments.append(Segment(char, style))
        return segments

    @staticmethod
    def _strip(segments: list[Segment], width: int, base: Style) -> Strip:
        return Strip(segments).crop_extend(0, width, base).apply_style(base)

    # Cursor -----------------------------------------------------------------------------------
    @property
    def _body_height(self) -> int:
        return max(self.size.height - 1, 1)

    def _scroll_cursor_visible(self) -> None:
        top, height = int(self.scroll_offset.y), self._body_height
        if not top <= self.cursor < top + height:
            self.scroll_to(y=self.cursor if self.cursor < top else self.cursor - height + 1, animate=False)

    def _move(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        if index != self.cursor:
            self.cursor = index
            self.refresh()
            self._post_highlight()
        self._scroll_cursor_visible()

    def _post_highlight(self) -> None:
        job = self.current_job
        if job is not None:
            self.post_message(self.Highlighted(self, job))

    def action_move(self, rows: int) -> None:
        self._move(self.cursor + rows)

    def action_move_pages(self, pages: int) -> None:
        self._move(self.cursor + pages * self._body_height)

    def action_move_to(self, index: int) -> None:
        """Row ``index``; negative counts from the end."""
        self._move(index if index >= 0 else len(self.rows) + index)

    def _load_more(self, index: int) -> None:
        row = self.rows[index]
        if row.kind != "more":
            return
        row.kind, row.label = "loading", "loading…"
        self.refresh()
        self.post_message(self.NeedChildren(self, row.parent_id, row.cursor, self.generation))

    def action_select(self) -> None:
        if not self.rows:
            return
        row = self.rows[self.cursor]
        if row.kind == "more":
            self._load_more(self.cursor)
        elif row.job is not None:
            self.post_message(self.JobChosen(self, row.job))

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor; a second click (or a double click) opens."""
        index = int(self.scroll_offset.y) + event.y - 1
        if event.y and 0 <= index < len(self.rows):
            again = index == self.cursor or event.chain > 1
            self._move(index)
            if again:
                self.action_select()
