"""Routes, the addresses of screens (``executions``, ``jobs/<id>``, ``files/<path>`` …): the one grammar.

A route is what the header shows, what ``y`` copies, what ``redun-tui DB ROUTE`` opens, what
the command palette jumps to and what a view links to. This module parses and formats them
(:func:`parse`, :func:`format_route` and its per-kind shorthands such as :func:`job`) and
expands id prefixes in them (:func:`resolve`, given a Session). The UI only maps a kind to its
screen class (``redun_tui.tui.app``).

Adding a kind: one row in :data:`KINDS`, plus a row in :data:`_RESOLVERS` when its argument is
an id prefix to expand. A kind whose screen resolves its own ids (``diff``: two execution ids,
``-`` and ``~N`` among them, and a default for the missing one) says so with ``self_resolving``:
:func:`resolve` passes it through as typed.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redun_tui.store.errors import Ambiguous, NotFound
from redun_tui.views import Resolution

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class RouteKind:
    """One kind of route.

    Attributes:
        name: the first part of the route (``jobs``).
        arg: what the argument is called in help (``id``, ``hash``…); None when it takes none.
        bare: opens without an argument too (a list screen).
        verbatim: the argument is taken as typed (paths hold slashes, search text spaces).
        by_id: a bare id prefix the user types may be a record of this kind.
        singular: the forgiving singular people type (``job/ab12``).
        listed: named in the "expected one of" message.
        parts: the argument holds up to this many ``/``-separated ids (``diff/<idA>/<idB>``).
        form: the argument as written in messages, when it is not ``<arg>``.
        self_resolving: the screen (and the store call behind it) resolves the ids itself.
        about: what the route opens, for the help screen (with its argument, when it takes one).
        about_bare: what the bare route opens, when it needs a line of its own in help.
    """

    name: str
    arg: str | None
    bare: bool = False
    verbatim: bool = False
    by_id: bool = False
    singular: str | None = None
    listed: bool = True
    parts: int = 1
    form: str | None = None
    self_resolving: bool = False
    about: str = ""
    about_bare: str | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        """How the route is written: ``tasks``, ``tasks/<hash>`` (the bare form when it opens one)."""
        shown = [self.name] if self.bare and (self.listed or self.arg is None) else []
        if self.arg:
            shown.append(f"{self.name}/{self.form or f'<{self.arg}>'}")
        return tuple(shown)


# In the order a bare id is tried, and the order the error message lists them.
KINDS: tuple[RouteKind, ...] = (
    RouteKind("executions", "id", bare=True, by_id=True, singular="execution",
              about="an execution: details, status table, job tree", about_bare="home: executions newest first"),
    RouteKind("jobs", "id", by_id=True, singular="job",
              about="a job: trail, call, arguments, result, error, source, children"),
    RouteKind("values", "hash", by_id=True, singular="value",
              about="a value: preview, subvalues, producers, consumers, dataflow"),
    RouteKind("dataflow", "hash", about="the upstream dataflow of a value"),
    RouteKind("downstream", "hash",
              about="what a value fed: consuming calls, derived values, executions to redo"),
    RouteKind("tasks", "hash", bare=True, by_id=True, singular="task",
              about="tasks by namespace; one task version"),
    RouteKind("files", "path-or-hash", bare=True, verbatim=True, by_id=True, singular="file",
              about="recorded files; one path's versions"),
    RouteKind("search", "text", bare=True, verbatim=True, listed=False,
              about="records of any type matching a search"),
    RouteKind("diff", "id", parts=2, form="<idA>/<idB>", self_resolving=True,
              about="two executions compared job by job (diff/<id>: with its previous run)"),
    RouteKind("timeline", "id", about="an execution's timeline, critical path and task statistics"),
    RouteKind("help", None, bare=True, about="this screen"),
)
BY_NAME = {kind.name: kind for kind in KINDS}
_SINGULARS = {kind.singular: kind.name for kind in KINDS if kind.singular}
HOME = "executions"
# Kinds that open without an argument (list screens), and those whose argument is a prefix.
LIST_ROUTES = tuple(kind.name for kind in KINDS if kind.bare)
ID_KINDS = tuple(kind.name for kind in KINDS if kind.by_id)


def _expected() -> str:
    return ", ".join(form for kind in KINDS if kind.listed for form in kind.forms)


def help_rows() -> tuple[tuple[str, str], ...]:
    """``(how it is written, what it opens)`` for every kind, in :data:`KINDS` order (the help screen)."""
    rows: list[tuple[str, str]] = []
    for kind in KINDS:
        forms = kind.forms
        if kind.about_bare and len(forms) > 1:
            rows += [(forms[0], kind.about_bare), ("  ".join(forms[1:]), kind.about)]
        else:
            rows.append(("  ".join(forms), kind.about))
    return tuple(rows)


class RouteError(ValueError):
    """The text is not a route this browser knows."""


@dataclass(frozen=True)
class Route:
    """A parsed route: its kind (``jobs``) and argument (an id, hash, path or search text)."""

    kind: str
    arg: str | None = None

    def __str__(self) -> str:
        return format_route(self.kind, self.arg)

    @property
    def needs_resolving(self) -> bool:
        """True when the argument is an id/hash prefix the store must expand (not for a kind
        whose screen resolves its own ids)."""
        return self.arg is not None and not BY_NAME[self.kind].self_resolving and self.kind in _RESOLVERS


def format_route(kind: str, arg: str | None = None) -> str:
    """The text of a route: ``kind`` or ``kind/arg``."""
    return kind if arg is None else f"{kind}/{arg}"


def execution(execution_id: str) -> str:
    """``executions/<id>``."""
    return format_route("executions", execution_id)


def job(job_id: str) -> str:
    """``jobs/<id>``."""
    return format_route("jobs", job_id)


def value(value_hash: str) -> str:
    """``values/<hash>``."""
    return format_route("values", value_hash)


def dataflow(value_hash: str) -> str:
    """``dataflow/<hash>``."""
    return format_route("dataflow", value_hash)


def downstream(value_hash: str) -> str:
    """``downstream/<hash>``."""
    return format_route("downstream", value_hash)


def task(task_hash: str) -> str:
    """``tasks/<hash>``."""
    return format_route("tasks", task_hash)


def file(path_or_hash: str) -> str:
    """``files/<path-or-hash>``."""
    return format_route("files", path_or_hash)


def timeline(execution_id: str) -> str:
    """``timeline/<id>``: an execution's jobs on a time axis."""
    return format_route("timeline", execution_id)


