"""JobTree: an execution's job tree, children loaded lazily page by page.

The widget asks for data with :class:`JobTree.NeedChildren` (the screen fetches in a worker and
calls :meth:`JobTree.add_page`); it never queries. Labels are literal text; the status is coloured
through component classes defined in app.tcss.

Bounded: a parent keeps at most ``WINDOW_CHILDREN`` children loaded. Enter on "… more" reads the
next page and, past the bound, drops the parent's first page (its rows, and whatever was expanded
under them); an "… earlier" row at the top reads the dropped pages again (the store's backward
cursors), dropping pages at the bottom. A Textual ``Tree`` redraws every loaded line when nodes
are added, so an unbounded parent made each page cost more than the last (0.7 s CPU per page at
5,000 children, 1.2 s at 10,000, at L).
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
from redun_tui.store.cursors import decode_position_parts, last_cursor
from redun_tui.tui.text import plain
from redun_tui.tui.widgets.tree_keys import TreeKeys
from redun_tui.views import JobRow, Page

REVEAL_LIMIT = 50  # nodes a filter expands by itself (each is one query): deep enough for triage
WINDOW_CHILDREN = 1_000  # children of one parent kept loaded (whole pages; farther ones read again)

STATUS_CLASSES = {
    "DONE": "job-tree--done",
    "CACHED": "job-tree--cached",
    "FAILED": "job-tree--failed",
    "RUNNING": "job-tree--running",
}


@dataclass
class JobNode:
    """What a tree node holds: a job, or a "more"/"earlier"/"loading" placeholder for its
    parent's next/previous page."""

    job: JobRow | None
    kind: str = "job"  # "job", "more", "earlier", "loading" or "note"
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


def _row_index(page: Page[JobRow], index: int) -> int | None:
    """A row index of ``page`` counted from the list's start (a page read from the end counts
    from there: negative), or None when the list is not counted."""
    if index >= 0:
        return index
    return page.total + index if page.total is not None else None


