"""Addresses of the served browser (``redun-tui serve``): no Textual, no web server imports here.

``serve`` starts each browser tab's app as its own process and tells it, through the
:data:`SERVE_URL_ENV` environment variable, the address the server answers on; the app then
shows ``Y``'s "reopen this screen" as a URL (:func:`route_url`) instead of a shell command.
"""

from __future__ import annotations

import os
from urllib.parse import quote

SERVE_URL_ENV = "REDUN_TUI_SERVE_URL"
ROUTE_PARAM = "route"  # http://host:port/?route=jobs/<id>
MAX_ROUTE = 2_000  # characters of a route accepted from a URL (a file path is the longest kind)


def route_url(base_url: str, route: str) -> str:
    """The URL that opens ``route`` in the served app (``base/?route=jobs/<id>``)."""
    base = base_url.rstrip("/")
    if not route or route == "executions":
        return base + "/"
    return f"{base}/?{ROUTE_PARAM}={quote(route, safe='/')}"


def served_url() -> str | None:
    """The server's public URL when this process runs under ``redun-tui serve`` (else None)."""
    return os.environ.get(SERVE_URL_ENV) or None
