"""TaskHistoryPlot: a task's p50/p95/max durations over its latest executions (textual-plotext).

The plot shows numbers only: no database text goes through plotext's ANSI output (task names and
ids stay in the screen's literal labels).
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from redun_tui.views import TaskHistory


class TaskHistoryPlot(PlotextPlot):
    """Lines of p50, p95 and max duration (seconds) per execution, oldest on the left."""

    def show_history(self, history: TaskHistory) -> None:
        """Draws ``history`` (executions without finished jobs are left out)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        points = [point for point in history.points if point.p50 is not None]
        xs = list(range(1, len(points) + 1))
        if points:
            plt.plot(xs, [point.max for point in points], label="max", marker="dot")
            plt.plot(xs, [point.p95 for point in points], label="p95", marker="braille")
            plt.plot(xs, [point.p50 for point in points], label="p50", marker="braille")
            plt.xticks(xs, [str(x) for x in xs])
        plt.xlabel("execution (oldest → newest)")
        plt.ylabel("seconds")
        self.refresh()
