"""``help``: every key (from the bindings), every route and the search syntax (no database text)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from redun_tui.store import routes
from redun_tui.tui.keys import declared_bindings, help_rows
from redun_tui.tui.screens.base import BaseScreen
from redun_tui.tui.text import fields

# Generated from the one route grammar: a new route kind shows up here by itself.
ROUTES = routes.help_rows()
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



def help_sections(app_class: type) -> list[tuple[str, list[tuple[str, str]]]]:
    """(where, [(keys, what it does)]) for the help screen and the README, from the bindings.

    Args:
        app_class: the App class whose bindings apply everywhere (passed in: screens never
            import the app, which imports them).
    """
    # Imported here: the screen modules import each other's neighbours, not this one.
    from redun_tui.tui.screens.base import BaseScreen
    from redun_tui.tui.screens.dataflow import DataflowScreen
    from redun_tui.tui.screens.downstream import DownstreamScreen
    from redun_tui.tui.screens.execution import ExecutionScreen
    from redun_tui.tui.screens.executions import ExecutionsScreen
    from redun_tui.tui.screens.files import FileScreen
    from redun_tui.tui.screens.job import JobScreen
    from redun_tui.tui.screens.record import RecordScreen
    from redun_tui.tui.screens.timeline import TimelineScreen
    from redun_tui.tui.screens.value import FullValueScreen, ValueScreen
    from redun_tui.tui.widgets.dataflow_pane import DataflowPane
    from redun_tui.tui.widgets.job_tree import JobTree
    from redun_tui.tui.widgets.links import RouteLink
    from redun_tui.tui.widgets.paged_list import PagedList
    from redun_tui.tui.widgets.status_table import StatusTable
    from redun_tui.tui.widgets.timeline import Timeline
    from redun_tui.tui.widgets.tree_keys import TreeKeys

    where: list[tuple[str, tuple[type, ...]]] = [
        ("everywhere", (app_class, BaseScreen)),
        ("lists", (PagedList,)),
        ("links (job, value, task, file screens)", (RouteLink, RecordScreen)),
        ("executions (home)", (ExecutionsScreen,)),
        ("execution", (ExecutionScreen,)),
        ("status table", (StatusTable,)),
        ("trees (job tree, downstream)", (TreeKeys,)),
        ("job tree", (JobTree,)),
        ("timeline", (TimelineScreen, Timeline)),
        ("job", (JobScreen,)),
        ("value", (ValueScreen,)),
        ("full value", (FullValueScreen,)),
        ("file", (FileScreen,)),
        ("dataflow", (DataflowScreen, DataflowPane)),
        ("downstream", (DownstreamScreen,)),
    ]
    return [(title, list(help_rows(binding for cls in classes for binding in declared_bindings(cls))))
            for title, classes in where]

class HelpScreen(BaseScreen):
    """Keys, routes and the search syntax."""

    AUTO_FOCUS = "#help-body"

    def __init__(self) -> None:
        super().__init__("help")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            # Generated from the bindings (the footer shows the same keys, as many as fit).
            for where, rows in help_sections(type(self.app)):
                yield Static(Content(f"Keys: {where}"), classes="section-title")
                yield Static(fields(rows), classes="help-fields")
            yield Static(Content("Routes (redun-tui DB ROUTE opens one directly; ids may be prefixes)"),
                         classes="section-title")
            yield Static(fields(ROUTES), classes="help-fields")
            yield Static(Content("Search syntax (every word must match; redun log's --flags work too)"),
                         classes="section-title")
            yield Static(fields(SEARCH), classes="help-fields")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
