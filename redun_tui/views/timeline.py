"""The views of an execution's timeline, critical path and task statistics (:mod:`redun_tui.store.timeline`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


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
