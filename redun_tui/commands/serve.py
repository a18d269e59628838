"""``redun-tui serve [PATH_OR_URL] [ROUTE] [--host 127.0.0.1] [--port 8000]``: the browser in a web page.

The same app, read-only, in a browser through textual-serve (the optional extra ``web``). Each
browser tab runs its own app process, which opens the database as ``redun-tui`` does in a
terminal. The database is opened and the route resolved here first, so a bad database or route
ends in one line on stderr and exit code 2 before any server starts. There is no
authentication: the server binds loopback unless told otherwise, and warns when it is told.
Deep links: ``http://HOST:PORT/?route=jobs/<id>`` (see :mod:`redun_tui.commands.web_server`).
"""

from __future__ import annotations

import ipaddress
import os

import click

from redun_tui.commands.common import CliError, open_db

NO_AUTH_WARNING = (
    "redun-tui: warning: serving on {host} with no authentication: anyone who can reach port {port} "
    "can read this database; put it behind an authenticating proxy"
)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.argument("path_or_url", required=False)
@click.argument("route", required=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (no authentication!).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--public-url", help="The address browsers use, when it differs (a proxy); default http://HOST:PORT.")
@click.option("--demo", is_flag=True, help="Serve the bundled demo database.")
def serve(path_or_url: str | None, route: str | None, host: str, port: int, public_url: str | None, demo: bool) -> None:
    """Serve the browser in a web page: one app process per browser tab, read-only.

    Open http://HOST:PORT/ in a browser; http://HOST:PORT/?route=jobs/<id> opens a screen
    directly, and Y in the served app shows the URL of the screen shown.
    """
    from redun_tui.commands.browse import _looks_like_route, demo_db_path, resolve_route

    try:
        from redun_tui.commands.web_server import RouteServer
    except ImportError:
        raise CliError("serve needs the web extra: pip install 'redun-tui[web]'") from None

    if demo:
        if path_or_url is not None and route is None:
            path_or_url, route = None, path_or_url
        elif path_or_url is not None:
            raise CliError("--demo takes no PATH_OR_URL (it serves the bundled demo database)")
        target: str | None = demo_db_path()
    else:
        if path_or_url is not None and route is None and _looks_like_route(path_or_url):
            path_or_url, route = None, path_or_url
        target = path_or_url
    backend = open_db(target, read_only=True)
    from redun_tui.store import Store

    store = Store(backend)
    start = resolve_route(store, route)
    # Each tab's process starts in this directory: the database is named as the user named it
    # (the header then reads as in a terminal); none named means the same .redun discovery.
    target_args = ["--demo"] if demo else ([target] if target is not None else [])

    def resolve(text: str) -> str:
        try:
            return resolve_route(store, text)
        except CliError as error:
            raise ValueError(error.format_message()) from None

    if not is_loopback(host):
        click.echo(NO_AUTH_WARNING.format(host=host, port=port), err=True)
    server = RouteServer(target_args, resolve, start, label="the demo database" if demo else store.name,
                         host=host, port=port, public_url=public_url)
    from redun_tui.web import SERVE_URL_ENV

    # Each tab's app inherits this environment: it tells the app it is served, and where.
    os.environ[SERVE_URL_ENV] = server.public_url
    try:
        server.serve()
    except OSError as error:
        raise CliError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    finally:
        backend.close()
