"""``redun-tui browse [PATH_OR_URL] [ROUTE]``: open the Textual browser (the default command).

The database is opened (read-only) and the route resolved *before* the app starts, so a missing
file, a schema that is too new or an unknown/ambiguous id ends in one line on stderr and exit
code 2 instead of a half-drawn screen.
"""

from __future__ import annotations

import os

import click

from redun_tui.commands.common import CliError, database_cli_error, one_line, open_db, warn


def demo_db_path() -> str:
    """The bundled demo database (a real redun database shipped inside the package)."""
    from importlib import resources  # only for --demo: the launch on a file skips it (~5 ms)

    return str(resources.files("redun_tui") / "data" / "demo.db")


def _looks_like_route(text: str) -> bool:
    from redun_tui.store import routes

    if os.path.exists(text) or "://" in text:
        return False
    try:
        routes.parse(text)
    except routes.RouteError:
        return False
    return True


def resolve_route(store, text: str | None) -> str:
    """The canonical route for ``text`` (prefixes expanded), or a CliError saying why not."""
    from redun_tui.store import Ambiguous, NotFound, StoreError, routes

    try:
        parsed = routes.parse(text or routes.HOME)
    except routes.RouteError as error:
        raise CliError(str(error)) from None
    if not parsed.needs_resolving:
        return str(parsed)
    try:
        resolution = store.resolve(str(parsed))
    except Ambiguous as error:
        raise CliError(f"{error} (candidates: {', '.join(error.candidates[:8])})") from None
    except (NotFound, StoreError) as error:
        raise CliError(str(error)) from None
    if resolution.route:
        return resolution.route
    if resolution.candidates:
        shown = ", ".join(resolution.candidates[:8])
        more = f" and {len(resolution.candidates) - 8} more" if len(resolution.candidates) > 8 else ""
        raise CliError(f"{resolution.error or 'ambiguous id'} (candidates: {shown}{more})")
    raise CliError(resolution.error or f"cannot open {text!r}")


def check_theme(name: str) -> None:
    """A CliError naming the choices unless ``name`` is one of Textual's themes."""
    from textual.theme import BUILTIN_THEMES

    if name not in BUILTIN_THEMES:
        raise CliError(f"unknown theme {name!r} (choose from {', '.join(sorted(BUILTIN_THEMES))})")


@click.command()
@click.argument("path_or_url", required=False)
@click.argument("route", required=False)
@click.option("--demo", is_flag=True, help="Browse the bundled demo database (a real redun run with failures).")
@click.option("--migrate", is_flag=True, help="Upgrade an old schema first (a SQLite file is backed up).")
@click.option("--theme", metavar="NAME", help="Colour theme, e.g. textual-light (default textual-dark; ctrl+p switches).")
def browse(path_or_url: str | None, route: str | None, demo: bool, migrate: bool, theme: str | None) -> None:
    """Browse a redun database: executions, jobs, values, dataflow, tasks and files.

    PATH_OR_URL is a SQLite file or a database URL (default: .redun/redun.db found from here).
    ROUTE opens a screen directly, e.g. jobs/59c6c1fb or values/<hash> (ids may be prefixes).
    """
    if demo:
        if path_or_url is not None and route is None:
            path_or_url, route = None, path_or_url  # `--demo jobs/ab12`: the one argument is a route
        elif path_or_url is not None:
            raise CliError("--demo takes no PATH_OR_URL (it opens the bundled demo database)")
        target: str | None = demo_db_path()
    else:
        if path_or_url is not None and route is None and _looks_like_route(path_or_url):
            path_or_url, route = None, path_or_url  # `redun-tui jobs/ab12` inside a redun project
        target = path_or_url
    if theme is not None:
        check_theme(theme)
    if migrate:
        if demo:
            raise CliError("--migrate cannot change the bundled demo database")
        from redun_tui.commands.db import migrate_database

        migrate_database("upgrade", "latest", target)

    launch = None if migrate else _launch_store(target, route)
    if launch is not None:
        # A SQLite file opened on the executions list: the app starts before SQLAlchemy is
        # imported and paints the first page of executions from the stdlib driver.
        try:
            _run_app(launch, resolve_route(launch, route), demo, theme)
        finally:
            launch.close()
        return
    backend = open_db(target, read_only=True)
    try:
        from redun_tui.db.models import RedunDatabaseError
        from redun_tui.store import Store

        store = Store(backend)
        try:
            start = resolve_route(store, route)
        except RedunDatabaseError as error:
            raise CliError(one_line(str(error))) from None
        _run_app(store, start, demo, theme)
    finally:
        backend.close()


def _run_app(store, start: str, demo: bool, theme: str | None) -> None:
    from redun_tui.tui.app import RedunTuiApp
    from redun_tui.web import served_url

    RedunTuiApp(store, start, db_label="--demo" if demo else None, served_url=served_url(), theme=theme).run()


def _launch_store(target: str | None, route: str | None):
    """A :class:`~redun_tui.store.first_page.LaunchStore` when the launch path applies, else None.

    It applies to a SQLite file given as a path (or found as redun finds it), opened on the
    executions list. The file and its schema version
    are checked here, before the app starts, with the same rules and messages as
    :func:`~redun_tui.commands.common.open_db` (a bad database: one line, exit 2). URLs and
    PostgreSQL take the usual path.
    """
    from redun_tui.db.locate import find_redun_db, is_url
    from redun_tui.db.sqlite_open import BUSY_TIMEOUT, open_checked
    from redun_tui.store import routes
    from redun_tui.store.first_page import LaunchStore

    if target is None:
        target = find_redun_db()
    if target is None or is_url(target):
        return None
    try:
        # Only the executions list has a first page to paint before the store: every other
        # screen asks the store at once (and a prefix must be resolved before the app starts).
        if str(routes.parse(route or routes.HOME)) != routes.HOME:
            return None
    except routes.RouteError:
        return None  # the usual path reports it
    try:
        database = open_checked(target, BUSY_TIMEOUT)
    except Exception as error:  # whatever stops the open is the database's problem, as in open_db
        raise database_cli_error(error, target, opening=True) from None
    if database.schema_warning:
        warn(database.schema_warning)
    return LaunchStore(database, lambda: _open_store(target))


def _open_store(target: str):
    """The real Store over ``target`` (for the LaunchStore, from a worker: errors stay the
    store's own, shown as the app shows any database error)."""
    from redun_tui.db.backend import RedunBackendDb
    from redun_tui.store import Store

    backend = RedunBackendDb(target, read_only=True)
    backend.load()
    return Store(backend)
