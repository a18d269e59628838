"""``redun-tui --help`` lists the subcommands without importing them, and says what they say."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import click
import pytest

from redun_tui.cli import SUBCOMMANDS, SUMMARIES, cli


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_summary_is_the_commands_first_paragraph(name):
    module, attr = SUBCOMMANDS[name].split(":")
    command = getattr(importlib.import_module(module), attr)
    assert " ".join(inspect.cleandoc(command.help).split("\n\n")[0].split()) == SUMMARIES[name]
    for limit in (30, 45, 70, 200):
        assert click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_is_clicks_own_listing():
    ctx = click.Context(cli, info_name="redun-tui")
    ours, clicks = click.HelpFormatter(width=80), click.HelpFormatter(width=80)
    cli.format_commands(ctx, ours)
    click.Group.format_commands(cli, ctx, clicks)
    assert ours.getvalue() == clicks.getvalue()


def test_help_imports_no_subcommand_and_no_sqlalchemy():
    code = (
        "import sys\n"
        "from redun_tui.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in sys.modules if m.startswith(('sqlalchemy', 'redun_tui.commands.', 'textual'))]\n"
        "print(sorted(m for m in loaded if m != 'redun_tui.commands.common'), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip() == "[]"
    assert "browse" in result.stdout and "serve" in result.stdout
