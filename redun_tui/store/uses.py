"""Who produced a value and who read it: the one definition every screen and command shows.

A job **produced** a value when its call's result is that value, or a value that contains it
(a list of Files, a dict holding one: redun records the nested values of a result in the
``subvalue`` table, all depths flattened to one level). A job **read** a value when one of its
call's arguments is that value or contains it. This is what redun's console counts as a value's
"Upstream jobs" and "Downstream jobs" (``filter_results`` / ``filter_arguments``); ``redun
log`` names only one producer, the earliest job whose result is the value itself. Each job says
which way it holds the value (``result`` / ``in result``, ``argument`` / ``in argument``), so a
job that returned a list holding a File is never mistaken for the one that wrote it.

A file path is the union over its versions: the jobs that produced or read any of them.
See docs/provenance.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from redun_tui.db.models import Argument, CallNode, Subvalue
from redun_tui.store.jobs import job_page, make_job_row
from redun_tui.store.paging import probe_newest
from redun_tui.store.sql import MAIN, PROBE_JOB, JobJoin
from redun_tui.views import PRODUCED, READ, JobUse, JobUses

RELATED_LIMIT = 50  # jobs listed as producers/readers of a value or file (the newest)

# How a job holds the value: the value itself, or a value containing it.
_HOW = {
    (PRODUCED, False): "result",
    (PRODUCED, True): "in result",
    (READ, False): "argument",
    (READ, True): "in argument",
}


def producers(session: Session, values: Any) -> JobUses:
    """The newest jobs whose result is, or contains, ``values`` (a hash or a SELECT of hashes)."""
    return _uses(session, PRODUCED, values)


def readers(session: Session, values: Any) -> JobUses:
    """The newest jobs with an argument that is, or contains, ``values``."""
    return _uses(session, READ, values)


def _holds(column: Any, values: Any) -> Any:
    return column == values if isinstance(values, str) else column.in_(values)


def _uses(session: Session, role: str, values: Any) -> JobUses:
    """At most RELATED_LIMIT newest jobs of one role, and whether there are more.

    A value passed to every job of a big workflow (a reference genome) has hundreds of
    thousands of readers: sorting them all took seconds. The newest jobs are probed along the
    start-time index first; only when they hold too few uses are all uses sorted (then few).
    Two statements either way; whether each job holds the value itself is a column of the
    second.
    """
    table = CallNode if role == PRODUCED else Argument
    call_hash, value_hash = table.call_hash, table.value_hash
    # The values that contain one of ``values`` (all depths: redun flattens them).
    parents = select(Subvalue.parent_value_hash).where(_holds(Subvalue.value_hash, values))
    uses = select(call_hash).where(_holds(value_hash, values) | value_hash.in_(parents))

    def direct(jj: JobJoin) -> list:
        # The job holds the value itself (not only inside a container): one EXISTS per row.
        alias = table.__table__.alias("direct_use")
        return [
            exists(
                select(alias.c.call_hash).where(alias.c.call_hash == jj.job.call_hash, _holds(alias.c.value_hash, values))
            ).label("direct")
        ]

    probe = PROBE_JOB
    drive = select(probe.id.label("id"), probe.start_time.label("start_time"), probe.call_hash.label("call_hash"))
    drive = drive.order_by(probe.start_time.desc(), probe.id.desc())
    # In the probe, each window row is checked through its call hash; ``|| ''`` keeps SQLite
    # from reading all 200,000 uses by the value index for every row instead.
    found = probe_newest(
        session,
        drive,
        lambda window: select(call_hash)
        .where(call_hash == window.c.call_hash, _holds(value_hash + "", values) | (value_hash + "").in_(parents))
        .exists(),
        RELATED_LIMIT + 1,
    )
    if found is not None:
        jj = MAIN
        by_id = {
            row[0]: row
            for row in session.execute(jj.select_rows(*direct(jj)).where(jj.job.id.in_([row[0] for row in found])))
        }
        rows = [by_id[job_id] for job_id, _start in found if job_id in by_id]
    else:
        rows = job_page(session, lambda pj: [pj.job.call_hash.in_(uses)], False, None, RELATED_LIMIT,
                        descending=True, extra=direct)
    more = len(rows) > RELATED_LIMIT
    return JobUses(
        role=role,
        jobs=tuple(
            JobUse(
                job_id=job.id,
                task_name=job.task_name,
                status=job.status,
                start_time=job.start_time,
                execution_id=job.execution_id,
                how=_HOW[role, not row[10]],
            )
            for row in rows[:RELATED_LIMIT]
            for job in (make_job_row(row),)
        ),
        more=more,
    )
