"""Diff two executions: pair their jobs and say what changed (functions over a Session).

Pairing: the root job with the root job; then, under each paired parent, children are paired
first by equal call hash, then by task full name in start-time order; the rest are added (only in
B) or removed (only in A). Jobs outside the tree (a parent missing from the execution) are paired
the same way as one more level. Every job of A is one pair's ``a_job``, every job of B one pair's
``b_job``.

A pair is ``same`` when both call hashes are known and equal (redun's call hash covers the task
hash and the argument hashes); otherwise ``changed`` with reasons: ``code`` (task hashes differ),
``args`` (args hashes differ; each argument whose value hash differs is listed), ``status`` (the
job status differs; CACHED counts as DONE) and ``result`` (result value hashes differ). A job
without a call node (killed, or still running) has no recorded arguments or result: ``args`` and
``result`` need both hashes known.

Statements: the set of failed calls (one statement), then the jobs of both executions by one
set-based statement (every level of the tree at once, through the ``execution_id`` index, with
no join; a statement a side for the changes-only view), paired in memory; never one query per
job or per level. Then the task names (one statement; the changes-only view reads a task's name
when the by-task rule first meets it, then the shown jobs whole, in batches of CALL_BATCH), the
call nodes of the pairs whose call hashes differ and the arguments of the args-changed calls
(each in batches of CALL_BATCH call hashes: one statement for most diffs), the task sources
that name positional arguments, and bounded value previews (none for the screen, which reads
those of the pair under its cursor). A diff of two executions is a handful of statements
whatever their size (a test pins it).

Speed (two 100,000-job executions at L, ~97% of pairs ``same``): without ``everything`` (the
first screen, text and ``--json``), jobs are read as the driver's tuples and paired as tuples
(:mod:`.diff_rows`); same pairs are counted, and jobs and pairs are made only on the paths to
changes. The view of every pair (``a``, ``--all``) makes a job per row: times raw (SQLite text),
parsed only for durations; statuses by table look-up; call nodes read only for pairs not
``same``; the collector paused, then settled without a walk. Pairing in SQL per tree level was
measured slower than reading the rows by execution (benchmarks/README.md, diff Rounds 3-4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from itertools import product
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Integer, String, null, select, type_coerce
from sqlalchemy.orm import Session

from redun_tui.db.backend import chunks
from redun_tui.db.models import CallNode, Execution, Job, Task, Value
from redun_tui.db.status import (
    ERROR_VALUE_TYPE,
    EXECUTION_OF_JOB,
    execution_status_from,
    failed_call_hashes,
    job_status_from,
)
from redun_tui.store.diff_args import CALL_BATCH, PREVIEW_VALUES, changed_arguments  # noqa: F401 (re-exported)
from redun_tui.store.diff_json import collection_paused, diff_json, json_chunks  # noqa: F401 (re-exported)
from redun_tui.store.diff_rows import ROW_CALL, ROW_TASK, pair_by, pair_row_tree, raw_rows, read_rows, start_order
from redun_tui.store.errors import NotFound, StoreError
from redun_tui.store.previews import fullname
from redun_tui.store.sql import VALUE, resolve_execution, resolve_one, value_columns  # noqa: F401 (re-exported)
from redun_tui.views import ArgChange, DiffCause, DiffPair, DiffPairs, DiffSide, DiffSummary, DiffView

# Failed calls read into a set up to this many (see _load_jobs).
FAILED_SET_MAX = 100_000
# Job rows turned into jobs at a time.
JOB_PART = 10_000


_CALL_HASH, _JOB_ID = attrgetter("call_hash"), attrgetter("id")

# Sibling display order: changes that explain the others come first.
_RANK_CODE, _RANK_FILE, _RANK_CHANGED, _RANK_ADDED, _RANK_SAME = range(5)


# A job's status by (failed, unfinished, cached), from the one rule (redun_tui.db.status).
_STATUS = {
    (failed, unfinished, cached): job_status_from(ERROR_VALUE_TYPE if failed else None,
                                                  None if unfinished else "ended", cached)
    for failed, unfinished, cached in product((False, True), repeat=3)
}


def _moment(raw: Any) -> datetime | None:
    """A time read raw (SQLite text; PostgreSQL gives datetimes) as a datetime, None if unreadable."""
    if raw is None or isinstance(raw, datetime):
        return raw
    try:
        return datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


class _Job:
    """A job row read for the diff (slots: 100,000 of them per side).

    ``start``/``end`` are raw (text in SQLite: it sorts in time order); ``args_hash`` and
    ``result`` are read only for the jobs of pairs that are not ``same`` (None until then).
    """

    __slots__ = ("id", "parent_id", "task_hash", "call_hash", "start", "end", "cached", "failed", "names",
                 "args_hash", "result")

    def __init__(self, row: Any, names: dict[str, str], failed_calls: set[str] | None) -> None:
        (_execution, self.id, self.parent_id, self.task_hash, self.call_hash, self.start, self.end, cached,
         failed) = row
        if not isinstance(self.start, (str, datetime, type(None))):
            self.start = str(self.start)  # bad data (SQLite keeps any type): sorted as text, not a time
        self.cached = bool(cached)
        # The set of failed calls, or (None) the statement's own probe.
        self.failed = self.call_hash in failed_calls if failed_calls is not None else bool(failed)
        self.names = names  # task full names by hash, shared by the diff's jobs (filled by _name_tasks)
        self.args_hash = self.result = None

    @property
    def task(self) -> str:
        """The task's full name ("" when the task is not recorded)."""
        return self.names.get(self.task_hash, "")

    @property
    def status(self) -> str:
        return _STATUS[self.failed, self.end is None, self.cached]

    @property
    def duration(self) -> float | None:
        start, end = _moment(self.start), _moment(self.end)
        if start is None or end is None:
            return None
        try:
            return (end - start).total_seconds()
        except TypeError:  # one aware, one naive: bad data, shown as unknown
            return None


