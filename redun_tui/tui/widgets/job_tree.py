"""JobTree: an execution's job tree, children loaded lazily page by page.

The widget asks for data with :class:`JobTree.NeedChildren` (the screen fetches in a worker and
calls :meth:`JobTree.add_page`); it never queries. Labels are literal text; the status is coloured
through component classes defined in app.tcss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from redun_tui.formatting import format_duration, short_id
from redun_tui.tui.text import plain
from redun_tui.tui.widgets.tree_keys import TreeKeys
from redun_tui.views import JobRow, Page

REVEAL_LIMIT = 50  # nodes a filter expands by itself (each is one query): deep enough for triage

STATUS_CLASSES = {
    "DONE": "job-tree--done",
    "CACHED": "job-tree--cached",
    "FAILED": "job-tree--failed",
    "RUNNING": "job-tree--running",
}


@dataclass
class JobNode:
    """What a tree node holds: a job, or a "more"/"loading" placeholder for its parent's page."""

    job: JobRow | None
    kind: str = "job"  # "job", "more" or "loading"
    parent_id: str | None = None
    cursor: str | None = None
    loaded: bool = False
    extra: dict = field(default_factory=dict)


# Characters of a call in a tree label: enough to tell fan-out siblings apart, short enough
# that the id and status stay on screen at 80 columns a few levels deep.
CALL_LABEL_LIMIT = 48


def label_parts(job: JobRow) -> list[tuple[str, str | None]]:
    """A node label as (text, role) parts: the call (``task(args)``, bounded), short id,
    status, duration, child count.

    Roles are "status" and "muted" (None: plain). The two spaces between fields are parts of
    their own, so each field is its own run of text that starts where the terminal draws it.
    """
    parts: list[tuple[str, str | None]] = [
        (plain(job.call, single_line=True, limit=CALL_LABEL_LIMIT) or "(no task)", None),
        ("  ", None),
        (short_id(job.id), "muted"),
        ("  ", None),
        (job.status, "status"),
    ]
    if job.duration is not None:
        parts += [("  ", None), (format_duration(job.duration), "muted")]
    if job.child_count:
        parts += [("  ", None), (f"({job.child_count:,})", "muted")]
    return parts


def job_label(job: JobRow) -> Text:
    """A node label: task, short id, status, duration (coloured later by the tree)."""
    return Text("".join(text for text, _ in label_parts(job)))


