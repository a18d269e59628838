"""ListScreen: a search bar over a paged list; the base of executions, tasks, files and search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.reactive import var

from redun_tui.search_error import SearchSyntaxError
from redun_tui.tui.messages import Loaded
from redun_tui.tui.screens.base import BaseScreen
from redun_tui.tui.widgets.paged_list import Column, PagedList
from redun_tui.tui.widgets.search_bar import PLACEHOLDER, SearchBar
from redun_tui.views import Page

PAGE_SIZE = 200
HURRY_PAGE_SIZE = 2_000  # rows per page while `G` runs to the end of a long list
RELOAD_LIMIT = 2_000  # rows a refresh re-reads at most (so the cursor stays where it was)


def syntax_error(error: BaseException) -> tuple[str, int | None] | None:
    """(message, position) when ``error`` is a search syntax error, else None."""
    if not isinstance(error, SearchSyntaxError):
        return None
    return error.message or str(error), error.position if isinstance(error.position, int) else None


class ListScreen(BaseScreen):
    """Subclasses set the columns and implement :meth:`fetch_page` and :meth:`route_of`."""

    AUTO_FOCUS = "#listing"

    COLUMNS: ClassVar[Sequence[Column]] = ()
    EMPTY_TEXT: ClassVar[str] = "Nothing matches."
    PLACEHOLDER: ClassVar[str] = PLACEHOLDER

    #: The search the list shows (typed in the bar or given by a route); a change reloads.
    search_text: var[str] = var("", init=False, always_update=True)

    def __init__(self, route: str, search: str = "") -> None:
        super().__init__(route)
        self.set_reactive(ListScreen.search_text, search)

    # To implement -----------------------------------------------------------------------------
    def cells(self, item: Any) -> Sequence[str]:
        """One line of the list."""
        raise NotImplementedError

    def status_of(self, item: Any) -> str | None:
        """The item's status for colour (None: no colour)."""
        return getattr(item, "status", None)

    def fetch_page(self, search: str, cursor: str | None, limit: int) -> Page:
        """The store call for a page (runs in a worker thread)."""
        raise NotImplementedError

    def route_of(self, item: Any) -> str:
        """The route Enter opens."""
        raise NotImplementedError

    def id_of(self, item: Any) -> str:
        """What ``y`` copies for the item."""
        return self.route_of(item)

    # Screen -----------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield SearchBar(self.search_text, placeholder=self.PLACEHOLDER, id="search")
        yield PagedList(self.COLUMNS, self.cells, self.status_of, empty_text=self.EMPTY_TEXT, id="listing")

    @property
    def listing(self) -> PagedList:
        """The list widget."""
        return self.query_one("#listing", PagedList)

    @property
    def copy_text(self) -> str:
        item = self.listing.current_item
        return self.id_of(item) if item is not None else self.route

    @dataclass
    class PageLoaded(Loaded):
        """The list's first page (``keep_cursor``: a refresh in place, read from ``cursor``)."""

        keep_cursor: bool = False
        cursor: str | None = None

    @dataclass
    class MoreLoaded(Loaded):
        """A further page the list asked for, read from ``cursor``."""

        cursor: str | None = None

    def load(self, keep_cursor: bool = False) -> None:
        listing = self.listing
        limit = min(max(PAGE_SIZE, len(listing.items)), RELOAD_LIMIT) if keep_cursor else PAGE_SIZE
        # A refresh reads the window again where it is (a list scrolled to row 900,000 stays there).
        cursor = listing.reload_cursor if keep_cursor else None
        if not keep_cursor:
            listing.clear()
        self.cancel_load("more")  # late pages of the previous query are dropped
        self.start(self._read_page(self.search_text, cursor, limit, keep_cursor),
                   *(() if keep_cursor else (listing,)))

    def reload(self) -> None:
        self.load(keep_cursor=True)

    @work(thread=True, exclusive=True, group="page")
    def _read_page(self, text: str, cursor: str | None, limit: int, keep_cursor: bool) -> None:
        self.answer(self.PageLoaded, lambda: self.fetch_page(text, cursor, limit),
                    keep_cursor=keep_cursor, cursor=cursor)

    def on_list_screen_page_loaded(self, answer: PageLoaded) -> None:
        found = syntax_error(answer.error)
        if self.accept(answer, quiet=found is not None):  # the bar shows a syntax error
            self.query_one(SearchBar).show_error(None)
            self.listing.set_page(answer.result, keep_cursor=answer.keep_cursor, cursor=answer.cursor)
            self.after_page()
        elif answer.failed:
            self.listing.page_failed()
            self.listing.loaded_once = True
            self.listing.refresh()
            if found is not None:
                self.query_one(SearchBar).show_error(*found)

    def after_page(self) -> None:
        """Hook after rows arrive (e.g. live refresh when something is RUNNING)."""

    @on(PagedList.LoadMore, "#listing")
    def _more(self, event: PagedList.LoadMore) -> None:
        limit = HURRY_PAGE_SIZE if event.hurry else PAGE_SIZE
        self.start(self._read_more(self.search_text, event.cursor, limit))

    @work(thread=True, exclusive=True, group="more")
    def _read_more(self, text: str, cursor: str | None, limit: int) -> None:
        self.answer(self.MoreLoaded, lambda: self.fetch_page(text, cursor, limit), cursor=cursor)

    def on_list_screen_more_loaded(self, answer: MoreLoaded) -> None:
        if self.accept(answer):
            self.listing.append_page(answer.result, answer.cursor)
            self.after_page()
        elif answer.failed:
            self.listing.page_failed()

    @on(PagedList.Selected, "#listing")
    def _open(self, event: PagedList.Selected) -> None:
        self.tui.navigate(self.route_of(event.item))

    def set_search(self, text: str) -> None:
        """Runs a search as if typed in the bar."""
        if self.is_mounted:
            self.query_one(SearchBar).set_value(text)
        self.search_text = text

    def watch_search_text(self) -> None:
        if self._loaded_once:  # before its first showing, the screen loads when shown
            self.load()

    @on(SearchBar.Changed)
    def _search(self, event: SearchBar.Changed) -> None:
        self.search_text = event.text  # Enter on the same text runs it again (always_update)