class _Node:
    """A pair while it is built (mutable); frozen into a DiffPair at the end."""

    __slots__ = ("a", "b", "change", "reasons", "parent", "children", "args", "rank", "has_changes", "index",
                 "depth")

    def __init__(self, a: _Job | None, b: _Job | None, parent: _Node | None) -> None:
        self.a, self.b, self.parent = a, b, parent
        # A list once the pair has children (set by _pair_tree); the leaves (most pairs) share
        # the empty tuple: 150,000 fewer objects for the collector to walk at L.
        self.children: list[_Node] | tuple[()] = ()
        self.args: tuple[ArgChange, ...] = ()
        self.reasons = ()
        self.rank = _RANK_SAME
        # added, removed, same, or changed (its reasons need the call nodes: _reasons).
        if a is None:
            self.change, self.has_changes = "added", True
        elif b is None:
            self.change, self.has_changes = "removed", True
        elif a.call_hash is not None and a.call_hash == b.call_hash:
            self.change, self.has_changes = "same", False
        else:
            self.change, self.has_changes = "changed", True

    @property
    def start(self) -> Any:
        job = self.b or self.a
        return job.start if job is not None else None


def _reasons(a: _Job, b: _Job) -> tuple[str, ...]:
    """Why a changed pair changed (its call nodes read)."""
    reasons = []
    if a.task_hash != b.task_hash:
        reasons.append("code")
    # A job without a call node (killed, or still running) has no recorded arguments or result:
    # unknown is not "different".
    if a.args_hash is not None and b.args_hash is not None and a.args_hash != b.args_hash:
        reasons.append("args")
    # CACHED is DONE without the work: a DONE -> CACHED pair has not changed status.
    a_status, b_status = a.status, b.status
    if EXECUTION_OF_JOB.get(a_status, a_status) != EXECUTION_OF_JOB.get(b_status, b_status):
        reasons.append("status")
    if a.result is not None and b.result is not None and a.result != b.result:
        reasons.append("result")
    return tuple(reasons)


# -- executions ---------------------------------------------------------------------------------


