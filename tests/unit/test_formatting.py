"""Pure display helpers."""

from datetime import timedelta

import pytest

from redun_tui.formatting import command_summary, format_duration, one_line, safe_text


@pytest.mark.parametrize(
    "command,summary",
    [
        ("run --exclude-user aws --exclude-user gcp failures_wf.py main_ok --names a b", "failures_wf.py main_ok --names a b"),
        ("run workflow.py main", "workflow.py main"),
        ("run --setup profile=dev pipelines.align main", "--setup profile=dev pipelines.align main"),
        ("", ""),
        ("launch --py-file x.py", "x.py"),
    ],
)
def test_command_summary_starts_at_the_script(command, summary):
    assert command_summary(command) == summary


def test_safe_text_escapes_controls_but_keeps_text():
    assert safe_text("a\x1b[2Jb\x07\u202ec\n") == "a\\e[2Jb\\a\\u202ec\n"
    assert one_line("x\ny\tz", limit=4) == "x\\n…"


def test_format_duration():
    assert format_duration(timedelta(seconds=0.456)) == "0.46s"
    assert format_duration(timedelta(seconds=245)) == "4m05s"
    assert format_duration(None) == ""
