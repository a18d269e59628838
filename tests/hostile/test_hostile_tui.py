"""The Textual app on hostile databases: every kind of route opens, nothing planted runs, and the
rendered screen shows database text literally, with no control sequence in it.

The rendered screen is read from ``App.export_screenshot()`` (the SVG of what the terminal would
show): its text is what a user sees.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from builder import DANGEROUS, HostileDb

# Control characters a terminal would act on (C0 except \t \n, DEL, C1, bidi overrides).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TAG = re.compile(r"<[^>]+>")


def screen_text(app: Any) -> str:
    """The text of the rendered screen (SVG text nodes, unescaped)."""
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return "\n".join(html.unescape(TAG.sub("", text)).replace("\xa0", " ") for text in texts)


def _app(info: HostileDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from redun_tui.commands.common import open_db
    from redun_tui.store import Store
    from redun_tui.tui.app import RedunTuiApp

    monkeypatch.chdir(tmp_path)
    backend = open_db(str(info.path), read_only=True)
    return backend, RedunTuiApp(Store(backend), "executions", live_interval=0.0, export_dir=tmp_path)


def _routes(info: HostileDb, values: list[str], lists: tuple[str, ...] = ("tasks", "files")) -> list[str]:
    routes = ["executions", f"executions/{info.execution_id}", *lists]
    routes += [f"jobs/{job_id}" for job_id in info.job_ids[1::max(1, len(info.job_ids) // 2)]]
    for index, name in enumerate(values):
        value_hash = info.value_hashes[name]
        routes.append(f"values/{value_hash}")
        if index % 2 == 0:
            routes.append(f"dataflow/{value_hash}")
    return routes


async def _visit(app: Any, pilot: Any, settle: Any, routes: list[str]) -> list[tuple[str, str]]:
    seen = []
    for route in routes:
        app.navigate(route)
        await settle(pilot)
        # Move around a little: focus and cursor changes re-render rows.
        await pilot.press("tab", "down", "down", "up")
        await pilot.pause()
        seen.append((route, screen_text(app)))
    return seen


def unclean(seen: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(route, excerpt) of every screen showing a raw control character."""
    found = []
    for route, text in seen:
        bad = CONTROL.search(text)
        if bad is not None:
            found.append((route, text[max(0, bad.start() - 40) : bad.start() + 20]))
        elif any(sequence in text for sequence in DANGEROUS):
            found.append((route, "dangerous sequence"))
    return found


async def test_pickle_db_every_route_runs_nothing(
    pickle_db: HostileDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settle: Any
) -> None:
    backend, app = _app(pickle_db, tmp_path, monkeypatch)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            seen = await _visit(app, pilot, settle, _routes(pickle_db, ["nested-in-object-state", "raw-error-value-with-evil-error", "getattr-chain"]))
            assert app.is_running
    finally:
        backend.close()
    assert not pickle_db.marker.exists()
    assert unclean(seen) == []
    # The planted calls are shown, inert, on their value screens.
    shown = "\n".join(text for route, text in seen if route.startswith("values/"))
    assert "blocked" in shown


@pytest.fixture(scope="module")
def text_screens() -> dict[str, Any]:
    """Filled by the first text-database test with what every route rendered."""
    return {}


async def test_text_db_shows_text_literally(
    text_db: HostileDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settle: Any, text_screens: dict
) -> None:
    names = ["str-markup-0", "str-markup-1", "str-escape-2", "str-long-line", "big-50MB"]
    backend, app = _app(text_db, tmp_path, monkeypatch)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            seen = await _visit(app, pilot, settle, _routes(text_db, names, ("tasks", "files", "search/status:failed")))
            # `[@click=app.quit]` in the data must not have become an action: still running.
            assert app.is_running
    finally:
        backend.close()
    text_screens["seen"] = seen
    by_route = dict(seen)
    # Markup is shown as the characters it is made of.
    assert "[bold red]x[/]" in by_route[f"values/{text_db.value_hashes['str-markup-0']}"]
    assert "[@click=app.quit]" in by_route[f"values/{text_db.value_hashes['str-markup-1']}"]
    # Escapes are shown as visible text, not passed to the terminal.
    assert "\\e]52" in by_route[f"values/{text_db.value_hashes['str-escape-2']}"]


def test_text_db_screens_show_no_control_characters(text_screens: dict) -> None:
    if "seen" not in text_screens:
        pytest.skip("runs after test_text_db_shows_text_literally")
    assert unclean(text_screens["seen"]) == []


# -- the database goes bad while the app is open ---------------------------------------------------


@pytest.mark.parametrize("how", ["replaced-by-text", "deleted", "truncated", "locked"])
async def test_database_breaks_while_open(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settle: Any, record_notifications: Any,
    notifications: Any,
) -> None:
    """A notification, and the app stays usable (it keeps running and answers keys)."""
    import os
    import shutil
    import sqlite3
    import subprocess
    import sys

    from redun_tui.db import RedunBackendDb
    from redun_tui.store import Store
    from redun_tui.tui.app import RedunTuiApp

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "redun.db"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "fixtures" / "failures.db", path)
    # A short busy timeout keeps the locked case quick (the default is 2 s, retried).
    backend = RedunBackendDb(str(path), busy_timeout=0.3)
    backend.load()
    app = record_notifications(RedunTuiApp(Store(backend), "executions", live_interval=0.0, export_dir=tmp_path))
    locker = None
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as probe:
                job_id = probe.execute("SELECT id FROM job ORDER BY id LIMIT 1").fetchone()[0]
            if how == "replaced-by-text":
                replacement = tmp_path / "new.db"
                replacement.write_text("not a database any more\n" * 100)
                os.replace(replacement, path)
            elif how == "deleted":
                path.unlink()
            elif how == "truncated":
                with open(path, "r+b") as handle:
                    handle.truncate(4096)
            else:
                locker = subprocess.Popen(
                    [sys.executable, "-c", "import sqlite3, sys, time\n"
                     "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                     "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(60)", str(path)],
                    stdout=subprocess.PIPE, text=True,
                )
                assert locker.stdout.readline().strip() == "locked"
            # New connections see the change (pooled ones may still read the old file).
            backend.engine.dispose()
            app.navigate(f"jobs/{job_id}")
            await settle(pilot, timeout=30)
            await pilot.press("r")
            await settle(pilot, timeout=30)
            assert app.is_running
            messages = [n.message for n in notifications(app) if n.severity in ("error", "warning")]
            assert messages, f"no notification for {how}"
            expected = {
                "locked": "locked",
                "deleted": "cannot open",
                "truncated": "corrupt",
                "replaced-by-text": "not a sqlite",
            }[how]
            assert any(expected in str(message).lower() for message in messages), messages
            # Still usable: help opens, escape comes back.
            await pilot.press("question_mark")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            assert app.is_running
    finally:
        if locker is not None:
            locker.kill()
            locker.wait()
        backend.close()
    # Nothing was created in the database's place.
    if how == "deleted":
        assert not path.exists()
