"""Reports: the content of a screen as text or Markdown (``redun-tui show``, the app's ``M``).

A report is built from the store's views (:func:`build_report`, in a worker or a command) into a
small tree of blocks, then rendered by :func:`render_text` or :func:`render_markdown`. Both
renderers escape control characters with :func:`redun_tui.formatting.safe_text` and cut long
text with a marker, so a report is bounded whatever the database holds. Markdown puts database
text in code spans and fences longer than any backtick run inside, so no value can close them
or inject markup into an issue. No Textual here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from redun_tui import rerun
from redun_tui.formatting import format_duration, format_time, one_line, safe_text, short_id
from redun_tui.store import routes
from redun_tui.views import STATUSES, JobUses, TagView, ValueRef

# Bounds: a report must stay pasteable whatever a record holds.
FIELD_LIMIT = 1_000  # characters of one field value
CELL_LIMIT = 200  # characters of one table cell
CODE_LIMIT = 20_000  # characters of a code block (traceback, source, dataflow, preview)
ROW_LIMIT = 50  # rows of a table
FAILED_JOBS = 10  # failed jobs of an execution listed with their errors
CUT = "… [cut: {count:,} more characters]"
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]*)", line (?P<line>\d+), in (?P<func>.*)$')


# -- the report tree ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fields:
    """``label: value`` lines (values are database text)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """Rows under column headings; ``more`` rows were left out."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    more: int = 0


@dataclass(frozen=True)
class Code:
    """Multi-line text shown verbatim (a traceback, source, dataflow or value preview)."""

    text: str


@dataclass(frozen=True)
class Note:
    """One line of text."""

    text: str


Block = Union[Fields, Table, Code, Note]


@dataclass(frozen=True)
class Section:
    """A titled group of blocks (the first section of a report may have no title)."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    """A record's report: its title, the route that opens it, and its sections."""

    title: str
    route: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    rerun: rerun.Rerun | None = None


def cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with a marker saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + CUT.format(count=len(text) - limit)


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]], total: int | None = None) -> Table:
    shown = tuple(tuple(row) for row in rows[:ROW_LIMIT])
    count = len(rows) if total is None else max(total, len(rows))
    return Table(tuple(columns), shown, more=count - len(shown))


def _tags(tags: Sequence[TagView]) -> str:
    return " ".join(f"{tag.key}={tag.value}" for tag in tags)


def _time_span(start: Any, end: Any, duration: Any) -> str:
    ended = format_time(end) or "not ended"
    return f"{format_time(start)} → {ended} ({format_duration(duration) or '-'})"


def _uses(uses: JobUses) -> Section:
    rows = [(use.how, use.job_id, use.task_name, use.status, format_time(use.start_time)) for use in uses]
    if not rows:
        return Section(uses.title, (Note(uses.note),))
    return Section(uses.title, (Note(uses.note), _table(("how", "job", "task", "status", "start"), rows)))


def _ref(value: ValueRef) -> str:
    return f"{value.preview} ({value.type}, {short_id(value.value_hash)})"


# -- building reports from views ------------------------------------------------------------


def build_report(store: Any, route: str) -> Report:
    """The report of a resolved route (``jobs/<full id>``, ``executions``…). Call it in a worker.

    Raises:
        StoreError and database errors, as the store raises them.
    """
    kind, _, arg = route.partition("/")
    if kind == "executions" and arg:
        return execution_report(store, arg)
    if kind == "jobs":
        return job_report(store, arg)
    if kind in ("values", "dataflow"):
        return value_report(store, arg)
    if kind == "files" and arg:
        return file_report(store, arg)
    if kind == "tasks" and arg:
        return task_report(store, arg)
    if kind == "diff" and arg:
        a_id, b_id = routes.diff_ids(arg)
        return diff_report(store.diff(a_id, b_id, previews=False))
    return list_report(store, kind or "executions", arg)


