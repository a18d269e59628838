"""The views the launch paints: a page of rows, a link, a tag, a line of the executions list.

Kept apart from the other views (:mod:`redun_tui.views`) so that the first page of executions
needs only these few dataclasses: each frozen dataclass costs about a millisecond to create, and
the package holds three dozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

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
