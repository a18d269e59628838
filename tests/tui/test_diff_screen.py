"""The diff screen: summary, tree of changes, the pair's arguments, keys (Pilot)."""

from __future__ import annotations

from textual.widgets import Static

from redun_tui.tui.screens.diff import DiffScreen
from redun_tui.tui.widgets.diff_tree import DiffTree
from redun_tui.tui.widgets.links import RouteLink


def _text(widget: Static) -> str:
    return str(widget.render())


async def test_diff_screen_shows_summary_causes_and_changed_pairs(make_app, settle):
    app = make_app("seed_example.db", "diff/af59d4e0/b2ffcd8f")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DiffScreen)
        assert screen.route == "diff/af59d4e0-3222-4e83-92fc-9b0860c25d6a/b2ffcd8f-2d42-4fb1-9461-6097e445e101"
        assert "same 6 (cached 6) · changed 5 · added 0 · removed 0" in _text(screen.query_one("#diff-summary"))
        assert "sample3.fastq: same path, new content" in _text(screen.query_one("#diff-causes"))
        tree = screen.query_one(DiffTree)
        shown = [line.node.data for line in tree._tree_lines]
        pairs = [screen.view.pairs[i] for i in shown]
        assert {pair.change for pair in pairs} == {"changed"}  # same pairs hidden by default
        assert len(pairs) == 5
        assert not screen.view.complete  # only the paths to changes were read
        # The changed align_reads: its argument old -> new, links to both values and dataflows.
        await pilot.press("down", "down")
        await settle(pilot)
        assert tree.current_pair.task == "seedex.align_reads"
        detail = screen.query_one("#diff-detail")
        texts = [_text(widget) for widget in detail.query(Static)]
        assert any("fastq: c54f520f → 973811e5  (same path, new content)" in text for text in texts)
        routes = [link.route for link in detail.query(RouteLink)]
        assert f"jobs/{tree.current_pair.a_job}" in routes and f"jobs/{tree.current_pair.b_job}" in routes
        assert any(route.startswith("values/c54f520f") for route in routes)
        assert any(route.startswith("dataflow/973811e5") for route in routes)
        # a: every pair, the same ones too.
        await pilot.press("a")
        await settle(pilot)
        assert "all pairs" in _text(screen.query_one("#diff-summary"))
        assert any(screen.view.pairs[line.node.data].change == "same" for line in tree._tree_lines)
        assert screen.view.complete  # the first view held only the paths to changes: a read every pair
        # a again: changes only, from the view of every pair.
        await pilot.press("a")
        await settle(pilot)
        assert "changes only" in _text(screen.query_one("#diff-summary"))
        assert [screen.view.pairs[line.node.data].change for line in tree._tree_lines] == ["changed"] * 5
        await pilot.press("a")
        await settle(pilot)
        # Enter opens the B job; A opens the A job.
        b_job, a_job = tree.current_pair.b_job, tree.current_pair.a_job
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.route == f"jobs/{b_job}"
        await pilot.press("escape", "A")
        await settle(pilot)
        assert app.screen.route == f"jobs/{a_job}"


async def test_D_on_an_execution_diffs_with_its_previous_run(make_app, settle):
    app = make_app("seed_example.db", "executions/b2ffcd8f")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DiffScreen)
        assert screen.view.chosen and screen.view.a.id.startswith("00eeef5f")
        assert "(B's previous run)" in _text(screen.query_one("#diff-fields"))
        # `a` reads every pair: the same diff, still saying how A was chosen.
        await pilot.press("a")
        await settle(pilot)
        assert screen.view.complete and screen.view.chosen and screen.view.a.id.startswith("00eeef5f")
        assert "(B's previous run)" in _text(screen.query_one("#diff-fields"))


async def test_diff_without_a_previous_run_says_so(make_app, settle):
    app = make_app("seed_example.db", "diff/af59d4e0")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "no earlier run of seedex.main" in _text(app.screen.query_one("#diff-summary"))


async def test_argument_previews_are_read_for_the_pair_under_the_cursor(make_app, settle):
    # The first screen decodes no value (the diff is read without previews); the detail of the
    # pair under the cursor then shows each value's preview, old and new, rather than its hash.
    app = make_app("seed_example.db", "diff/af59d4e0/b2ffcd8f")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert all(arg.a_preview is None and arg.b_preview is None
                   for i in range(len(screen.view.pairs)) for arg in screen.view.pairs[i].args)
        await pilot.press("down", "down")
        await settle(pilot)
        assert screen.tree.current_pair.task == "seedex.align_reads"
        links = [str(link.render()) for link in screen.query_one("#diff-detail").query(RouteLink)]
        assert any("old File(path=sample3.fastq, hash=c54f520f)" in text for text in links), links
        assert any("new File(path=sample3.fastq, hash=973811e5)" in text for text in links), links
        # Back up to a pair read before: its previews come from what was read, at once.
        await pilot.press("up", "up")
        await settle(pilot)
        links = [str(link.render()) for link in screen.query_one("#diff-detail").query(RouteLink)]
        assert any("old [File(path=sample1.fastq" in text for text in links), links
