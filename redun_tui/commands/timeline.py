"""``redun-tui timeline [PATH_OR_URL] EXEC [--json]``: where an execution's time went.

Text: the execution's span, its critical path (each step with its own time) and the task
statistics table. ``--json`` prints one object::

    {"execution": "id", "start": "ISO-8601", "end": "ISO-8601 or null", "duration": 12.5,
     "critical_path": [{"job": "id", "task": "ns.name", "start": "…", "end": "…", "self": 1.25}],
     "tasks": [{"task": "ns.name", "count": 3, "failed": 0, "cached": 1, "total": 4.5, "mean": 1.5,
                "p50": 1.2, "p95": 2.1, "max": 2.1}]}

``start``/``end`` are the root job's (``end`` null while it runs; ``duration`` then runs to the
execution's ``updated_time``). Durations are seconds over jobs with both a start and an end;
p50/p95 are nearest-rank, null for a task without finished jobs; tasks by total, descending.
EXEC is an execution id or unique prefix, ``-`` (the latest) or ``~N`` (the N-th latest).
Without PATH_OR_URL: the redun project's database.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click

from redun_tui.commands.common import CliError, database, echo
from redun_tui.formatting import format_duration, format_time, one_line
from redun_tui.views import CriticalStep, TaskStats, TimelineSpan


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def timeline_json(span: TimelineSpan, path: tuple[CriticalStep, ...], tasks: tuple[TaskStats, ...]) -> dict[str, Any]:
    """The ``--json`` object (keys in the documented order)."""
    return {
        "execution": span.execution_id,
        "start": _iso(span.start_time),
        "end": _iso(span.end_time),
        "duration": span.duration,
        "critical_path": [
            {"job": step.job_id, "task": step.task_name, "start": _iso(step.start_time), "end": _iso(step.end_time),
             "self": step.self_seconds}
            for step in path
        ],
        "tasks": [
            {"task": task.task_name, "count": task.count, "failed": task.failed, "cached": task.cached,
             "total": task.total, "mean": task.mean, "p50": task.p50, "p95": task.p95, "max": task.max}
            for task in tasks
        ],
    }


def timeline_text(span: TimelineSpan, path: tuple[CriticalStep, ...], tasks: tuple[TaskStats, ...]) -> list[str]:
    """Human-readable lines; every database string made safe for a terminal (piped or not)."""
    ended = format_time(span.end_time) or "running"
    lines = [
        f"Execution {one_line(span.execution_id)}: {format_time(span.start_time) or '?'} -> {ended}"
        f"  ({format_duration(span.duration) or '-'}, {span.job_count:,} jobs)",
        "",
        "Critical path (own time = end minus the latest child's end):",
    ]
    if not path:
        lines.append("  (no root job)")
    for depth, step in enumerate(path):
        running = "" if step.end_time is not None else "  [running]"
        lines.append(f"  {format_duration(step.self_seconds):>8}  {'  ' * min(depth, 20)}"
                     f"{one_line(step.task_name, 80) or '(no task)'}  {step.job_id[:8]}{running}")
    lines += ["", "Tasks (seconds; durations over finished jobs):"]
    header = f"  {'task':<40} {'count':>7} {'failed':>6} {'cached':>6} {'total':>10} {'mean':>9} {'p50':>9} {'p95':>9} {'max':>9}"
    lines.append(header)
    for task in tasks:
        lines.append(
            f"  {one_line(task.task_name, 40) or '(no task)':<40} {task.count:>7,} {task.failed:>6,} {task.cached:>6,}"
            f" {_num(task.total):>10} {_num(task.mean):>9} {_num(task.p50):>9} {_num(task.p95):>9} {_num(task.max):>9}"
        )
    return lines


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@click.command()
@click.argument("args", nargs=-1, required=True, metavar="[PATH_OR_URL] EXECUTION")
@click.option("--json", "as_json", is_flag=True, help="Print the span, critical path and task statistics as JSON.")
def timeline(args: tuple[str, ...], as_json: bool) -> None:
    """Print where an execution's time went: its critical path and per-task durations.

    EXECUTION is an execution id or a unique prefix of one, - (the latest) or ~N (the N-th
    latest). Without PATH_OR_URL, the redun project's database (.redun here or above).
    """
    from redun_tui.store import Ambiguous, NotFound, Store

    if len(args) > 2:
        raise CliError("usage: redun-tui timeline [PATH_OR_URL] EXECUTION")
    path_or_url, execution = (None, args[0]) if len(args) == 1 else args

    with database(path_or_url) as backend:
        store = Store(backend)
        try:
            span = store.timeline_span(execution)
        except Ambiguous as error:
            raise CliError(f"{error}: {', '.join(error.candidates)}") from None
        except NotFound as error:
            raise CliError(str(error)) from None
        path = store.critical_path(span.execution_id, span)
        tasks = store.task_stats(span.execution_id)
    if as_json:
        # On a terminal every non-ASCII character is escaped: no control or bidi character from
        # the data reaches it, and the JSON means the same.
        click.echo(json.dumps(timeline_json(span, path, tasks), indent=2, ensure_ascii=sys.stdout.isatty()))
        return
    for line in timeline_text(span, path, tasks):
        echo(line)
