"""The views of a diff of two executions (built by :mod:`redun_tui.store.diff`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import overload

CHANGES = ("same", "changed", "added", "removed")
REASONS = ("code", "args", "status", "result")


@dataclass(frozen=True)
class DiffSide:
    """One of the two executions: what the header and the JSON's ``a``/``b`` show."""

    id: str
    task: str
    status: str
    start: datetime | None
    root_job_id: str | None


@dataclass(frozen=True)
class DiffSummary:
    """Counts over every pair; ``same`` includes ``cached`` (same pairs whose B job is CACHED)."""

    same: int = 0
    cached: int = 0
    changed: int = 0
    added: int = 0
    removed: int = 0


@dataclass(frozen=True, slots=True)
class ArgChange:
    """An argument whose value hash differs between the two calls.

    Attributes:
        name: the task's parameter name, the keyword, or the position ("0", "1").
        a, b: value hashes (None: the argument is only on the other side).
        a_preview, b_preview: one-line value reprs (None when not loaded: too many to preview).
        a_path, b_path: the File path when the value is a File.
    """

    name: str
    a: str | None
    b: str | None
    a_preview: str | None = None
    b_preview: str | None = None
    a_path: str | None = None
    b_path: str | None = None

    @property
    def same_path_new_content(self) -> bool:
        """A File at the same path whose content (hash) changed: the usual reason a run differs."""
        return self.a_path is not None and self.a_path == self.b_path and self.a != self.b


@dataclass(frozen=True, slots=True)
class DiffPair:
    """A job of A paired with a job of B (or a job on one side only).

    Attributes:
        index: position in :attr:`DiffView.pairs` (pre-order: a parent before its children).
        parent: index of the parent pair (None for the roots and jobs outside the tree).
        depth: 0 for the root pair.
        children: indices of the child pairs, in display order.
        change: same, changed, added (only in B) or removed (only in A).
        reasons: for ``changed``: code, args, status, result (in that order, those that apply).
        has_changes: this pair or one below it is not ``same`` (the default tree shows these).
        a_result, b_result: the result value hashes, read for ``changed`` pairs only (a ``same``
            pair's two jobs share one call node, hence one result); None otherwise.
    """

    index: int
    parent: int | None
    depth: int
    children: tuple[int, ...]
    change: str
    task: str
    a_job: str | None
    b_job: str | None
    a_call_hash: str | None
    b_call_hash: str | None
    a_task_hash: str | None
    b_task_hash: str | None
    a_status: str | None
    b_status: str | None
    a_duration: float | None
    b_duration: float | None
    a_result: str | None
    b_result: str | None
    reasons: tuple[str, ...]
    args: tuple[ArgChange, ...]
    has_changes: bool


class DiffPairs(Sequence[DiffPair]):
    """The pairs of a diff in display order, each built when first read and kept.

    The screen shows a few hundred pairs of a diff of 100,000-job executions; building every
    frozen pair up front cost more than reading the jobs. Plain data: ``build`` reads only
    Python objects the store made (never a Session).

    Args:
        count: the number of pairs.
        build: the pair at an index.
        changes: each pair's ``has_changes``, so the default tree (changes only) can skip the
            unchanged siblings of a change without building them.
        record: the pair at an index as its ``--json`` record (a plain dict), made without the
            frozen pair: ``--json --all`` writes 200,000 of them at L.
    """

    def __init__(self, count: int, build: Callable[[int], DiffPair], changes: Sequence[bool],
                 record: Callable[[int], dict] | None = None) -> None:
        self._count = count
        self._build = build
        self._changes = changes
        self._record = record
        self._built: list[DiffPair | None] = [None] * count

    def has_changes(self, index: int) -> bool:
        """``self[index].has_changes``, without building the pair."""
        return self._changes[index]

    def record(self, index: int) -> dict | None:
        """The pair's ``--json`` record, or None when this sequence was made without them."""
        return self._record(index) if self._record is not None else None

    def peek(self, index: int) -> DiffPair:
        """``self[index]`` without keeping it: a pass over every pair (``--json --all``) holds
        one at a time instead of all of them."""
        pair = self._built[index]
        return pair if pair is not None else self._build(index)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> DiffPair: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[DiffPair, ...]: ...

    def __getitem__(self, index: int | slice) -> DiffPair | tuple[DiffPair, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._count)))
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        pair = self._built[index]
        if pair is None:
            pair = self._built[index] = self._build(index)
        return pair


@dataclass(frozen=True)
class DiffCause:
    """A change that explains others, listed first: a task's code or an input File's content.

    Attributes:
        kind: ``code`` or ``file``.
        text: e.g. ``seedex.align_reads`` or ``sample3.fastq`` (raw text).
        a, b: the old and new task hash / value hash.
        pair: the first pair that shows it.
        count: the number of pairs it appears in.
    """

    kind: str
    text: str
    a: str | None
    b: str | None
    pair: int
    count: int


@dataclass(frozen=True)
class DiffView:
    """Everything the diff screen and ``redun-tui diff`` show.

    Attributes:
        chosen: True when A was chosen as B's previous run (not given by the user).
        pairs: every pair, pre-order (a :class:`DiffPairs`: built as they are read).
        roots: indices of the top pairs (the root pair, then jobs outside the tree).
        complete: False when ``pairs`` holds only the pairs on a path to a change (what the
            changes-only tree, text and ``--json`` show; indices are then this view's own): a
            view of every pair is read again with ``everything=True``.
    """

    a: DiffSide
    b: DiffSide
    chosen: bool
    summary: DiffSummary
    pairs: DiffPairs
    roots: tuple[int, ...]
    causes: tuple[DiffCause, ...]
    complete: bool = True

    @property
    def route(self) -> str:
        """The route that shows this diff."""
        from redun_tui.store import routes  # see ValueRef.route

        return routes.diff(self.b.id, self.a.id)


# -- timeline, critical path, task statistics (redun_tui.store_timeline) -----------------------