def _side(session: Session, execution_id: str) -> DiffSide:
    """An execution's header: its root job's task, status and start (one statement)."""
    row = session.execute(
        select(Execution.id, Job.id, Job.start_time, Job.end_time, Job.cached, Task.namespace, Task.name, Value.type)
        .select_from(Execution)
        .outerjoin(Job, Job.id == Execution.job_id)
        .outerjoin(Task, Task.hash == Job.task_hash)
        .outerjoin(CallNode, CallNode.call_hash == Job.call_hash)
        .outerjoin(Value, Value.value_hash == CallNode.value_hash)
        .where(Execution.id == execution_id)
    ).one()
    _id, job_id, start, end, cached, namespace, name, result_type = row
    job_status = job_status_from(result_type, end, bool(cached)) if job_id is not None else None
    return DiffSide(id=execution_id, task=fullname(namespace, name), status=execution_status_from(job_status),
                    start=start, root_job_id=job_id)


def previous_execution(session: Session, side: DiffSide) -> str | None:
    """The newest execution started before ``side`` whose root job runs a task of the same full
    name (the task hash may differ: a code change is the first thing to diff); None if none."""
    if side.start is None or not side.task:
        return None
    namespace, _, name = side.task.rpartition(".")
    row = session.execute(
        select(Execution.id)
        .select_from(Execution)
        .join(Job, Job.id == Execution.job_id)
        .join(Task, Task.hash == Job.task_hash)
        .where(Task.name == name, Task.namespace == namespace, Job.start_time < side.start)
        .order_by(Job.start_time.desc(), Execution.id.desc())
        .limit(1)
    ).first()
    return row[0] if row else None


# -- pairing ------------------------------------------------------------------------------------


def _failed_calls(session: Session) -> set[str] | None:
    """The database's FAILED call hashes, or None when there are more than FAILED_SET_MAX."""
    rows = session.connection().execute(failed_call_hashes().limit(FAILED_SET_MAX + 1)).all()
    return {row[0] for row in rows} if len(rows) <= FAILED_SET_MAX else None


def _jobs_query(failed: set[str] | None) -> Any:
    """The statement reading jobs (its caller adds which) with what pairing needs (no join),
    for the set of failed calls ``failed`` (:func:`_failed_calls`; None: the statement probes
    them itself).

    Whether a job failed is a look-up in the set of failed calls: probing it in SQL cost
    ~0.2 s per 100,000 jobs at L, reading the set 10 ms (6,000 calls). A database with more
    than FAILED_SET_MAX failed calls gets the probe in the statement instead.
    """
    return select(
        Job.execution_id, Job.id, Job.parent_id, Job.task_hash, Job.call_hash,
        type_coerce(Job.start_time, String), type_coerce(Job.end_time, String),
        # Integers, not Booleans: no result processor on 2 x 100,000 values (~0.1 s at L).
        type_coerce(Job.cached, Integer), null() if failed is not None else _failed_probe(),
    )


def _failed_probe() -> Any:
    """Whether a job's call failed, probed in SQL (1 or 0), for when the set is not read."""
    return type_coerce(Job.call_hash.in_(failed_call_hashes()), Integer)


def _rows_query(failed: set[str] | None, execution_id: str) -> Any:
    """The statement reading the changes-only pairing's rows of one execution
    (:mod:`.diff_rows`: whether the job ended rather than when)."""
    columns = [Job.id, Job.parent_id, Job.task_hash, Job.call_hash, type_coerce(Job.start_time, String),
               type_coerce(Job.end_time.is_(None), Integer), type_coerce(Job.cached, Integer)]
    if failed is None:  # the probe (with the set of failed calls, no column: 1.6 MB of slots at L)
        columns.append(_failed_probe())
    return select(*columns).where(Job.execution_id == execution_id)


class _RowTasks:
    """The task full names of job rows (``tasks`` of :func:`.diff_rows.pair_row_tree`), each
    task hash's name read when the by-task rule first compares one of its jobs (a diff
    meets a few tasks: a statement for each new set of them, not one pass over every row)."""

    def __init__(self, session: Session, names: dict[str, str]) -> None:
        self.session, self.names = session, names
        self.read: set[str | None] = {None}

    def __call__(self, rows: list[tuple]) -> list[str]:
        hashes = set(map(itemgetter(ROW_TASK), rows))
        if not hashes <= self.read:
            _name_tasks(self.session, self.names, hashes - self.read)  # type: ignore[arg-type]
            self.read |= hashes
        names = self.names
        return [names.get(row[ROW_TASK], "") for row in rows]


