"""``redun-tui downstream PATH_OR_URL TARGET [--json] [--depth N] [--limit N]``: what a value fed.

The forward walk (docs/downstream.md): the calls that consumed TARGET, the values derived from
it, and the executions to redo, newest first. TARGET is

- a file path recorded in the database: every File value with that path (all versions), each a
  root at depth 0;
- a value hash or unique prefix;
- a job id or prefix (its result), or a call node hash or prefix (its result).

``--json`` prints issue 14's document exactly (see :func:`redun_tui.store.downstream.to_json`).
The text form goes through :func:`redun_tui.commands.common.echo` (control characters made
visible, piped or not). An unknown or ambiguous TARGET is one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys

import click

from redun_tui.commands.common import CliError, database, echo


def _file_path(session, target: str) -> str | None:
    """The recorded path TARGET names (as typed, or normalized), or None."""
    from sqlalchemy import select

    from redun_tui.db.models import File

    for candidate in dict.fromkeys([target, os.path.normpath(target)]):
        found = session.execute(select(File.path).where(File.path == candidate).limit(1)).scalar()
        if found is not None:
            return found
    return None


def render_text(view) -> list[str]:
    """The human-readable report: summary, impact list, calls by depth, derived values."""
    from redun_tui.formatting import format_time, short_id

    if view.file_path is not None and len(view.roots) > 1:
        head = [f"downstream of {view.file_path} ({len(view.roots)} versions)"]
    else:
        head = [f"downstream of {view.roots[0].hash if view.roots else view.target}"]
    head += [f"  root {root.hash[:8]}  {root.preview}" for root in view.roots]
    summary = (
        f"{len(view.calls)} calls, {len(view.values)} derived values, {len(view.executions)} executions"
        + (f", depth ≤ {view.depth_limit}" if view.depth_limit is not None else "")
        + (" (truncated by --limit)" if view.truncated else "")
    )
    lines = [*head, summary]
    for task, execution_id in view.newest_by_task:
        lines.append(f"  newest {task}: {execution_id}")
    lines += ["", "Executions (newest first):"]
    lines += [f"  {e.id}  {e.status:<7}  {format_time(e.start) or '-':<19}  {e.task}" for e in view.executions]
    lines += ["", "Calls:"]
    for call in view.calls:
        executions = ",".join(short_id(e) for e in call.executions)
        lines.append(
            f"  {call.depth}  {call.task}  {short_id(call.call_hash)}  {', '.join(call.arguments)} <- "
            f"{short_id(call.from_value)}  -> {short_id(call.result)}  jobs {len(call.jobs)}  executions {executions}"
        )
    lines += ["", "Derived values:"]
    lines += [f"  {v.depth}  {short_id(v.hash)}  {v.type}  {v.preview}" for v in view.values]
    return lines


@click.command()
@click.argument("args", nargs=-1, required=True, metavar="[PATH_OR_URL] TARGET")
@click.option("--json", "as_json", is_flag=True, help="Print the walk as JSON (calls, values, executions).")
@click.option("--depth", type=click.IntRange(min=1), default=None, help="Levels to walk at most (default: all).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Calls listed at most (default 5,000); sets `truncated` when more exist.")
def downstream(args: tuple[str, ...], as_json: bool, depth: int | None, limit: int | None) -> None:
    """Print what TARGET fed: the calls, derived values and executions downstream of it.

    TARGET is a file path recorded in the database (every version of it), a value hash, a job id
    (its result) or a call node hash; ids may be unique prefixes. Without PATH_OR_URL, the redun
    project's database (.redun here or above).
    """
    from redun_tui.commands.dataflow import resolve_target
    from redun_tui.store import downstream as ds

    if len(args) > 2:
        raise CliError("usage: redun-tui downstream [PATH_OR_URL] TARGET")
    path_or_url, target = (None, args[0]) if len(args) == 1 else args
    limit = limit or ds.DEFAULT_CALL_LIMIT
    with database(path_or_url) as backend:
        target = target.strip()
        if not target:
            raise CliError("empty TARGET: give a value hash, job id, call node hash or file path")
        with backend.new_session() as session:
            path = _file_path(session, target)
            if path is not None:
                view = ds.downstream(session, "", path=path, depth_limit=depth, limit=limit)
            else:
                resolved = resolve_target(session, target)
                view = ds.downstream(session, resolved.value.value_hash, depth_limit=depth, limit=limit)
    if as_json:
        # On a terminal every non-ASCII character is escaped: no control or bidi character
        # from the data reaches it, and the JSON stays exact.
        click.echo(json.dumps(ds.to_json(view), indent=2, ensure_ascii=sys.stdout.isatty()))
        return
    for line in render_text(view):
        echo(line)
