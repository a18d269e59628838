"""Frozen dataclasses of a diff between two executions (built by :mod:`redun_tui.store_diff`).

Strings are raw database text; widgets and the CLI make them safe when they show them. Durations
are seconds (float) or None for a job that has not ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
        roots: indices of the top pairs (the root pair, then jobs outside the tree).
    """

    a: DiffSide
    b: DiffSide
    chosen: bool
    summary: DiffSummary
    pairs: tuple[DiffPair, ...]
    roots: tuple[int, ...]
    causes: tuple[DiffCause, ...]

    @property
    def route(self) -> str:
        """The route that shows this diff."""
        return f"diff/{self.a.id}/{self.b.id}"