def execution_report(store: Any, execution_id: str) -> Report:
    """An execution: task, status, times, command, tags, status table, failed jobs and errors."""
    detail = store.execution(execution_id)
    row = detail.row
    head = Fields((
        ("Execution", row.id),
        ("Task", row.task_name),
        ("Status", row.status),
        ("Time", _time_span(row.start_time, row.end_time, row.duration)),
        ("Jobs", f"{detail.job_count:,}" if detail.job_count is not None else "?"),
        ("Root job", detail.root_job_id or "none"),
        ("Tags", _tags(row.tags) or "none"),
    ))
    counts = store.status_counts(row.id)
    table_rows = [(count.task_name, *(str(count.get(status)) for status in STATUSES), str(count.total)) for count in counts]
    sections = [Section("", (head,)), Section("Jobs by task", (_table(("task", *STATUSES, "total"), table_rows),))]
    failed = store.jobs(row.id, status="FAILED", limit=FAILED_JOBS)
    if failed.items:
        failed_rows = []
        for job in failed.items:
            error = store.job(job.id).error
            failed_rows.append((job.id, job.task_name, error.error_repr if error else ""))
        blocks: tuple[Block, ...] = (_table(("job", "task", "error"), failed_rows),)
        if failed.has_more:
            blocks += (Note(f"more failed jobs than the {FAILED_JOBS} shown"),)
        sections.append(Section("Failed jobs", blocks))
    command = rerun.execution_command(detail)
    sections.append(Section("Command", (Code(command.command),) if command.command else (Note(command.text),)))
    return Report(f"Execution {short_id(row.id)} {row.task_name} {row.status}", routes.execution(row.id),
                  tuple(sections), command)


def raised_at(traceback: Sequence[str]) -> str | None:
    """``file:line in function`` of the innermost frame of a traceback (None without frames)."""
    found = None
    for line in traceback:
        match = _FRAME.match(line)
        if match:
            found = f"{match['file']}:{match['line']} in {match['func']}"
    return found


def job_report(store: Any, job_id: str) -> Report:
    """A job: trail, call, arguments, result, error, traceback, source location, re-run line."""
    detail = store.job(job_id)
    row = detail.row
    pairs = [
        ("Job", row.id),
        ("Task", f"{detail.task.fullname or row.task_name} ({short_id(detail.task.hash)})"),
        ("Status", row.status + (" (cached)" if row.cached and row.status != "CACHED" else "")),
        ("Time", _time_span(row.start_time, row.end_time, row.duration)),
        ("Execution", row.execution_id),
        ("Call", (detail.call_hash or "not recorded") + (f" args {short_id(detail.args_hash)}" if detail.args_hash else "")),
        ("Trail", " > ".join(link.label for link in detail.trail)),
    ]
    if detail.tags:
        pairs.append(("Tags", _tags(detail.tags)))
    sections = [Section("", (Fields(tuple(pairs)),))]
    if detail.error is not None:
        error_blocks: list[Block] = [Code(detail.error.error_repr)]
        where = raised_at(detail.error.traceback)
        if where:
            error_blocks.append(Fields((("Raised at", where),)))
        sections.append(Section("Error", tuple(error_blocks)))
    rows = [(argument.name, argument.value.type, argument.value.preview) for argument in detail.arguments]
    sections.append(Section(f"Arguments ({len(rows)})", (_table(("name", "type", "value"), rows),) if rows else (Note("none"),)))
    sections.append(Section("Result", (Fields((("Value", _ref(detail.result)),)),) if detail.result else (Note("none (the job has not finished or failed)"),)))
    if detail.error is not None and detail.error.traceback:
        sections.append(Section("Traceback", (Code("\n".join(detail.error.traceback)),)))
    sections.append(Section("Source", (Code(detail.source or "(no source recorded)"),)))
    command = rerun.job_rerun(store, detail)
    sections.append(Section("Re-run", (Code(command.command),) if command.command else (Note(command.text),)))
    return Report(f"Job {short_id(row.id)} {row.task_name} {row.status}", routes.job(row.id), tuple(sections), command)