def _load_jobs(session: Session, a_id: str, b_id: str, names: dict[str, str]) -> tuple[list[_Job], list[_Job]]:
    """Every job of both executions with what pairing needs, each side in start order (one
    statement, no join, after one for the failed calls); task names will be read from ``names``."""
    failed = _failed_calls(session)
    query = _jobs_query(failed).where(Job.execution_id.in_((a_id, b_id)))
    # Through the Core connection: the ORM's result machinery costs more than the rows here.
    # Read in parts: the rows of both sides are never all held beside their jobs.
    a_jobs: list[_Job] = []
    b_jobs: list[_Job] = []
    for rows in session.connection().execute(query).partitions(JOB_PART):
        a_jobs.extend([_Job(row, names, failed) for row in rows if row[0] == a_id])
        b_jobs.extend([_Job(row, names, failed) for row in rows if row[0] != a_id])
    for jobs in (a_jobs, b_jobs):
        jobs.sort(key=lambda job: (job.start is None, job.start or "", job.id))
    return a_jobs, b_jobs


def _name_tasks(session: Session, names: dict[str, str], hashes: set[str]) -> None:
    """Fills ``names`` (task full names by hash) for the task ``hashes`` (one statement for
    the few distinct task hashes)."""
    hashes.discard(None)  # type: ignore[arg-type]
    for chunk in chunks(sorted(hashes)):
        for task_hash, namespace, name in session.execute(
                select(Task.hash, Task.namespace, Task.name).where(Task.hash.in_(chunk))):
            names[task_hash] = fullname(namespace, name)


def pair_siblings(a_jobs: list[_Job], b_jobs: list[_Job]) -> list[tuple[_Job | None, _Job | None]]:
    """Pairs two lists of sibling jobs (each in start-time order): equal call hash first, then
    the same task full name in start order; the rest alone (:func:`.diff_rows.pair_by`)."""
    return pair_by(a_jobs, b_jobs, _CALL_HASH, _JOB_ID, _task_names)


def _task_names(jobs: list[_Job]) -> list[str]:
    return [job.task for job in jobs]


def _pair_tree(a_jobs: list[_Job], b_jobs: list[_Job], a_root: str | None, b_root: str | None) -> list[_Node]:
    """All pairs, parents before children (unsorted siblings)."""
    a_by_id = {job.id: job for job in a_jobs}
    b_by_id = {job.id: job for job in b_jobs}
    a_kids: dict[str | None, list[_Job]] = defaultdict(list)
    b_kids: dict[str | None, list[_Job]] = defaultdict(list)
    for jobs, kids in ((a_jobs, a_kids), (b_jobs, b_kids)):
        for job in jobs:  # already in start order, so each child list is too
            kids[job.parent_id].append(job)
    nodes: list[_Node] = []
    a_seen: set[str] = set()
    b_seen: set[str] = set()

    def expand(tops: list[tuple[_Job | None, _Job | None]]) -> None:
        # Once per pair: names bound locally, no generator per parent.
        stack = [(a, b, None) for a, b in reversed(tops)]
        pop, push, add_node, a_kids_of, b_kids_of = stack.pop, stack.extend, nodes.append, a_kids.get, b_kids.get
        while stack:
            a, b, parent = pop()
            a_children = b_children = None
            if a is not None:
                if a.id in a_seen:
                    continue  # a cycle in bad data: each job still appears once
                a_children = a_kids_of(a.id)
            if b is not None:
                if b.id in b_seen:
                    continue
                b_children = b_kids_of(b.id)
            node = _Node(a, b, parent)
            add_node(node)
            if parent is not None:
                parent.children.append(node)
            if a is not None:
                a_seen.add(a.id)
            if b is not None:
                b_seen.add(b.id)
            if a_children or b_children:
                node.children = []
                children = pair_siblings(a_children or [], b_children or [])
                children.reverse()
                push([(ca, cb, node) for ca, cb in children])

    roots = [(a_by_id.get(a_root) if a_root else None, b_by_id.get(b_root) if b_root else None)]
    if roots[0] == (None, None):
        roots = []
    expand(roots)
    # Jobs not reached from the root (their parent is not in the execution): one more level.
    while len(a_seen) < len(a_by_id) or len(b_seen) < len(b_by_id):
        a_rest = [job for job in a_jobs if job.id not in a_seen]
        b_rest = [job for job in b_jobs if job.id not in b_seen]
        if not a_rest and not b_rest:
            break
        a_top = [job for job in a_rest if job.parent_id not in a_by_id or job.parent_id in a_seen] or a_rest[:1]
        b_top = [job for job in b_rest if job.parent_id not in b_by_id or job.parent_id in b_seen] or b_rest[:1]
        expand(pair_siblings(a_top, b_top))
    return nodes


