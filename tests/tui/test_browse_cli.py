"""The browse command: the database opens and the route resolves before the app starts."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from redun_tui.cli import main
from redun_tui.commands.browse import demo_db_path
from redun_tui.tui.app import RedunTuiApp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def launched(monkeypatch):
    """Records the app the command would run instead of running it."""
    calls: list[RedunTuiApp] = []
    monkeypatch.setattr(RedunTuiApp, "run", lambda self, *a, **k: calls.append(self))
    return calls


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return done.value.code


def test_route_prefix_is_resolved_before_start(fixture_db, launched, capsys):
    db = fixture_db("failures.db")
    assert run([str(db), "jobs/6bec3a18"]) == 0
    (app,) = launched
    assert app.start_route.startswith("jobs/6bec3a18") and len(app.start_route) == len("jobs/") + 36


@pytest.mark.parametrize("route", ["jobs/ffffffff", "bogus/1", "values", "executions/zz"])
def test_bad_routes_exit_2_without_starting(fixture_db, launched, capsys, route):
    db = fixture_db("failures.db")
    assert run([str(db), route]) == 2
    err = capsys.readouterr().err
    assert err.startswith("redun-tui: ") and err.count("\n") == 1
    assert launched == []


def test_ambiguous_prefix_lists_candidates(fixture_db, launched, capsys):
    db = fixture_db("failures.db")
    with sqlite3.connect(db) as connection:
        firsts = Counter(row[0][0] for row in connection.execute("SELECT id FROM job"))
    prefix = next(char for char, count in firsts.items() if count > 1)
    assert run([str(db), f"jobs/{prefix}"]) == 2
    err = capsys.readouterr().err
    assert "jobs/" in err and launched == []


def test_missing_database_exits_2(tmp_path, launched, capsys):
    assert run([str(tmp_path / "nope.db")]) == 2
    assert "nope.db" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()  # never created by opening


def test_demo_opens_the_bundled_database(launched):
    assert Path(demo_db_path()).is_file()
    assert run(["--demo", "executions"]) == 0
    (app,) = launched
    assert app.store.name.endswith("demo.db")
    assert app.db_label == "--demo"  # the header reads `redun-tui --demo ROUTE`


def test_no_path_finds_the_project_database_and_a_lone_route(tmp_path, monkeypatch, launched):
    (tmp_path / ".redun").mkdir()
    shutil.copyfile(FIXTURES / "failures.db", tmp_path / ".redun" / "redun.db")
    work = tmp_path / "sub"
    work.mkdir()
    monkeypatch.chdir(work)
    assert run(["jobs/6bec3a18"]) == 0
    (app,) = launched
    assert app.start_route.startswith("jobs/6bec3a18") and len(app.start_route) > 13


def test_migrate_upgrades_an_old_schema_first(tmp_path, launched, capsys):
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / "old_v3_0.db", db)
    assert run([str(db)]) == 2  # too old to browse as it is
    assert "upgrade" in capsys.readouterr().err
    assert run([str(db), "--migrate"]) == 0
    assert len(launched) == 1
    assert len(list(tmp_path.glob("old*"))) > 1  # a backup was written next to it