def value_report(store: Any, value_hash: str) -> Report:
    """A value: preview, producers, consumers, upstream dataflow."""
    detail = store.value(value_hash)
    ref = detail.ref
    pairs = [("Value", ref.value_hash), ("Type", ref.type), ("Size", f"{detail.size:,} bytes"), ("Format", detail.format)]
    if detail.file_path is not None:
        pairs.append(("File path", detail.file_path))
    if detail.tags:
        pairs.append(("Tags", _tags(detail.tags)))
    sections = [
        Section("", (Fields(tuple(pairs)),)),
        Section("Preview", (Code(detail.preview_text),)),
        _uses(detail.produced_by),
        _uses(detail.consumed_by),
    ]
    if detail.subvalues:
        sections.append(Section(f"Subvalues ({len(detail.subvalues)})", (_table(("value", "type", "hash"), [(v.preview, v.type, v.value_hash) for v in detail.subvalues]),)))
    dataflow = store.dataflow(ref.value_hash, with_json=False)
    if dataflow.error:
        sections.append(Section("Upstream dataflow", (Note(dataflow.error),)))
    else:
        sections.append(Section("Upstream dataflow", (Code("\n".join(line.text for line in dataflow.lines)),)))
    return Report(f"Value {short_id(ref.value_hash)} {ref.type}", routes.value(ref.value_hash), tuple(sections))


def file_report(store: Any, path_or_hash: str) -> Report:
    """A file path: its versions, who produced and who read them."""
    detail = store.file(path_or_hash)
    rows = [(version.value_hash, version.preview, format_time(version.last_used)) for version in detail.versions]
    sections = (
        Section("", (Fields((("File", detail.path), ("Versions", str(len(detail.versions))))),)),
        Section("Versions", (_table(("value", "preview", "last used"), rows),)),
        _uses(detail.produced_by),
        _uses(detail.consumed_by),
    )
    return Report(f"File {detail.path}", routes.file(detail.path), sections)


def task_report(store: Any, task_hash: str) -> Report:
    """A task: name, versions, recent jobs, source."""
    detail = store.task(task_hash)
    row = detail.row
    versions = [(version.hash, version.fullname, format_time(version.last_run)) for version in detail.versions]
    jobs = [(job.id, job.status, format_time(job.start_time)) for job in detail.recent_jobs]
    sections = (
        Section("", (Fields((("Task", row.fullname), ("Hash", row.hash), ("Tags", _tags(detail.tags) or "none"))),)),
        Section(f"Versions ({len(versions)})", (_table(("hash", "task", "last run"), versions),)),
        Section(f"Recent jobs ({len(jobs)})", (_table(("job", "status", "start"), jobs),)),
        Section("Source", (Code(detail.source or "(no source recorded)"),)),
    )
    return Report(f"Task {row.fullname} {short_id(row.hash)}", routes.task(row.hash), sections)


def diff_report(view: Any) -> Report:
    """Two executions compared: both headers, the summary, the causes, the pairs that changed."""
    s = view.summary
    head = Fields(tuple(
        (label, f"{side.id} {side.task or '(no task)'} {side.status} {format_time(side.start)}")
        for label, side in (("A", view.a), ("B", view.b))
    ) + (("Summary", f"same {s.same} (cached {s.cached}), changed {s.changed}, added {s.added}, removed {s.removed}"),))
    sections = [Section("", (head,))]
    if view.causes:
        causes = [("code" if cause.kind == "code" else "same path, new content", cause.text, cause.a or "", cause.b or "",
                   str(cause.count)) for cause in view.causes]
        sections.append(Section("Causes", (_table(("cause", "of", "old", "new", "pairs"), causes),)))
    rows = [(pair.change, pair.task, pair.a_job or "", pair.b_job or "", ",".join(pair.reasons),
             " ".join(arg.name for arg in pair.args)) for pair in view.pairs if pair.change != "same"]
    sections.append(Section("Pairs that are not the same", (_table(("change", "task", "A job", "B job", "reasons", "args"), rows),)))
    return Report(f"Diff {short_id(view.a.id)} → {short_id(view.b.id)}", view.route, tuple(sections))


def list_report(store: Any, kind: str, arg: str | None = None) -> Report:
    """A list screen: the first rows of executions, tasks, files or search results."""
    if kind == "tasks":
        page = store.tasks(limit=ROW_LIMIT)
        rows = [(task.hash, task.fullname, format_time(task.last_run)) for task in page.items]
        table = _table(("hash", "task", "last run"), rows, page.total)
    elif kind == "files":
        page = store.files(limit=ROW_LIMIT)
        rows = [(item.path, item.value_hash, format_time(item.last_used)) for item in page.items]
        table = _table(("path", "value", "last used"), rows, page.total)
    elif kind == "search":
        page = store.search(arg or "", limit=ROW_LIMIT)
        rows = [(item.type, item.id, item.status, item.task_name, format_time(item.time), item.detail) for item in page.items]
        table = _table(("type", "id", "status", "task", "time", "arguments / value"), rows, page.total)
    elif kind == "help":
        return Report("redun-tui help", "help", (Section("", (Note("Keys and routes: press ? in redun-tui."),)),))
    else:
        kind = "executions"
        page = store.executions(limit=ROW_LIMIT)
        rows = [(item.id, item.task_name, item.status, format_time(item.start_time), item.args) for item in page.items]
        table = _table(("execution", "task", "status", "start", "args"), rows, page.total)
    more = Note("more rows follow") if page.has_more and page.total is None else None
    route = f"search/{arg}" if kind == "search" else kind
    title = f"Search {arg}" if kind == "search" else kind.capitalize()
    return Report(title, route, (Section("", (table,) + ((more,) if more else ())),))