class JobTree(TreeKeys, Tree[JobNode]):
    """The job tree of one execution.

    Enter opens the job, space (or right/left) expands and collapses, ``j``/``k`` move.
    """

    # Moves, expand and collapse come from TreeKeys (shared with the downstream tree).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_node", "Toggle", show=False, tooltip="expand / collapse"),
        Binding("enter", "select_cursor", "Open", show=False, tooltip="open the job (or load more children)"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {*STATUS_CLASSES.values(), "job-tree--note", "job-tree--muted"}

    class NeedChildren(Message):
        """Load a page of children of ``parent_id`` (None: the top jobs) into ``node``."""

        def __init__(self, tree: JobTree, node: TreeNode[JobNode], parent_id: str | None,
                     cursor: str | None, generation: int) -> None:
            super().__init__()
            self.tree = tree
            self.node = node
            self.parent_id = parent_id
            self.cursor = cursor
            self.generation = generation

        @property
        def control(self) -> JobTree:
            return self.tree

    class JobChosen(Message):
        """Enter on a job node."""

        def __init__(self, tree: JobTree, job: JobRow) -> None:
            super().__init__()
            self.tree = tree
            self.job = job

        @property
        def control(self) -> JobTree:
            return self.tree

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(Text("jobs"), data=JobNode(None, kind="root"), id=id, classes=classes)
        self.show_root = False
        self.auto_expand = False
        self.generation = 0
        self._reveal_budget = 0  # nodes still to expand on their own to reveal a filter's matches
        self._match: tuple[str | None, str | None] | None = None  # (status, task) the cursor seeks

    # Loading ----------------------------------------------------------------------------------
    def start(self, reveal: tuple[str | None, str | None] | None = None) -> None:
        """Clears the tree and asks for the top jobs (call again after changing a filter).

        Args:
            reveal: the filter (status, task name) the tree now shows; every node on a path to a
                match is expanded as it arrives (up to REVEAL_LIMIT nodes) and the cursor lands on
                the first matching job without matching children (e.g. the failed leaf).
        """
        self.generation += 1
        self._reveal_budget = REVEAL_LIMIT if reveal else 0
        self._match = reveal
        self.clear()
        self.root.data = JobNode(None, kind="root")
        self._placeholder(self.root, "loading…")
        self.post_message(self.NeedChildren(self, self.root, None, None, self.generation))

    def add_page(self, node: TreeNode[JobNode], page: Page[JobRow], generation: int) -> None:
        """Adds a page of children under ``node`` (replacing its loading/more placeholder)."""
        if generation != self.generation:
            return
        for child in list(node.children):
            if child.data is not None and child.data.kind in ("loading", "more"):
                child.remove()
        for job in page.items:
            child = node.add(job_label(job), data=JobNode(job), allow_expand=job.child_count > 0)
            self._reveal(child, job)
        if page.next_cursor is not None:
            parent_id = node.data.job.id if node.data and node.data.job else None
            shown = sum(1 for child in node.children if child.data and child.data.kind == "job")
            more = f"… more ({shown:,} shown{'' if page.total is None else f' of {page.total:,}'}; Enter loads)"
            node.add_leaf(Text(more, style="italic"), data=JobNode(None, "more", parent_id, page.next_cursor))
        if node.data is not None:
            node.data.loaded = True
        if node is self.root and not page.items:
            node.add_leaf(Text("No jobs.", style="italic"), data=JobNode(None, "note"))
        if node is self.root and self.cursor_line < 0 and page.items:
            self.move_cursor(self.root.children[0])

    def _reveal(self, node: TreeNode[JobNode], job: JobRow) -> None:
        """Under a filter, opens the path to every match (bounded) and lands on the first one."""
        # Filtered, a job's child_count counts only children on a path to a match.
        if job.child_count and self._reveal_budget > 0:
            self._reveal_budget -= 1
            node.expand()
            return
        if self._match is None or job.child_count:
            return
        status, task_name = self._match
        if (status is None or job.status == status) and (task_name is None or job.task_name == task_name):
            self._match = None  # the first match only: later pages must not move the cursor
            self.call_after_refresh(self.move_cursor, node)

    def page_failed(self, node: TreeNode[JobNode], generation: int) -> None:
        """Loading failed: replace the placeholder with one that retries on Enter."""
        if generation != self.generation:
            return
        for child in list(node.children):
            if child.data is not None and child.data.kind == "loading":
                child.remove()
        parent_id = node.data.job.id if node.data and node.data.job else None
        node.add_leaf(Text("could not load; Enter retries", style="italic"),
                      data=JobNode(None, "more", parent_id, None))
        if node.data is not None:
            node.data.loaded = True

    def refresh_jobs(self, jobs: dict[str, JobRow]) -> None:
        """Updates labels of shown jobs in place (live refresh; keeps expansion and cursor)."""
        for node in self._iter_nodes(self.root):
            data = node.data
            if data is not None and data.job is not None and data.job.id in jobs:
                data.job = jobs[data.job.id]
                node.set_label(job_label(data.job))
                node.allow_expand = data.job.child_count > 0

    def expanded_parents(self) -> list[tuple[TreeNode[JobNode], str | None]]:
        """The nodes whose children are shown (root first), for reloading on refresh."""
        result: list[tuple[TreeNode[JobNode], str | None]] = [(self.root, None)]
        for node in self._iter_nodes(self.root):
            if node.is_expanded and node.data is not None and node.data.job is not None and node.data.loaded:
                result.append((node, node.data.job.id))
        return result

    def _iter_nodes(self, node: TreeNode[JobNode]):
        for child in node.children:
            yield child
            yield from self._iter_nodes(child)

    def _placeholder(self, node: TreeNode[JobNode], label: str) -> None:
        node.add_leaf(Text(label, style="italic"), data=JobNode(None, "loading"))

    # Events -----------------------------------------------------------------------------------
    def on_tree_node_expanded(self, event: Tree.NodeExpanded[JobNode]) -> None:
        event.stop()
        node = event.node
        data = node.data
        if data is None or data.job is None or data.loaded or any(
            c.data is not None and c.data.kind == "loading" for c in node.children
        ):
            return
        self._placeholder(node, "loading…")
        self.post_message(self.NeedChildren(self, node, data.job.id, None, self.generation))

    def on_tree_node_selected(self, event: Tree.NodeSelected[JobNode]) -> None:
        event.stop()
        node = event.node
        data = node.data
        if data is None:
            return
        if data.kind == "more" and node.parent is not None:
            parent = node.parent
            node.set_label(Text("loading…", style="italic"))
            data.kind = "loading"
            self.post_message(self.NeedChildren(self, parent, data.parent_id, data.cursor, self.generation))
        elif data.job is not None:
            self.post_message(self.JobChosen(self, data.job))


    def render_label(self, node: TreeNode[JobNode], base_style: Style, style: Style) -> Text:
        text = super().render_label(node, base_style, style)
        data = node.data
        if data is None or data.job is None:
            return text
        if self.has_focus and node.line == self.cursor_line:
            return text  # the cursor bar's own colours: status hues on it are illegible
        roles = {"status": STATUS_CLASSES.get(data.job.status), "muted": "job-tree--muted"}
        # The label is the last part of the rendered text (after the expand icon).
        offset = len(text) - len(node.label)
        for part, role in label_parts(data.job):
            component = roles.get(role) if role else None
            if component:
                text.stylize(self.get_component_rich_style(component, partial=True), offset, offset + len(part))
            offset += len(part)
        return text
