"""The job tree's memory as a user loads more and more of it (issue 16, measure only).

The tree (a Textual ``Tree``) loads a parent's children a page (200) at a time, one page per
Enter on its "… more" row, and keeps every node it has loaded. This script opens the largest
execution headless, expands its root job and presses Enter on "… more" until ``--nodes``
children are loaded (or all of them), printing after every 5,000 nodes: the process's RSS, the
CPU and wall time of the last page (Enter to its rows in the tree) and of one cursor key
(``up``) and of a move to the last loaded row (Tree's own ``scroll_end``) in the grown tree.
With the bounded window (``WINDOW_CHILDREN``) the tree holds at most 1,000 of the children read.
Last, ``G``: the root job's real last child (its list's last page read in place of the window).

    .venv/bin/python benchmarks/tree_bench.py /tmp/bench_L.db --nodes 25000
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import time
from pathlib import Path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main(db: str, nodes: int) -> None:
    from redun_tui.db.backend import open_backend
    from redun_tui.store.facade import Store
    from redun_tui.tui.app import RedunTuiApp
    from redun_tui.tui.widgets.job_tree import JobTree

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    big = con.execute("SELECT execution_id FROM job GROUP BY execution_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    con.close()
    app = RedunTuiApp(Store(open_backend(db)), f"executions/{big}", live_interval=0.0)
    async with app.run_test(size=(120, 40)) as pilot:

        async def until(condition, timeout: float = 120.0) -> None:
            deadline = time.monotonic() + timeout
            while not condition() and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            await pilot.pause()

        tree = app.screen.query_one(JobTree)
        await until(lambda: tree.root.children and tree.root.children[0].data.job is not None)
        top = tree.root.children[0]
        top.expand()
        def read() -> int:
            """Children read so far: the end of the loaded window (all loaded rows when unbounded)."""
            pages = top.data.extra.get("pages")
            if pages:
                return pages[-1][1].offset + len(pages[-1][1].items)
            return sum(1 for child in top.children if child.data and child.data.kind == "job")

        def loading() -> bool:
            return any(child.data and child.data.kind == "loading" for child in top.children)

        jobs = lambda: sum(1 for child in top.children if child.data and child.data.kind == "job")  # noqa: E731
        await until(lambda: jobs() > 0)
        print(f"RSS with the first page of the root's children: {rss_mb():.0f} MB", flush=True)
        reported = 0
        while read() < nodes:
            more = [child for child in top.children if child.data and child.data.kind == "more"]
            if not more:
                break
            before = read()
            tree.move_cursor(more[0])
            wall, cpu = time.perf_counter(), time.process_time()
            await pilot.press("enter")
            await until(lambda: read() > before and not loading())
            page_wall, page_cpu = time.perf_counter() - wall, time.process_time() - cpu
            if read() - reported >= 5_000 or read() >= nodes:
                reported = read()
                wall, cpu = time.perf_counter(), time.process_time()
                await pilot.press("up")
                await pilot.pause()
                key_wall, key_cpu = time.perf_counter() - wall, time.process_time() - cpu
                wall, cpu = time.perf_counter(), time.process_time()
                tree.action_scroll_end()
                await pilot.pause()
                end_wall, end_cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(f"{read():>7,} read, {jobs():,} nodes: RSS {rss_mb():.0f} MB; last page {page_wall:.3f} s wall / {page_cpu:.3f} "
                      f"CPU; up {key_wall:.3f} / {key_cpu:.3f}; last loaded row {end_wall:.3f} / {end_cpu:.3f}", flush=True)

        def at_end() -> bool:
            pages = top.data.extra.get("pages") or []
            node = tree.cursor_node
            return (not loading() and bool(pages) and pages[-1][1].next_cursor is None and node is not None
                    and node is top.children[-1] and node.data.job is not None)

        wall, cpu = time.perf_counter(), time.process_time()
        await pilot.press("G")
        await until(at_end)
        print(f"G to the last of {top.data.job.child_count:,} children: {time.perf_counter() - wall:.3f} s wall / "
              f"{time.process_time() - cpu:.3f} CPU, {jobs():,} nodes, RSS {rss_mb():.0f} MB", flush=True)
        app.exit()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database")
    parser.add_argument("--nodes", type=int, default=25_000)
    args = parser.parse_args()
    asyncio.run(main(args.database, args.nodes))
