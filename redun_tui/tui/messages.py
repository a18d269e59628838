"""Messages shared by several widgets and screens (widget-specific ones live in their widget)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message


class Navigate(Message):
    """Open a route (a link was chosen). Bubbles up to the screen and the app.

    Attributes:
        route: a canonical route such as ``jobs/<full id>``.
    """

    def __init__(self, route: str) -> None:
        super().__init__()
        self.route = route


class Fetched(Message):
    """A thread worker finished a store call; delivered to the screen on the event loop.

    Attributes:
        group: the worker group (one per kind of load on a screen).
        result: what the store returned (views, never ORM objects).
        error: the exception the call raised, if any.
        on_done: screen callback for the result.
        on_error: screen callback for the error (True: handled, no notification).
        sequence: which fetch of the group this answers (older answers are dropped).
    """

    def __init__(self, group: str, result: Any = None, error: BaseException | None = None,
                 on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], bool | None] | None = None, sequence: int = 0) -> None:
        super().__init__()
        self.sequence = sequence
        self.group = group
        self.result = result
        self.error = error
        self.on_done = on_done
        self.on_error = on_error
