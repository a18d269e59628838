"""LoadingDots: Textual's loading indicator, repainted 4 times a second instead of 16.

Every load slower than the app's ``loading_delay`` shows one over its widgets. Each frame
repaints the whole region the indicator covers; on a busy 2-core machine, where a large read
waits seconds for a core, the timeline's three indicators and the downstream tree's cost
0.1-0.35 s of CPU per screen at 16 frames a second (measured in benchmarks/run.py's downstream
scenario: 0.44-0.46 s of CPU after opening with no indicator, 0.57-0.79 s with Textual's).
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widgets import LoadingIndicator

FRAME_SECONDS = 1 / 4


class LoadingDots(LoadingIndicator):
    """The same dots, at most :data:`FRAME_SECONDS` between frames."""

    # LoadingIndicator's own mount handler sets 1/16 s, and Textual runs it after a subclass's:
    # the interval is capped where it is set.
    @property
    def auto_refresh(self) -> float | None:
        return DOMNode.auto_refresh.fget(self)

    @auto_refresh.setter
    def auto_refresh(self, interval: float | None) -> None:
        DOMNode.auto_refresh.fset(self, None if interval is None else max(interval, FRAME_SECONDS))
