"""TaskHistoryPlot: a task's p50/p95/max durations over its latest executions (textual-plotext).

The plot shows numbers only: no database text goes through plotext's ANSI output (task names and
ids stay in the screen's literal labels).
"""

from __future__ import annotations

from textual.color import Color
from textual_plotext import PlotextPlot

from redun_tui.views import TaskHistory

# Each line's colour is a theme variable (redun_tui.tui.theme makes them legible on the theme's
# backgrounds), read when the plot is drawn: plotext's own palette is not contrast-checked.
LINE_COLOURS = {"max": "status-failed", "p95": "status-running", "p50": "status-done"}


class TaskHistoryPlot(PlotextPlot):
    """Lines of p50, p95 and max duration (seconds) per execution, oldest on the left."""

    _history: TaskHistory | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._redraw)

    def _redraw(self, _theme: object = None) -> None:
        if self._history is not None:
            self.show_history(self._history)

    def _colour(self, series: str) -> tuple[int, int, int]:
        variables = self.app.get_css_variables()
        return Color.parse(variables[LINE_COLOURS[series]]).rgb

    def show_history(self, history: TaskHistory) -> None:
        """Draws ``history`` (executions without finished jobs are left out)."""
        self._history = history
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        points = [point for point in history.points if point.p50 is not None]
        xs = list(range(1, len(points) + 1))
        if points:
            plt.plot(xs, [point.max for point in points], label="max", marker="dot", color=self._colour("max"))
            plt.plot(xs, [point.p95 for point in points], label="p95", marker="braille", color=self._colour("p95"))
            plt.plot(xs, [point.p50 for point in points], label="p50", marker="braille", color=self._colour("p50"))
            plt.xticks(xs, [str(x) for x in xs])
        plt.xlabel("execution (oldest → newest)")
        plt.ylabel("seconds")
        self.refresh()
