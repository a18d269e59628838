"""Reports (redun_tui.report) and ``redun-tui show``: content, escaping, bounds, exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from redun_tui import report
from redun_tui.commands.common import open_db
from redun_tui.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FAILURES = str(FIXTURES / "failures.db")
FAILED_JOB = "ff72ff9e-6062-4c0c-bf7a-dff60a607c41"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = "x\x1b]52;c;cGF3bmVk\x07 \x1b[2J ```` `a` | <b>[link](javascript:x)</b>\u202e"


def hostile_report() -> report.Report:
    return report.Report(
        title=f"Job {HOSTILE}",
        route=f"jobs/{HOSTILE}",
        sections=(
            report.Section("", (report.Fields((("Task", HOSTILE),)),)),
            report.Section("Arguments", (report.Table(("name", "value"), ((HOSTILE, HOSTILE),)),)),
            report.Section("Traceback", (report.Code(f"line 1\n```\n{HOSTILE}\n````` end"),)),
            report.Section("Note", (report.Note(HOSTILE),)),
        ),
    )


@pytest.mark.parametrize("render", [report.render_text, report.render_markdown])
def test_control_characters_are_escaped(render):
    text = render(hostile_report())
    assert not UNSAFE.search(text.replace("\n", "")), repr(text)
    assert "\\e]52;c;cGF3bmVk\\a" in text and "\\u202e" in text


def test_markdown_fences_and_spans_cannot_be_broken_by_data():
    markdown = report.render_markdown(hostile_report())
    # The traceback holds runs of 3 and 5 backticks: its fence is 6 long, opened and closed once.
    assert markdown.count("``````text\n") == 1
    # Only the closing fence can close it: a line of at least six backticks and nothing else.
    closers = [line for line in markdown.splitlines() if re.fullmatch("`{6,}", line.strip())]
    assert closers == ["``````"]
    # In a code span the run of four backticks is outrun by five.
    assert "`````" in markdown.split("- **Task**: ", 1)[1].splitlines()[0]
    # Table cells escape the pipe (GFM splits cells on it even inside code spans).
    row = [line for line in markdown.splitlines() if line.startswith("| `")][0]
    assert row.count(" | ") == 1 and "\\|" in row


def test_fence_and_code_span_helpers():
    assert report.fence("plain") == "```\nplain\n```"
    assert report.fence("a ```` b", "text") == "`````text\na ```` b\n`````"
    assert report.code_span("a`b") == "``a`b``"
    assert report.code_span("`x`") == "`` `x` ``"
    assert report.code_span("") == "—"


def test_long_text_is_cut_with_a_marker():
    long = report.Report("t", "r", (report.Section("", (report.Code("x" * 50_000), report.Fields((("F", "y" * 5_000),)))),))
    for render in (report.render_text, report.render_markdown):
        text = render(long)
        assert "[cut: 30,000 more characters]" in text and "[cut: 4,000 more characters]" in text
        assert len(text) < 25_000


@pytest.fixture
def store():
    backend = open_db(FAILURES)
    yield Store(backend)
    backend.close()


def test_failed_job_report(store):
    text = report.render_text(report.build_report(store, f"jobs/{FAILED_JOB}"))
    for expected in ("Job ff72ff9e failures.explode FAILED", "Trail      Exec b22c1c57 > Job 6bec3a18 failures.main_fail",
                     "Raised at  failures_wf.py:38 in explode", 'File "failures_wf.py", line 38, in explode',
                     "ValueError: [bold red]boom[/] ☃ failure (from omega.txt)", "def explode(f: File, message: str)",
                     "failures_wf.py failures.explode --f omega.txt --message '[bold red]boom[/] ☃ failure'"):
        assert expected in text, expected


def test_failed_execution_report(store):
    built = report.build_report(store, "executions/b22c1c57-fd37-41f1-8570-52ceaeb421ce")
    text = report.render_text(built)
    assert "Status     FAILED" in text and "failures.explode      0     0       1       0        1" in text
    assert f"{FAILED_JOB}  failures.explode    ValueError('[bold red]boom[/] ☃ failure (from omega.txt)')" in text
    assert built.rerun.command.endswith("failures_wf.py main_fail --names alpha omega")


def test_list_reports(store):
    assert report.render_text(report.build_report(store, "executions")).count("failures.main_") == 10
    assert "help" in report.render_markdown(report.build_report(store, "help"))


def show(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "redun_tui", "show", *args], capture_output=True, text=True)


def test_show_cli_piped_output_and_formats():
    result = show(FAILURES, FAILED_JOB[:8], "--format", "markdown")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("### Job ff72ff9e failures.explode FAILED\n")
    result = show(FAILURES, "alpha.txt")
    assert result.returncode == 0 and result.stdout.startswith("File alpha.txt\nroute: files/alpha.txt\n")


def test_show_cli_escapes_data_when_piped():
    # values.db: a string with ANSI escapes, shown by its File-free value screen (repr) and,
    # raw, in the job report of the task that printed it.
    result = show(str(FIXTURES / "values.db"), "values/4821455b")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("/no/such.db", "x"), "redun-tui: /no/such.db: no such file"),
        ((FAILURES, "zzzz"), "redun-tui: no execution, job, value, task or file matches 'zzzz'"),
        ((FAILURES, "jobs/ffffffff"), "redun-tui: no job matches 'ffffffff'"),
        ((FAILURES, FAILED_JOB, "--format", "html"), "redun-tui: Invalid value for '--format': 'html' is not one of 'text', 'markdown'."),
    ],
)
def test_show_cli_bad_input_is_one_line_and_exit_2(args, message):
    result = show(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")
