"""The changed arguments of a diff's args-changed pairs, and value previews (:mod:`.diff`).

An argument is matched by key, or by position for positional ones, and named by the task's
parameter name where its recorded source gives it, else by position (``"0"``, ``"1"``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redun_tui.db.backend import chunks
from redun_tui.db.models import Argument, File, Task
from redun_tui.store.diff_rows import raw_rows
from redun_tui.store.previews import ref_text, task_arg_names
from redun_tui.store.sql import VALUE, value_columns
from redun_tui.views import ArgChange

if TYPE_CHECKING:
    from redun_tui.store.diff import _Node

# Arguments whose values get a one-line preview (each is a decode): the rest show their hashes.
PREVIEW_VALUES = 400
# Call hashes per IN (…) batch when reading call nodes and arguments. Batches by call hash cost
# what is needed: at L, a join per side read every call node and argument of 100,000 jobs
# (3.4 s CPU) to use a few thousand of them.
CALL_BATCH = 2_000


def changed_arguments(session: Session, nodes: list[_Node], previews: bool) -> None:
    """Sets ``node.args`` on the args-changed pairs (batches of CALL_BATCH call hashes)."""
    changed = [node for node in nodes if "args" in node.reasons]
    if not changed:
        return
    calls = {job.call_hash for node in changed for job in (node.a, node.b) if job.call_hash is not None}
    columns = (Argument.call_hash, Argument.arg_position, Argument.arg_key, Argument.value_hash, File.path)
    base = select(*columns).select_from(Argument).outerjoin(File, File.value_hash == Argument.value_hash)
    rows: list[Any] = []
    connection = session.connection()
    for chunk in chunks(sorted(calls), CALL_BATCH):
        rows.extend(raw_rows(connection, base.where(Argument.call_hash.in_(chunk))))
    by_call: dict[str, dict[tuple, tuple]] = defaultdict(dict)
    for call_hash, position, key, value_hash, path in rows:
        by_call[call_hash][(position, key)] = (value_hash, path)
    names = _param_names(session, {job.task_hash for node in changed for job in (node.a, node.b)
                                   if any(pos is not None for pos, _ in by_call.get(job.call_hash, {}))})
    for node in changed:
        a_args = _named(by_call.get(node.a.call_hash, {}), names.get(node.a.task_hash))
        b_args = _named(by_call.get(node.b.call_hash, {}), names.get(node.b.task_hash))
        found = []
        for name in list(a_args) + [name for name in b_args if name not in a_args]:
            (a_hash, a_path), (b_hash, b_path) = a_args.get(name, (None, None)), b_args.get(name, (None, None))
            if a_hash != b_hash:
                found.append(ArgChange(name=name, a=a_hash, b=b_hash, a_path=a_path, b_path=b_path))
        node.args = tuple(found)
    if previews:
        _add_previews(session, changed)


def _param_names(session: Session, task_hashes: set[str]) -> dict[str, list[str] | None]:
    """Parameter names of tasks, parsed from their recorded source (None: it does not parse)."""
    found: dict[str, list[str] | None] = {}
    for chunk in chunks(sorted(task_hashes)):
        for task_hash, name, source in session.execute(select(Task.hash, Task.name, Task.source).where(Task.hash.in_(chunk))):
            found[task_hash] = task_arg_names(source, name)
    return found


def _named(args: dict[tuple, tuple], names: list[str] | None) -> dict[str, tuple]:
    """Arguments by name: the keyword, else the task's parameter name, else the position."""
    result: dict[str, tuple] = {}
    for (position, key), value in sorted(args.items(), key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1] or "")):
        if key is not None:
            name = key
        elif names is not None and position is not None and position < len(names):
            name = names[position]
        else:
            name = str(position)
        result[name] = value
    return result


def _add_previews(session: Session, changed: list[_Node]) -> None:
    """One-line previews of the first PREVIEW_VALUES changed argument values (one statement)."""
    wanted: list[str] = []
    seen: set[str] = set()
    for node in changed:
        for arg in node.args:
            for value_hash in (arg.a, arg.b):
                if value_hash is not None and value_hash not in seen and len(wanted) < PREVIEW_VALUES:
                    seen.add(value_hash)
                    wanted.append(value_hash)
    if not wanted:
        return
    texts = value_previews(session, wanted)
    for node in changed:
        node.args = tuple(replace(arg, a_preview=texts.get(arg.a) if arg.a else None,
                                  b_preview=texts.get(arg.b) if arg.b else None) for arg in node.args)


def value_previews(session: Session, hashes: Iterable[str]) -> dict[str, str]:
    """The one-line preview of each value; a hash without a value row has none (the diff then
    shows the hash)."""
    texts: dict[str, str] = {}
    for chunk in chunks(list(hashes)):
        for row in session.execute(select(*value_columns(VALUE)).where(VALUE.value_hash.in_(chunk))):
            value_hash, type_name, fmt, size, data = row
            texts[value_hash] = ref_text(value_hash, type_name or "", fmt or "", size, data)
    return texts
