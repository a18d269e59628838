"""``help``: every key, every route and the search syntax (our own text, no database text)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from redun_tui.tui.screens.base import BaseScreen
from redun_tui.tui.text import fields

KEYS = (
    ("↑ ↓  j k", "move in lists, trees and link columns"),
    ("PgUp PgDn", "page up / down (space also pages down in lists)"),
    ("g  G  Home  End", "first / last row (read directly, however long the list)"),
    (":", "go to row N or P% (lists whose size is known)"),
    ("Enter", "open what is under the cursor"),
    ("Tab  shift+Tab", "next / previous widget or link"),
    ("Escape", "back (history like a browser); leaves the search input on the home screen"),
    ("/", "search (the search bar of this screen, or the search screen)"),
    ("y  Y", "copy the current id (or route) / the command that reopens this screen (OSC 52)"),
    ("M  R", "copy this screen's Markdown report / the command that re-runs this execution or job"),
    ("r", "refresh now (screens showing RUNNING work refresh themselves every few seconds)"),
    ("ctrl+p", "command palette: jump to a route, an id prefix, or a search"),
    ("?", "this help"),
    ("q", "quit"),
)
SCREEN_KEYS = (
    ("execution: f", "failed jobs only (again: all)"),
    ("execution: a", "all jobs (clear the status-table filter)"),
    ("execution: v", "job tree / flat job list (both follow the filter)"),
    ("execution: s  t", "focus the status table / the job tree"),
    ("execution: D", "diff with the previous run of the same task"),
    ("diff: a  A  B", "all pairs / changes only; open the A / B job of the line"),
    ("execution: T", "the timeline: where the execution's time went"),
    ("execution: d  o", "task statistics instead of the status table / sort them (Enter: the task's timeline)"),
    ("timeline: + - ← → 0", "zoom in / out, pan, fit the whole execution"),
    ("timeline: c", "jump to the next job on the critical path"),
    ("timeline: space  l  h", "expand / collapse; Enter opens the job"),
    ("timeline: s  p  o  a", "focus task statistics / critical path; sort; all tasks (Enter on a task filters)"),
    ("status table", "Enter on a cell shows only that task × status in the tree"),
    ("job tree", "space or → expands, ← collapses, Enter opens the job"),
    ("value: v  p  d", "full value / $PAGER / dataflow full screen"),
    ("dataflow: ← →", "previous / next link; ↑ ↓ link on another line"),
    ("dataflow: e  c", "export JSON to the current directory / copy the text"),
)
ROUTES = (
    ("executions", "home: executions newest first"),
    ("executions/<id>", "an execution: details, status table, job tree"),
    ("jobs/<id>", "a job: trail, call, arguments, result, error, source, children"),
    ("values/<hash>", "a value: preview, subvalues, producers, consumers, dataflow"),
    ("dataflow/<hash>", "the upstream dataflow of a value"),
    ("tasks  tasks/<hash>", "tasks by namespace; one task version"),
    ("files  files/<path-or-hash>", "recorded files; one path's versions"),
    ("search/<text>", "records of any type matching a search"),
    ("diff/<idA>/<idB>", "two executions compared job by job (diff/<id>: with its previous run)"),
    ("timeline/<id>", "an execution's timeline, critical path and task statistics"),
    ("help", "this screen"),
)
SEARCH = (
    ("task:NAME", "jobs, tasks (and their executions) of a task (--task, --task-name)"),
    ("hash:H", "jobs and tasks of a task hash prefix (--task-hash)"),
    ("status:failed", "executions and jobs: running, failed, cached, done; commas = or (--status)"),
    ("exec-status:S  job-status:S", "only executions / only jobs with that status"),
    ("tag:key=value  tag:key", "records with that current tag (all tags must match) (--tag)"),
    ("exec-tag:key=value", "records of executions with that tag (--exec-tag)"),
    ("file:*.vcf  path:P", "File values by path, * wildcards (--file, --file-path)"),
    ("type:redun.File", "values of a type (--value-type)"),
    ("is:job  is:exec …", "only these record types: exec, job, call-node, task, value, file"),
    ("exec:ID  exec:-  exec:~2", "records of an execution: id prefix, the latest, the 2nd latest"),
    ("id:ab12", "records whose id starts so"),
    ("result:H  arg:H", "jobs whose result / an argument is or contains value H"),
    ("a bare word", "an id prefix, a task name, a file path; text in command lines and tag values"),
    ('"quoted words"', "one value with spaces, e.g. file:\"my dir/*\""),
)


class HelpScreen(BaseScreen):
    """Keys, routes and the search syntax."""

    AUTO_FOCUS = "#help-body"

    def __init__(self) -> None:
        super().__init__("help")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Content("Keys"), classes="section-title")
            yield Static(fields(KEYS), classes="help-fields")
            yield Static(Content("On some screens"), classes="section-title")
            yield Static(fields(SCREEN_KEYS), classes="help-fields")
            yield Static(Content("Routes (redun-tui DB ROUTE opens one directly; ids may be prefixes)"),
                         classes="section-title")
            yield Static(fields(ROUTES), classes="help-fields")
            yield Static(Content("Search syntax (every word must match; redun log's --flags work too)"),
                         classes="section-title")
            yield Static(fields(SEARCH), classes="help-fields")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#help-body").focus()
