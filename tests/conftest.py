"""Shared fixtures: private copies of the fixture databases, the TUI app factory, worker waits.

Fixtures:
    fixture_db: ``fixture_db("failures.db")`` -> Path of a private copy (in ``tmp_path``).
    make_app: ``make_app("failures.db", "jobs/ab12")`` -> a RedunTuiApp over a read-only copy.
        The working directory is ``tmp_path`` and the database is named relatively, so the header
        (``redun-tui failures.db ROUTE``) is the same on every machine. Live refresh is off
        unless ``live_interval`` is given; loading indicators wait ``loading_delay`` (60 s).

    settle: ``await settle(pilot)`` waits until every worker finished and its results were handled.
    wait_until: ``await wait_until(pilot, lambda: ..., "what")`` waits frame by frame for a condition.
    notifications: ``notifications(app)`` -> what the app notified so far (a Notice each);
        ``record_notifications(app)`` starts recording for an app not built by ``make_app``.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
# "Now" for every app under test: a fixed moment after every fixture database was written.
NOW = datetime(2027, 1, 1, tzinfo=timezone.utc)


def fixed_clock() -> datetime:
    """The app's clock in tests (see NOW)."""
    return NOW


@pytest.fixture
def fixture_db(tmp_path: Path) -> Callable[[str], Path]:
    """Copies a fixture database into ``tmp_path`` (tests may delete or lock their copy)."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        if not target.exists():
            shutil.copyfile(FIXTURES_DIR / name, target)
        return target

    return copy


@pytest.fixture
def make_app(fixture_db: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Builds the browser over a private read-only copy of a fixture database."""
    opened: list[Any] = []
    monkeypatch.chdir(tmp_path)

    def build(db_name: str, route: str = "executions", *, live_interval: float = 0.0, **kwargs: Any):
        from redun_tui.commands.common import open_db
        from redun_tui.store import Store
        from redun_tui.tui.app import RedunTuiApp

        fixture_db(db_name)
        backend = open_db(db_name, read_only=True)
        opened.append(backend)
        # Loading indicators only for loads slower than a minute: whether a load beats the
        # indicator's delay depends on the machine's load, and pictures must not.
        kwargs.setdefault("loading_delay", 60.0)
        kwargs.setdefault("clock", fixed_clock)  # "last update … ago" must not age the pictures
        return record_notifications(RedunTuiApp(Store(backend), route, live_interval=live_interval,
                                                export_dir=kwargs.pop("export_dir", tmp_path), **kwargs))

    yield build
    for backend in opened:
        backend.close()


@dataclass(frozen=True)
class Notice:
    """One notification the app showed."""

    message: str
    severity: str
    title: str
    markup: bool


_NOTICES: weakref.WeakKeyDictionary[Any, list[Notice]] = weakref.WeakKeyDictionary()


def record_notifications(app: Any) -> Any:
    """Records what ``app`` notifies through its public ``notify`` (Textual keeps its list private).

    Every ``Widget.notify`` goes through ``App.notify``. Returns the app.
    """
    notices = _NOTICES.setdefault(app, [])
    notify = app.notify

    def recording(message: str, *, title: str = "", severity: str = "information", markup: bool = True,
                  **kwargs: Any) -> None:
        notices.append(Notice(str(message), severity, title, markup))
        notify(message, title=title, severity=severity, markup=markup, **kwargs)

    app.notify = recording
    return app


def notifications(app: Any) -> list[Notice]:
    """What ``app`` (built by ``make_app``, or passed to :func:`record_notifications`) notified so far."""
    return list(_NOTICES[app])


@pytest.fixture(name="notifications")
def notifications_fixture() -> Callable[[Any], list[Notice]]:
    """``notifications(app)``: see :func:`notifications`."""
    return notifications


@pytest.fixture(name="record_notifications")
def record_notifications_fixture() -> Callable[[Any], Any]:
    """``app = record_notifications(App(...))`` for apps not built by ``make_app``."""
    return record_notifications


async def wait_until(pilot: Any, condition: Callable[[], Any], what: str = "", timeout: float = 10.0) -> None:
    """Waits frame by frame until ``condition()`` is true; fails naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await pilot.pause()
        await asyncio.sleep(0.01)  # let thread workers run between frames


@pytest.fixture(name="wait_until")
def wait_until_fixture() -> Callable[..., Any]:
    """``await wait_until(pilot, condition, what)``: see :func:`wait_until`."""
    return wait_until


async def wait_for_workers(pilot: Any, timeout: float = 10.0) -> None:
    """Waits until no worker runs and the messages they posted were handled."""
    from textual.worker import WorkerState

    app = pilot.app
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        await pilot.pause()
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        # A widget still showing its loading indicator is waiting for a result message.
        loading = [w for w in app.screen.query("*") if w.loading]
        if busy or loading:
            quiet = 0
            await asyncio.sleep(0.01)
            continue
        quiet += 1
        if quiet >= 3:  # results arrive as messages a moment after the worker ends
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            return
    raise TimeoutError("workers still running: " + ", ".join(w.name for w in app.workers))


@pytest.fixture
def settle() -> Callable[..., Any]:
    """``await settle(pilot)``: see :func:`wait_for_workers`."""
    return wait_for_workers