class JobTree(TreeKeys, Tree[JobNode]):
    """The job tree of one execution.

    Enter opens the job, space (or right/left) expands and collapses, ``j``/``k`` move.
    """

    # Moves, expand and collapse come from TreeKeys (shared with the downstream tree).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_node", "Toggle", show=False, tooltip="expand / collapse"),
        Binding("enter", "select_cursor", "Open", show=False, tooltip="open the job (or load more children)"),
        Binding("G,end", "last_row", "Last", show=False, tooltip="last row (reads a long list's last page)"),
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
        """Adds a page of children under ``node`` (replacing its loading/more placeholder): after
        the loaded children, or before them when the user asked for the earlier page; then drops
        whole pages on the far side beyond ``WINDOW_CHILDREN``."""
        if generation != self.generation or node.data is None:
            return
        data = node.data
        if "pending" not in data.extra and data.loaded and data.extra.get("pages"):
            self.add_jobs(node, page.items, generation)  # rows a refresh found, not a page asked for
            return
        direction, cursor = data.extra.pop("pending", ("after", None))
        pages: list[list] = data.extra.setdefault("pages", [])  # [cursor read with, page]
        keep, seeking = self.cursor_node, self._match
        last = direction == "last"  # G: the list's last page replaces the window
        if last:
            pages.clear()
            direction = "after"
        for child in list(node.children):
            if last or (child.data is not None and child.data.kind in ("loading", "more", "earlier")):
                child.remove()
        added = []
        if direction == "before":
            for index, job in enumerate(page.items):
                added.append(node.add(job_label(job), data=JobNode(job), before=index, allow_expand=job.child_count > 0))
                self._reveal(added[-1], job)
            pages.insert(0, [cursor, page])
        else:
            for job in page.items:
                added.append(node.add(job_label(job), data=JobNode(job), allow_expand=job.child_count > 0))
                self._reveal(added[-1], job)
            pages.append([cursor, page])
        self._evict(node, pages, from_front=direction != "before")
        self._edges(node, pages)
        data.loaded = True
        if node is self.root and not page.items:
            node.add_leaf(Text("No jobs.", style="italic"), data=JobNode(None, "note"))
        if node is self.root and self.cursor_line < 0 and page.items:
            self.move_cursor(self.root.children[0])
        elif last:
            self.call_after_refresh(self.move_cursor, added[-1] if added else node)
        elif added and (keep is None or not self._attached(keep)) and not (seeking is not None and self._match is None):
            # The cursor was on the placeholder just replaced: on the first row read (the last one
            # going up). A cursor on a row stays on it by itself (Tree finds its node's new line);
            # moving it here too raced a filter's reveal, which moves it to the match.
            self.call_after_refresh(self.move_cursor, added[-1] if direction == "before" else added[0])

    def add_jobs(self, node: TreeNode[JobNode], jobs: tuple[JobRow, ...], generation: int) -> None:
        """Adds children that appeared since the parent was read (live refresh), when the loaded
        children reach the end of the list (else they lie beyond the window: "… more" reads them)."""
        if generation != self.generation or node.data is None or not jobs:
            return
        pages = node.data.extra.get("pages") or []
        if pages and pages[-1][1].next_cursor is not None:
            return
        # New children start after every loaded one (a refresh that read from the list's start
        # also returns the rows before a window that does not start it: those are not new).
        starts = [child.data.job.start_time for child in node.children if child.data is not None
                  and child.data.job is not None and child.data.job.start_time is not None]
        latest = max(starts, default=None)
        jobs = tuple(job for job in jobs if latest is None or job.start_time is None or job.start_time > latest)
        if not jobs:
            return
        for job in jobs:
            node.add(job_label(job), data=JobNode(job), allow_expand=job.child_count > 0)
        if pages:
            last = pages[-1][1]
            pages[-1][1] = Page(items=(*last.items, *jobs), offset=last.offset, total=last.total,
                                prev_cursor=last.prev_cursor, seekable=last.seekable)

    def reload_cursor(self, node: TreeNode[JobNode]) -> str | None:
        """The cursor that reads ``node``'s loaded children again from their first (None: the
        first page; also when the first loaded page was read backward: its rows are then not
        refreshed, and :meth:`add_jobs` adds nothing before the end is loaded)."""
        pages = node.data.extra.get("pages") if node.data is not None else None
        if not pages:
            return None
        cursor, page = pages[0]
        if cursor is None or page.offset <= 0 or decode_position_parts(cursor)[0]:
            return None
        return cursor

    def _attached(self, node: TreeNode[JobNode]) -> bool:
        while node.parent is not None:
            if node not in node.parent.children:
                return False
            node = node.parent
        return node is self.root

    def _evict(self, node: TreeNode[JobNode], pages: list[list], from_front: bool) -> None:
        """Drops whole pages beyond WINDOW_CHILDREN, on the side away from the page just read."""
        while sum(len(page.items) for _, page in pages) > WINDOW_CHILDREN and len(pages) > 1:
            _, page = pages.pop(0) if from_front else pages.pop()
            ids = {job.id for job in page.items}
            for child in list(node.children):
                if child.data is not None and child.data.job is not None and child.data.job.id in ids:
                    child.remove()

    def _edges(self, node: TreeNode[JobNode], pages: list[list]) -> None:
        """The "… earlier" row above the loaded children and the "… more" row below them."""
        parent_id = node.data.job.id if node.data and node.data.job else None
        first, last = pages[0][1], pages[-1][1]
        start = _row_index(first, first.offset)
        if first.prev_cursor is not None:
            earlier = "earlier" if start is None else f"{start:,} earlier"
            node.add_leaf(Text(f"… {earlier} (Enter loads)", style="italic"),
                          data=JobNode(None, "earlier", parent_id, first.prev_cursor), before=0)
        if last.next_cursor is not None:
            end = _row_index(last, last.offset + len(last.items))
            total = "" if last.total is None else f" of {last.total:,}"
            if start is None or end is None:
                shown = f"{len(node.children):,} shown"  # read from the end of an uncounted list
            else:
                shown = f"{end:,} shown" if start == 0 else f"{start + 1:,}–{end:,} shown"
            node.add_leaf(Text(f"… more ({shown}{total}; Enter loads)", style="italic"),
                          data=JobNode(None, "more", parent_id, last.next_cursor))

    def action_last_row(self) -> None:
        """The last row of the tree as the list orders it: the last child of the last expanded
        parent chain. Where a parent's loaded window stops short of its list's end, its last
        page is read (the store's backward cursor) in place of the window, and the cursor
        lands on its last child."""
        node = self.root
        while True:
            data = node.data
            if data is None or "pending" in data.extra or not node.children:
                break
            pages = data.extra.get("pages") or []
            if pages and pages[-1][1].next_cursor is not None:
                more = node.children[-1]
                if more.data is not None and more.data.kind == "more":
                    data.extra["pending"] = ("last", last_cursor())
                    more.set_label(Text("loading…", style="italic"))
                    more.data.kind = "loading"
                    self.move_cursor(more)
                    parent_id = data.job.id if data.job else None
                    self.post_message(self.NeedChildren(self, node, parent_id, last_cursor(), self.generation))
                    return
            child = node.children[-1]
            if not (child.is_expanded and child.children):
                break
            node = child
        if node is not self.root or node.children:
            self.move_cursor(node.children[-1] if node.children else node)

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
        direction, cursor = node.data.extra.pop("pending", ("after", None)) if node.data else ("after", None)
        node.add_leaf(Text("could not load; Enter retries", style="italic"),
                      data=JobNode(None, "earlier" if direction == "before" else "more", parent_id, cursor),
                      **({"before": 0} if direction == "before" else {}))
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
        if data.kind in ("more", "earlier") and node.parent is not None and node.parent.data is not None:
            parent = node.parent
            parent.data.extra["pending"] = ("before" if data.kind == "earlier" else "after", data.cursor)
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