def search(text: str) -> str:
    """``search/<text>``, or ``search`` for no text."""
    return format_route("search", text or None)


def diff(b_id: str, a_id: str | None = None) -> str:
    """``diff/<idA>/<idB>``, or ``diff/<idB>`` (B against its previous run) without ``a_id``."""
    return format_route("diff", b_id if a_id is None else f"{a_id}/{b_id}")


def diff_ids(arg: str) -> tuple[str | None, str]:
    """The (A, B) ids of a diff route's argument; A is None for ``diff/<idB>``."""
    ids = [part.strip() for part in arg.split("/") if part.strip()]
    if not ids:
        raise RouteError("route 'diff' needs an execution id: diff/<idA>/<idB> or diff/<id>")
    return (ids[0] if len(ids) > 1 else None), ids[-1]


def parse(text: str) -> Route:
    """Parses route text; raises RouteError with a one-line message when it is not a route.

    ``files/`` takes the rest of the text as a path (paths contain slashes); ``search/`` takes the
    rest as search text.
    """
    text = (text or "").strip()
    if not text:
        return Route(HOME)
    name, sep, arg = text.partition("/")
    name = name.lower()
    name = _SINGULARS.get(name, name)
    kind = BY_NAME.get(name)
    if kind is None:
        raise RouteError(f"unknown route {text!r}: expected one of {_expected()}")
    if not kind.verbatim:
        arg = arg.strip().strip("/")
    if not sep or arg == "":
        if not kind.bare:
            raise RouteError(f"route {name!r} needs an id: {name}/{kind.form or '<id>'}")
        return Route(name)
    if kind.arg is None:
        raise RouteError(f"route {name!r} takes no argument")
    if kind.parts > 1:
        ids = [part.strip() for part in arg.split("/") if part.strip()]
        if len(ids) > kind.parts:
            raise RouteError(f"route {name!r} takes at most {kind.parts} ids: {name}/{kind.form}")
        arg = "/".join(ids)
    return Route(name, arg)


def command_line(db_name: str, route: str) -> str:
    """The shell command that reopens a route (shown in the header, copied by ``y``)."""
    parts = ["redun-tui", db_name if db_name == "--demo" else shlex.quote(db_name)]
    if route and route != HOME:
        parts.append(shlex.quote(route))
    return " ".join(parts)


# -- resolving prefixes -----------------------------------------------------------------------


