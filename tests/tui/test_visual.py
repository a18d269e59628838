"""What the pictures show: spacing between fields, tracebacks as Python prints them, themes.

Spacing is checked on the exported SVG, where a text run's leading spaces are at the mercy of the
renderer (librsvg drops them): a value must start its own run right after its label's gap.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from redun_tui.cli import main
from redun_tui.tui.app import RedunTuiApp
from redun_tui.tui.text import LABEL_GAP, fields
from redun_tui.tui.widgets.job_tree import JobTree, job_label, label_parts
from redun_tui.tui.widgets.traceback_view import HEADING, TracebackView, traceback_content
from redun_tui.views import JobRow

_TEXT = re.compile(r'<text class="[\w-]+-r\d+" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                   r'clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>')


def svg_runs(svg: str) -> list[tuple[int, float, str]]:
    """(line, x, text) of every text run of an exported screenshot."""
    return [(int(line), float(x), html.unescape(body).replace("\xa0", " ")) for x, line, body in _TEXT.findall(svg)]


def test_field_labels_carry_the_gap_so_values_start_their_own_run() -> None:
    block = fields([("Execution", "b22c1c57"), ("Status", "FAILED")])
    assert block.plain.split("\n") == ["Execution  b22c1c57", "Status     FAILED"]
    width = len("Execution") + LABEL_GAP
    # The label's style covers the gap; the value is unstyled text starting at the column.
    label_spans = [span for span in block.spans if span.style == "bold"]
    assert [(span.start, span.end) for span in label_spans][:1] == [(0, width)]


def test_job_tree_label_parts_separate_status_and_duration() -> None:
    job = JobRow(id="6bec3a18-0000-0000-0000-000000000000", task_name="failures.main_fail", status="FAILED",
                 start_time=None, end_time=None, duration=timedelta(seconds=0.46), cached=False, parent_id=None,
                 execution_id="x", call_hash=None, child_count=4)
    parts = label_parts(job)
    assert job_label(job).plain == "failures.main_fail  6bec3a18  FAILED  0.46s  (4)"
    assert [text for text, role in parts if role] == ["6bec3a18", "FAILED", "0.46s", "(4)"]
    assert all(text == "  " for text, role in parts if role is None and text.isspace())


async def test_job_tree_rows_draw_status_and_duration_as_separate_runs(make_app, settle) -> None:
    app = make_app("failures.db", "executions/b22c1c57")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("right")
        await settle(pilot)
        app.screen.query_one(JobTree).focus()
        await pilot.press("down")  # the cursor leaves the first row: its statuses are coloured
        await settle(pilot)
        runs = svg_runs(app.export_screenshot())
    texts = [text for _, _, text in runs]
    assert "CACHED" in texts
    # Each field is a run of its own that starts where the terminal draws it: any renderer puts
    # "0.08s" two cells after "FAILED", whatever it does with a run's leading spaces.
    (line, failed_x), = [(line, x) for line, x, text in runs if text == "FAILED" and line > 15]
    (duration_x,) = [x for ln, x, text in runs if ln == line and text == "0.08s"]
    cell = failed_x / round(failed_x / 12.2)
    assert round((duration_x - failed_x) / cell) == len("FAILED") + 2


def test_traceback_is_laid_out_as_python_prints_it() -> None:
    lines = ['  File "wf.py", line 38, in explode', '    raise ValueError("boom")', "ValueError: boom"]
    content = traceback_content(lines)
    assert content.plain.split("\n") == [HEADING, *lines]
    styled = {content.plain[span.start:span.end]: str(span.style) for span in content.spans}
    assert styled['File "wf.py", line 38, in explode'] == "$text-muted"
    assert styled['raise ValueError("boom")'] == "bold"  # indentation is not part of the styled run
    assert styled["ValueError: boom"] == "bold $text-error"


async def test_long_traceback_scrolls_and_opens_at_the_last_frame() -> None:
    frames = []
    for n in range(60):
        frames += [f'  File "wf.py", line {n}, in f{n}', f"    f{n + 1}()"]
    lines = [*frames, "ValueError: the last line"]

    class Host(App):
        CSS = ".traceback { height: auto; max-height: 10; } .traceback-text { height: auto; }"

        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield TracebackView(lines)

    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(TracebackView)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert view.size.height == 10
        assert view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y
        svg = app.export_screenshot()
    texts = "".join(text for _, _, text in svg_runs(svg))
    assert "ValueError: the last line" in texts and "f59()" in texts
    assert "line 0, in f0" not in texts


def test_browse_theme_option(fixture_db, monkeypatch, capsys) -> None:
    launched: list[RedunTuiApp] = []
    monkeypatch.setattr(RedunTuiApp, "run", lambda self, *a, **k: launched.append(self))
    db = str(fixture_db("failures.db"))
    with pytest.raises(SystemExit) as done:
        main([db, "--theme", "no-such-theme"])
    assert done.value.code == 2 and not launched
    err = capsys.readouterr().err
    assert err.startswith("redun-tui: unknown theme 'no-such-theme'") and "textual-light" in err
    assert "Traceback" not in err
    with pytest.raises(SystemExit) as done:
        main([db, "--theme", "textual-light"])
    assert done.value.code == 0
    assert [app.theme for app in launched] == ["textual-light"]


async def test_light_theme_gives_status_variables_and_switches_live(make_app, settle) -> None:
    app = make_app("failures.db", theme="textual-light")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        light = dict(app.theme_variables)
        app.theme = "textual-dark"  # what ctrl+p -> "Change theme" does
        await settle(pilot)
        dark = dict(app.theme_variables)
    for name in ("status-done", "status-cached", "status-failed", "status-running"):
        assert light[name].startswith("#") and dark[name].startswith("#") and light[name] != dark[name]
