"""The tasks list shows when each task last ran (issue 10, defect 8: the column was always empty)."""

from __future__ import annotations

import re

from harness import run_piped

# seed_example.db: the newest job of each task, as `SELECT max(start_time) … GROUP BY task_hash`.
LAST_RUNS = {
    "align_reads ": "2026-11-27 10:11:19",
    "call_variants ": "2026-11-27 10:11:19",
    "main ": "2026-11-27 10:11:19",
}


def test_tasks_list_shows_last_run(terminal, size):
    term = terminal("seed_example.db", "tasks", size=size)
    screen = term.wait_for("call_variants_all")
    term.wait_for(re.compile(r"align_reads .*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"), timeout=10)
    screen = term.text()
    for name, when in LAST_RUNS.items():
        line = next(line for line in screen.splitlines() if f" {name}" in line or f"│{name}" in line)
        assert when in line, (name, line)


def test_task_list_piped_shows_last_run(fixture_db, tmp_path):
    fixture_db("seed_example.db")
    code, out, err = run_piped(["show", "seed_example.db", "tasks"], cwd=tmp_path)
    assert code == 0, err
    lines = [line for line in out.decode().splitlines() if "seedex.align_reads " in line]
    assert lines and "2026-11-27 10:11:19" in lines[0]
