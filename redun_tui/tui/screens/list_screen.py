"""ListScreen: a search bar over a paged list; the base of executions, tasks, files and search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult

from redun_tui.tui.screens.base import BaseScreen
from redun_tui.tui.widgets.paged_list import Column, PagedList
from redun_tui.tui.widgets.search_bar import PLACEHOLDER, SearchBar
from redun_tui.views import Page

PAGE_SIZE = 200
HURRY_PAGE_SIZE = 2_000  # rows per page while `G` runs to the end of a long list
RELOAD_LIMIT = 2_000  # rows a refresh re-reads at most (so the cursor stays where it was)


def syntax_error(error: BaseException) -> tuple[str, int | None] | None:
    """(message, position) when ``error`` is a search syntax error, else None."""
    if type(error).__name__ != "SearchSyntaxError":
        return None
    message = getattr(error, "message", None) or str(error)
    position = getattr(error, "position", None)
    return str(message), position if isinstance(position, int) else None


class ListScreen(BaseScreen):
    """Subclasses set the columns and implement :meth:`fetch_page` and :meth:`route_of`."""

    AUTO_FOCUS = "#listing"

    COLUMNS: ClassVar[Sequence[Column]] = ()
    EMPTY_TEXT: ClassVar[str] = "Nothing matches."
    PLACEHOLDER: ClassVar[str] = PLACEHOLDER

    def __init__(self, route: str, search: str = "") -> None:
        super().__init__(route)
        self.search_text = search
        self._generation = 0  # bumps on every new query so late pages of an old one are dropped

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

    def on_mount(self) -> None:
        super().on_mount()
        self.listing.focus()

    @property
    def copy_text(self) -> str:
        item = self.listing.current_item
        return self.id_of(item) if item is not None else self.route

    def load(self, keep_cursor: bool = False) -> None:
        text = self.search_text
        listing = self.listing
        self._generation += 1
        limit = min(max(PAGE_SIZE, len(listing.items)), RELOAD_LIMIT) if keep_cursor else PAGE_SIZE
        # A refresh reads the window again where it is (a list scrolled to row 900,000 stays there).
        cursor = listing.reload_cursor if keep_cursor else None
        if not keep_cursor:
            listing.clear()
        self.fetch(
            "page",
            lambda: self.fetch_page(text, cursor, limit),
            lambda page: self._first_page(page, keep_cursor, cursor),
            loading=() if keep_cursor else (listing,),
            on_error=self._page_failed,
        )

    def reload(self) -> None:
        self.load(keep_cursor=True)

    def _first_page(self, page: Page, keep_cursor: bool, cursor: str | None = None) -> None:
        self.query_one(SearchBar).show_error(None)
        self.listing.set_page(page, keep_cursor=keep_cursor, cursor=cursor)
        self.after_page()

    def after_page(self) -> None:
        """Hook after rows arrive (e.g. live refresh when something is RUNNING)."""

    def _page_failed(self, error: BaseException) -> bool:
        self.listing.page_failed()
        self.listing.loaded_once = True
        self.listing.refresh()
        found = syntax_error(error)
        if found is None:
            return False
        message, position = found
        self.query_one(SearchBar).show_error(message, position)
        return True

    @on(PagedList.LoadMore, "#listing")
    def _more(self, event: PagedList.LoadMore) -> None:
        text, cursor, listing = self.search_text, event.cursor, self.listing
        generation = self._generation

        def done(page: Page) -> None:
            if generation == self._generation:
                listing.append_page(page, cursor)
                self.after_page()

        def failed(error: BaseException) -> bool:
            listing.page_failed()
            return False

        limit = HURRY_PAGE_SIZE if event.hurry else PAGE_SIZE
        self.fetch("more", lambda: self.fetch_page(text, cursor, limit), done, on_error=failed)

    @on(PagedList.Selected, "#listing")
    def _open(self, event: PagedList.Selected) -> None:
        self.tui.navigate(self.route_of(event.item))

    def set_search(self, text: str) -> None:
        """Runs a search as if typed in the bar."""
        self.search_text = text
        if self.is_mounted:
            self.query_one(SearchBar).set_value(text)
        if self._loaded_once:
            self.load()

    @on(SearchBar.Changed)
    def _search(self, event: SearchBar.Changed) -> None:
        self.search_text = event.text
        self.load()
