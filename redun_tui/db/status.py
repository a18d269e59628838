"""The job and execution status rules, written once, and every form derived from them.

redun's rule for a job: FAILED if its call node's result is an ``redun.ErrorValue``, else
RUNNING while it has no end time, else CACHED or DONE. An execution takes its root job's status,
CACHED counting as DONE; an execution without a root job never got going and is FAILED.

The rules are tables (:data:`JOB_RULE`, :data:`EXECUTION_RULE`): ordered ``(status, test)``
rows where the first row whose test holds gives the status, else the default. From them come
the Python functions (:func:`job_status_from`, :func:`execution_status_from`, used by the ORM
models) and the SQL forms: a ``CASE`` (:func:`job_status_case`, :func:`job_status_sql`,
:func:`execution_status_sql`) and a WHERE term per status (:func:`job_status_term`: its own test
and the negation of every earlier row's). A test has one Python form and SQL forms in which only
the way "failed" is read varies: a joined result-type column (a page of rows that joins its
values anyway), the set of failed calls (``job.call_hash IN (…)``: counts and long lists), or a
correlated EXISTS (a few jobs by id). tests/unit/test_status.py checks them all against each
other on every job of every fixture database.

This module sits under the models (they take the Python rule from it), so it reads the
``call_node`` and ``value`` tables through :func:`_tables` at call time.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

# The type name of a failed call's result: the root of every status rule.
ERROR_VALUE_TYPE = "redun.ErrorValue"

JOB_STATUSES = ("RUNNING", "FAILED", "CACHED", "DONE")
EXECUTION_STATUSES = ("RUNNING", "FAILED", "DONE")

# -- the rules ---------------------------------------------------------------------------------
# Tests by name: "failed" (the call's result is an ErrorValue), "unfinished" (no end time),
# "cached" (the job reused a cached result), "no_root" (an execution without a root job).
JOB_RULE: tuple[tuple[str, str], ...] = (("FAILED", "failed"), ("RUNNING", "unfinished"), ("CACHED", "cached"))
JOB_DEFAULT = "DONE"
# An execution's status from its root job's: CACHED counts as DONE.
EXECUTION_OF_JOB = {"CACHED": "DONE"}
EXECUTION_DEFAULT = EXECUTION_OF_JOB.get(JOB_DEFAULT, JOB_DEFAULT)


def _execution_rule() -> tuple[tuple[str, str], ...]:
    rows = [("FAILED", "no_root"), *((EXECUTION_OF_JOB.get(status, status), test) for status, test in JOB_RULE)]
    while rows and rows[-1][0] == EXECUTION_DEFAULT:  # rows that give the default anyway
        rows.pop()
    return tuple(rows)


EXECUTION_RULE = _execution_rule()


class UnknownStatusError(NotImplementedError, ValueError):
    """A status name that is not RUNNING, FAILED, CACHED or DONE (DONE/FAILED/RUNNING for
    executions). A ValueError, and a NotImplementedError as redun raises for it."""


def _first(rule: Sequence[tuple[str, str]], default: str, holds: Callable[[str], bool]) -> str:
    for status, test in rule:
        if holds(test):
            return status
    return default


# -- Python ------------------------------------------------------------------------------------


def job_status_from(result_type: str | None, end_time: Any, cached: bool) -> str:
    """A job's status from its call node's result type, its end time and its cached flag."""
    tests = {"failed": result_type == ERROR_VALUE_TYPE, "unfinished": not end_time, "cached": bool(cached)}
    return _first(JOB_RULE, JOB_DEFAULT, tests.__getitem__)


def execution_status_from(job_status: str | None) -> str:
    """An execution's status from its root job's status (None: there is no root job)."""
    if job_status is None:
        return _first(EXECUTION_RULE, EXECUTION_DEFAULT, lambda test: test == "no_root")
    return EXECUTION_OF_JOB.get(job_status, job_status)


# -- SQL ---------------------------------------------------------------------------------------


def _tables() -> tuple[Any, Any]:
    """The CallNode and Value models (imported here: the models import this module)."""
    from redun_tui.db.models import CallNode, Value

    return CallNode, Value


def failed_call_hashes() -> Any:
    """SELECT of the call hashes whose result is an ErrorValue (the FAILED calls).

    ``job.call_hash IN (this)`` is how status terms read by default: SQLite runs it once
    (through the index on ``value.type``) into a temporary set, so counting or listing every
    failed job never looks up each job's call node and value. Aliased, so that it never
    correlates with a call_node or value table the surrounding query joins.
    """
    call_node, value = _tables()
    node, result = aliased(call_node), aliased(value)
    return (
        sa.select(node.call_hash)
        .join(result, result.value_hash == node.value_hash)
        .where(result.type == ERROR_VALUE_TYPE)
    )


# Whether status terms test each job on its own (EXISTS) instead of against the set of all
# failed calls (IN): cheaper when only the newest few jobs are read (see
# CallGraphQuery._newest_jobs), far dearer for counts. Set only while building such a page.
CORRELATED_STATUS: contextvars.ContextVar[bool] = contextvars.ContextVar("correlated_status", default=False)


class _JobTests:
    """The SQL form of each test, and of its negation, for one job (an entity or alias).

    Args:
        job: the job's columns (``Job``, an alias, or a table alias's ``.c``-like object).
        failed: how "failed" is read: ``"set"`` (IN the failed calls), ``"exists"`` (correlated
            EXISTS) or a result-type column joined to the job.
        root_id: the root job's id column, outer-joined (execution rules only).
    """

    def __init__(self, job: Any, failed: Any, root_id: Any = None) -> None:
        self.job = job
        self.failed = failed
        self.root_id = root_id

    def _failed_exists(self) -> Any:
        call_node, value = _tables()
        node, result = aliased(call_node), aliased(value)
        return sa.exists(
            sa.select(node.call_hash)
            .join(result, result.value_hash == node.value_hash)
            .where(node.call_hash == self.job.call_hash, result.type == ERROR_VALUE_TYPE)
        )

    def holds(self, test: str) -> Any:
        job = self.job
        if test == "failed":
            if self.failed == "exists":
                return self._failed_exists()
            if self.failed == "set":
                return job.call_hash.in_(failed_call_hashes())
            return self.failed == ERROR_VALUE_TYPE
        if test == "unfinished":
            return job.end_time.is_(None)
        if test == "cached":
            return job.cached.is_(True)
        if test == "no_root":
            return self.root_id.is_(None)
        raise AssertionError(test)

    def fails(self, test: str) -> Any:
        job = self.job
        if test == "failed":
            if self.failed == "set":
                # A job without a call node (NULL call_hash) has no result: not failed either.
                return sa.or_(job.call_hash.is_(None), job.call_hash.not_in(failed_call_hashes()))
            return sa.not_(self.holds("failed"))
        if test == "unfinished":
            return job.end_time.is_not(None)
        if test == "cached":
            return job.cached.is_(False)
        raise AssertionError(test)


def _failed_form(correlated: bool | None) -> str:
    return "exists" if (correlated if correlated is not None else CORRELATED_STATUS.get()) else "set"


def _case(rule: Sequence[tuple[str, str]], default: str, tests: _JobTests,
          output: Callable[[str], Any] = sa.literal) -> Any:
    return sa.case(*((tests.holds(test), output(status)) for status, test in rule), else_=output(default))


def job_status_term(status: str, job: Any = None, correlated: bool | None = None) -> Any:
    """A WHERE term true for the jobs (``job``: Job or an alias) of ``status``, in any case.

    Args:
        status: RUNNING, FAILED, CACHED or DONE.
        job: the Job entity (the default) or an alias of it.
        correlated: True tests each job with EXISTS (best for a few jobs: a page, a batch of
            ids); False tests against the set of failed calls (best for many: counts, long
            lists). None: False, except while CallGraphQuery builds a newest-jobs page.

    Raises:
        UnknownStatusError: not RUNNING, FAILED, CACHED or DONE.
    """
    status = status.upper()
    tests = _JobTests(_job(job), _failed_form(correlated))
    rows = [*JOB_RULE, (JOB_DEFAULT, None)]
    for index, (name, test) in enumerate(rows):
        if name == status:
            # Its own test and the negation of every earlier row's; the failed test (a
            # subquery) after the column tests.
            terms = [(earlier, tests.fails(earlier)) for _status, earlier in rows[:index]]
            if test is not None:
                terms.append((test, tests.holds(test)))
            terms.sort(key=lambda term: term[0] == "failed")
            return terms[0][1] if len(terms) == 1 else sa.and_(*(term for _test, term in terms))
    raise UnknownStatusError(status)


def job_status_case(job: Any = None, correlated: bool = False) -> Any:
    """A SQL expression giving each job's status text, "failed" read from the failed-call set
    (or, ``correlated``, by EXISTS: when selecting a few jobs by id)."""
    return _case(JOB_RULE, JOB_DEFAULT, _JobTests(_job(job), _failed_form(correlated)))


def job_status_value(values: dict[str, int], job: Any = None) -> Any:
    """The job status CASE giving ``values[status]`` (0 for a status not in it) instead of the
    status text, "failed" read from the failed-call set.

    Summing it counts several statuses in one aggregate that evaluates the rule once per job
    (a CASE comparing the status text would run the failed-call test again for each status).
    """
    return _case(JOB_RULE, JOB_DEFAULT, _JobTests(_job(job), "set"), lambda status: sa.literal(values.get(status, 0)))


def job_status_sql(result_type: Any, job: Any) -> Any:
    """The job status CASE with "failed" read from ``result_type``, a joined value's type."""
    return _case(JOB_RULE, JOB_DEFAULT, _JobTests(job, result_type))


def execution_status_sql(root_id: Any, result_type: Any, job: Any) -> Any:
    """An execution's status CASE from its outer-joined root job (``root_id`` NULL: none) and
    that job's joined result type."""
    return _case(EXECUTION_RULE, EXECUTION_DEFAULT, _JobTests(job, result_type, root_id))


def _job(job: Any) -> Any:
    if job is not None:
        return job
    from redun_tui.db.models import Job

    return Job
