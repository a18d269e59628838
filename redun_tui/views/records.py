"""The views of the record screens: executions, jobs, values, dataflow, tasks, files, search, routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redun_tui.views.core import ExecutionRow, Link, Page, TagView


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
