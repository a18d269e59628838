"""DiffTree: the pairs of a diff as a tree, children added when a node is expanded.

The widget receives a :class:`redun_tui.views.DiffView` (already in memory: the screen's
worker built it) and never queries. By default it shows only the pairs that are not ``same`` and
the pairs above them; :meth:`DiffTree.show` with ``everything=True`` shows every pair. Labels are
literal text; the change is coloured through component classes defined in app.tcss.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Span, Text, TextType
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from redun_tui.formatting import format_duration, short_id
from redun_tui.tui.text import plain
from redun_tui.tui.widgets.job_tree import JobTree
from redun_tui.views import DiffPair, DiffView

MARKS = {"same": "=", "changed": "~", "added": "+", "removed": "-"}
CHANGE_CLASSES = {change: f"diff-tree--{change}" for change in MARKS}
# Nodes expanded on first show along the paths to changes (a big diff opens the rest on demand).
AUTO_EXPAND_NODES = 300


def pair_label(pair: DiffPair) -> Text:
    """``~ task  a1b2c3d4 → e5f6a7b8  args,result`` (the mark coloured later by the tree).

    Made as one string and its spans: each ``Text.append`` (and Tree's splitting of a label
    into lines) filters control codes again, a cost a big diff pays for hundreds of labels."""
    label = f"{MARKS.get(pair.change, '?')} {plain(pair.task, single_line=True, limit=80) or '(no task)'}  "
    ids = f"{plain(short_id(pair.a_job), single_line=True) or '·'} → {plain(short_id(pair.b_job), single_line=True) or '·'}"
    spans = [Span(len(label), len(label) + len(ids), "dim")]
    label += ids
    if pair.change == "changed":
        label += "  " + (",".join(pair.reasons) or "call")
    elif pair.change in ("added", "removed"):
        label += "  " + pair.change
    status = pair.b_status or pair.a_status
    if status:
        label += "  " + status
    duration = pair.b_duration if pair.b_job else pair.a_duration
    if duration is not None:
        took = "  " + format_duration(duration)
        spans.append(Span(len(label), len(label) + len(took), "dim"))
        label += took
    return Text(label, spans=spans)


class DiffTree(Tree[int]):
    """The pairs of one diff; a node's data is its pair index."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("right,l", "expand", "Expand", show=False),
        Binding("left,h", "collapse", "Collapse", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {*CHANGE_CLASSES.values(), "diff-tree--muted"}

    class PairMessage(Message):
        """A message about one pair (its ``pair``)."""

        def __init__(self, tree: DiffTree, pair: DiffPair) -> None:
            super().__init__()
            self.tree = tree
            self.pair = pair

        @property
        def control(self) -> DiffTree:
            return self.tree

    class PairChosen(PairMessage):
        """Enter on a pair."""

    class PairHighlighted(PairMessage):
        """The cursor moved to a pair."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        # Set first: Tree's constructor already renders the (hidden) root label.
        self.view: DiffView | None = None
        self.everything = False
        self._filled: set[int] = set()
        self._batching = False  # nodes being added in bulk: one invalidation at the end (_invalidate)
        self._invalidated = False
        self._widths: dict[int, int] = {}  # label widths by node id (get_label_width)
        super().__init__(Text("pairs"), data=-1, id=id, classes=classes)
        self.show_root = False
        self.auto_expand = False

    @property
    def current_pair(self) -> DiffPair | None:
        """The pair under the cursor."""
        node = self.cursor_node
        if self.view is None or node is None or node.data is None or node.data < 0:
            return None
        return self.view.pairs[node.data]

    def show(self, view: DiffView, everything: bool = False) -> None:
        """Shows ``view``: the changes (and the pairs above them), or every pair."""
        with self._in_one_batch():
            first = self._show(view, everything)
        if first is not None:
            self.move_cursor(first)  # after the batch: the lines are measured once

    def _show(self, view: DiffView, everything: bool) -> TreeNode[int] | None:
        self.view, self.everything = view, everything
        self._filled = set()
        self._widths = {}
        self.clear()
        self.root.data = -1
        tops = self._visible(view.roots)
        if not tops:
            self.root.add_leaf(Text("No differences: every job has the same call." if not everything else "No jobs.",
                                    style="italic"), data=None)
            return None
        nodes = [self.root.add(pair_label(view.pairs[i]), data=i, allow_expand=self._any_visible(view.pairs[i].children))
                 for i in tops]
        budget = AUTO_EXPAND_NODES
        queue = list(nodes)
        while queue and budget > 0:  # open the paths to changes, breadth first, within a budget
            node = queue.pop(0)
            pair = view.pairs[node.data]
            if node.allow_expand and (pair.has_changes or everything):
                added = self._fill(node)
                node.expand()
                budget -= len(added)
                queue.extend(child for child in added if view.pairs.has_changes(child.data))
        return nodes[0]

    @contextmanager
    def _in_one_batch(self) -> Iterator[None]:
        """Tree invalidates its lines (and asks for a layout, ~0.2 ms) for each node added; a big
        diff adds hundreds at once (0.15 s at L): here once, after the last."""
        self._batching, self._invalidated = True, False
        try:
            yield
        finally:
            self._batching = False
            if self._invalidated:
                self._invalidate()

    def _invalidate(self) -> None:
        # Textual's own (pinned version): clears the line caches and asks for a layout.
        if self._batching:
            self._invalidated = True
            return
        super()._invalidate()

    def _visible(self, indices: tuple[int, ...]) -> list[int]:
        assert self.view is not None
        if self.everything:
            return list(indices)
        return [i for i in indices if self.view.pairs.has_changes(i)]

    def _any_visible(self, indices: tuple[int, ...]) -> bool:
        """Whether a node with these children can expand (no pair built to find out)."""
        assert self.view is not None
        return bool(indices) and (self.everything or any(self.view.pairs.has_changes(i) for i in indices))

    def _fill(self, node: TreeNode[int]) -> list[TreeNode[int]]:
        if self.view is None or node.data is None or node.data < 0 or node.data in self._filled:
            return []
        self._filled.add(node.data)
        added = []
        for i in self._visible(self.view.pairs[node.data].children):
            child = self.view.pairs[i]
            added.append(node.add(pair_label(child), data=i, allow_expand=self._any_visible(child.children)))
        return added

    # Events -----------------------------------------------------------------------------------
    def on_tree_node_expanded(self, event: Tree.NodeExpanded[int]) -> None:
        event.stop()
        with self._in_one_batch():
            self._fill(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        event.stop()
        pair = self.current_pair if event.node is self.cursor_node else None
        if pair is not None:
            self.post_message(self.PairChosen(self, pair))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[int]) -> None:
        event.stop()
        pair = self.current_pair
        if pair is not None:
            self.post_message(self.PairHighlighted(self, pair))

    # The job tree's expand/collapse keys, shared (they only move through Tree nodes).
    action_expand = JobTree.action_expand
    action_collapse = JobTree.action_collapse

    def process_label(self, label: TextType) -> Text:
        """A one-line Text label as it is (Tree's own splits every label into lines: a copy)."""
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def get_label_width(self, node: TreeNode[int]) -> int:
        """The rendered label's width, without rendering it: the tree measures every line each
        time its lines change (hundreds in a big diff), and colouring changes no width."""
        width = self._widths.get(node.id)
        if width is None:
            width = self._widths[node.id] = node.label.cell_len  # labels are never changed
        if node.allow_expand:
            width += cell_len(self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE)
        return width

    def render_label(self, node: TreeNode[int], base_style: Style, style: Style) -> Text:
        """The label with its mark coloured by change and its "dim" parts in ``$text-muted``."""
        text = super().render_label(node, base_style, style)
        if self.view is None or node.data is None or node.data < 0:
            return text
        try:
            muted = self.get_component_rich_style("diff-tree--muted", partial=True)
        except KeyError:  # measured for width before the styles are applied: colour is irrelevant
            return text
        # Rich's dim fails contrast on the cursor bar; a colour span yields to the cursor's later one.
        text.spans = [Span(span.start, span.end, muted) if span.style == "dim" else span for span in text.spans]
        if self.has_focus and node.line == self.cursor_line:
            return text  # the cursor bar's own colours: change hues on it are illegible
        change = self.view.pairs[node.data].change
        mark_style = self.get_component_rich_style(CHANGE_CLASSES[change], partial=True)
        start = text.plain.find(MARKS[change] + " ")
        if start >= 0:
            text.stylize(mark_style, start, start + 1)
        return text
