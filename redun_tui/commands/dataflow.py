"""``redun-tui dataflow [PATH_OR_URL] TARGET [--json]``: where a value came from.

Prints the upstream dataflow of TARGET the way ``redun log`` prints it under "Upstream dataflow"
(without redun's indentation): ``name = <value>``, a blank line, then the sections. TARGET is

- a file path recorded in the database: the File that ``find_file`` prefers (a task's result
  over an argument, then the most recent), shown as ``result``, as ``redun log PATH`` does;
- a value hash or unique prefix, shown as ``value``;
- a job id or prefix: the job's result, shown as ``result``;
- a call node hash or prefix: the walk starts at the call itself (redun cannot do that), its
  result shown as ``result``.

An ambiguous prefix or an unknown target ends with exit code 2 and one line on stderr. The text,
on a terminal or piped, passes through :func:`redun_tui.formatting.safe_text` (control characters
escaped visibly), so no escape sequence stored in a value reaches a terminal or a pager; ``--json``
is the exact data.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NamedTuple

import click
import sqlalchemy as sa

from redun_tui.commands.common import CliError, database, echo

# Candidates listed for an ambiguous prefix.
MAX_CANDIDATES = 8


class Target(NamedTuple):
    """What TARGET resolved to: the walk's start, its result value and the variable name."""

    start: Any
    value: Any
    var_name: str
    description: str


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def _find_file(session: Any, path: str) -> Any:
    """The File row for ``path`` that ``find_file`` prefers, or None."""
    try:
        from redun_tui.db.query import find_file
    except ImportError:  # pragma: no cover - query.py is part of the package
        return None
    candidates = [path]
    normalized = os.path.normpath(path)
    if normalized != path:
        candidates.append(normalized)
    for candidate in candidates:
        found = find_file(session, candidate)
        if found:
            return found[0]
    return None


def _prefix_matches(session: Any, target: str) -> list[tuple[str, Any]]:
    """``(kind, record)`` for every value, job and call node whose id starts with ``target``.

    An exact (full) id wins over longer ids it is a prefix of.
    """
    from redun_tui.db.models import CallNode, Job, Value
    from redun_tui.db.query import id_prefix_term

    # Index range seeks, not LIKE (a full scan of a million jobs on SQLite: 0.15 s). SQLite's
    # LIKE ignored ASCII case; ids are lower-case hex, so a lower-cased prefix is tried too.
    dialect = session.get_bind().dialect.name
    prefixes = [target] if dialect != "sqlite" or target == target.lower() else [target, target.lower()]
    matches: list[tuple[str, Any]] = []
    for kind, model, column in (
        ("value", Value, Value.value_hash),
        ("job", Job, Job.id),
        ("call node", CallNode, CallNode.call_hash),
    ):
        term = sa.or_(*(id_prefix_term(column, prefix, dialect) for prefix in prefixes))
        query = sa.select(model).where(term).order_by(column).limit(MAX_CANDIDATES + 1)
        matches.extend((kind, record) for record in session.execute(query).scalars())
    exact = [(kind, record) for kind, record in matches if _record_id(record) == target]
    return exact or matches


def _record_id(record: Any) -> str:
    from redun_tui.db.models import CallNode, Value

    if isinstance(record, Value):
        return record.value_hash
    if isinstance(record, CallNode):
        return record.call_hash
    return record.id


def resolve_target(session: Any, target: str) -> Target:
    """Resolves TARGET (file path, value/job/call node id or prefix).

    Raises:
        CliError: nothing or several records match.
    """
    target = target.strip()
    if not target:
        raise CliError("empty TARGET: give a value hash, job id, call node hash or file path")
    file = _find_file(session, target)
    if file is not None and file.value is not None:
        return Target(file.value, file.value, "result", f"file {file.path}")

    matches = _prefix_matches(session, target)
    if not matches:
        raise CliError(f"no value, job, call node or file matches {target!r}")
    if len(matches) > 1:
        shown = ", ".join(f"{kind} {_record_id(record)}" for kind, record in matches[:MAX_CANDIDATES])
        more = " and more" if len(matches) > MAX_CANDIDATES else ""
        raise CliError(f"ambiguous id {target!r}: {shown}{more}")

    [(kind, record)] = matches
    if kind == "value":
        return Target(record, record, "value", f"value {record.value_hash}")
    if kind == "job":
        if record.call_node is None or record.call_node.value is None:
            raise CliError(f"job {record.id} has no result (it did not finish)")
        return Target(record.call_node.value, record.call_node.value, "result", f"job {record.id}")
    return Target(record, record.value, "result", f"call node {record.call_hash}")


def render_text(backend: Any, target: Target) -> list[str]:
    """The lines ``redun log`` prints under "Upstream dataflow", without its indentation."""
    from redun_tui.db.dataflow import display_dataflow, make_dataflow_dom, walk_dataflow
    from redun_tui.db.values import value_repr

    header = "{} = {}".format(target.var_name, value_repr(target.value.preview, max_length=None))
    dom = make_dataflow_dom(walk_dataflow(backend, target.start), new_varname=target.var_name)
    return [header, "", *display_dataflow(dom)]


def render_json(backend: Any, target: Target) -> list[dict]:
    """The sections as ``serialize_dataflow`` gives them."""
    from redun_tui.db.dataflow import make_dataflow_dom, serialize_dataflow, walk_dataflow

    dom = make_dataflow_dom(walk_dataflow(backend, target.start), new_varname=target.var_name)
    return list(serialize_dataflow(dom))


@click.command()
@click.argument("args", nargs=-1, required=True, metavar="[PATH_OR_URL] TARGET")
@click.option("--json", "as_json", is_flag=True, help="Print the sections as JSON (serialize_dataflow).")
def dataflow(args: tuple[str, ...], as_json: bool) -> None:
    """Print the upstream dataflow of TARGET: where a value came from.

    TARGET is a file path recorded in the database, a value hash, a job id (its result) or a
    call node hash; ids may be unique prefixes. Without PATH_OR_URL, the redun project's
    database (.redun here or above).
    """
    if len(args) > 2:
        raise CliError("usage: redun-tui dataflow [PATH_OR_URL] TARGET")
    path_or_url, target = (None, args[0]) if len(args) == 1 else args
    terminal = _is_terminal()
    with database(path_or_url) as backend:
        resolved = resolve_target(backend.session, target)
        if as_json:
            # On a terminal every non-ASCII character is escaped: JSON stays valid and no
            # control or bidi character from the data reaches the terminal.
            text = json.dumps(render_json(backend, resolved), indent=2, ensure_ascii=terminal)
            click.echo(text)
            return
        lines = render_text(backend, resolved)
    for line in lines:
        echo(line)
