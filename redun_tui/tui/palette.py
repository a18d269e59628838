"""Command palette provider: jump to a screen, a route, an id prefix, or a search.

Nothing here queries the database: a chosen hit asks the app to resolve and open it (in a
worker). Hit texts echo what the user typed, so they are built as literal Content, never markup
(Textual's own ``Matcher.highlight`` parses markup, so it is not used).
"""

from __future__ import annotations

import re

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from redun_tui.store import routes
from redun_tui.tui.text import literal

SCREENS = (
    ("executions", "Executions (home)"),
    ("tasks", "Tasks"),
    ("files", "Files"),
    ("search", "Search records of any type"),
    ("help", "Help: keys, routes and search syntax"),
)
ID_LIKE = re.compile(r"^[0-9a-fA-F-]{2,}$")


def _highlighted(text: str, provider: Provider, query: str) -> Content:
    """``text`` as literal content with the fuzzy-matched characters styled."""
    content = literal(text, single_line=True)
    matcher = provider.matcher(query)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if offset < len(content.plain) and not text[offset].isspace():
                content = content.stylize("bold underline", offset, offset + 1)
    return content


class RouteCommands(Provider):
    """Hits: the list screens, ``open <route>``, ``jump to <id>``, ``search <text>``."""

    async def discover(self) -> Hits:
        app = self.app
        for route, help_text in SCREENS:
            yield DiscoveryHit(literal(f"Go to {route}"), lambda route=route: app.navigate(route),
                               text=f"Go to {route}", help=help_text)

    async def search(self, query: str) -> Hits:
        app = self.app
        query = query.strip()
        if not query:
            return
        matcher = self.matcher(query)
        for route, help_text in SCREENS:
            candidate = f"Go to {route}"
            score = matcher.match(candidate)
            if score > 0:
                yield Hit(score, _highlighted(candidate, self, query), lambda route=route: app.navigate(route),
                          text=candidate, help=help_text)
        if "/" in query:
            text = f"Open route {query}"
            yield Hit(0.95, literal(text, single_line=True, limit=200),
                      lambda: app.open_user_route(query), text=text,
                      help="resolves id prefixes; unknown or ambiguous ids are reported")
        elif ID_LIKE.match(query):
            text = f"Jump to id {query}"
            yield Hit(0.9, literal(text, single_line=True, limit=200),
                      lambda: app.open_user_route(query), text=text,
                      help="an execution, job, value, task or file with this id prefix")
        text = f"Search executions: {query}"
        yield Hit(0.5, literal(text, single_line=True, limit=200), lambda: app.search_executions(query),
                  text=text, help="the executions list filtered by this search")
        text = f"Search all records: {query}"
        yield Hit(0.4, literal(text, single_line=True, limit=200), lambda: app.navigate(routes.search(query)),
                  text=text, help="jobs, values, executions… matching this search")
