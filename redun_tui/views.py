"""Frozen dataclasses the UI displays: plain data built by :mod:`redun_tui.store`, never ORM rows.

Strings here are raw database text (already trimmed where noted); widgets make them safe for the
terminal with :func:`redun_tui.formatting.safe_text` when they render. Times are timezone-aware UTC.
Routes (``jobs/<id>``…) are the addresses screens open; see :mod:`redun_tui.store.routes`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar, overload

T = TypeVar("T")

STATUSES = ("DONE", "CACHED", "FAILED", "RUNNING")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list.

    Attributes:
        items: the rows of this page.
        offset: index of the first row in the whole list.
        next_cursor: opaque keyset cursor for the next page (None when this is the last page).
        total: the number of rows in the whole list, when known cheaply (else None).
        prev_cursor: cursor for the page before this one (None at the start, or when the list
            pages forward only).
        seekable: the list also reads the cursors of ``redun_tui.store.paging`` that jump: the
            last page, the page holding row N (then ``offset`` may count from the end: ``-k``
            is the k-th row from the end).
    """

    items: tuple[T, ...]
    offset: int = 0
    next_cursor: str | None = None
    total: int | None = None
    prev_cursor: str | None = None
    seekable: bool = False

    @property
    def has_more(self) -> bool:
        """True when another page follows."""
        return self.next_cursor is not None


@dataclass(frozen=True)
class Link:
    """Something a user can open: a label and the route it opens (None: not openable)."""

    label: str
    route: str | None = None


@dataclass(frozen=True)
class TagView:
    """A current tag: key and its JSON value as normalized text (``"prod"``, ``3``, ``[1,2]``)."""

    key: str
    value: str


@dataclass(frozen=True)
class ExecutionRow:
    """A line of the executions list."""

    id: str
    start_time: datetime | None
    end_time: datetime | None
    duration: timedelta | None
    status: str
    task_name: str
    args: str
    tags: tuple[TagView, ...] = ()
    updated_time: datetime | None = None


@dataclass(frozen=True)
class StatusCount:
    """Job counts by status for one task within an execution (a row of the status table)."""

    task_name: str
    counts: tuple[tuple[str, int], ...]

    def get(self, status: str) -> int:
        """The count for a status (0 when absent)."""
        return dict(self.counts).get(status, 0)

    @property
    def total(self) -> int:
        """All jobs of this task."""
        return sum(count for _, count in self.counts)


@dataclass(frozen=True)
class ExecutionDetail:
    """The header of an execution screen."""

    row: ExecutionRow
    args_list: tuple[str, ...]
    root_job_id: str | None
    job_count: int | None = None


@dataclass(frozen=True)
class JobRow:
    """A node of a job tree or a line of a job list."""

    id: str
    task_name: str
    status: str
    start_time: datetime | None
    end_time: datetime | None
    duration: timedelta | None
    cached: bool
    parent_id: str | None
    execution_id: str
    call_hash: str | None
    child_count: int = 0
    call_args: str | None = None

    @property
    def call(self) -> str:
        """``task(arg, key=arg)`` as redun logs a call (bounded previews), or the task name
        alone when the call's arguments were not read or never recorded."""
        if self.call_args is None:
            return self.task_name
        return f"{self.task_name}({self.call_args})"


@dataclass(frozen=True)
class ValueRef:
    """A value as a link: hash, type and its trimmed repr as redun shows it."""

    value_hash: str
    type: str
    preview: str
    size: int | None = None

    @property
    def route(self) -> str:
        """The value screen's route."""
        # Imported here: the store package imports this module (its views) as it loads.
        from redun_tui.store import routes

        return routes.value(self.value_hash)


@dataclass(frozen=True)
class ArgumentView:
    """One argument of a call: ``name`` is the keyword or ``arg0``-style position label."""

    name: str
    position: int | None
    key: str | None
    value: ValueRef
    upstream_job_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ErrorView:
    """A failed job's error: the exception repr and traceback lines (as recorded by redun)."""

    error_repr: str
    message: str
    traceback: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskRef:
    """A task as a link."""

    hash: str
    fullname: str

    @property
    def route(self) -> str:
        """The task screen's route."""
        from redun_tui.store import routes  # see ValueRef.route

        return routes.task(self.hash)


