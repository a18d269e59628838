"""Writes screenshots/*.svg from the snapshot-test scenarios (tests/tui/scenarios.py).

Usage: ``python scripts/make_screenshots.py [NAME ...]`` (default: every scenario marked for
screenshots). The same fixture databases, routes, sizes and keys as the snapshot tests, so the
README pictures are what the tests check.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "tui")]

from conftest import wait_for_workers  # noqa: E402
from scenarios import SCENARIOS, Scenario, run_before  # noqa: E402

from redun_tui.commands.common import open_db  # noqa: E402
from redun_tui.store import Store  # noqa: E402
from redun_tui.tui.app import RedunTuiApp  # noqa: E402

OUT_DIR = ROOT / "screenshots"


async def shoot(scenario: Scenario, workdir: Path) -> str:
    """Runs one scenario headless and returns its SVG."""
    scenario.prepare(workdir)
    backend = open_db(scenario.db, read_only=True)
    try:
        app = RedunTuiApp(Store(backend), scenario.route, live_interval=0, export_dir=workdir, loading_delay=60,
                          theme=scenario.theme)
        # Notifications on, as in snap_compare's run (run_test leaves them out by default).
        async with app.run_test(size=scenario.size, notifications=True) as pilot:
            await run_before(scenario, wait_for_workers)(pilot)
            # What snap_compare does before its picture (textual._doc.take_svg_screenshot):
            # without it a notification posted by the last load is not drawn yet.
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            return app.export_screenshot(title=f"redun-tui {scenario.db} {scenario.route}")
    finally:
        backend.close()


def main(names: list[str]) -> None:
    chosen = [s for s in SCENARIOS if (s.name in names if names else s.screenshot)]
    unknown = set(names) - {s.name for s in SCENARIOS}
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    OUT_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.chdir(workdir)  # the header shows the database as named: `redun-tui failures.db …`
        for scenario in chosen:
            svg = asyncio.run(shoot(scenario, workdir))
            path = OUT_DIR / f"{scenario.name}.svg"
            path.write_text(svg, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({scenario.db} {scenario.route}, {scenario.size[0]}x{scenario.size[1]})")


if __name__ == "__main__":
    main(sys.argv[1:])