# Kind -> (model, column, label) of the id a prefix names; ``files`` takes a path or a hash, an
# execution also ``-`` (the latest) or ``~N`` (store.sql.resolve_execution).
# Names, not columns: the grammar above is read at launch, before SQLAlchemy and the models
# are imported (redun_tui.store.first_page); resolving a prefix is a query, so they load then.
_RESOLVERS: dict[str, tuple[str, str, str] | None] = {
    "executions": ("Execution", "id", "execution"),
    "jobs": ("Job", "id", "job"),
    "values": ("Value", "value_hash", "value"),
    "dataflow": ("Value", "value_hash", "value"),
    "downstream": ("Value", "value_hash", "value"),
    "tasks": ("Task", "hash", "task"),
    "files": None,
    "timeline": ("Execution", "id", "execution"),
}


def _resolve_arg(session: Session, kind: str, text: str) -> str:
    """The full argument of ``kind`` named by a prefix (raising NotFound or Ambiguous)."""
    from redun_tui.db import models
    from redun_tui.store.sql import file_path, resolve_execution, resolve_one

    target = _RESOLVERS[kind]
    if target is None:
        return file_path(session, text)
    model, column, label = target
    if model == "Execution":
        return resolve_execution(session, text)
    return resolve_one(session, getattr(getattr(models, model), column), text, label)


def resolve(session: Session, route: str) -> Resolution:
    """Expands the id prefix in a route to the canonical route, or says why it cannot."""
    try:
        parsed = parse((route or "").strip().strip("/"))
    except RouteError as error:
        return Resolution(route=None, error=str(error))
    if not parsed.needs_resolving:
        return Resolution(route=str(parsed))
    arg = parsed.arg.strip()
    try:
        return Resolution(route=format_route(parsed.kind, _resolve_arg(session, parsed.kind, arg)))
    except Ambiguous as error:
        return Resolution(
            route=None,
            candidates=tuple(format_route(parsed.kind, candidate) for candidate in error.candidates),
            error=str(error),
        )
    except NotFound as error:
        return Resolution(route=None, error=str(error))


# -- what a user typed ------------------------------------------------------------------------


def resolve_text(session: Session, text: str) -> Resolution:
    """The canonical route of whatever a user typed: a route, a bare id or hash prefix, a file path.

    The one reading of typed text, for the app's palette and ``redun-tui show``. Text that parses
    as a route and names one (it holds ``/``, or is a list route such as ``tasks``) resolves as
    that route. Anything else is tried as an id prefix of every kind a bare id may be
    (:data:`ID_KINDS`, files by path too): exactly one match is the answer. A File value's hash
    names both the value and its file, and then the value is meant.

    Returns:
        A Resolution with ``route``; or ``route=None``, ``error`` (one line for the user) and,
        when several records match, ``candidates`` (their routes).
    """
    text = (text or "").strip()
    try:
        parsed: Route | None = parse(text)
    except RouteError:
        parsed = None  # not a route: perhaps a path with slashes, tried as an id below
    if parsed is not None and ("/" in text or text in LIST_ROUTES or not text):
        if not parsed.needs_resolving:
            return Resolution(route=str(parsed))
        candidates = [str(parsed)]
    else:
        candidates = [format_route(kind, text) for kind in ID_KINDS]
    found: list[str] = []
    problems: list[str] = []
    ambiguous: list[Resolution] = []
    for candidate in candidates:
        resolution = resolve(session, candidate)
        if resolution.route:
            found.append(resolution.route)
        elif resolution.candidates:
            ambiguous.append(resolution)
            problems.append(f"{resolution.error} ({', '.join(resolution.candidates[:8])})")
        elif resolution.error:
            problems.append(resolution.error)
    found = list(dict.fromkeys(found))
    if any(route.startswith("values/") for route in found):
        # A File value's hash also names its path (files/<hash>): the value is what was meant.
        found = [route for route in found if not route.startswith("files/") or route == file(text)]
    if len(found) == 1:
        return Resolution(route=found[0])
    if found:
        return Resolution(route=None, candidates=tuple(found),
                          error=f"{text!r} matches several records: {', '.join(found)}")
    if len(candidates) == 1 and problems:
        return Resolution(route=None, candidates=ambiguous[0].candidates if ambiguous else (), error=problems[0])
    if ambiguous:
        first = ambiguous[0]
        return Resolution(route=None, candidates=first.candidates,
                          error=f"{first.error} ({', '.join(first.candidates[:8])})")
    return Resolution(route=None, error=f"no execution, job, value, task or file matches {text!r}")