# -- call nodes and arguments ------------------------------------------------------------------


def _calls(session: Session, changed: list[_Node]) -> None:
    """Reads the call nodes (arguments hash, result) of the changed pairs' jobs, then their
    reasons (batches of CALL_BATCH call hashes)."""
    if not changed:
        return
    wanted = {job.call_hash for node in changed for job in (node.a, node.b) if job.call_hash is not None}
    columns = (CallNode.call_hash, CallNode.args_hash, CallNode.value_hash)
    found: dict[str, tuple[str, str]] = {}
    connection = session.connection()
    for chunk in chunks(sorted(wanted), CALL_BATCH):
        for call_hash, args_hash, value_hash in raw_rows(connection, select(*columns).where(CallNode.call_hash.in_(chunk))):
            found[call_hash] = (args_hash, value_hash)
    for node in changed:
        for job in (node.a, node.b):
            job.args_hash, job.result = found.get(job.call_hash, (None, None))
        node.reasons = _reasons(node.a, node.b)


# -- the diff -----------------------------------------------------------------------------------


def diff(session: Session, a: str | None, b: str, *, previews: bool = True, everything: bool = True) -> DiffView:
    """Diffs execution ``a`` (default: B's previous run) against execution ``b``.

    Args:
        a: the older execution (id, prefix, ``-`` or ``~N``); None picks B's
            :func:`previous_execution`.
        b: the newer one.
        previews: decode one-line previews of changed argument values (the screen; not --json).
        everything: every pair in ``pairs``; False keeps only the pairs on a path to a change
            (:func:`_changes_only`: what the changes-only tree, text and ``--json`` show; the
            summary still counts every pair).

    Raises:
        NotFound: an id matches nothing, or B has no earlier run to compare with.
        Ambiguous: a prefix matches several executions.
    """
    b_side = _side(session, resolve_execution(session, b))
    chosen = a is None
    if a is None:
        a_id = previous_execution(session, b_side)
        if a_id is None:
            raise NotFound(f"execution {b_side.id[:8]} has no earlier run of {b_side.task or 'its task'} to compare with")
    else:
        a_id = resolve_execution(session, a)
    a_side = _side(session, a_id)
    if a_side.id == b_side.id:
        raise StoreError(f"both sides are execution {a_side.id[:8]}: give two different executions")
    with collection_paused(settle=True):
        names: dict[str, str] = {}
        if not everything:
            found = _changes_only(session, a_side, b_side, chosen, previews)
            if found is not None:
                return found
        a_jobs, b_jobs = _load_jobs(session, a_side.id, b_side.id, names)
        _name_tasks(session, names, {job.task_hash for jobs in (a_jobs, b_jobs) for job in jobs})
        nodes = _pair_tree(a_jobs, b_jobs, a_side.root_job_id, b_side.root_job_id)
        changed = [node for node in nodes if node.change == "changed"]
        _calls(session, changed)
        changed_arguments(session, changed, previews)
        return _freeze(a_side, b_side, chosen, nodes)