@dataclass(frozen=True)
class JobDetail:
    """Everything the job screen shows."""

    row: JobRow
    trail: tuple[Link, ...]
    task: TaskRef
    source: str
    call_hash: str | None
    args_hash: str | None
    arguments: tuple[ArgumentView, ...]
    result: ValueRef | None
    error: ErrorView | None
    tags: tuple[TagView, ...]
    children: Page[JobRow]


# The two roles a job plays for a value (see redun_tui.store.uses for the definition).
PRODUCED = "produced"
READ = "read"


@dataclass(frozen=True)
class JobUse:
    """A job that produced or read a value.

    ``how`` says how its call holds the value: ``result`` (returned it), ``in result`` (returned
    a value containing it), ``argument`` or ``in argument``.
    """

    job_id: str
    task_name: str
    status: str
    start_time: datetime | None
    execution_id: str
    how: str = ""


@dataclass(frozen=True)
class JobUses:
    """The newest jobs that produced (or read) a value or file, and whether more exist.

    Every screen and command shows these under :attr:`title` with :attr:`note` explaining the
    definition, so a count means the same everywhere.
    """

    role: str
    jobs: tuple[JobUse, ...] = ()
    more: bool = False

    def __len__(self) -> int:
        return len(self.jobs)

    def __iter__(self):
        return iter(self.jobs)

    @property
    def count_text(self) -> str:
        """``3``, or ``50+`` when only the newest were listed."""
        return f"{len(self.jobs)}+" if self.more else str(len(self.jobs))

    @property
    def title(self) -> str:
        """``Produced by (3)`` / ``Read by (50+)``."""
        return f"{'Produced by' if self.role == PRODUCED else 'Read by'} ({self.count_text})"

    @property
    def note(self) -> str:
        """What the list holds (newest first), in one line the same wherever it is shown."""
        if self.role == PRODUCED:
            if not self.jobs:
                return "no job returned it or a value holding it"
            return "jobs that returned it (result) or a value holding it (in result)"
        if not self.jobs:
            return "no job took it or a value holding it as an argument"
        return "jobs that took it (argument) or a value holding it (in argument)"


@dataclass(frozen=True)
class ValueDetail:
    """Everything the value screen shows (the preview is bounded; ``preview_truncated`` says so)."""

    ref: ValueRef
    format: str
    size: int
    preview_text: str
    preview_truncated: bool
    file_path: str | None
    subvalues: tuple[ValueRef, ...]
    parents: tuple[ValueRef, ...]
    produced_by: JobUses
    consumed_by: JobUses
    tags: tuple[TagView, ...]
    in_value_store: bool = False


@dataclass(frozen=True)
class Segment:
    """A run of text in a dataflow line; ``route`` makes it a focusable link."""

    text: str
    route: str | None = None


@dataclass(frozen=True)
class DataflowLine:
    """One line of the dataflow text, split into segments (joined, they are redun's line)."""

    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        """The plain line, exactly as ``display_dataflow`` prints it."""
        return "".join(segment.text for segment in self.segments)


@dataclass(frozen=True)
class DataflowView:
    """The upstream dataflow of a value: lines ready to render, and its JSON serialization."""

    value: ValueRef
    lines: tuple[DataflowLine, ...]
    json_text: str = ""
    error: str | None = None


@dataclass(frozen=True)
class TaskRow:
    """A line of the tasks list (one row per task hash, i.e. per version)."""

    hash: str
    namespace: str
    name: str
    fullname: str
    job_count: int | None = None
    last_run: datetime | None = None


@dataclass(frozen=True)
class TaskDetail:
    """The task screen: source, other versions, recent jobs."""

    row: TaskRow
    source: str
    versions: tuple[TaskRow, ...]
    recent_jobs: tuple[JobRow, ...]
    tags: tuple[TagView, ...] = ()


@dataclass(frozen=True)
class FileRow:
    """A recorded File version: its path and value hash."""

    path: str
    value_hash: str
    preview: str
    last_used: datetime | None = None


@dataclass(frozen=True)
class FileDetail:
    """A file path: every recorded version, who produced each, who read it."""

    path: str
    versions: tuple[FileRow, ...]
    produced_by: JobUses
    consumed_by: JobUses


