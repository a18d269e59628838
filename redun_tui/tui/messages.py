"""Messages shared by several widgets and screens (widget-specific ones live in their widget)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message
from textual.worker import Worker


class Navigate(Message):
    """Open a route (a link was chosen). Bubbles up to the screen and the app.

    Attributes:
        route: a canonical route such as ``jobs/<full id>``.
    """

    def __init__(self, route: str) -> None:
        super().__init__()
        self.route = route


@dataclass
class Loaded(Message):
    """What a screen's thread worker read: ``result``, or the ``error`` the store call raised.

    Each screen subclasses it once per kind of load (``ExecutionScreen.JobsLoaded``, handled by
    ``on_execution_screen_jobs_loaded``), adding the fields its handler needs; the handler starts
    with ``BaseScreen.accept``, which drops stale answers and reports errors.

    Attributes:
        result: what the store returned (views, never ORM objects).
        error: the exception the call raised, if any.
        worker: the worker that read it; cancelled when a newer load of its group started.
    """

    result: Any = None
    error: BaseException | None = None
    worker: Worker | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        """The call raised and no newer load of the group replaced this one."""
        return self.error is not None and not (self.worker is not None and self.worker.is_cancelled)
