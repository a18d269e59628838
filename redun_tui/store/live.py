"""Live refresh: a cheap heartbeat token that changes when redun writes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redun_tui.db.models import Execution, Job
from redun_tui.views import Heartbeat


def heartbeat(session: Session, execution_id: str | None = None) -> Heartbeat:
    """A cheap token that changes when redun writes (jobs ending, heartbeats).

    One statement of index-backed aggregates. Globally: the newest execution heartbeat
    (``updated_time``), the number of jobs without an end time, and the newest job start
    and end times (each one index seek). For an execution: its heartbeat, its jobs without
    an end time and its number of jobs (an index-only count), and the newest end time.
    """
    if execution_id:
        updated = select(Execution.updated_time).where(Execution.id == execution_id).scalar_subquery()
        # ``|| ''`` keeps SQLite on the end_time index (the few unfinished jobs of
        # the whole database) instead of reading every job row of the execution.
        running = select(func.count()).select_from(Job).where(
            Job.end_time.is_(None), (Job.execution_id + "") == execution_id
        )
        jobs = select(func.count()).select_from(Job).where(Job.execution_id == execution_id).scalar_subquery()
    else:
        updated = select(func.max(Execution.updated_time)).scalar_subquery()
        running = select(func.count()).select_from(Job).where(Job.end_time.is_(None))
        jobs = select(func.max(Job.start_time)).scalar_subquery()
    last_end = select(func.max(Job.end_time)).scalar_subquery()
    row = session.execute(
        select(updated, running.scalar_subquery(), jobs, last_end)
    ).one()
    token = tuple(str(item) if isinstance(item, datetime) else item for item in row)
    return Heartbeat(token=token, running=bool(row[1]))
