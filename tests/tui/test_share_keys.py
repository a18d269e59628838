"""``M`` (Markdown report), ``R`` (re-run line) and the served ``Y`` on the base screen, by Pilot."""

from __future__ import annotations

from redun_tui.tui.screens.execution import ExecutionScreen
from redun_tui.tui.screens.job import JobScreen

FAILED_EXECUTION = "b22c1c57-fd37-41f1-8570-52ceaeb421ce"
FAILED_JOB = "ff72ff9e-6062-4c0c-bf7a-dff60a607c41"
JOB_RERUN = ("redun run --exclude-user aws --exclude-user gcp failures_wf.py failures.explode "
             "--f omega.txt --message '[bold red]boom[/] ☃ failure'")


async def test_M_and_R_on_a_job(make_app, settle, notifications):
    app = make_app("failures.db", f"jobs/{FAILED_JOB}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        await pilot.press("M")
        await settle(pilot)
        assert app.clipboard.startswith("### Job ff72ff9e failures.explode FAILED\n")
        assert "#### Traceback" in app.clipboard and JOB_RERUN in app.clipboard
        assert notifications(app)[-1].message.startswith(f"Copied the Markdown report of jobs/{FAILED_JOB}")
        await pilot.press("R")
        await settle(pilot)
        assert app.clipboard == JOB_RERUN


async def test_R_on_an_execution_and_where_nothing_runs(make_app, settle, notifications):
    app = make_app("failures.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("R")  # the executions list: nothing to re-run, the clipboard untouched
        await settle(pilot)
        assert app.clipboard == ""
        assert notifications(app)[-1].message == "cannot re-run: open an execution or a job: only they can be re-run"
        await pilot.press("M")
        await settle(pilot)
        assert app.clipboard.startswith("### Executions\n")
        app.navigate(f"executions/{FAILED_EXECUTION}")
        await settle(pilot)
        assert isinstance(app.screen, ExecutionScreen)
        await pilot.press("R")
        await settle(pilot)
        assert app.clipboard == ("redun run --exclude-user aws --exclude-user gcp failures_wf.py main_fail "
                                 "--names alpha omega")


async def test_Y_in_the_served_app_gives_the_url(make_app, settle):
    app = make_app("failures.db", f"jobs/{FAILED_JOB[:8]}", served_url="http://127.0.0.1:8000")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("Y")
        assert app.clipboard == f"http://127.0.0.1:8000/?route=jobs/{FAILED_JOB}"
