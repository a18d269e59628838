"""``redun-tui query [PATH_OR_URL] [SEARCH…] [--json] [--count] [--limit N]``: list matching records.

The search words are the search bar's language (:mod:`redun_tui.search`), including redun's
``redun log`` flags (``--task-name``, ``--job-status``, ``-t``…). Without search words it lists
executions, newest first, like ``redun log``. One line per record: type, id, status, task (or
value type / file path), time; ``--json`` writes one JSON object per line instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from redun_tui.commands.common import CliError, database, echo, split_target
from redun_tui.db.backend import chunks
from redun_tui.db.models import CallNode, Execution, File, Job, Task, Value
from redun_tui.db.query import CallGraphQuery, job_status_case
from redun_tui.formatting import format_time, one_line
from redun_tui.search import SearchQuery, SearchSyntaxError, apply_search, parse_search

DEFAULT_LIMIT = 1000
BATCH = 500


def search_text(words: Iterable[str]) -> str:
    """Command-line words as search-bar text: joined by single spaces, nothing re-quoted.

    The words are parsed by the search bar's own parser (:func:`redun_tui.search.parse_search`),
    so the same text means the same search everywhere: quote for the search language inside
    the shell's quotes (``'tag:doc="first run"'``), as in the search bar.
    """
    return " ".join(words)


def parse_words(words: Iterable[str]) -> SearchQuery:
    """The parsed search of command-line words.

    Raises:
        CliError: the text does not parse (the message names the character where it fails).
    """
    text = search_text(words)
    parsed = parse_search(text)
    if isinstance(parsed, SearchSyntaxError):
        raise CliError(f"bad search {text!r}: {parsed}")
    return parsed


def build_query(session: Session, parsed: SearchQuery) -> CallGraphQuery:
    """The CallGraphQuery of a parsed search (executions when it is empty), newest first."""
    query = apply_search(CallGraphQuery(session).order_by("time"), parsed, session)
    if parsed.is_empty:
        query = query.filter_types({"Execution"})
    return query


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


def format_line(item: dict) -> str:
    """``Job  3f6e89ff-…  DONE  seedex.align_reads  2026-11-27 09:57:27`` (tab-separated).

    Each field is one safe line (control characters, tabs and newlines escaped visibly), on a
    terminal or not: a reader of the pipe gets no escape sequence and the columns stay columns.
    """
    detail = item.get("task")
    if item["type"] == "Value":
        detail = item.get("value_type") or ""
        if item.get("path") is not None:
            detail = f"{detail} {item['path']}"
    fields = [item["type"], item["id"], item.get("status") or "", detail or "", format_time(item.get("time"))]
    return "\t".join(one_line(field) for field in fields)


def count_lines(counts: Iterable[tuple[str, int]]) -> list[str]:
    """``       3 Execution``: one line per record type, as ``redun log --count`` prints them."""
    return [f"{count:>8} {record_type}" for record_type, count in counts]


def json_line(item: dict) -> str:
    """One JSON object; times as ``str()`` of the UTC datetime, as redun writes them."""
    return json.dumps({key: (str(value) if key == "time" and value is not None else value) for key, value in item.items()})


@click.command(
    context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]},
)
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="[PATH_OR_URL] [SEARCH]...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--count", "as_count", is_flag=True, help="Only count the matches, per record type (as `redun log --count`).")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="At most N records (0: all of them).",
)
def query(words: tuple[str, ...], as_json: bool, as_count: bool, limit: int) -> None:
    """List the records of a redun database that match SEARCH (default: executions).

    SEARCH is the search bar's language, e.g. `task:align_reads status:failed`,
    `tag:env=prod`, `file:*.vcf`, `exec:7dfcc758 is:job`, or redun log's flags
    (`--task-name align_reads --job-status FAILED`). Newest first. The words are joined
    with spaces and parsed as the search bar parses them: quote inside the shell's quotes,
    e.g. 'tag:doc="first run"'. Without PATH_OR_URL, the database of the redun project
    here (.redun/redun.ini or .redun/redun.db, in this directory or a parent).
    """
    target, search = split_target(words)
    parsed = parse_words(search)
    with database(target) as backend:
        with backend.new_session() as session:
            built = build_query(session, parsed)
            if as_count:
                counts = list(built.count())
                if as_json:
                    click.echo(json.dumps(dict(counts)))
                else:
                    for line in count_lines(counts):
                        echo(line)
                return
            wanted = None if limit == 0 else limit
            records = iter_limited(built, None if wanted is None else wanted + 1)
            shown = 0
            batch: list[Any] = []
            more = False

            def flush() -> None:
                for item in describe(session, batch):
                    click.echo(json_line(item) if as_json else format_line(item))
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
