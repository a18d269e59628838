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
    from redun_tui.store import Ambiguous, NotFound, routes

    text = text.strip()
    if not text:
        raise CliError("empty ID: give a route, an id or hash prefix, or a file path")
    candidates: list[str] = []
    try:
        parsed = routes.parse(text)
    except routes.RouteError:
        parsed = None
    if parsed is not None and ("/" in text or text in routes.LIST_ROUTES):
        if not parsed.needs_resolving:
            return str(parsed)
        candidates = [str(parsed)]
    else:
        candidates = [routes.format_route(kind, text) for kind in routes.ID_KINDS]
    found: list[str] = []
    problems: list[str] = []
    for candidate in candidates:
        try:
            resolution = store.resolve(candidate)
        except (Ambiguous, NotFound) as error:
            problems.append(str(error))
            continue
        if resolution.route:
            found.append(resolution.route)
        elif resolution.candidates:
            problems.append(f"{resolution.error} ({', '.join(resolution.candidates[:8])})")
        elif resolution.error:
            problems.append(resolution.error)
    found = list(dict.fromkeys(found))
    if any(route.startswith("values/") for route in found):
        # A File value's hash also names its path (files/<hash>): the value is what was meant.
        found = [route for route in found if not route.startswith("files/") or route == routes.file(text)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise CliError(f"{text!r} matches several records: {', '.join(found)}")
    ambiguous = [problem for problem in problems if "matches" in problem and "no " not in problem[:3]]
    if len(candidates) == 1 and problems:
        raise CliError(problems[0])
    raise CliError(ambiguous[0] if ambiguous else f"no execution, job, value, task or file matches {text!r}")


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
