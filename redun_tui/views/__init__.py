"""Frozen dataclasses the UI displays: plain data built by :mod:`redun_tui.store`, never ORM rows.

Strings here are raw database text (already trimmed where noted); widgets make them safe for the
terminal with :func:`redun_tui.formatting.safe_text` when they render. Times are timezone-aware UTC.
Routes (``jobs/<id>``…) are the addresses screens open; see :mod:`redun_tui.store.routes`.

One module per domain: :mod:`.core` (a page, a link, a tag, an executions-list row: all the
launch paints), :mod:`.records` (the record screens), :mod:`.diff`, :mod:`.timeline`. Every name
stays importable from ``redun_tui.views``; those outside :mod:`.core` load on first use
(PEP 562), so that the launch does not create three dozen dataclasses it does not show
(~1 ms each: benchmarks/README.md).
"""

from __future__ import annotations

from redun_tui.lazy import lazy_names
from redun_tui.views.core import STATUSES, ExecutionRow, Link, Page, T, TagView  # noqa: F401 - re-exported

# Public name -> the module of this package that defines it (loaded when first asked for).
_EXPORTS = {
    "StatusCount": "records",
    "ExecutionDetail": "records",
    "JobRow": "records",
    "ValueRef": "records",
    "ArgumentView": "records",
    "ErrorView": "records",
    "TaskRef": "records",
    "JobDetail": "records",
    "PRODUCED": "records",
    "READ": "records",
    "JobUse": "records",
    "JobUses": "records",
    "ValueDetail": "records",
    "Segment": "records",
    "DataflowLine": "records",
    "DataflowView": "records",
    "TaskRow": "records",
    "TaskDetail": "records",
    "FileRow": "records",
    "FileDetail": "records",
    "RecordRow": "records",
    "Resolution": "records",
    "Heartbeat": "records",
    "CHANGES": "diff",
    "REASONS": "diff",
    "DiffSide": "diff",
    "DiffSummary": "diff",
    "ArgChange": "diff",
    "DiffPair": "diff",
    "DiffPairs": "diff",
    "DiffCause": "diff",
    "DiffView": "diff",
    "TimelineSpan": "timeline",
    "CriticalStep": "timeline",
    "TaskStats": "timeline",
    "TaskHistoryPoint": "timeline",
    "TaskHistory": "timeline",
}
__all__ = sorted(["STATUSES", "ExecutionRow", "Link", "Page", "TagView", *_EXPORTS])

__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)
