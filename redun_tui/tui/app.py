"""RedunTuiApp: the browser's App — routes, history, app-wide keys and the command palette.

Kept small on purpose: screens do their own loading (:mod:`redun_tui.tui.screens`), widgets their
own drawing. The app only knows how to open a route, go back, and resolve what a user typed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.actions import SkipAction
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Input
from textual.worker import get_current_worker

from redun_tui.store import routes
from redun_tui.tui.messages import Navigate
from redun_tui.tui.palette import RouteCommands
from redun_tui.tui.text import message as message_text
from redun_tui.tui.theme import contrast_variables

if TYPE_CHECKING:
    from redun_tui.store import Store

LIVE_INTERVAL = 3.0  # seconds between heartbeat polls while something shown is RUNNING
LOADING_DELAY = 0.08  # seconds before a running load shows its loading indicator
SCHEMA_WARNING_SECONDS = 20  # long enough to read a sentence that matters once

# Route kind -> the screen for the bare kind and the screen for ``kind/<arg>`` ("module:Class"
# under redun_tui.tui.screens). The grammar itself is redun_tui.store.routes. Screen modules
# are imported when first opened: launching shows only the executions list.
SCREENS: dict[str, tuple[str | None, str | None]] = {
    "executions": ("executions:ExecutionsScreen", "execution:ExecutionScreen"),
    "jobs": (None, "job:JobScreen"),
    "values": (None, "value:ValueScreen"),
    "dataflow": (None, "dataflow:DataflowScreen"),
    "downstream": (None, "downstream:DownstreamScreen"),
    "tasks": ("tasks:TasksScreen", "tasks:TaskScreen"),
    "files": ("files:FilesScreen", "files:FileScreen"),
    "search": ("search:SearchScreen", "search:SearchScreen"),
    "diff": (None, "diff:DiffScreen"),
    "timeline": (None, "timeline:TimelineScreen"),
    "help": ("help:HelpScreen", None),
}


def screen_for(route: routes.Route):
    """Builds the screen that shows a (resolved) route."""
    bare, with_arg = SCREENS.get(route.kind, (None, None))
    target = bare if route.arg is None else with_arg
    if target is None:
        raise routes.RouteError(f"unknown route {str(route)!r}")
    module, name = target.split(":")
    screen_class = getattr(import_module(f"redun_tui.tui.screens.{module}"), name)
    return screen_class() if route.arg is None else screen_class(route.arg)


@cache
def _freeze_startup_objects() -> None:
    """What exists when the first app mounts (modules, classes, the app and its first screen)
    lives as long as the process: kept out of the collector's full collections, each of which
    walked it all again on the UI thread (~0.1 s on a diff at L, between the answer and its
    first paint). Once per process (cached): a later app's garbage (tests run many) stays
    collectable."""
    gc.freeze()


class RedunTuiApp(App[None]):
    """The redun-tui browser.

    Args:
        store: the read-only store over an opened database.
        route: the first route to show (already resolved); ``executions`` is always underneath,
            so Escape from a deep link lands on the home screen.
        live_interval: seconds between heartbeat polls (0 disables live refresh).
        export_dir: where the dataflow JSON export writes (default: the current directory).
        db_label: how the header names the database in the command that reopens a screen
            (default: the path or URL; ``--demo`` for the bundled demo).
        loading_delay: seconds a load may take before its loading indicator shows (most loads
            take milliseconds: an indicator would only flicker).
        clock: returns the current aware UTC time (how old a RUNNING execution's heartbeat is);
            tests fix it so pictures do not age.
        served_url: the server's URL when the app runs under ``redun-tui serve`` (one process per
            browser tab); ``Y`` then gives the URL that reopens a screen instead of a command.
        theme: a Textual theme name (default: ``textual-dark``); ``ctrl+p`` switches it later.
    """

    CSS_PATH = "app.tcss"
    TITLE = "redun-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        # A priority binding runs as the key arrives, before the keys typed after it are
        # dispatched (a plain one runs only once the key has bubbled up from the focused widget,
        # by which time the next keys have gone to that widget).
        Binding("slash", "search", "Search", priority=True,
                tooltip="search: the search bar of this screen, or the search screen "
                        "(in an input, / is a character)"),
        Binding("question_mark", "help", "Help", tooltip="this help: every key, route and search filter"),
        # Digits switch between the list screens (no screen uses them for its own keys).
        Binding("1", "open('executions')", "Executions", show=False, tooltip="the executions list (home)"),
        Binding("2", "open('tasks')", "Tasks", tooltip="the tasks list (every task version by namespace)"),
        Binding("3", "open('files')", "Files", tooltip="the files list (every recorded File path)"),
        Binding("q", "quit", "Quit", tooltip="quit"),
        Binding("ctrl+p", "command_palette", "Palette",
                tooltip="command palette: jump to a route, an id prefix, or a search"),
        Binding("tab", "focus_next", "Next", show=False, tooltip="next widget or link"),
        Binding("shift+tab", "focus_previous", "Previous", show=False, tooltip="previous widget or link"),
    ]
    COMMANDS = App.COMMANDS | {RouteCommands}
    # Escape already means "back"; the palette stays on ctrl+p (Textual's default).

    def __init__(self, store: Store, route: str = routes.HOME, *, live_interval: float = LIVE_INTERVAL,
                 export_dir: str | Path | None = None, db_label: str | None = None,
                 loading_delay: float = LOADING_DELAY, served_url: str | None = None,
                 theme: str | None = None, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        if theme is not None:
            self.theme = theme  # unknown names raise InvalidThemeError (the CLI checks first)
        self.served_url = served_url
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.store = store
        self.db_label = db_label or store.name
        self.loading_delay = loading_delay
        self.start_route = route or routes.HOME
        self.live_interval = live_interval
        self.export_dir = Path(export_dir) if export_dir is not None else Path.cwd()

    def get_css_variables(self) -> dict[str, str]:
        """Textual's variables for the current theme, plus status colours chosen for contrast."""
        variables = super().get_css_variables()
        variables.update(contrast_variables(variables))
        self.theme_variables = variables
        return variables

    def get_loading_widget(self):
        """Textual's loading dots at 4 frames a second (:mod:`redun_tui.tui.widgets.loading`)."""
        from redun_tui.tui.widgets.loading import LoadingDots

        return LoadingDots()

    def get_default_screen(self):
        from redun_tui.tui.screens.executions import ExecutionsScreen

        return ExecutionsScreen()

    def on_mount(self) -> None:
        _freeze_startup_objects()
        # A schema newer than this program knows (a newer minor) opened read-only: say so once.
        warning = getattr(self.store, "schema_warning", None)
        if warning:
            self.notify(message_text(warning), title="Newer database schema", severity="warning",
                        markup=False, timeout=SCHEMA_WARNING_SECONDS)
        if self.start_route != routes.HOME:
            self.navigate(self.start_route)

    # Navigation -------------------------------------------------------------------------------
    def navigate(self, route: str) -> None:
        """Opens a route on top of the history (Escape comes back here)."""
        try:
            parsed = routes.parse(route)
        except routes.RouteError as error:
            self.notify(message_text(error), severity="warning", markup=False)
            return
        if parsed.kind == "executions" and parsed.arg is None:
            self.go_home()
            return
        current = getattr(self.screen, "route", None)
        if current == str(parsed) and parsed.kind in ("help", "tasks", "files"):
            return
        self.push_screen(screen_for(parsed))

    def go_home(self) -> None:
        """Back to the executions list (the bottom of the history)."""
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def search_executions(self, text: str) -> None:
        """Shows the executions list filtered by ``text``."""
        from redun_tui.tui.screens.executions import ExecutionsScreen

        self.go_home()
        home = self.screen_stack[0]
        if isinstance(home, ExecutionsScreen):
            home.set_search(text)

    def on_navigate(self, message: Navigate) -> None:
        self.navigate(message.route)

    def open_user_route(self, text: str) -> None:
        """Resolves what a user typed (route or bare id prefix) in a worker, then opens it."""
        self._resolve(text.strip())

    @work(thread=True, exclusive=True, group="resolve", exit_on_error=False)
    def _resolve(self, text: str) -> None:
        worker = get_current_worker()
        try:
            resolution = self.store.resolve_text(text)
            route, problem = resolution.route, resolution.error
        except Exception as error:  # a lost database must not take the app down
            from redun_tui.tui.screens.base import describe_error

            route, problem = None, describe_error(error)[0]
        if worker.is_cancelled:
            return
        try:
            if route:
                self.call_from_thread(self.navigate, route)
            else:
                self.call_from_thread(
                    self.notify, message_text(problem or f"nothing found for {text!r}"),
                    severity="warning", markup=False,
                )
        except RuntimeError:  # the app is shutting down
            pass

    def watch_app_focus(self, focused: bool) -> None:
        """The app regained focus (a key, a click, the browser tab): make sure something has focus.

        Textual skips a screen's ``AUTO_FOCUS`` while the app is blurred, and on regaining focus
        restores only a widget focused *before* the blur. Under ``redun-tui serve`` the page
        starts blurred, so the home screen's list never got focus and the first keys reached
        nothing; here the screen's auto-focus target gets it instead.
        """
        if not focused or not self.screen_stack:
            return
        screen = self.screen
        if screen.focused is not None:
            return
        target = screen.AUTO_FOCUS if screen.AUTO_FOCUS is not None else self.AUTO_FOCUS
        if not target:
            return
        for widget in screen.query(target):
            if widget.focusable:
                screen.set_focus(widget, scroll_visible=False)
                return

    # Actions ----------------------------------------------------------------------------------
    def action_back(self) -> None:
        """Escape: back in the history; on the home screen, leave the search input."""
        if len(self.screen_stack) > 1:
            self.pop_screen()
            return
        focused = self.focused
        if focused is not None and focused.id == "search-input":
            self.screen.focus_next()

    def action_open(self, route: str) -> None:
        """Opens a list screen (``1`` executions, ``2`` tasks, ``3`` files)."""
        self.navigate(route)

    def action_help(self) -> None:
        self.navigate("help")

    async def action_search(self) -> None:
        """``/``: focus the search bar of this screen, or open the search screen.

        The search screen is awaited until mounted (its input focused) before the next key is
        handled: keys typed meanwhile wait in the app's queue and all land in the input, instead
        of reaching a screen with nothing focused and running as hotkeys (``q`` quit).
        """
        # Imported here: TextArea's module and its document classes cost ~10-25 ms at launch,
        # before the first page, and only screens that show a TextArea need them.
        from textual.widgets import TextArea

        if isinstance(self.focused, (Input, TextArea)):
            raise SkipAction()  # `/` is a character there (paths, routes, search text)
        focus_search = getattr(self.screen, "focus_search", None)
        if focus_search is not None and focus_search():
            return
        screen = screen_for(routes.Route("search"))
        await self.push_screen(screen)
        screen.focus_search()
