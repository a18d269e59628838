"""``redun-tui query PATH_OR_URL [SEARCH…] [--json] [--limit N]``: list matching records.

The search words are the search bar's language (:mod:`redun_tui.search`), including redun's
``redun log`` flags (``--task-name``, ``--job-status``, ``-t``…). Without search words it lists
executions, newest first, like ``redun log``. One line per record: type, id, status, task (or
value type / file path), time; ``--json`` writes one JSON object per line instead.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from redun_tui.commands.common import CliError, database
from redun_tui.db.backend import chunks
from redun_tui.db.models import CallNode, Execution, File, Job, Task, Value
from redun_tui.db.query import CallGraphQuery, job_status_case
from redun_tui.formatting import format_time, one_line
from redun_tui.search import SearchQuery, SearchSyntaxError, apply_search, parse_search

DEFAULT_LIMIT = 1000
BATCH = 500
_SHORT_PREFIX = re.compile(r"^([A-Za-z][A-Za-z_-]*:)(.*)$", re.DOTALL)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def join_search_args(words: Iterable[str]) -> str:
    """Joins command-line words into search text, keeping each word one word.

    The shell already removed the user's quotes: a word with spaces or quotes is quoted again
    (after its ``prefix:``, so ``tag:doc=first run`` stays a tag filter).
    """
    parts = []
    for word in words:
        if word and not re.search(r"[\s\"']", word):
            parts.append(word)
            continue
        match = _SHORT_PREFIX.match(word)
        if match and not word.startswith(("'", '"')):
            parts.append(match.group(1) + _quote(match.group(2)))
        else:
            parts.append(_quote(word))
    return " ".join(parts)


def build_query(session: Session, words: tuple[str, ...]) -> tuple[CallGraphQuery, SearchQuery]:
    """The CallGraphQuery for command-line search words (executions when there are none).

    Raises:
        CliError: the search text does not parse.
    """
    text = join_search_args(words)
    parsed = parse_search(text)
    if isinstance(parsed, SearchSyntaxError):
        raise CliError(f"bad search {text!r}: {parsed}")
    query = apply_search(CallGraphQuery(session).order_by("time"), parsed, session)
    if parsed.is_empty:
        query = query.filter_types({"Execution"})
    return query, parsed


def iter_limited(query: CallGraphQuery, limit: int | None) -> Iterator[Any]:
    """Records of ``query`` in order: at most ``limit``, or all of them (None) streamed in batches."""
    if limit is not None:
        yield from query.limit(limit)
        return
    yield from query.stream(BATCH)


def describe(session: Session, records: list[Any]) -> list[dict]:
    """One plain dict per record: type, id, status, task, time (and value type and path).

    Statuses and task names come from a few bulk queries, not one per record.
    """
    job_ids = [r.id for r in records if isinstance(r, Job)] + [r.job_id for r in records if isinstance(r, Execution)]
    jobs: dict[str, tuple[str, str | None, Any]] = {}
    for chunk in chunks(job_ids, BATCH):
        rows = session.execute(
            sa.select(Job.id, job_status_case(Job, correlated=True), Task.namespace, Task.name, Job.start_time)
            .outerjoin(Task, Task.hash == Job.task_hash)
            .where(Job.id.in_(chunk))
        )
        for job_id, status, namespace, name, start in rows:
            jobs[job_id] = (status, _fullname(namespace, name), start)
    value_hashes = [r.value_hash for r in records if isinstance(r, Value)]
    paths: dict[str, str] = {}
    for chunk in chunks(value_hashes, BATCH):
        paths.update(session.execute(sa.select(File.value_hash, File.path).where(File.value_hash.in_(chunk))).all())

    described = []
    for record in records:
        item: dict[str, Any] = {"type": type(record).__name__}
        if isinstance(record, Execution):
            status, task, start = jobs.get(record.job_id, (None, None, None))
            # An execution is DONE when its root job is DONE or CACHED; no root job: FAILED.
            exec_status = "FAILED" if status is None else "DONE" if status == "CACHED" else status
            item.update(id=record.id, status=exec_status, task=task, time=start, args=_args(record.args))
        elif isinstance(record, Job):
            status, task, start = jobs.get(record.id, (None, None, record.start_time))
            item.update(id=record.id, status=status, task=task, time=start, execution_id=record.execution_id)
        elif isinstance(record, CallNode):
            item.update(id=record.call_hash, status=None, task=record.task_name, time=record.timestamp)
        elif isinstance(record, Task):
            item.update(id=record.hash, status=None, task=record.fullname, time=None)
        elif isinstance(record, Value):
            item.update(id=record.value_hash, status=None, task=None, time=None, value_type=record.type)
            if record.value_hash in paths:
                item["path"] = paths[record.value_hash]
        described.append(item)
    return described


def _fullname(namespace: str | None, name: str | None) -> str | None:
    if name is None:
        return None
    return f"{namespace}.{name}" if namespace else name


def _args(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def format_line(item: dict, tty: bool) -> str:
    """``Job  3f6e89ff-…  DONE  seedex.align_reads  2026-11-27 09:57:27`` (tab-separated)."""
    detail = item.get("task")
    if item["type"] == "Value":
        detail = item.get("value_type") or ""
        if item.get("path") is not None:
            detail = f"{detail} {item['path']}"
    fields = [item["type"], item["id"], item.get("status") or "", detail or "", format_time(item.get("time"))]
    if tty:
        fields = [one_line(field) for field in fields]
    return "\t".join(fields)


def json_line(item: dict) -> str:
    """One JSON object; times as ``str()`` of the UTC datetime, as redun writes them."""
    return json.dumps({key: (str(value) if key == "time" and value is not None else value) for key, value in item.items()})


@click.command(
    context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]},
)
@click.argument("target", metavar="PATH_OR_URL")
@click.argument("search", nargs=-1, type=click.UNPROCESSED)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="At most N records (0: all of them).",
)
def query(target: str, search: tuple[str, ...], as_json: bool, limit: int) -> None:
    """List the records of a redun database that match SEARCH (default: executions).

    SEARCH is the search bar's language, e.g. `task:align_reads status:failed`,
    `tag:env=prod`, `file:*.vcf`, `exec:7dfcc758 is:job`, or redun log's flags
    (`--task-name align_reads --job-status FAILED`). Newest first.
    """
    tty = sys.stdout.isatty()
    with database(target) as backend:
        with backend.new_session() as session:
            built, _parsed = build_query(session, search)
            wanted = None if limit == 0 else limit
            records = iter_limited(built, None if wanted is None else wanted + 1)
            shown = 0
            batch: list[Any] = []
            more = False

            def flush() -> None:
                for item in describe(session, batch):
                    click.echo(json_line(item) if as_json else format_line(item, tty))
                batch.clear()

            for record in records:
                if wanted is not None and shown >= wanted:
                    more = True
                    break
                batch.append(record)
                shown += 1
                if len(batch) >= BATCH:
                    flush()
            flush()
            if more:
                click.echo(f"redun-tui: showing the first {wanted} records; --limit 0 shows all", err=True)
