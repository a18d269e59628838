"""Timestamps that are not times: SQLite stores whatever text it is given, and SQLAlchemy's own
DATETIME reader raises on it. One such row must not stop a list, a report or a command: the time
reads as unknown, everything around it is shown (bad data in a good database, never fatal)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from exercise import cli_commands_of, exercise_store, read_every_row

from redun_tui.db import RedunBackendDb
from redun_tui.db.columns import sqlite_datetime
from redun_tui.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED_B = "b2ffcd8f-2d42-4fb1-9461-6097e445e101"  # seed_example.db's latest execution
BAD = ("garbage", "", "2026-13-45 99:99:99", "\x1b[2J[bold]x[/]")


@pytest.fixture(scope="module")
def bad_times_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """seed_example.db with bad text in job start/end times, execution updated times and a tag's
    timestamp, an end before its start and one far in the future."""
    path = tmp_path_factory.mktemp("bad-times") / "bad_times.db"
    shutil.copy(FIXTURES / "seed_example.db", path)
    with sqlite3.connect(path) as connection:
        jobs = [row[0] for row in connection.execute(
            "SELECT id FROM job WHERE execution_id = ? ORDER BY start_time, id", (SEED_B,))]
        root = connection.execute("SELECT job_id FROM execution WHERE id = ?", (SEED_B,)).fetchone()[0]
        children = [job for job in jobs if job != root]
        for job, text in zip(children, BAD):
            connection.execute("UPDATE job SET end_time = ? WHERE id = ?", (text, job))
        connection.execute("UPDATE job SET start_time = 'not a start' WHERE id = ?", (children[4],))
        connection.execute("UPDATE job SET start_time = 42 WHERE id = ?", (children[5],))
        connection.execute("UPDATE job SET end_time = '2026-11-27 09:00:00.000000' WHERE id = ?", (children[6],))
        connection.execute("UPDATE job SET end_time = '2099-01-01 00:00:00.000000' WHERE id = ?", (children[7],))
        connection.execute("UPDATE job SET end_time = 'never' WHERE id = ?", (root,))
        connection.execute("UPDATE execution SET updated_time = 'soon'")
    return path


def test_the_reader_of_stored_times_never_raises() -> None:
    assert sqlite_datetime("2026-11-27 10:11:19.105419").isoformat() == "2026-11-27T10:11:19.105419+00:00"
    assert sqlite_datetime("2026-11-27 10:11:19").isoformat() == "2026-11-27T10:11:19+00:00"
    for bad in (*BAD, "not a start", 42, b"2026", None):
        assert sqlite_datetime(bad) is None


def test_every_row_and_store_call_reads_around_bad_times(bad_times_db: Path) -> None:
    backend = RedunBackendDb(str(bad_times_db), read_only=True)
    backend.load()
    try:
        coverage = read_every_row(backend)
        assert coverage.rows > 100
        store = Store(backend)
        coverage = exercise_store(store)
        for call in ("executions", "execution", "job_children", "jobs", "job", "timeline_span", "critical_path",
                     "task_stats", "diff", "search"):
            assert coverage.calls.get(call), call
        # The latest execution is still listed first-class: its root job's bad end time is unknown.
        page = store.executions(limit=5)
        assert SEED_B in [row.id for row in page.items]
        stats = {s.task_name: s for s in store.task_stats(SEED_B)}
        assert stats["seedex.call_variants"].count == 4
    finally:
        backend.close()


def test_commands_print_around_bad_times(bad_times_db: Path, run_cli, tmp_path: Path) -> None:
    argvs = cli_commands_of(bad_times_db, out_dir=tmp_path, sample=16)
    argvs += [["query", str(bad_times_db), "is:job"], ["show", str(bad_times_db), f"executions/{SEED_B}"],
              ["timeline", str(bad_times_db), "-"]]
    assert any(argv[0] == "timeline" for argv in argvs) and any(argv[0] == "diff" for argv in argvs)
    for argv in argvs:
        result = run_cli(argv)
        assert result.code in (0, 2), (argv, result)
        assert "internal error" not in result.err and "Traceback" not in result.err, (argv, result)
        assert "\x1b" not in result.out, argv
    data = json.loads(run_cli(["timeline", str(bad_times_db), SEED_B, "--json"]).out)
    assert data["execution"] == SEED_B and data["end"] is None  # the root's end is not a time


async def test_the_app_opens_every_screen_of_the_execution(bad_times_db: Path, make_app, settle, notifications):
    from redun_tui.store import routes

    for route in ("executions", routes.execution(SEED_B), routes.timeline(SEED_B), f"search/exec:{SEED_B[:8]}"):
        app = make_app(str(bad_times_db), route)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.route.startswith(route.split(":")[0]), route
            assert [n for n in notifications(app) if n.severity == "error"] == [], route
