"""Finding the record an id or a path means: ``infer_id``, ``infer_specialty_id``, ``find_file``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Query, Session

from redun_tui.db.models import Argument, CallNode, Execution, File, Job, Subvalue
from redun_tui.db.query.callgraph import CallGraphQuery


def infer_id(session: Session, id: str, include_files: bool = True, required: bool = False) -> Any:
    """The record an id means: a special id (path, ``-``, ``~N``) first, else the first record
    whose id starts with ``id`` (or a task of that name).

    Raises:
        ValueError: ``required`` and not exactly one record matches; a bad ``~N``.
    """
    record = infer_specialty_id(session, id, include_files=include_files)
    if record:
        return record
    query = CallGraphQuery(session).like_id(id)
    return query.one() if required else query.first()


def infer_specialty_id(session: Session, id: str, include_files: bool = True) -> Any:
    """A File for a path (``(File, Job, "result"|"arg")``), or an Execution for ``-`` (the most
    recent) and ``~N`` (the N-th most recent); None otherwise.

    Raises:
        ValueError: ``~0`` or an index past the oldest execution.
    """
    if include_files and (os.path.exists(id) or ":" in id):
        found = find_file(session, id)
        if found:
            return found

    recent = session.query(Execution).join(Job, Job.id == Execution.job_id).order_by(Job.start_time.desc())
    if id == "-":
        return recent.first()
    if re.match(r"^~\d+", id):
        try:
            index = int(id[1:])
        except ValueError:
            raise ValueError(f"Execution index is not a number: {id!r}") from None
        if index == 0:
            raise ValueError("Execution index should >= 1.")
        execution = recent.offset(index - 1).limit(1).first()
        if execution is None:
            raise ValueError(f"Execution index too high: {index}")
        return execution
    return None


def _latest(session: Session, path: str, joins: Callable[[Query], Query], newest: Any) -> Any:
    query = joins(session.query(File, Job)).filter(File.path == path)
    return query.order_by(newest.desc()).first()


def _later(a: Any, b: Any) -> bool:
    # redun compares end times; a job still running (None) counts as the older one.
    a_end, b_end = a[1].end_time, b[1].end_time
    if a_end is None:
        return False
    if b_end is None:
        return True
    return a_end > b_end


def find_file(session: Session, path: str) -> tuple[File, Job, str] | None:
    """Finds a File by exact path, with the job that produced or read it.

    A File returned by a task (directly or inside a returned container) wins over one passed as
    an argument; among several, the most recent job (by end time) wins.

    Returns:
        ``(file, job, "result")``, ``(file, job, "arg")``, or None.
    """

    def result(query: Query) -> Query:
        return query.join(CallNode, CallNode.value_hash == File.value_hash).join(
            Job, CallNode.call_hash == Job.call_hash
        )

    def result_inside(query: Query) -> Query:
        return (
            query.join(Subvalue, File.value_hash == Subvalue.value_hash)
            .join(CallNode, Subvalue.parent_value_hash == CallNode.value_hash)
            .join(Job, CallNode.call_hash == Job.call_hash)
        )

    def argument(query: Query) -> Query:
        return (
            query.join(Argument, File.value_hash == Argument.value_hash)
            .join(CallNode, Argument.call_hash == CallNode.call_hash)
            .join(Job, CallNode.call_hash == Job.call_hash)
        )

    def argument_inside(query: Query) -> Query:
        return (
            query.join(Subvalue, File.value_hash == Subvalue.value_hash)
            .join(Argument, Subvalue.parent_value_hash == Argument.value_hash)
            .join(CallNode, Argument.call_hash == CallNode.call_hash)
            .join(Job, CallNode.call_hash == Job.call_hash)
        )

    for kind, (first_joins, second_joins), newest in (
        ("result", (result, result_inside), Job.end_time),
        ("arg", (argument, argument_inside), Job.start_time),
    ):
        first = _latest(session, path, first_joins, newest)
        second = _latest(session, path, second_joins, newest)
        if first and second:
            chosen = first if _later(first, second) else second
        else:
            chosen = first or second
        if chosen:
            return chosen[0], chosen[1], kind
    return None
