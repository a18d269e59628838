"""The launch path's first page (redun_tui.store.first_page) is the store's, read without SQLAlchemy.

The SQL it runs is the text SQLAlchemy compiles the store's statements to (so the execution
status is db/status.py's rule, not a copy), and the page it returns equals ``Store.executions()``
on every fixture database and on a database with damaged data.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from redun_tui.db.backend import RedunBackendDb
from redun_tui.db.models import Execution, TagEntity
from redun_tui.db.sqlite_open import open_checked
from redun_tui.store import Store
from redun_tui.store.executions import newest_page
from redun_tui.store.first_page import COUNT_SQL, FIRST_PAGE_SQL, TAGS_SQL, LaunchStore, first_page
from redun_tui.store.sql import tag_select

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures"
READABLE = sorted(path.name for path in FIXTURES_DIR.glob("*.db") if not path.name.startswith("old_"))


def compiled(statement) -> str:
    return str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_first_page_sql_is_the_store_statement_compiled():
    # If this fails after a change to the store's statement (or to db/status.py), paste the
    # compiled text (LIMIT ? for the size) into redun_tui/store/first_page.py.
    assert compiled(newest_page(None, 987654)).replace("LIMIT 987654", "LIMIT ?") == FIRST_PAGE_SQL


def test_tags_and_count_sql_are_the_store_statements_compiled():
    assert compiled(tag_select(TagEntity.Execution, ["a", "b"])).replace("'a', 'b'", "{ids}") == TAGS_SQL
    assert compiled(select(func.count()).select_from(Execution)) == COUNT_SQL


def store_over(path: Path) -> Store:
    backend = RedunBackendDb(str(path), read_only=True)
    backend.load()
    return Store(backend)


def assert_same_pages(path: Path) -> None:
    store = store_over(path)
    try:
        database = open_checked(str(path), 2.0)
        for limit in (200, 3, 1):
            expected = store.executions(limit=limit)
            assert first_page(database, limit) == expected
            # The next page, from the first page's cursor, is the store's own next page.
            if expected.next_cursor:
                assert store.executions(cursor=first_page(database, limit).next_cursor, limit=limit).items
    finally:
        store.backend.close()


@pytest.mark.parametrize("name", READABLE)
def test_first_page_equals_the_store_page(name, fixture_db):
    assert_same_pages(fixture_db(name))


def test_first_page_equals_the_store_page_on_damaged_data(fixture_db):
    path = fixture_db("failures.db")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE tag SET value = '{not json' WHERE rowid IN (SELECT min(rowid) FROM tag)")
        connection.execute("UPDATE execution SET args = 'not json [' WHERE id = (SELECT min(id) FROM execution)")
        connection.execute("UPDATE execution SET args = ? WHERE id = (SELECT max(id) FROM execution)",
                           ('["x", "' + "a" * 2_000 + '"]',))
        connection.execute("UPDATE task SET name = ? WHERE hash = (SELECT min(hash) FROM task)", ("t\x1b]52;" * 100,))
    assert_same_pages(path)


def test_launch_store_hands_everything_else_to_the_store(fixture_db):
    path = fixture_db("failures.db")
    opened: list[Store] = []

    def open_store() -> Store:
        opened.append(store_over(path))
        return opened[0]

    launch = LaunchStore(open_checked(str(path), 2.0), open_store)
    try:
        page = launch.executions(limit=3)
        assert opened == []  # the first page needed no Store
        assert launch.executions(cursor=page.next_cursor, limit=3).offset == 3
        assert len(opened) == 1
        assert launch.executions(search="status:failed").items
        assert launch.job_children  # other methods are the Store's
        launch.warm()
        assert len(opened) == 1
    finally:
        launch.close()


def test_launch_path_imports_no_sqlalchemy_until_asked():
    code = (
        "import sys\n"
        "from redun_tui.cli import cli\n"
        "import redun_tui.commands.browse, redun_tui.store.first_page, redun_tui.store.routes\n"
        "import redun_tui.tui.app, redun_tui.tui.screens.executions\n"
        "from redun_tui.db.sqlite_open import open_checked\n"
        "from redun_tui.store.first_page import first_page\n"
        f"first_page(open_checked({str(FIXTURES_DIR / 'failures.db')!r}, 2.0))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_bad_database_on_the_launch_path_is_one_line(tmp_path, capsys, monkeypatch):
    from redun_tui.cli import main
    from redun_tui.tui.app import RedunTuiApp

    monkeypatch.setattr(RedunTuiApp, "run", lambda self, *a, **k: pytest.fail("the app started"))
    target = tmp_path / "notes.db"
    shutil.copyfile(FIXTURES_DIR / "old_v3_0.db", target)
    with pytest.raises(SystemExit) as done:
        main([str(target)])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "older" in err and "db upgrade" in err


async def test_app_on_the_launch_store_paints_then_opens_the_store(fixture_db, settle, wait_until, monkeypatch,
                                                                   tmp_path):
    from redun_tui.tui.app import RedunTuiApp
    from redun_tui.tui.screens.execution import ExecutionScreen

    monkeypatch.chdir(tmp_path)
    path = fixture_db("failures.db")
    expected = store_over(path)
    try:
        rows = expected.executions().items
    finally:
        expected.backend.close()
    launch = LaunchStore(open_checked(str(path), 2.0), lambda: store_over(path))
    app = RedunTuiApp(launch, live_interval=0, loading_delay=60)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert list(app.screen.listing.items) == list(rows)
            # The real store opens in the background after the first page.
            await wait_until(pilot, lambda: launch._store is not None, "the real store to open")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ExecutionScreen) and app.screen.route == f"executions/{rows[0].id}"
    finally:
        launch.close()
