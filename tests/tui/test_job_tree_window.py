"""The job tree keeps a bounded window of each parent's children (issue 16): past
WINDOW_CHILDREN, "… more" drops the first page, and "… earlier" reads the dropped pages again
(backward) and drops the last. The real screen and Store over a generated execution whose root
job has 3,000 children."""

from __future__ import annotations

from long_lists_db import BIG_EXECUTION, child_id, make_long_lists_db

from redun_tui.tui.widgets.job_tree import WINDOW_CHILDREN, JobTree

CHILDREN = 3_000


def _kids(node):
    return [child for child in node.children if child.data is not None and child.data.kind == "job"]


def _leaf(node, kind):
    return next((child for child in node.children if child.data is not None and child.data.kind == kind), None)


def _tree_app(make_app, tmp_path):
    """The app on a generated execution whose root job has CHILDREN children."""
    make_long_lists_db(tmp_path / "tree.db", executions=10, tasks=0, files=0, children=CHILDREN)
    return make_app("tree.db", f"executions/{BIG_EXECUTION}")


async def _focused_tree(app, pilot, settle):
    """(the job tree, focused; its top job) once the screen has loaded."""
    await settle(pilot)
    tree = app.screen.query_one(JobTree)
    tree.focus()
    return tree, tree.root.children[0]


async def test_more_and_earlier_keep_a_bounded_window(make_app, settle, tmp_path):
    app = _tree_app(make_app, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        tree, top = await _focused_tree(app, pilot, settle)
        top.expand()
        await settle(pilot)
        assert len(_kids(top)) == 200
        for _ in range(10):  # pages 2..11: rows 0-2,199 read, the window keeps the last 1,000
            tree.move_cursor(_leaf(top, "more"))
            await pilot.press("enter")
            await settle(pilot)
            assert len(_kids(top)) <= WINDOW_CHILDREN
        ids = [child.data.job.id for child in _kids(top)]
        assert ids == [child_id(n) for n in range(1_200, 2_200)]
        assert str(_leaf(top, "earlier").label) == "… 1,200 earlier (Enter loads)"
        assert str(_leaf(top, "more").label) == f"… more (1,201–2,200 shown of {CHILDREN:,}; Enter loads)"
        assert tree.cursor_node.data.job.id == child_id(2_000)  # the first row of the last page read

        # Up to "… earlier" by keys: it sits right under the top job.
        await pilot.press("home", "down")
        assert tree.cursor_node.data.kind == "earlier"
        await pilot.press("enter")
        await settle(pilot)
        ids = [child.data.job.id for child in _kids(top)]
        assert ids == [child_id(n) for n in range(1_000, 2_000)]
        assert tree.cursor_node.data.job.id == child_id(1_199)  # the row just above where we were
        assert str(_leaf(top, "earlier").label) == "… 1,000 earlier (Enter loads)"
        assert str(_leaf(top, "more").label) == f"… more (1,001–2,000 shown of {CHILDREN:,}; Enter loads)"


async def test_live_refresh_adds_a_new_child_and_keeps_the_loaded_ones(make_app, settle, tmp_path):
    """A child redun starts while the tree is shown appears under its parent (once)."""
    import sqlite3
    from datetime import timedelta

    killed = "77fee8b0-983a-4c01-88f2-36c9a2e3f3cb"  # failures.db: left RUNNING
    app = make_app("failures.db", f"executions/{killed}", live_interval=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(JobTree)
        top = tree.root.children[0]
        top.expand()
        await settle(pilot)
        before = [child.data.job.id for child in _kids(top)]
        latest = max(child.data.job.start_time for child in _kids(top))
        start = (latest.replace(tzinfo=None) + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
        with sqlite3.connect(tmp_path / "failures.db") as connection:
            connection.execute(
                "INSERT INTO job (id, start_time, end_time, task_hash, cached, call_hash, parent_id, execution_id) "
                "SELECT 'newchild-0000-4000-8000-000000000000', ?, NULL, task_hash, 0, NULL, id, execution_id "
                "FROM job WHERE id = ?", (start, top.data.job.id))
        for _ in range(60):
            await pilot.pause(0.05)
            if any(child.data.job.id.startswith("newchild") for child in _kids(top)):
                break
        await settle(pilot)
        ids = [child.data.job.id for child in _kids(top)]
        assert ids[: len(before)] == before
        assert ids[len(before):] == ["newchild-0000-4000-8000-000000000000"]


async def test_G_reads_the_last_page_of_the_last_expanded_parent(make_app, settle, tmp_path):
    """G lands on the tree's real last row: the last child of the last expanded parent, read
    with the store's backward cursor when the loaded window stops short of the list's end."""
    app = _tree_app(make_app, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        tree, top = await _focused_tree(app, pilot, settle)
        await pilot.press("G")  # nothing expanded: the top job is the last row
        await settle(pilot)
        assert tree.cursor_node is top
        top.expand()
        await settle(pilot)
        assert len(_kids(top)) == 200 and _leaf(top, "more") is not None
        await pilot.press("G")
        await settle(pilot)
        assert tree.cursor_node.data.job.id == child_id(CHILDREN - 1)
        assert tree.cursor_line == tree.last_line
        ids = [child.data.job.id for child in _kids(top)]
        assert ids == [child_id(n) for n in range(CHILDREN - 200, CHILDREN)]  # the window is the last page
        assert _leaf(top, "more") is None
        assert str(_leaf(top, "earlier").label) == f"… {CHILDREN - 200:,} earlier (Enter loads)"
        await pilot.press("G")  # already there: nothing read, nothing moves
        await settle(pilot)
        assert tree.cursor_node.data.job.id == child_id(CHILDREN - 1)

        # "… earlier" reads the page before (backward), the window grows upwards.
        await pilot.press("home", "down")
        assert tree.cursor_node.data.kind == "earlier"
        await pilot.press("enter")
        await settle(pilot)
        ids = [child.data.job.id for child in _kids(top)]
        assert ids == [child_id(n) for n in range(CHILDREN - 400, CHILDREN)]
        assert str(_leaf(top, "earlier").label) == f"… {CHILDREN - 400:,} earlier (Enter loads)"
        await pilot.press("g")
        assert tree.cursor_node is top
        await pilot.press("G")
        await settle(pilot)
        assert tree.cursor_node.data.job.id == child_id(CHILDREN - 1)
