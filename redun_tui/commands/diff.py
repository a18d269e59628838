"""``redun-tui diff [PATH_OR_URL] [EXEC_A] EXEC_B [--json] [--all]``: what changed between two runs.

With one execution, B is that execution and A its previous run (the newest earlier execution of
the same root task); ``--a ID`` names A instead. Ids may be prefixes, ``-`` (the latest) or ``~N``
(the N-th latest). Text output: the two executions, the summary, the changes that explain the
others, then one line per pair that is not ``same`` (every pair with ``--all``); database text is
made safe for a terminal, piped or not. Without PATH_OR_URL (the first word is taken as the
database when it is a URL, an existing path or a ``*.db`` name), the redun project's database. ``--json`` prints the document of
:func:`redun_tui.store.diff_json.diff_json` exactly (streamed by
:func:`~redun_tui.store.diff_json.json_chunks`).
"""

from __future__ import annotations

import click

from redun_tui.commands.common import CliError, database, echo, split_target
from redun_tui.formatting import format_duration, format_time, one_line, short_id

ARG_PREVIEW = 120  # characters of a value preview on a text line


@click.command()
@click.argument("words", nargs=-1, metavar="[PATH_OR_URL] [EXEC_A] EXEC_B")
@click.option("--a", "a_option", metavar="ID", help="Execution A (default: B's previous run).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see the README for its shape).")
@click.option("--all", "all_pairs", is_flag=True, help="Show every pair, the same ones too.")
def diff(words: tuple[str, ...], a_option: str | None, as_json: bool, all_pairs: bool) -> None:
    """Compare two executions: which jobs changed, were added or removed, and why.

    With EXEC_B alone, A is its previous run. Without PATH_OR_URL, the database of the redun
    project here (.redun/redun.ini or .redun/redun.db, in this directory or a parent).
    """
    path_or_url, executions = split_target(words)
    if not executions or len(executions) > 2:
        raise CliError("diff takes [EXEC_A] EXEC_B: one or two execution ids")
    a_id = executions[0] if len(executions) == 2 else None
    if a_option is not None:
        a_id = a_option
    b_id = executions[-1]
    from redun_tui.store import Ambiguous, Store, StoreError

    with database(path_or_url) as backend:
        try:
            view = Store(backend).diff(a_id, b_id, previews=not as_json, everything=all_pairs)
        except Ambiguous as error:
            raise CliError(f"{error} (candidates: {', '.join(error.candidates[:8])})") from None
        except StoreError as error:
            raise CliError(str(error)) from None
    if as_json:
        from redun_tui.store.diff_json import json_chunks

        # Streamed: --all at L is ~40 MB of text and 200,000 pairs, never held at once.
        for chunk in json_chunks(view, all_pairs):
            click.echo(chunk, nl=False)
        click.echo("")
        return
    for line in text_lines(view, all_pairs):
        echo(line)


def text_lines(view, all_pairs: bool = False) -> list[str]:
    """The human-readable diff: every line safe for a terminal."""
    lines = []
    for label, side in (("A", view.a), ("B", view.b)):
        lines.append(f"{label}  {short_id(side.id)}  {one_line(side.task or '(no task)', 200)}  {side.status}  "
                     f"{format_time(side.start)}")
    if view.chosen:
        lines.append(f"(A is the previous run of {one_line(view.b.task, 200)}: pass EXEC_A or --a to choose)")
    s = view.summary
    lines.append(f"same {s.same} (cached {s.cached}) · changed {s.changed} · added {s.added} · removed {s.removed}")
    for cause in view.causes:
        if cause.kind == "code":
            lines.append(f"cause: code of {one_line(cause.text, 200)} changed ({short_id(cause.a)} -> "
                         f"{short_id(cause.b)}, {cause.count} job{'s' if cause.count != 1 else ''})")
        else:
            lines.append(f"cause: {one_line(cause.text, 200)}: same path, new content ({short_id(cause.a)} -> "
                         f"{short_id(cause.b)})")
    pairs = view.pairs
    for index in range(len(pairs)):
        if not (all_pairs or pairs.has_changes(index)):
            continue  # same, and nothing below it changed: not built
        pair = pairs.peek(index)
        if pair.change == "same" and not all_pairs:
            continue
        lines.append(pair_line(pair))
    return lines


def pair_line(pair) -> str:
    """One pair on one line: change, task, job ids, reasons, changed arguments old -> new."""
    jobs = f"{short_id(pair.a_job) or '-'} -> {short_id(pair.b_job) or '-'}"
    parts = [f"{pair.change:<8}", "  " * pair.depth + one_line(pair.task or "(no task)", 200), jobs]
    if pair.change == "changed":
        parts.append(",".join(pair.reasons) or "call")
        if "status" in pair.reasons:
            parts.append(f"{pair.a_status} -> {pair.b_status}")
    elif pair.change != "same" or pair.b_status == "CACHED":
        status = pair.b_status or pair.a_status
        duration = pair.b_duration if pair.b_job else pair.a_duration
        parts.append(f"{status} {format_duration(duration)}".rstrip())
    for arg in pair.args:
        old = arg.a_preview or short_id(arg.a) or "(none)"
        new = arg.b_preview or short_id(arg.b) or "(none)"
        note = " (same path, new content)" if arg.same_path_new_content else ""
        parts.append(f"{one_line(arg.name, 100)}: {one_line(old, ARG_PREVIEW)} -> {one_line(new, ARG_PREVIEW)}{note}")
    return "  ".join(parts)