# -- rendering ------------------------------------------------------------------------------


def _text_block(block: Block) -> list[str]:
    if isinstance(block, Fields):
        width = max(len(label) for label, _ in block.pairs)
        return [f"{label.ljust(width)}  {one_line(cut(value, FIELD_LIMIT))}" for label, value in block.pairs]
    if isinstance(block, Table):
        cells = [list(block.columns)] + [[one_line(cut(cell, CELL_LIMIT)) for cell in row] for row in block.rows]
        widths = [max(len(row[index]) for row in cells) for index in range(len(block.columns))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
        if block.more:
            lines.append(f"… {block.more:,} more rows")
        return lines
    if isinstance(block, Code):
        text = safe_text(cut(block.text, CODE_LIMIT)).rstrip("\n")
        return ["    " + line.replace("\t", "    ") for line in text.split("\n")]
    return [one_line(cut(block.text, FIELD_LIMIT))]


def render_text(report: Report) -> str:
    """The report as plain text (every database string escaped and bounded)."""
    lines = [one_line(report.title), f"route: {one_line(report.route)}"]
    for section in report.sections:
        lines.append("")
        if section.title:
            lines += [one_line(section.title), "-" * min(len(section.title), 80)]
        for block in section.blocks:
            lines.extend(_text_block(block))
    return "\n".join(lines) + "\n"


def _longest_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)


def code_span(text: str) -> str:
    """Inline code that shows ``text`` literally (a backtick run longer than any inside it)."""
    text = one_line(text)
    if not text:
        return "—"
    ticks = "`" * (_longest_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(text: str, info: str = "") -> str:
    """A fenced code block no line of ``text`` can close (the fence outruns every backtick run)."""
    ticks = "`" * max(3, _longest_run(text) + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def _cell(text: str) -> str:
    # In a GFM table a pipe ends the cell even inside a code span, unless it is escaped.
    return code_span(cut(text, CELL_LIMIT)).replace("|", "\\|")


def _markdown_block(block: Block) -> str:
    if isinstance(block, Fields):
        return "\n".join(f"- **{label}**: {code_span(cut(value, FIELD_LIMIT))}" for label, value in block.pairs)
    if isinstance(block, Table):
        lines = ["| " + " | ".join(block.columns) + " |", "|" + "---|" * len(block.columns)]
        lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in block.rows]
        if block.more:
            lines.append(f"\n… {block.more:,} more rows")
        return "\n".join(lines)
    if isinstance(block, Code):
        return fence(safe_text(cut(block.text, CODE_LIMIT)).rstrip("\n"), "text")
    return _escape_markdown(one_line(cut(block.text, FIELD_LIMIT)))


def _escape_markdown(text: str) -> str:
    """Plain text with Markdown punctuation escaped (so a note cannot become a link or HTML)."""
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", text)


def render_markdown(report: Report) -> str:
    """The report as GitHub/GitLab Markdown (escaped, bounded, fences that data cannot break)."""
    parts = [f"### {_escape_markdown(one_line(report.title))}", f"Route: {code_span(report.route)}"]
    for section in report.sections:
        if section.title:
            parts.append(f"#### {_escape_markdown(one_line(section.title))}")
        parts.extend(_markdown_block(block) for block in section.blocks)
    return "\n\n".join(parts) + "\n"


def render(report: Report, fmt: str) -> str:
    """``render_text`` or ``render_markdown`` by name (``text``/``markdown``)."""
    return render_markdown(report) if fmt == "markdown" else render_text(report)
