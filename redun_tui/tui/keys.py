"""Keys as users see them: labels for the footer and the rows of the help screen, from the bindings.

Nothing here is a hand-written key table: the footer (:class:`~redun_tui.tui.widgets.key_bar.KeyBar`)
and the ``?`` help screen read the ``BINDINGS`` of the app, the screens and the widgets. A binding's
``tooltip`` is its help text (its ``description`` is the short footer word).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from textual.binding import Binding

KEY_NAMES = {
    "escape": "esc", "question_mark": "?", "slash": "/", "up": "↑", "down": "↓", "left": "←",
    "right": "→", "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End", "enter": "Enter",
    "tab": "Tab", "shift+tab": "shift+Tab", "space": "space", "plus": "+", "minus": "-", "equals_sign": "=",
}


def key_name(key: str) -> str:
    """How one key is written for people (``pageup`` -> ``PgUp``, ``ctrl+p`` -> ``^p``)."""
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    if key.startswith("ctrl+"):
        return "^" + key[5:]
    return key


def key_label(binding: Binding, *, every_key: bool = False) -> str:
    """The binding's key as the footer shows it (``every_key``: all its keys, as the help lists them)."""
    if binding.key_display and not every_key:
        return binding.key_display
    keys = [key.strip() for key in binding.key.split(",")]
    return " ".join(key_name(key) for key in (keys if every_key else keys[:1]))


def declared_bindings(cls: type) -> list[Binding]:
    """The bindings ``cls`` itself declares (not those it inherits)."""
    return [binding for binding in vars(cls).get("BINDINGS", ()) if isinstance(binding, Binding)]


def help_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    """(where, [(keys, what it does)]) for the help screen and the README, from the bindings."""
    # Imported here: screens import this module (through the key bar).
    from redun_tui.tui.app import RedunTuiApp
    from redun_tui.tui.screens.base import BaseScreen
    from redun_tui.tui.screens.dataflow import DataflowScreen
    from redun_tui.tui.screens.downstream import DownstreamScreen
    from redun_tui.tui.screens.execution import ExecutionScreen
    from redun_tui.tui.screens.executions import ExecutionsScreen
    from redun_tui.tui.screens.files import FileScreen
    from redun_tui.tui.screens.job import JobScreen
    from redun_tui.tui.screens.record import RecordScreen
    from redun_tui.tui.screens.timeline import TimelineScreen
    from redun_tui.tui.screens.value import FullValueScreen, ValueScreen
    from redun_tui.tui.widgets.dataflow_pane import DataflowPane
    from redun_tui.tui.widgets.job_tree import JobTree
    from redun_tui.tui.widgets.links import RouteLink
    from redun_tui.tui.widgets.paged_list import PagedList
    from redun_tui.tui.widgets.status_table import StatusTable
    from redun_tui.tui.widgets.timeline import Timeline
    from redun_tui.tui.widgets.tree_keys import TreeKeys

    where: list[tuple[str, tuple[type, ...]]] = [
        ("everywhere", (RedunTuiApp, BaseScreen)),
        ("lists", (PagedList,)),
        ("links (job, value, task, file screens)", (RouteLink, RecordScreen)),
        ("executions (home)", (ExecutionsScreen,)),
        ("execution", (ExecutionScreen,)),
        ("status table", (StatusTable,)),
        ("trees (job tree, downstream)", (TreeKeys,)),
        ("job tree", (JobTree,)),
        ("timeline", (TimelineScreen, Timeline)),
        ("job", (JobScreen,)),
        ("value", (ValueScreen,)),
        ("full value", (FullValueScreen,)),
        ("file", (FileScreen,)),
        ("dataflow", (DataflowScreen, DataflowPane)),
        ("downstream", (DownstreamScreen,)),
    ]
    return [(title, list(_rows(binding for cls in classes for binding in declared_bindings(cls))))
            for title, classes in where]


def _rows(bindings: Iterable[Binding]) -> Iterator[tuple[str, str]]:
    for binding in bindings:
        yield key_label(binding, every_key=True), binding.tooltip or binding.description
