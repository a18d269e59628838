"""The timeline screen: rows in tree order, zoom/pan/fit, ``c`` along the critical path, filters."""

from __future__ import annotations

from redun_tui.store import routes
from redun_tui.tui.screens.execution import ExecutionScreen
from redun_tui.tui.screens.job import JobScreen
from redun_tui.tui.screens.timeline import TimelineScreen
from redun_tui.tui.widgets.paged_list import PagedList
from redun_tui.tui.widgets.timeline import EIGHTHS, RUNNING_MARK, Timeline, bar_cells

SEED_EXEC = "b2ffcd8f-2d42-4fb1-9461-6097e445e101"
KILLED_EXECUTION = "77fee8b0-983a-4c01-88f2-36c9a2e3f3cb"


def line_text(timeline: Timeline, y: int) -> str:
    return "".join(segment.text for segment in timeline.render_line(y))


def task_names(timeline: Timeline) -> list[str]:
    return [row.job.task_name for row in timeline.rows if row.job is not None]


def test_bar_cells_use_eighth_blocks() -> None:
    assert bar_cells(0.0, 3.0, 10) == [(0, "█", False), (1, "█", False), (2, "█", False)]
    # Starting half-way into cell 1: a reversed half block; ending 3/8 into cell 4.
    assert bar_cells(1.5, 4.375, 10) == [(1, EIGHTHS[4], True), (2, "█", False), (3, "█", False), (4, EIGHTHS[3], False)]
    assert bar_cells(2.1, 2.2, 10) == [(2, EIGHTHS[1], False)]  # never thinner than 1/8
    assert bar_cells(-5.0, 2.0, 10) == [(0, "█", False), (1, "█", False)]  # clipped at the left
    assert bar_cells(8.0, 50.0, 10) == [(8, "█", False), (9, "█", False)]  # and at the right
    assert bar_cells(11.0, 12.0, 10) == []


async def test_T_opens_the_timeline_in_tree_order(make_app, settle) -> None:
    app = make_app("seed_example.db", f"executions/{SEED_EXEC}")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ExecutionScreen)
        await pilot.press("T")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TimelineScreen) and screen.route == routes.timeline(SEED_EXEC)
        timeline = screen.timeline
        # The root and its children, in start order; the root is expanded.
        assert task_names(timeline) == ["seedex.main", "seedex.align_reads_all", "seedex.call_variants_all"]
        assert timeline.rows[0].expanded
        assert len(timeline.critical) == 3
        stats = screen.query_one("#task-stats", PagedList)
        assert [item.task_name for item in stats.items][0] == "seedex.main"
        # The root's bar spans the whole axis when fitted.
        root_line = line_text(timeline, 1)
        assert root_line.rstrip().endswith("█") and "◆" in root_line


async def test_zoom_pan_and_fit(make_app, settle) -> None:
    app = make_app("seed_example.db", routes.timeline(SEED_EXEC))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.screen.timeline
        fitted = timeline.view_span
        assert timeline.view_start == 0.0 and abs(fitted - 1.207184) < 1e-9
        header = line_text(timeline, 0)
        await pilot.press("plus")
        assert timeline.view_span == fitted / 2 and timeline.view_start == fitted / 4
        assert "zoom ×2" in line_text(timeline, 0) and line_text(timeline, 0) != header
        await pilot.press("right")
        assert timeline.view_start == fitted / 4 + fitted / 8
        await pilot.press("left", "left", "left", "left")
        assert timeline.view_start == 0.0  # never before the start
        await pilot.press("minus", "minus")
        assert timeline.view_span == fitted  # never wider than the whole execution
        await pilot.press("plus", "plus", "0")
        assert (timeline.view_start, timeline.view_span) == (0.0, fitted)
        assert line_text(timeline, 0) == header


async def test_c_walks_the_critical_path_expanding_as_it_goes(make_app, settle) -> None:
    app = make_app("seed_example.db", routes.timeline(SEED_EXEC))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        timeline = screen.timeline
        path = timeline.critical
        visited = []
        for _ in range(3):
            await pilot.press("c")
            await settle(pilot)
            visited.append(timeline.current_job.id)
        # The first press goes to the step after the cursor's (the root): then down the path; the
        # third press opened call_variants_all to reach the leaf, then wraps around to the root.
        assert visited == [path[1], path[2], path[0]]
        assert "seedex.call_variants" in task_names(timeline)
        detail = str(screen.query_one("#timeline-detail").render())
        assert "critical path step 1/3" in detail
        await pilot.press("c")
        await settle(pilot)
        assert "critical path step 2/3" in str(screen.query_one("#timeline-detail").render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JobScreen) and app.screen.route == f"jobs/{path[1]}"


