"""StatusTable: job counts of an execution, task × status; choosing a cell filters the job tree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from redun_tui.tui.text import rich_literal
from redun_tui.views import STATUSES, StatusCount

ALL_TASKS = "All tasks"
STATUS_CLASSES = {status: f"status-table--{status.lower()}" for status in STATUSES}


class StatusTable(DataTable):
    """Rows are tasks (plus a total row), columns the statuses and the total.

    Enter on a cell posts :class:`StatusTable.FilterChosen` with the task (None: all tasks) and
    status (None: any status).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, tooltip="next row (the table scrolls)"),
        Binding("up,k", "cursor_up", "Up", show=False, tooltip="previous row"),
        Binding("left,h", "cursor_left", "Left", show=False, tooltip="previous column"),
        Binding("right,l", "cursor_right", "Right", show=False, tooltip="next column"),
        Binding("enter", "select_cursor", "Filter", show=False,
                tooltip="show only that task × status in the job tree (the Task column: any status)"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = set(STATUS_CLASSES.values())

    class FilterChosen(Message):
        """A cell was chosen: show jobs of ``task_name`` (None: all) with ``status`` (None: any)."""

        def __init__(self, table: StatusTable, task_name: str | None, status: str | None) -> None:
            super().__init__()
            self.table = table
            self.task_name = task_name
            self.status = status

        @property
        def control(self) -> StatusTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=False, id=id, classes=classes)
        self._tasks: list[str | None] = []

    def on_mount(self) -> None:
        self._add_columns(len(ALL_TASKS), 7)

    def _add_columns(self, task_width: int, count_width: int) -> None:
        # Explicit widths: auto-sized columns are measured again as rows arrive, and the header
        # could then be drawn from a stale measurement (same picture, different segments).
        self.add_column(Text("Task"), key="task", width=task_width)
        for status in STATUSES:
            self.add_column(Text(status, justify="right"), key=status, width=max(count_width, len(status)))
        self.add_column(Text("Total", justify="right"), key="total", width=max(count_width, 5))

    def set_counts(self, counts: Sequence[StatusCount]) -> None:
        """Fills the table (keeps the cursor position when refreshing)."""
        coordinate = self.cursor_coordinate
        self.clear(columns=True)
        task_width = min(max([len(ALL_TASKS), *(len(row.task_name) for row in counts)]), 60)
        grand_total = sum(row.total for row in counts)  # the widest number in the table
        self._add_columns(task_width, len(f"{grand_total:,}"))
        self._tasks = [None]
        totals = {status: sum(row.get(status) for row in counts) for status in STATUSES}
        self.add_row(Text(ALL_TASKS, style="bold"), *self._cells(totals, sum(totals.values()), bold=True))
        for row in counts:
            self._tasks.append(row.task_name)
            by_status = {status: row.get(status) for status in STATUSES}
            self.add_row(rich_literal(row.task_name, limit=60), *self._cells(by_status, row.total))
        if coordinate.row < self.row_count:
            self.move_cursor(row=coordinate.row, column=coordinate.column, animate=False)

    def _cells(self, by_status: dict[str, int], total: int, bold: bool = False) -> list[Text]:
        cells = []
        for status in STATUSES:
            count = by_status.get(status, 0)
            style = self.get_component_rich_style(STATUS_CLASSES[status], partial=True) if count else ""
            cells.append(Text(f"{count:,}" if count else "·", style=style, justify="right"))
        cells.append(Text(f"{total:,}", style="bold" if bold else "", justify="right"))
        return cells

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        row, column = event.coordinate.row, event.coordinate.column
        if row >= len(self._tasks):
            return
        task_name = self._tasks[row]
        status = STATUSES[column - 1] if 1 <= column <= len(STATUSES) else None
        self.post_message(self.FilterChosen(self, task_name, status))
