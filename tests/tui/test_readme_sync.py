"""The README documents what the help screen shows: every route, key and search filter."""

from pathlib import Path

import pytest

from redun_tui.tui.app import RedunTuiApp
from redun_tui.tui.screens.help import ROUTES, SEARCH, help_sections

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
KEY_ROWS = [(f"{where}: {keys}", text) for where, rows in help_sections(RedunTuiApp) for keys, text in rows]


@pytest.mark.parametrize("row", ROUTES + SEARCH, ids=lambda row: row[0])
def test_readme_lists_every_help_entry(row):
    name, description = row
    assert description.replace("|", "\\|") in README, name


@pytest.mark.parametrize("row", KEY_ROWS, ids=lambda row: row[0])
def test_readme_lists_every_key_the_help_generates(row):
    """The help's key rows come from the bindings; the README's key table must follow them."""
    where_keys, text = row
    keys = where_keys.split(": ", 1)[1]
    line = f"| `{keys}` | {text.replace('|', chr(92) + '|')} |"
    assert line in README, where_keys


def test_readme_setup_commands_exist_in_the_makefile():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in README
        assert f"\n{target}:" in makefile
