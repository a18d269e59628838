"""Sharing a failure: from the failed job, M copies the report `show` prints and R the re-run line."""

from __future__ import annotations

import base64
import re

from harness import run_piped

FAILED_JOB = "ff72ff9e-6062-4c0c-bf7a-dff60a607c41"
JOB_RERUN = ("redun run --exclude-user aws --exclude-user gcp failures_wf.py failures.explode "
             "--f omega.txt --message '[bold red]boom[/] ☃ failure'")
OSC52 = re.compile(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")


def clipboard_writes(raw: bytes) -> list[str]:
    """What the program asked the terminal to put on the clipboard (OSC 52), in order."""
    return [base64.b64decode(match).decode("utf-8") for match in OSC52.findall(raw)]


def test_M_copies_the_show_report_and_R_the_rerun_line(terminal, size, tmp_path):
    term = terminal("failures.db", f"jobs/{FAILED_JOB[:8]}", size=size)
    term.wait_for("ValueError('[bold red]boom[/] ☃ failure (from omega.txt)')")  # the error, at the top
    term.press("M")
    term.wait_for("Copied the Markdown report")
    term.wait_until(lambda _screen: len(clipboard_writes(bytes(term.raw))) == 1)
    code, shown, _err = run_piped(["show", "failures.db", FAILED_JOB, "--format", "markdown"], cwd=tmp_path)
    assert code == 0
    assert clipboard_writes(bytes(term.raw)) == [shown.decode("utf-8")]
    term.press("R")
    term.wait_until(lambda _screen: len(clipboard_writes(bytes(term.raw))) == 2)
    assert clipboard_writes(bytes(term.raw))[-1] == JOB_RERUN
    term.wait_for("Copied redun run")
    term.press("q")
    assert term.wait_exit() == 0
