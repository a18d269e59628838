"""Routes: the addresses of screens (``executions``, ``jobs/<id>``, ``files/<path>``…).

A route is what the header shows, what ``y`` copies, what ``redun-tui DB ROUTE`` opens and what the
command palette jumps to. This module only parses and formats them (no database, no Textual
screens imported at module level, so the CLI can validate a route cheaply).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

# Route kinds that take no argument, and those that require one.
LIST_ROUTES = ("executions", "tasks", "files", "help", "search")
RECORD_ROUTES = ("executions", "jobs", "values", "dataflow", "tasks", "files")
# Routes whose screen resolves its own ids (``diff/<idA>/<idB>``: two ids, ``-`` and ``~N`` too).
SELF_RESOLVING_ROUTES = ("diff",)
# Record kinds an id prefix may belong to, in the order a bare id is tried.
ID_KINDS = ("executions", "jobs", "values", "tasks", "files")
HOME = "executions"


class RouteError(ValueError):
    """The text is not a route this browser knows."""


@dataclass(frozen=True)
class Route:
    """A parsed route: its kind (``jobs``) and argument (an id, hash, path or search text)."""

    kind: str
    arg: str | None = None

    def __str__(self) -> str:
        return self.kind if self.arg is None else f"{self.kind}/{self.arg}"

    @property
    def needs_resolving(self) -> bool:
        """True when the argument is an id/hash prefix the store must expand."""
        return self.arg is not None and self.kind in RECORD_ROUTES


def parse(text: str) -> Route:
    """Parses route text; raises RouteError with a one-line message when it is not a route.

    ``files/`` takes the rest of the text as a path (paths contain slashes); ``search/`` takes the
    rest as search text.
    """
    text = (text or "").strip()
    if not text:
        return Route(HOME)
    kind, sep, arg = text.partition("/")
    kind = kind.lower()
    if kind == "execution":  # forgiving singulars: `job/ab12` is what people type
        kind = "executions"
    elif kind in ("job", "value", "task", "file"):
        kind += "s"
    if kind not in LIST_ROUTES and kind not in RECORD_ROUTES and kind not in SELF_RESOLVING_ROUTES:
        raise RouteError(
            f"unknown route {text!r}: expected one of executions, executions/<id>, jobs/<id>, "
            "values/<hash>, dataflow/<hash>, tasks, tasks/<hash>, files, files/<path-or-hash>, diff/<idA>/<idB>, help"
        )
    if kind not in ("files", "search"):
        arg = arg.strip().strip("/")
    if not sep or arg == "":
        if kind not in LIST_ROUTES:
            raise RouteError(f"route {kind!r} needs an id: {kind}/<id>")
        return Route(kind)
    if kind == "help":
        raise RouteError("route 'help' takes no argument")
    return Route(kind, arg)


def command_line(db_name: str, route: str) -> str:
    """The shell command that reopens a route (shown in the header, copied by ``y``)."""
    parts = ["redun-tui", db_name if db_name == "--demo" else shlex.quote(db_name)]
    if route and route != HOME:
        parts.append(shlex.quote(route))
    return " ".join(parts)


def screen_for(route: Route):
    """Builds the screen that shows a (resolved) route."""
    # Imported here: screens pull in Textual widgets, which the CLI's route check does not need.
    from redun_tui.tui.screens import dataflow, execution, executions, files, help, job, search, tasks, value

    kind, arg = route.kind, route.arg
    if kind == "executions":
        return executions.ExecutionsScreen() if arg is None else execution.ExecutionScreen(arg)
    if kind == "jobs":
        return job.JobScreen(arg)
    if kind == "values":
        return value.ValueScreen(arg)
    if kind == "dataflow":
        return dataflow.DataflowScreen(arg)
    if kind == "tasks":
        return tasks.TasksScreen() if arg is None else tasks.TaskScreen(arg)
    if kind == "files":
        return files.FilesScreen() if arg is None else files.FileScreen(arg)
    if kind == "search":
        return search.SearchScreen(arg or "")
    if kind == "help":
        return help.HelpScreen()
    if kind == "diff":
        from redun_tui.tui.screens.diff import DiffScreen

        return DiffScreen(arg)
    raise RouteError(f"unknown route {str(route)!r}")