def _changes_only(session: Session, a_side: DiffSide, b_side: DiffSide, chosen: bool,
                  previews: bool) -> DiffView | None:
    """The view of the pairs on paths to changes, the summary counting every pair; None when
    a start time is bad data (the caller then builds every pair).

    The same pairing as :func:`_pair_tree`, over the driver's tuples (:mod:`.diff_rows`): at L
    ~97,000 of ~99,000 pairs are ``same`` and only counted; jobs and pairs are made for the
    rest. Indices are this view's own (it is not ``complete``).
    """
    failed = _failed_calls(session)
    sides = []
    for side in (a_side, b_side):  # a statement a side: no execution_id column to read or split on
        rows = read_rows(session.connection(), _rows_query(failed, side.id))
        if rows is None:
            return None
        sides.append(start_order(rows))
    a_rows, b_rows = sides
    names: dict[str, str] = {}
    cached_keys = {key for key, status in _STATUS.items() if status == "CACHED"}
    flat_a, flat_b, flat_parent, same, same_cached = pair_row_tree(
        a_rows, b_rows, a_side.root_job_id, b_side.root_job_id, _RowTasks(session, names),
        failed, cached_keys)
    del a_rows, b_rows  # freed before the shown jobs are read
    counts = dict.fromkeys(("same", "cached", "changed", "added", "removed"), 0)
    counts["same"], counts["cached"] = same, same_cached
    kept = [False] * len(flat_a)
    for position in range(len(flat_a) - 1, -1, -1):  # children before parents
        a, b = flat_a[position], flat_b[position]
        if a is None or b is None:
            counts["added" if a is None else "removed"] += 1
            kept[position] = True
        elif a[ROW_CALL] is None or a[ROW_CALL] != b[ROW_CALL]:  # same pairs (with children) are counted by pair_row_tree
            counts["changed"] += 1
            kept[position] = True
        parent = flat_parent[position]
        if kept[position] and parent >= 0:  # a pair on a path to a change keeps its parent
            kept[parent] = True
    shown = [position for position, keep in enumerate(kept) if keep]
    jobs = _jobs_by_id(session, failed, names, {row[0] for position in shown
                                                for row in (flat_a[position], flat_b[position]) if row is not None})
    nodes: list[_Node] = []
    made: dict[int, _Node] = {}
    for position in shown:
        a, b, parent_position = flat_a[position], flat_b[position], flat_parent[position]
        parent = made[parent_position] if parent_position >= 0 else None
        node = _Node(_shown_job(jobs, a, names, failed), _shown_job(jobs, b, names, failed), parent)
        made[position] = node
        nodes.append(node)
        if parent is not None:
            if not parent.children:
                parent.children = []
            parent.children.append(node)  # type: ignore[union-attr]
    changed = [node for node in nodes if node.change == "changed"]
    _calls(session, changed)
    changed_arguments(session, changed, previews)
    return _freeze(a_side, b_side, chosen, nodes, counts, root_kept=bool(kept) and kept[0])


def _jobs_by_id(session: Session, failed: set[str] | None, names: dict[str, str], ids: set[str]) -> dict[str, _Job]:
    """The jobs ``ids`` read whole (batches of CALL_BATCH), their task names in ``names``."""
    jobs: dict[str, _Job] = {}
    connection = session.connection()
    for chunk in chunks(sorted(ids), CALL_BATCH):
        query = _jobs_query(failed).where(Job.id.in_(chunk))
        jobs.update((job.id, job) for job in (_Job(row, names, failed) for row in raw_rows(connection, query)))
    _name_tasks(session, names, {job.task_hash for job in jobs.values()} - names.keys())
    return jobs


def _shown_job(jobs: dict[str, _Job], row: tuple | None, names: dict[str, str], failed: set[str] | None) -> _Job | None:
    """The job of a pairing row, as read whole; from the row itself when it is gone (a job
    row removed between the two reads: its end time then unknown)."""
    if row is None:
        return None
    job = jobs.get(row[0])
    if job is None:
        job_id, parent_id, task_hash, call_hash, start, unfinished, cached, *probe = row
        job = _Job((None, job_id, parent_id, task_hash, call_hash, start, None if unfinished else "", cached, probe[0] if probe else None),
                   names, failed)
    return job


