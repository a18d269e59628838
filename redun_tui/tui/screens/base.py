"""BaseScreen: what every screen shares — header with the route, footer, common keys, workers.

Screens implement :meth:`BaseScreen.compose_body` and :meth:`BaseScreen.load`; they read data
only in ``@work(thread=True, exclusive=True, group=...)`` methods that post a typed answer (a
:class:`~redun_tui.tui.messages.Loaded` per kind of load) through :meth:`BaseScreen.answer`;
:meth:`BaseScreen.start` and :meth:`BaseScreen.accept` keep the rules every load shares (a newer
load of a group wins, the delayed loading indicator, errors as notifications). Live refresh: a
screen that shows something RUNNING sets :attr:`BaseScreen.live_execution_id`; a timer then polls
the store's cheap heartbeat and calls :meth:`BaseScreen.reload` when it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from redun_tui.store.errors import StoreError, database_error
from redun_tui.store.routes import command_line
from redun_tui.tui.messages import Loaded
from redun_tui.tui.text import message as message_text
from redun_tui.tui.widgets.key_bar import KeyBar
from redun_tui.tui.widgets.route_header import RouteHeader
from redun_tui.web import route_url

if TYPE_CHECKING:
    from redun_tui.store import Store
    from redun_tui.tui.host import Browser


def describe_error(error: BaseException) -> tuple[str, str]:
    """A one-line message and a notification severity for an error from a store call."""
    if isinstance(error, StoreError):
        return str(error), "warning"
    problem = database_error(error)
    if problem is not None:
        return str(problem), "error"
    if isinstance(error, NotImplementedError):
        return "this view is not available yet (the store does not implement it)", "warning"
    return f"internal error: {type(error).__name__}: {error}", "error"


class BaseScreen(Screen):
    """A screen with a route, the shared bindings and worker helpers."""

    KEY_BAR_SHARED: ClassVar[bool] = True  # the key bar shows these bindings after a screen's own

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back",
                tooltip="back (history like a browser); leaves the search input on the home screen"),
        Binding("r", "refresh", "Refresh",
                tooltip="refresh now (screens showing RUNNING work refresh themselves every few seconds)"),
        Binding("y", "copy", "Copy id", tooltip="copy the current id (or route) to the clipboard (OSC 52)"),
        Binding("Y", "copy_command", "Copy command", show=False,
                tooltip="copy the command that reopens this screen (redun-tui DB ROUTE; "
                        "under redun-tui serve, the URL)"),
        Binding("M", "copy_report", "Copy report", show=False,
                tooltip="copy this screen's Markdown report (what redun-tui show prints)"),
        Binding("R", "copy_rerun", "Copy re-run", show=False,
                tooltip="copy the command that re-runs this execution or job (or say why there is none)"),
    ]

    #: What this screen shows while it has no record id yet (e.g. "jobs/ab12").
    route: str = "executions"

    def __init__(self, route: str | None = None) -> None:
        super().__init__()
        if route is not None:
            self.route = route
        self.live_execution_id: str | None = None  # set when something shown is RUNNING
        self.live = False
        self._heartbeat_token: Any = None
        self._loaded_once = False
        self._loads: dict[str, tuple[Worker, tuple[Widget, ...]]] = {}  # group: its latest load

    # Composition ------------------------------------------------------------------------------
    @property
    def tui(self) -> Browser:
        """The app, typed as what screens need of it (no import of the app: no cycle)."""
        return cast("Browser", self.app)

    @property
    def store(self) -> Store:
        """The read-only store (call it only in a worker thread)."""
        return self.tui.store

    def compose(self) -> ComposeResult:
        yield RouteHeader(self.tui.db_label, self.route)
        yield from self.compose_body()
        yield KeyBar(id="key-bar")

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets (no data yet: :meth:`load` fetches it)."""
        yield from ()

    def set_route(self, route: str) -> None:
        """Updates the route (e.g. a prefix resolved to the full id) and the header."""
        self.route = route
        if self.is_mounted:
            self.query_one(RouteHeader).set_route(route)

    @property
    def copy_text(self) -> str:
        """What ``y`` copies: the record's full id, or the route on list screens."""
        return self.route

    # Lifecycle --------------------------------------------------------------------------------
    def on_mount(self) -> None:
        # Textual calls the ``on_mount`` of every class in the MRO: subclasses must not call
        # ``super().on_mount()`` (that ran this twice and the list's focus over the search's).
        interval = self.tui.live_interval
        if interval:
            self.set_interval(interval, self._poll_heartbeat)

    def on_screen_resume(self) -> None:
        # A deep link pushes its screen over the home screen at start-up: a screen that is not
        # the one shown loads when it is first shown, not in parallel with the one that is.
        if not self._loaded_once and self.app.screen is self:
            self._loaded_once = True
            self.load()

    def load(self) -> None:
        """Starts the workers that fill the screen."""

    def reload(self) -> None:
        """Refreshes what is shown, keeping cursors (default: load again)."""
        self.load()

    # Workers ----------------------------------------------------------------------------------
    # A load, e.g. the execution screen's flat job list:
    #
    #     class JobsLoaded(Loaded): ...                      # the typed answer
    #
    #     @work(thread=True, exclusive=True, group="list")   # runs in a thread
    #     def _read_jobs(self, where): self.answer(self.JobsLoaded, lambda: self.store.jobs(**where))
    #
    #     self.start(self._read_jobs(where), listing)        # on the event loop
    #
    #     def on_execution_screen_jobs_loaded(self, answer: JobsLoaded) -> None:
    #         if self.accept(answer):                        # not stale, not an error
    #             listing.set_page(answer.result)
    def start(self, worker: Worker, *loading: Widget) -> None:
        """Makes ``worker`` the load of its group whose answer counts; ``loading`` widgets show an
        indicator if it is slow.

        The previous load of the group is cancelled even when it has finished (its answer may
        still wait in the queue): a newer load wins.
        """
        previous, shown = self._loads.get(worker.group, (None, ()))
        if previous is not None:
            previous.cancel()
        for widget in shown:
            if widget not in loading:
                widget.loading = False
        self._loads[worker.group] = (worker, loading)
        if loading:
            # Most loads finish in a few milliseconds: show the indicator only for slow ones
            # (mounting it costs more than a fast load, and it would only flicker).
            self.set_timer(self.tui.loading_delay, partial(self._show_loading, worker))

    def cancel_load(self, group: str) -> None:
        """Drops the answer of the group's latest load, if it has not arrived yet."""
        worker, shown = self._loads.pop(group, (None, ()))
        if worker is not None:
            worker.cancel()
        for widget in shown:
            widget.loading = False

    def _show_loading(self, worker: Worker) -> None:
        current, widgets = self._loads.get(worker.group, (None, ()))
        if current is worker:
            for widget in widgets:
                widget.loading = True

    def answer(self, message: type[Loaded], call: Callable[[], Any], **fields: Any) -> None:
        """Runs ``call`` (a store call, in the worker's thread) and posts its answer to the screen.

        Args:
            message: the screen's answer type.
            call: returns views.
            fields: the answer's own fields (what its handler needs to place the result).
        """
        worker = get_current_worker()
        try:
            reply = message(call(), worker=worker, **fields)
        except BaseException as error:  # every failure becomes an answer; the app stays up
            reply = message(error=error, worker=worker, **fields)
        if not worker.is_cancelled:
            self.post_message(reply)

    def accept(self, answer: Loaded, *, quiet: bool = False) -> bool:
        """True when ``answer`` carries a result to show.

        Drops a stale answer (a newer load of its group started), hides the group's loading
        indicator, and shows an error as a notification unless ``quiet``.
        """
        answer.stop()
        worker = answer.worker
        if worker is None or worker.is_cancelled:
            return False
        current, widgets = self._loads.get(worker.group, (None, ()))
        if current is worker:
            del self._loads[worker.group]
            for widget in widgets:
                widget.loading = False
        if answer.error is not None:
            if not quiet:
                self.report_error(answer.error)
            return False
        return True

    def report_error(self, error: BaseException) -> None:
        """Shows an error as a notification (plain text, never markup)."""
        text, severity = describe_error(error)
        self.notify(message_text(text), severity=severity, markup=False, timeout=8)

    # Live refresh -----------------------------------------------------------------------------
    def set_live(self, running: bool, execution_id: str | None, note: str | None = None) -> None:
        """Turns live refresh on while something shown is RUNNING.

        Args:
            running: whether something shown is RUNNING.
            execution_id: the execution whose heartbeat is polled.
            note: what the header says instead of "● live" (e.g. for a run with no heartbeat).
        """
        self.live = running
        self.live_execution_id = execution_id if running else None
        if self.is_mounted:
            shown = (note or "● live") if running else ""
            self.query_one(RouteHeader).set_note(shown, live=running and note is None)

    def _poll_heartbeat(self) -> None:
        if not self.live or not self.is_current:
            return
        self.start(self._read_heartbeat(self.live_execution_id))

    class HeartbeatLoaded(Loaded):
        """The live execution's heartbeat."""

    @work(thread=True, exclusive=True, group="heartbeat")
    def _read_heartbeat(self, execution_id: str | None) -> None:
        self.answer(self.HeartbeatLoaded, lambda: self.store.heartbeat(execution_id))

    def on_base_screen_heartbeat_loaded(self, answer: HeartbeatLoaded) -> None:
        if not self.accept(answer, quiet=True):  # a missed beat is retried on the next tick
            return
        beat = answer.result
        token = (beat.token, beat.running)
        previous, self._heartbeat_token = self._heartbeat_token, token
        if previous is not None and previous != token:
            self.reload()
        elif previous is None:
            # The first beat only records the state; reload if it is already over.
            if not beat.running:
                self.reload()

    # Actions ----------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.tui.action_back()

    def action_refresh(self) -> None:
        self.reload()
        self.notify("Refreshing…", timeout=1.5)

    def action_copy(self) -> None:
        text = self.copy_text
        self.app.copy_to_clipboard(text)
        self.notify(message_text(f"Copied {text}"), markup=False, timeout=3)

    def action_copy_command(self) -> None:
        served = self.tui.served_url
        text = route_url(served, self.route) if served else command_line(self.tui.db_label, self.route)
        self.app.copy_to_clipboard(text)
        self.notify(message_text(f"Copied {text}"), markup=False, timeout=8 if served else 3)

    def action_copy_report(self) -> None:
        """``M``: copies this screen's Markdown report (the one ``redun-tui show`` prints)."""
        self.start(self._read_report(self.route))

    class ReportLoaded(Loaded):
        """The screen's Markdown report."""

    @work(thread=True, exclusive=True, group="report")
    def _read_report(self, route: str) -> None:
        from redun_tui.report import build_report, render_markdown

        self.answer(self.ReportLoaded, lambda: render_markdown(build_report(self.store, route)))

    def on_base_screen_report_loaded(self, answer: ReportLoaded) -> None:
        if not self.accept(answer):
            return
        markdown = answer.result
        self.app.copy_to_clipboard(markdown)
        lines = markdown.count("\n")
        self.notify(message_text(f"Copied the Markdown report of {self.route} ({lines:,} lines)"),
                    markup=False, timeout=3)

    def action_copy_rerun(self) -> None:
        """``R``: copies the command that re-runs this execution or job (or says why there is none)."""
        self.start(self._read_rerun(self.route))

    class RerunLoaded(Loaded):
        """The command that re-runs the screen's execution or job."""

    @work(thread=True, exclusive=True, group="rerun")
    def _read_rerun(self, route: str) -> None:
        from redun_tui.rerun import rerun_for_route

        self.answer(self.RerunLoaded, lambda: rerun_for_route(self.store, route))

    def on_base_screen_rerun_loaded(self, answer: RerunLoaded) -> None:
        if not self.accept(answer):
            return
        rerun = answer.result
        if rerun.command is None:
            self.notify(message_text(rerun.text), severity="warning", markup=False, timeout=6)
            return
        self.app.copy_to_clipboard(rerun.command)
        self.notify(message_text(f"Copied {rerun.command}"), markup=False, timeout=6)

    def focus_search(self) -> bool:
        """Focuses this screen's search input at once; False when it has none.

        ``set_focus`` rather than ``Widget.focus()``: the latter focuses later, after the keys
        already queued, which would then go to the widget focused before.
        """
        from textual.widgets import Input

        inputs = self.query("#search-input").results(Input)
        for widget in inputs:
            self.set_focus(widget)
            return True
        return False
