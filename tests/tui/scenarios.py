"""Screen scenarios shared by the snapshot tests and ``scripts/make_screenshots.py``.

A scenario is a fixture database, a route, a terminal size, the keys pressed once the screen
has loaded and a theme: every scenario runs in the default dark theme and again, as NAME_light,
in Textual's light theme (tests/tui/test_contrast.py checks both are legible). Fixture data has fixed ids and absolute UTC times, and live refresh is off, so each
scenario renders the same picture every time.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass(frozen=True)
class Scenario:
    """One picture: ``name`` names the snapshot and the screenshot file."""

    name: str
    db: str
    route: str = "executions"
    size: tuple[int, int] = (80, 24)
    keys: tuple[str, ...] = ()
    screenshot: bool = True  # also written to screenshots/ by the script
    # Writes the database at the given path (named ``db``) instead of copying a fixture.
    setup: Callable[[Path], None] | None = None
    theme: str | None = None  # a Textual theme name; None: the app's default (textual-dark)

    def prepare(self, workdir: Path) -> Path:
        """The scenario's database in ``workdir``: built by ``setup`` or copied from the fixtures."""
        target = workdir / self.db
        if not target.exists():
            if self.setup is not None:
                self.setup(target)
            else:
                shutil.copyfile(FIXTURES_DIR / self.db, target)
        return target


def empty_database(path: Path) -> None:
    """A redun database with the schema and no records, as a new file after `db upgrade`."""
    from redun_tui.db.backend import RedunBackendDb

    backend = RedunBackendDb(str(path), read_only=False)
    try:
        backend.migrate()
    finally:
        backend.close()


def tags_table_lost(path: Path) -> None:
    """failures.db without its tag table: the version check passes, the list's tag query fails
    (a damaged database: the app stays up and says so in an error notification)."""
    shutil.copyfile(FIXTURES_DIR / "failures.db", path)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE tag")
    connection.close()


SMALL = (80, 24)
LARGE = (120, 40)
LIGHT = "textual-light"
HUGE = (160, 48)

DARK_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("executions", "failures.db", size=LARGE),
    Scenario("executions_80x24", "failures.db"),
    Scenario("execution_failed", "failures.db", "executions/b22c1c57", LARGE, keys=("right",)),
    Scenario("execution_failed_80x24", "failures.db", "executions/b22c1c57", keys=("right",)),
    Scenario("execution_failed_only", "failures.db", "executions/5c286885", LARGE,
             keys=("f", "right", "down", "right", "down", "right")),
    Scenario("execution_killed", "failures.db", "executions/77fee8b0", LARGE, keys=("right",)),
    Scenario("execution_seed", "seed_example.db", "executions/b2ffcd8f", LARGE, keys=("right",)),
    Scenario("execution_stats_80x24", "seed_example.db", "executions/b2ffcd8f", keys=("d",)),
    Scenario("execution_stats_160x48", "failures.db", "executions/b22c1c57", HUGE, keys=("d", "o")),
    Scenario("job_failed", "failures.db", "jobs/ff72ff9e", LARGE),
    Scenario("job_failed_80x24", "failures.db", "jobs/ff72ff9e"),
    Scenario("job_killed_root", "failures.db", "executions/77fee8b0", LARGE, keys=("enter",)),
    Scenario("value_markup", "values.db", "values/a11e4c29", LARGE),
    Scenario("value_big_string", "values.db", "values/8167c0df"),
    Scenario("value_full_text", "values.db", "values/8167c0df", keys=("v",)),
    Scenario("value_weird_file", "values.db", "values/b8c9f96b", LARGE),
    Scenario("dataflow", "seed_example.db", "dataflow/5ace4f46", LARGE, keys=("right", "right", "down")),
    Scenario("dataflow_80x24", "seed_example.db", "dataflow/5ace4f46"),
    Scenario("downstream_160x48", "downstream.db", "downstream/5a8b8b0b", (160, 48),
             keys=("a", *("down",) * 6, "right")),
    Scenario("downstream_80x24", "downstream.db", "downstream/5a8b8b0b"),
    Scenario("tasks", "values.db", "tasks", LARGE),
    Scenario("task", "seed_example.db", "tasks/8cb2399f", LARGE),
    Scenario("files", "values.db", "files", LARGE),
    Scenario("file", "seed_example.db", "files/sample3.fastq", LARGE),
    Scenario("search", "failures.db", "search/status:failed", LARGE),
    Scenario("search_error_80x24", "failures.db", "search/status:bogus task:"),
    Scenario("help_80x24", "failures.db", "help"),
    # A run killed mid-way: its root job never ended, so the execution is RUNNING (live).
    Scenario("execution_running_80x24", "failures.db", "executions/77fee8b0"),
    # The palette with a route typed (its hits have distinct scores: the order is fixed; the
    # bare palette lists two providers' hits in whichever order they arrive).
    Scenario("command_palette", "failures.db", size=LARGE, keys=("ctrl+p", *"jobs", "slash", *"ff72")),
    Scenario("error_notification_80x24", "broken.db", setup=tags_table_lost),
    Scenario("empty_database_80x24", "empty.db", setup=empty_database),
    Scenario("diff_80x24", "seed_example.db", "diff/af59d4e0/b2ffcd8f", keys=("down", "down")),
    Scenario("diff_160x48", "seed_example.db", "diff/af59d4e0/b2ffcd8f", (160, 48), keys=("down", "down")),
    Scenario("timeline_80x24", "seed_example.db", "timeline/b2ffcd8f"),
    Scenario("timeline_zoomed_80x24", "seed_example.db", "timeline/b2ffcd8f", keys=("plus", "plus", "right")),
    Scenario("timeline_160x48", "seed_example.db", "timeline/b2ffcd8f", HUGE, keys=("c", "c")),
    Scenario("timeline_zoomed_160x48", "seed_example.db", "timeline/b2ffcd8f", HUGE, keys=("c", "c", "plus", "plus")),
)
SCENARIOS: tuple[Scenario, ...] = DARK_SCENARIOS + tuple(
    replace(scenario, name=f"{scenario.name}_light", theme=LIGHT) for scenario in DARK_SCENARIOS
)


def by_name(name: str) -> Scenario:
    """The scenario called ``name``."""
    return next(scenario for scenario in SCENARIOS if scenario.name == name)


def run_before(scenario: Scenario, settle: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    """The pilot script of a scenario: wait for the screen's data, press the keys one by one."""

    async def script(pilot: Any) -> None:
        await settle(pilot)
        for key in scenario.keys:
            await pilot.press(key)
            await settle(pilot)
        # A steady cursor in every input (the command palette's too): pictures must not
        # depend on the blink phase.
        for widget in pilot.app.screen.query("Input"):
            widget.cursor_blink = False
        pilot.app.screen.refresh()
        await settle(pilot)

    return script
