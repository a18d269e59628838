"""DownstreamTree: a value, the calls that consumed it, the values they derived, and so on.

The screen hands over a whole :class:`~redun_tui.store.downstream.DownstreamView` (already
bounded by the walk's call limit); the tree only builds the nodes a user expands, and at most
:data:`PAGE` children at a time ("… more" loads the next page). It never queries. Labels are
literal text (:func:`redun_tui.tui.text.rich_literal`).

A view read without previews (the screen's: decoding thousands of previews up front cost a
third of the first screen) shows a value node at once with ``…`` for its preview and posts
:class:`DownstreamTree.NeedPreviews`; the screen reads them in a worker and hands them to
:meth:`DownstreamTree.set_previews`, which relabels the waiting nodes. A call whose jobs the
view does not carry yet (the screen's first read has those of the first page under each root:
the reference of the benchmark has 312,726 jobs in its 5,000 calls) is shown with ``… jobs`` the
same way: :class:`DownstreamTree.NeedJobs`, then :meth:`DownstreamTree.set_jobs`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Span, Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from redun_tui.formatting import short_id
from redun_tui.tui.text import plain
from redun_tui.tui.widgets.tree_keys import TreeKeys

if TYPE_CHECKING:
    from redun_tui.store.downstream import DownstreamCall, DownstreamView

PAGE = 50  # children shown per page under one node
PENDING = "…"  # a preview (or a call's jobs) on its way
LABEL_LIMIT = 120  # characters of a value preview in a label


@dataclass
class DownNode:
    """What a node holds: a value (root or derived), a call, or a "more" placeholder."""

    kind: str  # "value", "call", "more" or "note"
    key: str = ""  # value hash or call hash; for "more": the parent's key
    depth: int = 0
    shown: int = 0  # for "more": children already shown under the parent


def call_label(call: DownstreamCall, *, pending: bool = False) -> Text:
    """``task(args) → result  call  jobs  executions`` (the consumed value is the parent node);
    ``pending``: the jobs are still being read."""
    text = Text()
    text.append(plain(call.task, single_line=True, limit=80) or "(no task)", style="bold")
    text.append("(" + plain(", ".join(call.arguments), single_line=True, limit=60) + ")")
    text.append(f" → {short_id(call.result)}")
    text.append(f"  call {short_id(call.call_hash)}", style="dim")
    if pending:
        text.append(f"  {PENDING} jobs", style="dim")
        return text
    jobs = f"{len(call.jobs)} job" + ("" if len(call.jobs) == 1 else "s")
    executions = ", ".join(short_id(e) for e in call.executions[:3]) + (" …" if len(call.executions) > 3 else "")
    text.append(f"  {jobs}  exec {executions or '-'}", style="dim")
    return text




def value_label(value_hash: str, preview: str, depth: int, *, root: bool = False) -> Text:
    """``hash  preview`` with the depth (roots say so)."""
    text = Text()
    text.append(short_id(value_hash), style="bold")
    text.append("  " + plain(preview, single_line=True, limit=LABEL_LIMIT))
    text.append("  (target)" if root else f"  depth {depth}", style="dim")
    return text


def result_note(result: str, preview: str, depth: int | None) -> Text:
    """The note under a call whose result was reached before, at a smaller depth."""
    note = f"→ result {short_id(result)}  {plain(preview, single_line=True, limit=LABEL_LIMIT)}"
    return Text(note + (f"  (reached at depth {depth})" if depth is not None else ""), style="italic")


def _value_label_of(value_hash: str, depth: int, preview: str) -> Text:
    return value_label(value_hash, preview, depth)


class DownstreamTree(TreeKeys, Tree[DownNode]):
    """Enter opens the highlighted value or call; right/left (or space) expand and collapse."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"downstream-tree--muted"}

    class Chosen(Message):
        """Enter on a value or a call: ``kind`` is "value" or "call", ``key`` its hash."""

        def __init__(self, tree: DownstreamTree, kind: str, key: str) -> None:
            super().__init__()
            self.tree = tree
            self.kind = kind
            self.key = key

        @property
        def control(self) -> DownstreamTree:
            return self.tree

    class NeedPreviews(Message):
        """Nodes wait for the previews of ``hashes`` (every value still waiting, not only new ones)."""

        def __init__(self, tree: DownstreamTree, hashes: tuple[str, ...]) -> None:
            super().__init__()
            self.tree = tree
            self.hashes = hashes

        @property
        def control(self) -> DownstreamTree:
            return self.tree

    class NeedJobs(Message):
        """Call nodes wait for the jobs of ``call_hashes`` (every call still waiting)."""

        def __init__(self, tree: DownstreamTree, call_hashes: tuple[str, ...]) -> None:
            super().__init__()
            self.tree = tree
            self.call_hashes = call_hashes

        @property
        def control(self) -> DownstreamTree:
            return self.tree

    def render_label(self, node: TreeNode[DownNode], base_style: Style, style: Style) -> Text:
        """The label with its "dim" parts in ``$text-muted`` (Rich's dim fails contrast on the cursor bar)."""
        text = super().render_label(node, base_style, style)
        try:
            muted = self.get_component_rich_style("downstream-tree--muted", partial=True)
        except KeyError:  # measured for width before the styles are applied: colour is irrelevant
            return text
        # The cursor's style is a later span: on the cursor bar its colour wins over this one.
        text.spans = [Span(span.start, span.end, muted) if span.style == "dim" else span for span in text.spans]
        return text

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(Text("downstream"), data=DownNode("note"), id=id, classes=classes)
        self.show_root = False
        self.auto_expand = False
        self.view: DownstreamView | None = None
        self._calls_of: dict[str, list] = {}
        self._values_of: dict[str, list] = {}
        self._calls: dict[str, DownstreamCall] = {}
        self._depths: dict[str, int] = {}  # value hash -> depth (roots: 0)
        self._previews: dict[str, str] = {}  # value hash -> preview, as far as read
        # value hash -> nodes showing PENDING for it, each with how to label it when it comes
        self._waiting: dict[str, list[tuple[TreeNode[DownNode], Callable[[str], Text]]]] = {}
        self._jobs_known: frozenset[str] | set[str] | None = None  # None: every call's jobs are in the view
        self._waiting_jobs: dict[str, list[TreeNode[DownNode]]] = {}  # call hash -> nodes showing "… jobs"

    def set_view(self, view: DownstreamView) -> None:
        """Shows a walk: its roots expanded one level, everything else on demand."""
        self.view = view
        calls_of: dict[str, list] = defaultdict(list)
        values_of: dict[str, list] = defaultdict(list)
        for call in view.calls:
            calls_of[call.from_value].append(call)
        for value in view.values:
            values_of[value.via_call].append(value)
        self._calls_of, self._values_of = dict(calls_of), dict(values_of)
        self._calls = {call.call_hash: call for call in view.calls}
        self._depths = {root.hash: 0 for root in view.roots}
        self._depths.update({value.hash: value.depth for value in view.values})
        self._previews = {root.hash: root.preview for root in view.roots}
        self._previews.update({value.hash: value.preview for value in view.values if value.preview is not None})
        self._waiting = {}
        self._jobs_known = None if view.jobs_known is None else set(view.jobs_known)
        self._waiting_jobs = {}
        self.clear()
        for root in view.roots:
            node = self.root.add(value_label(root.hash, root.preview, 0, root=True), data=DownNode("value", root.hash, 0),
                                 allow_expand=bool(self._calls_of.get(root.hash)))
            if self._calls_of.get(root.hash):
                node.expand()
        if not view.roots:
            self.root.add_leaf(Text("No such value.", style="italic"), data=DownNode("note"))
        elif not view.calls:
            self.root.add_leaf(Text("No call consumed it.", style="italic"), data=DownNode("note"))
        if self.root.children:
            self.move_cursor(self.root.children[0])

    def current(self) -> DownNode | None:
        """The highlighted node's data."""
        node = self.cursor_node
        return node.data if node is not None else None

    def call(self, call_hash: str) -> DownstreamCall | None:
        """The call shown under this hash."""
        return self._calls.get(call_hash)

    def has_jobs(self, call_hash: str) -> bool:
        """The call's jobs and executions are read (False while they are on their way)."""
        return self._jobs_known is None or call_hash in self._jobs_known

    # Building children ------------------------------------------------------------------------
    def _children(self, data: DownNode) -> list:
        if data.kind == "value":
            return self._calls_of.get(data.key, [])
        if data.kind == "call":
            return self._values_of.get(data.key, [])
        return []

    def _labelled(self, value_hash: str, make: Callable[[str], Text]) -> tuple[Text, bool]:
        """``make(preview)``, or ``make(PENDING)`` and True when the preview is still to be read."""
        if value_hash not in self._depths:  # not a value of the walk: nothing to read
            return make(""), False
        preview = self._previews.get(value_hash)
        return (make(PENDING), True) if preview is None else (make(preview), False)

    def _add_page(self, node: TreeNode[DownNode], start: int) -> None:
        data = node.data
        items = self._children(data)
        waiting: list[tuple[TreeNode[DownNode], str, Callable[[str], Text]]] = []
        waiting_jobs = False
        for item in items[start : start + PAGE]:
            if data.kind == "value":
                item = self._calls.get(item.call_hash, item)  # with its jobs, when read since
                pending = not self.has_jobs(item.call_hash)
                child = node.add(call_label(item, pending=pending), data=DownNode("call", item.call_hash, item.depth),
                                 allow_expand=True)
                if pending:
                    self._waiting_jobs.setdefault(item.call_hash, []).append(child)
                    waiting_jobs = True
            else:
                make = partial(_value_label_of, item.hash, item.depth)
                label, pending = self._labelled(item.hash, make)
                child = node.add(label, data=DownNode("value", item.hash, item.depth),
                                 allow_expand=bool(self._calls_of.get(item.hash)))
                if pending:
                    waiting.append((child, item.hash, make))
        shown = min(start + PAGE, len(items))
        if shown < len(items):
            node.add_leaf(Text(f"… more ({shown:,} of {len(items):,} shown; Enter shows more)", style="italic"),
                          data=DownNode("more", data.key, shown=shown))
        if data.kind == "call" and start == 0:
            call = self._calls.get(data.key)
            if call is not None and all(value.hash != call.result for value in items):
                # The result was reached before (a shorter path): say where, so the call is not a dead end.
                depth = self._depths.get(call.result)
                make = partial(result_note, call.result, depth=depth)
                label, pending = self._labelled(call.result, make)
                child = node.add_leaf(label, data=DownNode("value", call.result, depth or 0))
                if pending:
                    waiting.append((child, call.result, make))
        if waiting:
            for child, value_hash, make in waiting:
                self._waiting.setdefault(value_hash, []).append((child, make))
            self.post_message(self.NeedPreviews(self, tuple(self._waiting)))
        if waiting_jobs:
            self.post_message(self.NeedJobs(self, tuple(self._waiting_jobs)))

    def set_previews(self, previews: dict[str, str]) -> None:
        """Previews read for :class:`NeedPreviews`: the nodes waiting for them are relabelled."""
        self._previews.update(previews)
        for value_hash, preview in previews.items():
            for node, make in self._waiting.pop(value_hash, ()):
                node.set_label(make(preview))

    def set_jobs(self, jobs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
        """Calls' (job ids, execution ids) read for :class:`NeedJobs`: their nodes are relabelled."""
        if self._jobs_known is None:
            return
        for call_hash, (job_ids, execution_ids) in jobs.items():
            call = self._calls.get(call_hash)
            if call is None:
                continue
            call = self._calls[call_hash] = replace(call, jobs=job_ids, executions=execution_ids)
            self._jobs_known.add(call_hash)
            for node in self._waiting_jobs.pop(call_hash, ()):
                node.set_label(call_label(call))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[DownNode]) -> None:
        event.stop()
        node = event.node
        if node.data is not None and not node.children:
            self._add_page(node, 0)

    def on_tree_node_selected(self, event: Tree.NodeSelected[DownNode]) -> None:
        event.stop()
        node = event.node
        data = node.data
        if data is None:
            return
        if data.kind == "more" and node.parent is not None:
            parent = node.parent
            node.remove()
            self._add_page(parent, data.shown)
        elif data.kind in ("value", "call"):
            self.post_message(self.Chosen(self, data.kind, data.key))

