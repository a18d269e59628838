"""The ``redun-tui`` command.

``redun-tui [PATH_OR_URL] [ROUTE]`` opens the browser (read-only); subcommands script the same data
layer: ``db``, ``dataflow``, ``downstream``, ``query``, ``export``, ``import``, ``show`` (a record's
report) and ``serve`` (the browser in a web page). Every bad input ends in one line
``redun-tui: …`` on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from redun_tui.commands.common import EXIT_BAD_INPUT, one_line

# Subcommand name -> "module:attribute"; imported only when used so start-up stays fast.
SUBCOMMANDS = {
    "browse": "redun_tui.commands.browse:browse",
    "db": "redun_tui.commands.db:db",
    "dataflow": "redun_tui.commands.dataflow:dataflow",
    "diff": "redun_tui.commands.diff:diff",
    "downstream": "redun_tui.commands.downstream:downstream",
    "query": "redun_tui.commands.query:query",
    "export": "redun_tui.commands.export:export",
    "import": "redun_tui.commands.export:import_",
    "timeline": "redun_tui.commands.timeline:timeline",
    "show": "redun_tui.commands.show:show",
    "serve": "redun_tui.commands.serve:serve",
}
# The first paragraph of each subcommand's help, for `redun-tui --help` without importing
# every subcommand (and SQLAlchemy with them). tests/unit/test_cli_help.py keeps it equal to
# what the commands say.
SUMMARIES = {
    "diff": "Compare two executions: which jobs changed, were added or removed, and why.",
    "browse": "Browse a redun database: executions, jobs, values, dataflow, tasks and files.",
    "db": "Show or migrate the schema version of a redun database (like `redun db`).",
    "dataflow": "Print the upstream dataflow of TARGET: where a value came from.",
    "downstream": "Print what TARGET fed: the calls, derived values and executions downstream of it.",
    "query": "List the records of a redun database that match SEARCH (default: executions).",
    "export": "Export matching records and everything they reference as JSON lines (redun's format).",
    "timeline": "Print where an execution's time went: its critical path and per-task durations.",
    "import": "Import records exported by `redun-tui export` or `redun export` into a database.",
    "show": "Print the report of one record: execution, job, value, task or file.",
    "serve": "Serve the browser in a web page: one app process per browser tab, read-only.",
}
DEFAULT_COMMAND = "browse"


class MainGroup(click.Group):
    """A group whose subcommands load lazily and whose default command is ``browse``.

    ``redun-tui redun.db jobs/ab12`` has no subcommand name first, so it runs ``browse``.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands section of ``--help``, from :data:`SUMMARIES` (no subcommand imported)."""
        if not SUMMARIES:
            return
        limit = formatter.width - 6 - max(len(name) for name in SUMMARIES)
        # A bare Command shortens a help text exactly as the real one's would be.
        rows = [(name, click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in SUBCOMMANDS and args[0] not in ("--help", "-h", "--version")):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


@click.group(cls=MainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="redun-tui", prog_name="redun-tui")
def cli() -> None:
    """Browse redun provenance databases: redun-tui [PATH_OR_URL] [ROUTE].

    With no PATH_OR_URL, uses .redun/redun.ini or .redun/redun.db in this directory or a parent.
    The database is opened read-only; nothing is written unless a `db upgrade` is asked for.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI and turns every error into one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="redun-tui", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except SystemExit as done:
        # click answers a closed stdout pipe (`redun-tui query db | head`) with exit 1 after
        # wrapping the streams; the reader simply had enough, which is not a failure.
        if type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
            sys.exit(0)
        raise
    except click.exceptions.Abort:
        click.echo("redun-tui: aborted", err=True)
        sys.exit(1)
    except click.ClickException as error:
        if isinstance(error, click.UsageError):
            click.echo(f"redun-tui: {one_line(error.format_message())}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        error.show()
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # `redun-tui query db | head`: the reader went away; not an error worth a traceback.
        # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except Exception as error:  # a bug: still one line, full traceback on request
        if os.environ.get("REDUN_TUI_DEBUG"):
            raise
        click.echo(
            f"redun-tui: internal error: {type(error).__name__}: {one_line(str(error))} "
            "(set REDUN_TUI_DEBUG=1 for a traceback)",
            err=True,
        )
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
