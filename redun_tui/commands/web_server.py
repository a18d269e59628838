"""The web server behind ``redun-tui serve``: textual-serve with a route per browser tab.

textual-serve (pinned 1.1.3) runs one shell command per websocket connection, so each tab gets
its own app process that opens the database itself, as in a terminal. Its command is fixed,
though, and its page builds the websocket address as ``<data-session-websocket-url>?width=…``,
so a query parameter cannot ride along. Deep links therefore work like this:

1. ``GET /?route=jobs/ab12`` resolves the route against the database (prefixes expanded; an
   unknown or ambiguous id answers 404 with one line of text) and renders textual-serve's own
   page with the websocket address ``/ws/<percent-encoded route>``;
2. ``GET /ws/<route>`` re-parses the route (a forged address must not reach the shell) and
   starts ``<python> -m redun_tui browse -- DB ROUTE``, every word shell-quoted.

This module imports textual-serve and aiohttp: only ``serve`` imports it.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import sys
from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
import click
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from redun_tui.web import MAX_ROUTE, ROUTE_PARAM

log = logging.getLogger("textual-serve")


class RouteServer(Server):
    """textual-serve's Server with deep links: ``/?route=…`` opens that screen in a new process.

    Args:
        target_args: the browse arguments naming the database (``[path]`` or ``["--demo"]``).
        resolve: turns route text into a canonical route, raising ValueError with a one-line
            message when it does not name a record (runs in a thread: it reads the database).
        start_route: the route a plain ``/`` opens.
        label: the database as the startup line names it (no password).
    """

    def __init__(self, target_args: list[str], resolve: Callable[[str], str], start_route: str, label: str,
                 **kwargs: Any) -> None:
        super().__init__(command=self.command_for(target_args, start_route), title="redun-tui", **kwargs)
        self.target_args = target_args
        self.resolve = resolve
        self.start_route = start_route
        self.label = label

    @staticmethod
    def command_for(target_args: list[str], route: str) -> str:
        """The shell command of one tab's app: ``python -m redun_tui browse [--demo] -- [DB] ROUTE``."""
        options = [arg for arg in target_args if arg.startswith("--")]
        positional = [arg for arg in target_args if not arg.startswith("--")]
        return shlex.join([sys.executable, "-m", "redun_tui", "browse", *options, "--", *positional, route])

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/ws/{route:.+}", self.handle_route_websocket, name="route-websocket")
        return app

    async def on_startup(self, app: web.Application) -> None:
        # textual-serve prints its command (which may hold a database URL): print ours instead.
        click.echo(f"redun-tui: serving {self.label} on {self.public_url} (Ctrl+C to stop)")

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """textual-serve's page, its websocket address carrying the resolved route."""
        text = request.query.get(ROUTE_PARAM, "").strip()
        route = self.start_route
        if text:
            if len(text) > MAX_ROUTE:
                raise web.HTTPBadRequest(text=f"redun-tui: route longer than {MAX_ROUTE} characters\n")
            try:
                route = await asyncio.to_thread(self.resolve, text)
            except ValueError as error:
                raise web.HTTPNotFound(text=f"redun-tui: {error}\n") from None
        router = request.app.router
        websocket_path = router["route-websocket"].url_for(route=route)
        scheme = "wss:" if self.public_url.startswith("https") else "ws:"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": scheme + f"{self.public_url}{websocket_path}".split(":", 1)[1],
            "config": {"static": {"url": f"{self.public_url}{router['static'].url_for(filename='/')}".rstrip("/") + "/"}},
            "application": {"name": self.title},
        }

    async def handle_route_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: starts its own app process on the route in the address (as textual-serve does)."""
        from redun_tui.store import routes

        try:
            route = str(routes.parse(request.match_info["route"][:MAX_ROUTE]))
        except routes.RouteError as error:
            raise web.HTTPNotFound(text=f"redun-tui: {error}\n") from None
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = AppService(
                self.command_for(self.target_args, route),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one tab failing must not stop the server
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket
