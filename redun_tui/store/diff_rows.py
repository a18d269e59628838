"""The diff's pairing over raw job rows, for the changes-only view (:mod:`redun_tui.store.diff`).

The changes-only view (the screen's first tree, ``redun-tui diff`` and ``--json`` without
``--all``) needs every pair only to count it: at L ~97,000 of ~99,000 pairs are ``same``. So
the jobs are read as the driver's own tuples (no SQLAlchemy row, no object per job), paired as
tuples by the very rules of :func:`pair_by` (the store's ``pair_siblings`` is the same rule over
its job objects) and ``_pair_tree``, and the store makes job and pair objects only for the pairs
on a path to a change.

A row is ``(id, parent_id, task_hash, call_hash, start, unfinished, cached[, failed])`` (the
store's ``_rows_query``, a statement a side; ``failed`` only when the statement probes the
failed calls itself): what pairing and the summary need. Each text
column is a string per row to make and free (~0.03 s a column a side at L), so a row has no end
time, only whether there is one; the jobs that are shown are read whole afterwards.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select

Row = tuple  # one job row (see the module docstring)
_ID, _PARENT, _TASK, _CALL, _START, _UNFINISHED, _CACHED, _FAILED = range(8)
ROW_TASK, ROW_CALL = _TASK, _CALL  # the columns the store reads too


def read_rows(connection: Connection, query: Select) -> list[Row] | None:
    """Every row of ``query`` as the DBAPI cursor's tuples (one statement), or None when a start
    time is neither text, a datetime nor NULL (bad data: the object path renders it as text)."""
    rows = raw_rows(connection, query)
    if not set(map(type, map(itemgetter(_START), rows))) <= {str, datetime, type(None)}:
        return None
    return rows


def raw_rows(connection: Connection, query: Select) -> list[tuple]:
    """Every row of ``query`` as the DBAPI cursor's tuples: no SQLAlchemy row or result
    processing (for columns that need none: text, numbers, ``type_coerce``-d times)."""
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args: Any = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, args)
        return cursor.fetchall()
    finally:
        cursor.close()


def start_order(rows: list[Row]) -> list[Row]:
    """The rows in ``_load_jobs``'s order of jobs: start time (missing last), then id (keys
    taken by ``itemgetter``: a Python key function per row cost ~0.1 s a side at L)."""
    timed = [row for row in rows if row[_START] is not None]
    if len(timed) == len(rows):
        timed.sort(key=itemgetter(_START, _ID))
        return timed
    untimed = [row for row in rows if row[_START] is None]
    timed.sort(key=itemgetter(_START, _ID))
    untimed.sort(key=itemgetter(_ID))
    return timed + untimed


def pair_by(a_items: list[Any], b_items: list[Any], call: Callable[[Any], str | None], ident: Callable[[Any], str],
            tasks: Callable[[list[Any]], list[str]]) -> list[tuple[Any, Any]]:
    """The pairing rule of two lists of sibling jobs (each in start-time order), for rows and
    for the store's job objects alike (``call`` and ``ident`` read a job's call hash and id,
    ``tasks`` the task full names of a list of jobs, asked only of the jobs left when both
    sides have some): equal call hash first, then the same task full name in start order; the
    rest alone."""
    if not a_items or not b_items:  # most jobs are leaves: nothing to match
        return [(item, None) for item in a_items] + [(None, item) for item in b_items]
    if len(a_items) == len(b_items):
        a_calls = list(map(call, a_items))
        if None not in a_calls and a_calls == list(map(call, b_items)):
            # The same calls in the same order (a re-run's unchanged parents): what the matching
            # below gives (the k-th job of a call hash pairs with the k-th), without its tables.
            return list(zip(a_items, b_items))
    by_hash: dict[str, deque[Any]] = defaultdict(deque)
    for item in b_items:
        key = call(item)
        if key is not None:
            by_hash[key].append(item)
    pairs: list[tuple[Any, Any]] = []
    used: set[str] = set()
    rest_a = []
    for item in a_items:
        key = call(item)
        match = by_hash.get(key) if key is not None else None
        if match:
            other = match.popleft()
            used.add(ident(other))
            pairs.append((item, other))
        else:
            rest_a.append(item)
    rest_b = [item for item in b_items if ident(item) not in used]
    if not rest_a or not rest_b:  # nothing left to match by task
        return pairs + [(item, None) for item in rest_a] + [(None, item) for item in rest_b]
    by_task: dict[str, deque[Any]] = defaultdict(deque)
    for name, item in zip(tasks(rest_b), rest_b):
        by_task[name].append(item)
    for name, item in zip(tasks(rest_a), rest_a):
        match = by_task.get(name)
        if match:
            other = match.popleft()
            used.add(ident(other))
            pairs.append((item, other))
        else:
            pairs.append((item, None))
    pairs.extend((None, item) for item in rest_b if ident(item) not in used)
    return pairs


def pair_rows(a_rows: list[Row], b_rows: list[Row], tasks: Callable[[list[Row]], list[str]],
              ) -> list[tuple[Row | None, Row | None]]:
    """:func:`pair_by` over rows."""
    return pair_by(a_rows, b_rows, itemgetter(_CALL), itemgetter(_ID), tasks)


def pair_row_tree(a_rows: list[Row], b_rows: list[Row], a_root: str | None, b_root: str | None,
                  tasks: Callable[[list[Row]], list[str]], failed: set[str] | None,
                  cached_keys: set[tuple[bool, bool, bool]],
                  ) -> tuple[list[Row | None], list[Row | None], list[int], int, int]:
    """``_pair_tree`` over rows: the pairs, parents before children, as three lists (the A
    row, the B row, the parent pair's position or -1), in the same order, except the ``same``
    pairs without children (most of a re-run): those are only counted. Also returns the
    number of ``same`` pairs and of those whose B job is CACHED: its (failed, unfinished,
    cached) is in ``cached_keys``, failed meaning its call hash is in ``failed`` (None: the
    row's own probe)."""
    a_kids: dict[str | None, list[Row]] = defaultdict(list)
    b_kids: dict[str | None, list[Row]] = defaultdict(list)
    for rows, kids in ((a_rows, a_kids), (b_rows, b_kids)):
        for row in rows:  # in start order, so each child list is too
            kids[row[_PARENT]].append(row)
    flat_a: list[Row | None] = []
    flat_b: list[Row | None] = []
    flat_parent: list[int] = []
    # The jobs met. From the roots, a job is met once (it is in one list of children) unless a
    # cycle of bad data leads back to a root: the walk only counts the others (two sets of
    # 100,000 ids are ~8 MB at L) and holds the roots, whose second meeting is skipped as
    # always and sends the whole pairing to the tracked walk (``tracked``).
    a_seen: set[str] = set()
    b_seen: set[str] = set()
    tracked = False
    met = [0, 0, False]  # A jobs met, B jobs met, a root met twice
    counts = [0, 0]  # same, cached

    def is_cached(b: Row) -> bool:
        failed_b = b[_CALL] in failed if failed is not None else bool(b[_FAILED])
        return (failed_b, bool(b[_UNFINISHED]), bool(b[_CACHED])) in cached_keys

    def expand(tops: list[tuple[Row | None, Row | None]]) -> None:
        stack = [(a, b, -1) for a, b in reversed(tops)]
        pop, push, a_kids_of, b_kids_of = stack.pop, stack.extend, a_kids.get, b_kids.get
        add_a, add_b, add_parent = flat_a.append, flat_b.append, flat_parent.append
        same = cached = 0
        a_met = b_met = 0
        while stack:
            a, b, parent = pop()
            a_children = b_children = None
            if a is not None:
                if a[_ID] in a_seen:
                    met[2] = True
                    continue  # a cycle in bad data: each job still appears once
                a_children = a_kids_of(a[_ID])
            if b is not None:
                if b[_ID] in b_seen:
                    met[2] = True
                    continue
                b_children = b_kids_of(b[_ID])
            if a is not None:
                a_met += 1
                if tracked or parent < 0:
                    a_seen.add(a[_ID])
            if b is not None:
                b_met += 1
                if tracked or parent < 0:
                    b_seen.add(b[_ID])
                if a is not None and a[_CALL] is not None and a[_CALL] == b[_CALL]:  # same
                    same += 1
                    if is_cached(b):
                        cached += 1
                    if not (a_children or b_children):
                        continue
            position = len(flat_a)
            add_a(a)
            add_b(b)
            add_parent(parent)
            if not (a_children or b_children):
                continue
            if a_children and b_children and len(a_children) == len(b_children):
                a_calls = [row[_CALL] for row in a_children]
                if None not in a_calls and a_calls == [row[_CALL] for row in b_children]:
                    # The same calls in the same order (pair_rows' first case): the leaves are
                    # same pairs, counted here; each job is in one list of children, so
                    # counting them before their siblings' subtrees changes nothing.
                    rest = []
                    for ca, cb in zip(a_children, b_children):
                        a_id, b_id = ca[_ID], cb[_ID]
                        if a_id in a_kids or b_id in b_kids or a_id in a_seen or b_id in b_seen:
                            rest.append((ca, cb, position))
                            continue
                        if tracked:
                            a_seen.add(a_id)
                            b_seen.add(b_id)
                        a_met += 1
                        b_met += 1
                        same += 1
                        if is_cached(cb):
                            cached += 1
                    rest.reverse()
                    push(rest)
                    continue
            children = pair_rows(a_children or [], b_children or [], tasks)
            children.reverse()
            push([(ca, cb, position) for ca, cb in children])
        counts[0] += same
        counts[1] += cached
        met[0] += a_met
        met[1] += b_met

    roots = [(_find(a_rows, a_root), _find(b_rows, b_root))]
    if roots[0] == (None, None):
        roots = []
    expand(roots)
    if met[2]:  # a root met twice (a cycle): the whole pairing again, every job tracked
        flat_a.clear(), flat_b.clear(), flat_parent.clear()
        a_seen.clear(), b_seen.clear()
        counts[:] = met[:2] = [0, 0]
        tracked = True
        expand(roots)
    if met[0] == len(a_rows) and met[1] == len(b_rows):
        return flat_a, flat_b, flat_parent, counts[0], counts[1]
    if not tracked:  # jobs outside the tree: those met are the ones below the roots
        a_seen, b_seen = _below(a_kids, roots[0][0] if roots else None), _below(b_kids, roots[0][1] if roots else None)
        tracked = True
    a_by_id = {row[_ID]: row for row in a_rows}  # job ids are unique: only needed past the tree
    b_by_id = {row[_ID]: row for row in b_rows}
    while len(a_seen) < len(a_by_id) or len(b_seen) < len(b_by_id):
        a_rest = [row for row in a_rows if row[_ID] not in a_seen]
        b_rest = [row for row in b_rows if row[_ID] not in b_seen]
        if not a_rest and not b_rest:
            break
        a_top = [row for row in a_rest if row[_PARENT] not in a_by_id or row[_PARENT] in a_seen] or a_rest[:1]
        b_top = [row for row in b_rest if row[_PARENT] not in b_by_id or row[_PARENT] in b_seen] or b_rest[:1]
        expand(pair_rows(a_top, b_top, tasks))
    return flat_a, flat_b, flat_parent, counts[0], counts[1]


def _below(kids: dict[str | None, list[Row]], top: Row | None) -> set[str]:
    """The ids of ``top`` and every job under it (no cycle leads back to it: checked by the
    caller)."""
    if top is None:
        return set()
    found = {top[_ID]}
    stack = [top[_ID]]
    while stack:
        for row in kids.get(stack.pop(), ()):
            found.add(row[_ID])
            stack.append(row[_ID])
    return found


def _find(rows: list[Row], job_id: str | None) -> Row | None:
    """The row of a job id (a scan: a dict of 100,000 rows costs more than finding one)."""
    if not job_id:
        return None
    return next((row for row in rows if row[_ID] == job_id), None)
