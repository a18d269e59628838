"""``redun-tui show PATH_OR_URL ID [--format text|markdown]``: a record's screen as a report.

ID is a route (``jobs/ab12``), a bare id or hash prefix of an execution, job, value or task, or a
recorded file path. The report is :mod:`redun_tui.report`'s, the same one ``M`` copies in the
app. Every database string is escaped (control characters made visible), piped or not.
"""

from __future__ import annotations

import click

from redun_tui.commands.common import CliError, database


def resolve_record(store, text: str) -> str:
    """The canonical route of a route, bare id prefix or file path; CliError when none or several."""
    text = text.strip()
    if not text:
        raise CliError("empty ID: give a route, an id or hash prefix, or a file path")
    resolution = store.resolve_text(text)
    if resolution.route is None:
        raise CliError(resolution.error or f"no execution, job, value, task or file matches {text!r}")
    return resolution.route


@click.command()
@click.argument("path_or_url")
@click.argument("record_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True,
              help="Plain text, or Markdown for a GitHub/GitLab issue.")
def show(path_or_url: str, record_id: str, fmt: str) -> None:
    """Print the report of one record: execution, job, value, task or file.

    ID is a route (jobs/ab12), an id or hash prefix, or a recorded file path.
    """
    from redun_tui.report import build_report, render
    from redun_tui.store import Store, StoreError

    with database(path_or_url) as backend:
        store = Store(backend)
        route = resolve_record(store, record_id)
        try:
            report = build_report(store, route)
        except StoreError as error:
            raise CliError(str(error)) from None
    click.echo(render(report, fmt), nl=False)
