"""The flat job list sorts by duration and by status (issue 10 friction: `O` cycles the order)."""

from __future__ import annotations

import re


def _job_lines(screen: str) -> list[str]:
    return [line for line in screen.splitlines() if re.match(r"^[0-9a-f]{8} ", line)]


def test_flat_list_sorted_by_duration_then_status(terminal, size):
    # failures.db b22c1c57: main_fail (0.46 s) and four children, one FAILED (explode).
    term = terminal("failures.db", "executions/b22c1c57", size=size)
    term.wait_for("6bec3a18")
    term.press("v")
    term.wait_for("Jobs (list by start)")
    term.press("O")
    screen = term.wait_for("Jobs (list by duration)")
    screen = term.wait_until(lambda text: len(_job_lines(text)) == 5, what="five job rows")
    lines = _job_lines(screen)
    assert lines[0].startswith("6bec3a18")  # the root ran longest
    seconds = [float(re.search(r"([\d.]+)s\s*$", line).group(1)) for line in lines]
    assert seconds == sorted(seconds, reverse=True)
    term.press("O")
    term.wait_for("Jobs (list by status)")
    screen = term.wait_until(lambda text: len(_job_lines(text)) == 5 and "by status" in text, what="five rows")
    statuses = [re.search(r"(FAILED|RUNNING|DONE|CACHED)", line).group(1) for line in _job_lines(screen)]
    assert statuses[:2] == ["FAILED", "FAILED"] and statuses[-1] == "CACHED"
