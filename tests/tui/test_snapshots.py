"""Snapshot tests of every screen on the fixture databases (see scenarios.py).

Update after reading the report: ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest
from scenarios import SCENARIOS, Scenario, run_before


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_screen(snap_compare, make_app, settle, scenario: Scenario, tmp_path) -> None:
    scenario.prepare(tmp_path)  # make_app copies a fixture only when the file is not there yet
    app = make_app(scenario.db, scenario.route, theme=scenario.theme)
    assert snap_compare(app, terminal_size=scenario.size, run_before=run_before(scenario, settle))