async def test_enter_on_a_task_filters_the_timeline(make_app, settle) -> None:
    app = make_app("seed_example.db", routes.timeline(SEED_EXEC))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        stats = screen.query_one("#task-stats", PagedList)
        await pilot.press("s")
        row = next(i for i, item in enumerate(stats.items) if item.task_name == "seedex.align_reads")
        for _ in range(row):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        timeline = screen.timeline
        assert screen.filter_task == "seedex.align_reads"
        assert app.focused is timeline
        await pilot.press("l", "down", "l")  # open main's only remaining child: align_reads_all
        await settle(pilot)
        names = task_names(timeline)
        assert names[:2] == ["seedex.main", "seedex.align_reads_all"]
        assert set(names[2:]) == {"seedex.align_reads"} and len(names) == 6
        await pilot.press("a")
        await settle(pilot)
        assert screen.filter_task is None and "seedex.call_variants_all" in task_names(timeline)
        # `o` re-sorts the statistics.
        await pilot.press("o")
        first_by_p95 = stats.items[0]
        assert first_by_p95.p95 == max(item.p95 or 0 for item in stats.items)


async def test_running_jobs_end_at_updated_time_and_are_marked(make_app, settle) -> None:
    app = make_app("failures.db", routes.timeline(KILLED_EXECUTION[:8]))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        timeline = screen.timeline
        assert screen.route == routes.timeline(KILLED_EXECUTION)
        assert timeline.rows[0].job.status == "RUNNING"
        assert RUNNING_MARK in line_text(timeline, 1)
        assert "running (to " in str(screen.query_one("#timeline-detail").render())


async def test_task_screen_plots_the_duration_history(make_app, settle) -> None:
    from redun_tui.tui.widgets.task_history import TaskHistoryPlot

    app = make_app("seed_example.db", "tasks/8cb2399f")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        plot = app.screen.query_one(TaskHistoryPlot)
        summary = str(app.screen.query_one("#task-history-summary").render())
        assert "3 executions" in summary and "p95" in summary
        drawn = plot.render()
        assert "p95" in drawn.plain and "seconds" in drawn.plain


async def test_execution_screen_task_statistics_open_the_timeline_filtered(make_app, settle) -> None:
    from redun_tui.tui.widgets.status_table import StatusTable
    from redun_tui.tui.widgets.task_stats import TaskStatsList

    app = make_app("seed_example.db", routes.execution(SEED_EXEC[:8]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        stats = screen.query_one(TaskStatsList)
        assert not stats.display and not stats.loaded_once  # nothing loaded until shown
        await pilot.press("d")
        await settle(pilot)
        assert stats.display and not screen.query_one(StatusTable).display and app.focused is stats
        # The store's order (total time, descending), the same rows as the store's statistics.
        assert stats.items == list(app.store.task_stats(SEED_EXEC))
        assert [c.title for c in stats.columns][4] == "Total▼"
        # `o` sorts by p95; the header marks the column; the cursor stays on its task.
        cursor_task = stats.current_item.task_hash
        await pilot.press("o")
        assert [c.title for c in stats.columns][7] == "p95▼" and stats.current_item.task_hash == cursor_task
        p95s = [item.p95 if item.p95 is not None else -1.0 for item in stats.items]
        assert p95s == sorted(p95s, reverse=True)
        for _ in range(6):  # back round to total
            await pilot.press("o")
        assert stats.sort.name == "total"
        row = next(i for i, item in enumerate(stats.items) if item.task_name == "seedex.align_reads")
        await pilot.press("g", *["down"] * row, "enter")
        await settle(pilot)
        timeline_screen = app.screen
        assert isinstance(timeline_screen, TimelineScreen)
        assert timeline_screen.route == routes.timeline(SEED_EXEC)
        assert timeline_screen.filter_task == "seedex.align_reads"
        assert "filtered: task seedex.align_reads" in str(timeline_screen.query_one("#timeline-fields").render())
        timeline = timeline_screen.timeline
        await pilot.press("l", "down", "l")
        await settle(pilot)
        names = task_names(timeline)
        assert "seedex.call_variants_all" not in names and set(names[2:]) == {"seedex.align_reads"}
        # Back on the execution screen, `d` shows the status table again.
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("d")
        await settle(pilot)
        assert not stats.display and screen.query_one(StatusTable).display
