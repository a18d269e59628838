"""Querying the call graph across record types: CallGraphQuery, infer_id, find_file.

A :class:`CallGraphQuery` holds one SQLAlchemy query per record type (Execution, Job, CallNode,
Task, Value) plus the joins and filters still to apply. Filter methods return new queries (the
object is immutable in use); :meth:`CallGraphQuery.build` applies everything, and ``all``,
``count``, ``page``, ``limit`` … run the SQL. Every filter is SQL on indexed columns: nothing
loads rows to filter them in Python, and ``page``/``limit``/``first`` fetch only what they return.

Results and their order are those of redun 0.44.1's ``redun.backends.db.query`` (records of the
types in order Execution, Job, CallNode, Task, Value; executions and jobs newest first when
ordered by ``'time'``; other types in database order), with these deliberate differences:

- ``limit(n)`` yields the first ``n`` records of the *filtered* query (redun's drops every filter).
- ``page(i, n)`` yields exactly ``all()[i*n:(i+1)*n]`` without duplicates and only records (redun's
  can repeat a record that several joined rows match, and yields ``(Execution, time)`` tuples when
  ordered by time); it counts a record type only when the page starts after it.
- ``one_or_none()`` returns None when several records match, as documented (redun raises).
- Job status filters follow exactly the rule of :mod:`redun_tui.db.status`
  (FAILED if the result is an ErrorValue, else RUNNING without an end time, else CACHED/DONE).
  redun's own terms differ only for rows redun does not write (a cached failure, a finished job
  without a call node); on every fixture the results are the same.
- Status names are accepted in any case (``failed``); unknown ones raise
  :class:`UnknownStatusError` (a ValueError and, as in redun, a NotImplementedError).
- ``like_id`` narrows Tasks like the other types (redun restarts from the unfiltered Tasks).
- ``find_file`` tolerates jobs without an end time (redun compares None and raises).
- A job status filter whose query also returns Executions (``filter_types`` after it, as in
  ``redun log --job-status FAILED --exec``) keeps the Executions whose root job has that status
  (redun's SQL names a table it never joined and fails); next to an execution status filter,
  Executions follow that filter alone, as in redun.

The status rule in SQL (:func:`job_status_case`, :func:`job_status_term`) comes from
:mod:`redun_tui.db.status` (re-exported here for callers of this module).

The package is split by seam: :mod:`.terms` (tag values typed on a command line, id prefixes as
index ranges), :mod:`.flags` (the ``redun log`` flags), :mod:`.filters` (the filter methods),
:mod:`.callgraph` (the query: building and running), :mod:`.lookup` (``infer_id``,
``find_file``). Every name stays importable from ``redun_tui.db.query``.
"""

from __future__ import annotations

from redun_tui.db.query.callgraph import CallGraphQuery, QueryFilter
from redun_tui.db.query.flags import parse_callgraph_query, setup_query_parser
from redun_tui.db.query.lookup import find_file, infer_id, infer_specialty_id
from redun_tui.db.query.terms import (
    ANY_VALUE,
    REDUN_ERROR_TYPE_NAME,
    _AnyValue,  # noqa: F401
    id_prefix_term,
    parse_tag_key_value,
    parse_tag_value,
    prefix_range,
)
from redun_tui.db.status import (
    CORRELATED_STATUS,
    ERROR_VALUE_TYPE,
    EXECUTION_STATUSES,
    JOB_STATUSES,
    UnknownStatusError,
    failed_call_hashes,
    job_status_case,
    job_status_term,
)

__all__ = [
    "ANY_VALUE", "CORRELATED_STATUS", "ERROR_VALUE_TYPE", "EXECUTION_STATUSES", "JOB_STATUSES",
    "REDUN_ERROR_TYPE_NAME", "CallGraphQuery", "QueryFilter", "UnknownStatusError", "failed_call_hashes",
    "find_file", "id_prefix_term", "infer_id", "infer_specialty_id", "job_status_case", "job_status_term",
    "parse_callgraph_query", "parse_tag_key_value", "parse_tag_value", "prefix_range", "setup_query_parser",
]
