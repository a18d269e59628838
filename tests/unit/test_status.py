"""The status rules (redun_tui.db.status): the Python rule against every SQL form, on every job
and execution of every fixture database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from redun_tui.db.backend import RedunBackendDb
from redun_tui.db.models import CallNode, Execution, Job, Value
from redun_tui.db.status import (
    EXECUTION_RULE,
    JOB_STATUSES,
    execution_status_from,
    execution_status_sql,
    job_status_case,
    job_status_from,
    job_status_sql,
    job_status_term,
)
from redun_tui.store.sql import MAIN, execution_status_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DATABASES = sorted(path.name for path in FIXTURES.glob("*.db"))


@pytest.fixture(scope="module", params=DATABASES)
def session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A session on a copy of the fixture; older schemas (old_v2_0, old_v3_0) upgraded first."""
    copy = tmp_path_factory.mktemp("status") / request.param
    shutil.copyfile(FIXTURES / request.param, copy)
    backend = RedunBackendDb(str(copy), read_only=False)
    backend.load(migrate=True)
    with backend.new_session() as session:
        yield session
    backend.close()


def _python_statuses(session: Session) -> dict[str, str]:
    """Each job's status by the Python rule, from its call node's result type."""
    result = aliased(Value)
    rows = session.execute(
        sa.select(Job.id, result.type, Job.end_time, Job.cached)
        .outerjoin(CallNode, CallNode.call_hash == Job.call_hash)
        .outerjoin(result, result.value_hash == CallNode.value_hash)
    ).all()
    return {job_id: job_status_from(result_type, end_time, cached) for job_id, result_type, end_time, cached in rows}


def test_fixtures_found():
    assert len(DATABASES) >= 6


def test_job_status_sql_forms_equal_the_python_rule(session: Session):
    expected = _python_statuses(session)
    assert expected
    # The ORM property (models) follows the Python rule.
    assert {job.id: job.status for job in session.scalars(sa.select(Job))} == expected
    # CASE over the failed-call set, and correlated per job.
    for correlated in (False, True):
        got = dict(session.execute(sa.select(Job.id, job_status_case(Job, correlated=correlated))).all())
        assert got == expected, correlated
    # CASE over a joined result type (the store's list rows).
    result = aliased(Value)
    joined = dict(
        session.execute(
            sa.select(Job.id, job_status_sql(result.type, Job))
            .outerjoin(CallNode, CallNode.call_hash == Job.call_hash)
            .outerjoin(result, result.value_hash == CallNode.value_hash)
        ).all()
    )
    assert joined == expected
    # The store's job join (aliased tables, the status column of every list row).
    assert dict(session.execute(sa.select(MAIN.job.id, MAIN.status).select_from(MAIN.joined())).all()) == expected
    # WHERE terms, each form: exactly the jobs of that status.
    for status in JOB_STATUSES:
        for correlated in (False, True):
            matched = set(session.scalars(sa.select(Job.id).where(job_status_term(status.lower(), Job, correlated))))
            assert matched == {job_id for job_id, found in expected.items() if found == status}, (status, correlated)


def test_execution_status_sql_equals_the_python_rule(session: Session):
    jobs = _python_statuses(session)
    executions = session.execute(sa.select(Execution.id, Execution.job_id)).all()
    expected = {execution_id: execution_status_from(jobs.get(job_id)) for execution_id, job_id in executions}
    # The ORM property.
    assert {execution.id: execution.status for execution in session.scalars(sa.select(Execution))} == expected
    # The store's CASE over the outer-joined root job.
    jj = MAIN
    query = sa.select(Execution.id, execution_status_case(jj)).select_from(
        jj.joined(Execution.__table__.outerjoin(jj.job.table, Execution.job_id == jj.job.id))
    )
    assert dict(session.execute(query).all()) == expected
    # The same from plain models.
    root, result = aliased(Job), aliased(Value)
    plain = (
        sa.select(Execution.id, execution_status_sql(root.id, result.type, root))
        .outerjoin(root, root.id == Execution.job_id)
        .outerjoin(CallNode, CallNode.call_hash == root.call_hash)
        .outerjoin(result, result.value_hash == CallNode.value_hash)
    )
    assert dict(session.execute(plain).all()) == expected


def test_rules_are_derived():
    # An execution: no root job is FAILED, then the job rule with CACHED as DONE (the
    # trailing "cached -> DONE" row is the default and dropped).
    assert EXECUTION_RULE == (("FAILED", "no_root"), ("FAILED", "failed"), ("RUNNING", "unfinished"))
    assert execution_status_from(None) == "FAILED"
    assert execution_status_from("CACHED") == "DONE"
    assert job_status_from("redun.ErrorValue", None, True) == "FAILED"
    assert job_status_from(None, None, False) == "RUNNING"
    assert job_status_from("builtins.int", 1, True) == "CACHED"
    assert job_status_from("builtins.int", 1, False) == "DONE"