def _freeze(a_side: DiffSide, b_side: DiffSide, chosen: bool, nodes: list[_Node],
            counted: dict[str, int] | None = None, root_kept: bool = True) -> DiffView:
    """The view of ``nodes`` (pre-order). ``counted``: the summary, when ``nodes`` are only the
    pairs on paths to changes (then ``root_kept`` says whether the root pair is among them)."""
    counts = counted if counted is not None else dict.fromkeys(("same", "cached", "changed", "added", "removed"), 0)
    for node in reversed(nodes):  # children before parents
        change = node.change
        if counted is None:
            counts[change] += 1
        if change == "same":  # both jobs known; no reasons, no arguments: the rank stays _RANK_SAME
            if counted is None and node.b.status == "CACHED":  # type: ignore[union-attr]
                counts["cached"] += 1
        elif "code" in node.reasons:
            node.rank = _RANK_CODE
        elif node.args and any(arg.same_path_new_content for arg in node.args):
            node.rank = _RANK_FILE
        elif change == "changed":
            node.rank = _RANK_CHANGED
        else:
            node.rank = _RANK_ADDED
        if node.has_changes and node.parent is not None:
            node.parent.has_changes = True

    def order(siblings: Iterable[_Node]) -> list[_Node]:
        return sorted(siblings, key=lambda node: (node.rank, node.start is None, node.start or 0))

    tops = [node for node in nodes if node.parent is None]
    root_top, other_tops = (tops[:1], order(tops[1:])) if root_kept else ([], order(tops))
    ordered: list[_Node] = []
    stack = [(node, 0) for node in reversed(root_top + other_tops)]
    while stack:
        node, depth = stack.pop()
        node.index, node.depth = len(ordered), depth
        ordered.append(node)
        children = node.children
        if children:
            if len(children) > 1:
                children = node.children = order(children)
            stack.extend([(child, depth + 1) for child in reversed(children)])
    # The screen shows a few hundred pairs of 100,000: each DiffPair is built when first read.
    return DiffView(
        a=a_side, b=b_side, chosen=chosen, summary=DiffSummary(**counts),
        pairs=DiffPairs(len(ordered), lambda index: _frozen(ordered[index]), [node.has_changes for node in ordered],
                        record=lambda index: _record(ordered[index])),
        roots=tuple(node.index for node in root_top + other_tops), causes=_causes(ordered),
        complete=counted is None,
    )


def _frozen(node: _Node) -> DiffPair:
    a, b = node.a, node.b
    return DiffPair(
        index=node.index,
        parent=node.parent.index if node.parent is not None else None,
        depth=node.depth,
        children=tuple(map(_INDEX, node.children)) if node.children else (),
        change=node.change,
        task=(b or a).task,  # type: ignore[union-attr]
        a_job=a.id if a else None,
        b_job=b.id if b else None,
        a_call_hash=a.call_hash if a else None,
        b_call_hash=b.call_hash if b else None,
        a_task_hash=a.task_hash if a else None,
        b_task_hash=b.task_hash if b else None,
        a_status=a.status if a else None,
        b_status=b.status if b else None,
        a_duration=a.duration if a else None,
        b_duration=b.duration if b else None,
        a_result=a.result if a else None,
        b_result=b.result if b else None,
        reasons=node.reasons,
        args=node.args,
        has_changes=node.has_changes,
    )


_INDEX = attrgetter("index")


def _record(node: _Node) -> dict[str, Any]:
    """The pair's ``--json`` record (:mod:`redun_tui.store.diff_json`), straight from the node:
    the frozen pair costs more than the record, and ``--json --all`` writes every pair."""
    a, b = node.a, node.b
    return {
        "change": node.change,
        "task": (b or a).task,  # type: ignore[union-attr]
        "a_job": a.id if a else None,
        "b_job": b.id if b else None,
        "a_call_hash": a.call_hash if a else None,
        "b_call_hash": b.call_hash if b else None,
        "reasons": list(node.reasons),
        "args": [{"name": arg.name, "a": arg.a, "b": arg.b} for arg in node.args] if node.args else [],
        "a_status": a.status if a else None,
        "b_status": b.status if b else None,
        "a_duration": a.duration if a else None,
        "b_duration": b.duration if b else None,
    }


def _causes(ordered: list[_Node]) -> tuple[DiffCause, ...]:
    """Code changes of tasks, then Files with new content at the same path (first seen first)."""
    code: dict[tuple, list[int]] = {}
    files: dict[tuple, list[int]] = {}
    for node in ordered:
        if not node.reasons:  # same, added, removed, or changed for no reason read
            continue
        if "code" in node.reasons:
            code.setdefault((node.b.task, node.a.task_hash, node.b.task_hash), []).append(node.index)
        for arg in node.args:
            if arg.same_path_new_content:
                files.setdefault((arg.b_path, arg.a, arg.b), []).append(node.index)
    found = [DiffCause("code", key[0], key[1], key[2], where[0], len(where)) for key, where in code.items()]
    found += [DiffCause("file", key[0], key[1], key[2], where[0], len(where)) for key, where in files.items()]
    return tuple(found)