@dataclass(frozen=True)
class RecordRow:
    """A search result of any record type (the CLI ``query`` line and the search results list).

    ``task_name`` is the task (executions, jobs, call nodes, tasks) or the value's type;
    ``detail`` tells rows of one task or type apart: a job's or call node's arguments
    (``(File(path=s1.fastq, …), …)``), an execution's command line, a value's preview (a
    File's shows its path).
    """

    type: str
    id: str
    status: str
    task_name: str
    time: datetime | None
    route: str
    detail: str = ""


@dataclass(frozen=True)
class Resolution:
    """A resolved route: the canonical route, or the candidates when a prefix is ambiguous."""

    route: str | None
    candidates: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Heartbeat:
    """Cheap change detection for live refresh: changes whenever redun writes something shown."""

    token: tuple = field(default_factory=tuple)
    running: bool = False

# -- diff of two executions (built by redun_tui.store.diff) -------------------------------------

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
    """

    a: DiffSide
    b: DiffSide
    chosen: bool
    summary: DiffSummary
    pairs: DiffPairs
    roots: tuple[int, ...]
    causes: tuple[DiffCause, ...]

    @property
    def route(self) -> str:
        """The route that shows this diff."""
        from redun_tui.store import routes  # see ValueRef.route

        return routes.diff(self.b.id, self.a.id)


# -- timeline, critical path, task statistics (redun_tui.store_timeline) -----------------------


@dataclass(frozen=True)
class TimelineSpan:
    """The time axis of an execution's timeline.

    Attributes:
        execution_id: the full execution id.
        root_job_id: the root job (None when the execution has none).
        start_time: the root job's start.
        end_time: the root job's end (None while it runs).
        now: where unfinished jobs end on the critical path: the execution's ``updated_time``
            (or, without one, the latest time recorded on its jobs).
        job_count: jobs in the execution.
        latest: the latest start or end recorded on the execution's jobs.
    """

    execution_id: str
    root_job_id: str | None
    start_time: datetime | None
    end_time: datetime | None
    now: datetime | None
    job_count: int = 0
    latest: datetime | None = None

    @property
    def running_end(self) -> datetime | None:
        """Where a RUNNING job's bar ends: ``now``, or later when a job recorded a later time.

        redun writes ``updated_time`` when an execution starts, so a killed run's is often
        before its own root job started: bars ending there would have no length.
        """
        known = [moment for moment in (self.now, self.latest) if moment is not None]
        return max(known) if known else None

    @property
    def axis_end(self) -> datetime | None:
        """The right end of the axis: the root's end, or :attr:`running_end` while it runs."""
        return self.end_time or self.running_end

    @property
    def duration(self) -> float | None:
        """Seconds from the root's start to its end (to ``now`` while it runs)."""
        if self.start_time is None or self.axis_end is None:
            return None
        return (self.axis_end - self.start_time) / timedelta(microseconds=1) / 1e6


@dataclass(frozen=True)
class CriticalStep:
    """One job on the critical path.

    Attributes:
        end_time: the job's recorded end (None while it runs).
        effective_end: the end used for the path (``now`` for a running job).
        self_seconds: the step's own time: its end minus the next step's end (its whole
            duration for the last step), never below 0.
    """

    job_id: str
    task_name: str
    status: str
    start_time: datetime | None
    end_time: datetime | None
    effective_end: datetime | None
    self_seconds: float


@dataclass(frozen=True)
class TaskStats:
    """Durations of one task's jobs in an execution (seconds; None without finished jobs)."""

    task_hash: str | None
    task_name: str
    count: int
    failed: int
    cached: int
    finished: int
    total: float
    mean: float | None
    p50: float | None
    p95: float | None
    max: float | None


@dataclass(frozen=True)
class TaskHistoryPoint:
    """One execution's durations of a task (seconds; None without finished jobs)."""

    execution_id: str
    start_time: datetime | None
    count: int
    p50: float | None
    p95: float | None
    max: float | None


@dataclass(frozen=True)
class TaskHistory:
    """A task's durations over its latest executions, oldest first (every version of the name)."""

    task_name: str
    points: tuple[TaskHistoryPoint, ...]
