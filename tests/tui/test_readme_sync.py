"""The README documents what the help screen shows: every route, key and search filter."""

from pathlib import Path

import pytest

from redun_tui.tui.screens.help import KEYS, ROUTES, SCREEN_KEYS, SEARCH

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize("row", ROUTES + KEYS + SCREEN_KEYS + SEARCH, ids=lambda row: row[0])
def test_readme_lists_every_help_entry(row):
    name, description = row
    assert description.replace("|", "\\|") in README, name


def test_readme_setup_commands_exist_in_the_makefile():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in README
        assert f"\n{target}:" in makefile
