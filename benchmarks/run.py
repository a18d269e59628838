"""Measure redun-tui on generated databases, against the floor, in fresh processes.

    python benchmarks/make_db.py L /tmp/bench_L.db
    python benchmarks/run.py /tmp/bench_S.db /tmp/bench_M.db /tmp/bench_L.db [--runs 5]

For each database and scenario a fresh Python process runs the real entry point
(``redun_tui.cli.main``: click, opening the database, resolving the route, the app) with the app
headless at 120x40, and reports when the screen has painted its data; the median of ``--runs``
is shown, with the process's CPU time at that moment and its peak RSS. Scenarios: the executions
list at launch; the largest execution (first page of its job tree and its status counts, from
the screen opening); a job screen; the deep value's dataflow pane; the first page of a status
and of a task-name search over all jobs (from the search screen opening); the downstream screen
of the shared reference File (thousands of consuming calls, capped at 5,000) and of the seed of
the 600-step chain (walked to the end); and the CLI ``dataflow``, ``downstream`` and ``query``
commands end to end.

The floor, measured in the same run: an empty Textual app's first frame (the cost of Python and
Textual alone); the executions page painted by a Textual app that reads it with the stdlib sqlite3
driver (the floor of "from launch"); and the raw SQL each screen needs, written as well as SQLite
allows (timed in-process on a warm connection: the time no implementation can beat).

Bytecode: children run with ``PYTHONDONTWRITEBYTECODE`` removed and a private
``PYTHONPYCACHEPREFIX``, as an installed package (pip writes ``.pyc`` files) starts; one warm-up
run per scenario fills that cache and the OS page cache before the timed runs. Not part of the
test suite.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

# The child imports nothing else here: what a scenario imports counts in its time. The parent's
# modules (argparse, sqlite3, statistics, subprocess, ...) are imported where they are used.

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
PYTHON = sys.executable
SIZE = (120, 40)
PYCACHE_NAME = "redun-tui-bench-pycache"  # under the temporary directory

# Targets of issues 6 and 11 (seconds; "rss" in MB), checked in the table's last column.
TARGETS = {
    "executions": 0.30,
    "execution": 0.5,
    "execution_counts": 1.5,
    "job": 0.15,
    "dataflow": 0.5,
    "search_status": 0.5,
    "search_task": 0.5,
    "search_text": 1.2,  # issue 10: a bare word also matches command lines and tag values
    "cli_dataflow": 0.8,
    "cli_help": 0.15,
    "diff": 1.5,  # issue 12: two 100,000-job executions at L
    "cli_diff": 6.0,  # issue 12, with 300 MB of RSS
    "downstream_first": 0.5,  # issue 14, at L: a file read by 2,000+ calls, first screen
    "downstream_chain": 1.0,  # issue 14, at L: a 600-step chain walked to the end
    "rss": 200.0,
    # Issue 13 (the timeline of the 100,000-job execution at L).
    "timeline": 1.0,
    "timeline_stats": 1.0,
    "timeline_path": 0.5,
}
TIMELINE_RSS = 150.0  # MB, the timeline scenarios' own RSS target
FLOOR_RATIO = 1.4  # the executions list: at most this times the Textual + sqlite3 page floor
# A bare search word found in a few command lines of the generated databases (a sample name):
# most executions do not match, so the newest ones cannot answer and every one is tested.
TEXT_WORD = "sample1071"


# -- the child side: one scenario in a fresh process ------------------------------------------

def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _mark(name: str) -> None:
    print(json.dumps({"mark": name, "t": time.time(), "cpu": _cpu()}), flush=True)


def _done() -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"mark": "done", "t": time.time(), "rss_mb": round(rss, 1)}), flush=True)


def _child(scenario: str, db: str, route: str, steps: str = "") -> None:
    """Runs one scenario; prints JSON marks: "opened" (the screen mounted) and "ready"/"counts"."""
    from textual.app import App

    if scenario == "floor_app":

        class Empty(App[None]):
            def on_mount(self) -> None:
                self.call_after_refresh(lambda: (_mark("ready"), self.exit()))

        Empty().run(headless=True, size=SIZE)
        _done()
        return

    if scenario == "floor_list":
        # The executions page with nothing but Textual and the stdlib sqlite3 driver: the floor
        # of "executions list from launch", end to end in one process.
        import sqlite3 as driver

        from rich.text import Text
        from textual.widgets import Static

        class FirstPage(App[None]):
            def compose(self):
                yield Static()

            def on_mount(self) -> None:
                con = driver.connect(f"file:{db}?mode=ro", uri=True)
                rows = [row for sql in FLOOR_SQL["executions"][0][:1] for row in con.execute(sql).fetchall()]
                con.close()
                lines = [
                    f"{eid[:8]}  {'FAILED' if vtype == 'redun.ErrorValue' else 'DONE' if end else 'RUNNING':8} "
                    f"{(namespace + '.' if namespace else '') + (name or ''):24} {start}"
                    for eid, _args, start, end, namespace, name, vtype in rows[: SIZE[1] - 2]
                ]
                self.query_one(Static).update(Text("\n".join(lines)))
                self.call_after_refresh(lambda: (_mark("ready"), self.exit()))

        FirstPage().run(headless=True, size=SIZE)
        _done()
        return

    if scenario == "keys":
        _trace(os.environ.get("REDUN_TUI_BENCH_TRACE", ""))
        _keys_child(db, route, json.loads(steps or "[]"))
        return

    marks: set[str] = set()
    wanted = {"counts", "ready", "children"} if scenario == "execution" else {"ready"}
    if scenario == "timeline":
        wanted = {"ready", "path", "stats"}
    if scenario == "downstream":
        wanted = {"ready", "impact"}
    apps: list[App] = []

    def once(name: str) -> None:
        """Marks ``name`` after the next refresh (the data painted), then exits when all are in."""
        if name in marks:
            return
        marks.add(name)
        app = apps[0]

        def painted() -> None:
            _mark(name)
            if wanted <= marks:
                app.exit()

        app.call_after_refresh(painted)

    def wrap(cls: type, method: str, name: str, when=lambda widget: True) -> None:
        original = getattr(cls, method)

        def wrapper(self, *args, **kwargs):
            result = original(self, *args, **kwargs)
            if when(self):
                once(name)
            return result

        setattr(cls, method, wrapper)

    def wrap_mount(cls: type) -> None:
        original = cls.on_mount

        def on_mount(self):
            _mark("opened")
            return original(self)

        cls.on_mount = on_mount

    # Only the classes the scenario's screen imports anyway are imported here.
    # Lists: the first page's answer handled (PagedList.set_page also runs on clear(), empty).
    if scenario == "executions":
        from redun_tui.tui.screens.executions import ExecutionsScreen
        from redun_tui.tui.screens.list_screen import ListScreen

        wrap(ListScreen, "on_list_screen_page_loaded", "ready", lambda screen: isinstance(screen, ExecutionsScreen))
    elif scenario == "search":
        from redun_tui.tui.screens.list_screen import ListScreen
        from redun_tui.tui.screens.search import SearchScreen

        wrap_mount(SearchScreen)
        wrap(ListScreen, "on_list_screen_page_loaded", "ready", lambda screen: isinstance(screen, SearchScreen))
    elif scenario == "execution":
        from redun_tui.tui.screens.execution import ExecutionScreen
        from redun_tui.tui.widgets.job_tree import JobTree

        wrap_mount(ExecutionScreen)
        wrap(ExecutionScreen, "on_execution_screen_counts_loaded", "counts")
        original_add_page = JobTree.add_page

        def add_page(tree, node, page, generation):
            # The top page (the root job), then the root job expanded: its first page of
            # children (25,000 at L) is what a user reads first.
            result = original_add_page(tree, node, page, generation)
            if node is tree.root and "ready" not in marks:
                once("ready")
                if tree.root.children:
                    _mark("expand")
                    tree.root.children[0].expand()
            elif node is not tree.root:
                once("children")
            return result

        JobTree.add_page = add_page
    elif scenario == "timeline":
        from redun_tui.tui.screens.timeline import TimelineScreen
        from redun_tui.tui.widgets.timeline import Timeline

        wrap_mount(TimelineScreen)
        # First screen: the root's children painted (the root alone is expanded at once).
        wrap(Timeline, "add_page", "ready", lambda timeline: any(row.depth for row in timeline.rows))
        wrap(TimelineScreen, "on_timeline_screen_path_loaded", "path")
        wrap(TimelineScreen, "on_timeline_screen_stats_loaded", "stats")
    elif scenario == "job":
        from redun_tui.tui.screens.job import JobScreen

        wrap_mount(JobScreen)
        wrap(JobScreen, "show_record", "ready")
    elif scenario == "diff":
        from redun_tui.tui.screens.diff import DiffScreen

        wrap_mount(DiffScreen)
        wrap(DiffScreen, "_loaded", "ready")
    elif scenario == "dataflow":
        from redun_tui.tui.screens.dataflow import DataflowScreen

        wrap_mount(DataflowScreen)
        wrap(DataflowScreen, "on_dataflow_screen_dataflow_loaded", "ready")
    elif scenario == "downstream":
        from redun_tui.tui.screens.downstream import DownstreamScreen

        wrap_mount(DownstreamScreen)
        wrap(DownstreamScreen, "on_downstream_screen_downstream_loaded", "ready")
        if hasattr(DownstreamScreen, "on_downstream_screen_impact_loaded"):  # read after the tree since issue 14's round 3
            wrap(DownstreamScreen, "on_downstream_screen_impact_loaded", "impact")
        else:  # one read: the impact list came with the tree
            wrap(DownstreamScreen, "on_downstream_screen_downstream_loaded", "impact")

    _trace(os.environ.get("REDUN_TUI_BENCH_TRACE", ""))
    _run_app(db, route, apps)


def _run_app(db: str, route: str, apps: list, auto_pilot=None) -> None:
    """Runs the real entry point with the app headless at SIZE (``apps`` receives the app)."""
    from textual.app import App

    from redun_tui.tui.app import RedunTuiApp

    original_init = RedunTuiApp.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        apps.append(self)

    def run(self, *args, **kwargs):
        return App.run(self, headless=True, size=SIZE, auto_pilot=auto_pilot)

    RedunTuiApp.__init__ = init
    RedunTuiApp.run = run

    from redun_tui.cli import main

    try:
        main([db, route])
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    _done()


def _keys_child(db: str, route: str, steps: list[list]) -> None:
    """Drives the real app with keys and marks when the focused list shows what a step waits for.

    Steps: ``["key", k, ...]`` presses keys; ``["wait", what]`` waits until the focused list has
    its first page (``"first"``), has the row ``"id:<id>"`` under its cursor, or has no page on
    its way with its cursor row loaded (``"settled"``); ``["mark", name]`` prints a mark (time,
    CPU, current RSS) after the next refresh; ``["call", "go_to_row", n]`` calls the list's
    method; ``["sample", name, seconds]`` samples RSS every ``seconds`` until the step after it
    (a soak; ``["sleep", seconds]`` then waits that long).
    """
    import asyncio

    from textual import events
    from textual.pilot import Pilot

    from redun_tui.tui.screens.search import SearchScreen
    from redun_tui.tui.widgets.paged_list import PagedList

    original_mount = SearchScreen.on_mount

    def on_mount(self):
        _mark_rss("opened")
        return original_mount(self)

    SearchScreen.on_mount = on_mount

    async def drive(pilot: Pilot) -> None:
        app = pilot.app

        def listing() -> PagedList | None:
            focused = app.focused
            if isinstance(focused, PagedList):
                return focused
            shown = [w for w in app.screen.query(PagedList) if w.display]
            return shown[0] if shown else None

        def ready(what: str) -> bool:
            widget = listing()
            if widget is None or not widget.loaded_once or not widget.items:
                return False
            if what == "first":
                return True
            item = widget.current_item
            if what.startswith("id:"):
                return item is not None and (getattr(item, "id", None) or getattr(item, "value_hash", None)) == what[3:]
            return item is not None and widget._requested is None

        for step in steps:
            if step[0] == "key":
                # As a terminal delivers them: events posted to the app, no waiting in between.
                for key in step[1:]:
                    app.post_message(events.Key(key, key if len(key) == 1 else None))
                await asyncio.sleep(0)
            elif step[0] == "wait":
                deadline = time.time() + 300
                while not ready(step[1]) and time.time() < deadline:
                    await asyncio.sleep(0.005)
                if not ready(step[1]):
                    print(json.dumps({"mark": "timeout " + step[1], "t": time.time(), "cpu": _cpu()}), flush=True)
                    app.exit()
                    return
            elif step[0] == "mark":
                await pilot.pause()
                _mark_rss(step[1])
            elif step[0] == "call":
                getattr(listing(), step[1])(*step[2:])
            elif step[0] == "sleep":
                await asyncio.sleep(step[1])
            elif step[0] == "route":
                app.navigate(step[1])
            elif step[0] == "tree_levels":
                # Expands every loaded node of the job tree, one level at a time (each level's
                # first pages of children; "more" rows are not followed).
                from redun_tui.tui.widgets.job_tree import JobTree

                tree = app.screen.query_one(JobTree)
                level = [tree.root]
                for _ in range(step[1]):
                    for node in level:
                        if node.allow_expand and not node.is_expanded:
                            node.expand()
                    await asyncio.sleep(3)
                    await pilot.pause()
                    level = [child for node in level for child in node.children]
                _mark_rss("tree nodes %d" % len(level))
            elif step[0] == "dump":  # the focused list's state, for debugging a scenario
                widget = listing()
                print(json.dumps({"dump": {name: repr(getattr(widget, name, None))[:120] for name in (
                    "cursor", "start", "total", "seekable", "_requested", "next_cursor", "prev_cursor")}
                    | {"rows": len(widget.items), "focused": repr(app.focused)}}), flush=True)
            elif step[0] == "sample":
                name, every = step[1], step[2]

                async def sample() -> None:
                    while True:
                        _mark_rss(name)
                        await asyncio.sleep(every)

                app.run_worker(sample(), exclusive=False)
        app.exit()

    _run_app(db, route, [], auto_pilot=drive)


def _mark_rss(name: str) -> None:
    """A mark with the process's current and peak RSS (MB)."""
    current = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mark": name, "t": time.time(), "cpu": _cpu(), "rss": round(current, 1), "peak": round(peak, 1)}),
          flush=True)


def _trace(spec: str) -> None:
    """Prints when each listed callable starts and ends (``module:Class.method,...``), for profiles."""
    import functools
    import importlib
    import threading

    for item in filter(None, spec.split(",")):
        module_name, _, qualname = item.partition(":")
        owner = importlib.import_module(module_name)
        *path, attr = qualname.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, attr)

        def traced(*args, __original=original, __name=item, **kwargs):
            thread = threading.current_thread().name
            print(json.dumps({"trace": __name, "event": "enter", "thread": thread, "t": time.time(),
                              "cpu": time.process_time(), "thread_cpu": time.thread_time()}), flush=True)
            try:
                return __original(*args, **kwargs)
            finally:
                print(json.dumps({"trace": __name, "event": "exit", "thread": thread, "t": time.time(),
                                  "cpu": time.process_time(), "thread_cpu": time.thread_time()}), flush=True)

        setattr(owner, attr, functools.wraps(original)(traced))


# -- the parent side ---------------------------------------------------------------------------

def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    import tempfile

    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / PYCACHE_NAME)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def _spawn(args: list[str]) -> dict:
    """Runs a child scenario; returns {mark: seconds since spawn, mark_cpu: CPU seconds, 'rss_mb': …}."""
    import subprocess

    start = time.time()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, env=_env())
    result: dict = {"wall": time.time() - start}
    for line in proc.stdout.splitlines():
        if line.startswith('{"mark"'):
            mark = json.loads(line)
            result[mark["mark"]] = mark["t"] - start
            if "cpu" in mark:
                result[mark["mark"] + "_cpu"] = mark["cpu"]
            if "rss_mb" in mark:
                result["rss_mb"] = mark["rss_mb"]
    if proc.returncode != 0:
        result["error"] = (proc.stderr.strip().splitlines() or ["?"])[-1]
    return result


def _spawn_cli(args: list[str]) -> dict:
    """Runs a CLI command end to end under /usr/bin/time (wall, CPU and peak RSS)."""
    import subprocess

    start = time.time()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M", *args], capture_output=True, text=True, timeout=300, env=_env()
    )
    wall = time.time() - start
    user, system, rss = proc.stderr.strip().splitlines()[-1].split()
    out = {"ready": wall, "ready_cpu": float(user) + float(system), "rss_mb": round(int(rss) / 1024, 1)}
    if proc.returncode != 0:
        out["error"] = proc.stderr.strip().splitlines()[0]
    return out


def _targets(db: str) -> dict[str, str]:
    """The ids the scenarios open, found with plain SQL."""
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    big = con.execute("SELECT execution_id FROM job GROUP BY execution_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    deep_exec = con.execute(
        "SELECT entity_id FROM tag WHERE key = 'benchmark' AND value = '\"deep\"'"
    ).fetchone()[0]
    deep_value = con.execute(
        "SELECT c.value_hash FROM execution e JOIN job j ON j.id = e.job_id JOIN call_node c ON c.call_hash = j.call_hash WHERE e.id = ?",
        (deep_exec,),
    ).fetchone()[0]
    job = con.execute(
        "SELECT id FROM job WHERE execution_id = ? AND parent_id IS NOT NULL AND call_hash IS NOT NULL LIMIT 1", (big,)
    ).fetchone()[0]
    # Downstream: the shared reference (read by every align/call_variants/process_sample/main
    # call: thousands) and the seed of the 600-step chain.
    ref = con.execute(
        "SELECT f.value_hash FROM file f JOIN argument a ON a.value_hash = f.value_hash WHERE f.path = 'ref/genome.fa' "
        "GROUP BY f.value_hash ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    chain_seed = con.execute("SELECT value_hash FROM file WHERE path = 'deep/seed.txt' LIMIT 1").fetchone()[0]
    # The File read by 2,000 calls that `make_db.py --add-wide` adds (when it was added).
    wide = con.execute("SELECT value_hash FROM file WHERE path = 'wide/panel.bed' LIMIT 1").fetchone()
    # The diff scenarios: the two largest executions (A the smaller of them).
    diff_b, diff_a = (row[0] for row in con.execute(
        "SELECT execution_id FROM job GROUP BY execution_id ORDER BY count(*) DESC LIMIT 2"))
    con.close()
    return {"big": big, "deep_value": deep_value, "job": job, "ref": ref, "chain_seed": chain_seed,
            "diff_a": diff_a, "diff_b": diff_b, "wide": wide[0] if wide else ref, "has_wide": bool(wide)}


# The SQL each screen needs, as fast as SQLite runs it on redun's schema and indexes (checked with
# EXPLAIN QUERY PLAN at L). Each entry lists alternative plans (the fastest counts), each plan a
# list of statements run in sequence.
FAILED_CALLS = (
    "SELECT c.call_hash FROM value v JOIN call_node c ON c.value_hash = v.value_hash "
    "WHERE v.type = 'redun.ErrorValue'"
)
FLOOR_SQL: dict[str, list[list[str]]] = {
    # A page of executions newest first: root jobs walked down the start-time index (CROSS JOIN
    # keeps job outermost), each looked up in execution by job_id; then the page's tags.
    "executions": [[
        "SELECT e.id, e.args, j.start_time, j.end_time, t.namespace, t.name, v.type FROM job j "
        "CROSS JOIN execution e ON e.job_id = j.id LEFT JOIN task t ON t.hash = j.task_hash "
        "LEFT JOIN call_node c ON c.call_hash = j.call_hash LEFT JOIN value v ON v.value_hash = c.value_hash "
        "ORDER BY j.start_time DESC LIMIT 200",
        "SELECT entity_id, key, value FROM tag WHERE entity_id IN (SELECT e.id FROM job j CROSS JOIN execution e "
        "ON e.job_id = j.id ORDER BY j.start_time DESC LIMIT 200)",
    ]],
    # The root job, then the first page of its children (by the parent index).
    "execution": [[
        "SELECT j.* FROM execution e JOIN job j ON j.id = e.job_id WHERE e.id = :big",
        "SELECT j.id, j.start_time, j.end_time, j.cached, t.name FROM job j LEFT JOIN task t ON t.hash = j.task_hash "
        "WHERE j.parent_id = (SELECT job_id FROM execution WHERE id = :big) ORDER BY j.start_time LIMIT 200",
    ]],
    # The first page of the root job's children, each with its own child count.
    "execution_children": [[
        "SELECT j.id, j.start_time, j.end_time, j.cached, t.name, (SELECT count(*) FROM job k WHERE k.parent_id = j.id) "
        "FROM job j LEFT JOIN task t ON t.hash = j.task_hash "
        "WHERE j.parent_id = (SELECT job_id FROM execution WHERE id = :big) ORDER BY j.start_time, j.id LIMIT 200",
    ]],
    # One GROUP BY over the execution's jobs, FAILED as membership in the (small) failed-call set.
    "execution_counts": [[
        f"SELECT task_hash, CASE WHEN call_hash IN ({FAILED_CALLS}) THEN 'FAILED' WHEN end_time IS NULL THEN 'RUNNING' "
        "WHEN cached THEN 'CACHED' ELSE 'DONE' END AS status, count(*) FROM job WHERE execution_id = :big GROUP BY 1, 2",
    ]],
    # Task statistics: durations ranked per task by a window, percentiles picked in one GROUP BY.
    "timeline_stats": [[
        "WITH d AS (SELECT task_hash, (julianday(end_time) - julianday(start_time)) * 86400 AS dur FROM job "
        "WHERE execution_id = :big), r AS (SELECT task_hash, dur, ROW_NUMBER() OVER (PARTITION BY task_hash "
        "ORDER BY dur IS NULL, dur) AS rn, count(dur) OVER (PARTITION BY task_hash) AS n FROM d) "
        "SELECT task_hash, count(*), sum(dur), max(CASE WHEN rn = (50 * n + 99) / 100 THEN dur END), "
        "max(CASE WHEN rn = (95 * n + 99) / 100 THEN dur END), max(dur) FROM r GROUP BY task_hash",
    ]],
    # The critical path's first two levels: the root, its latest-ending child.
    "timeline_path": [[
        "SELECT j.* FROM execution e JOIN job j ON j.id = e.job_id WHERE e.id = :big",
        "SELECT id FROM job WHERE parent_id = (SELECT job_id FROM execution WHERE id = :big) "
        "ORDER BY end_time DESC, start_time DESC, id LIMIT 1",
    ]],
    # The job with its call node, task and result; its arguments; its children's first page.
    "job": [[
        "SELECT * FROM job j LEFT JOIN call_node c ON c.call_hash = j.call_hash LEFT JOIN task t ON t.hash = j.task_hash "
        "LEFT JOIN value v ON v.value_hash = c.value_hash WHERE j.id = :job",
        "SELECT a.*, v.type, v.format, length(v.value) FROM job j JOIN argument a ON a.call_hash = j.call_hash "
        "JOIN value v ON v.value_hash = a.value_hash WHERE j.id = :job",
        "SELECT id FROM job WHERE parent_id = :job ORDER BY start_time LIMIT 200",
    ]],
    # A diff: every job of both executions with its call node, task and result type.
    "diff": [[
        "SELECT j.id, j.parent_id, j.task_hash, j.call_hash, j.start_time, j.end_time, j.cached, t.namespace, t.name, "
        "c.args_hash, c.value_hash, v.type FROM job j LEFT JOIN task t ON t.hash = j.task_hash "
        "LEFT JOIN call_node c ON c.call_hash = j.call_hash LEFT JOIN value v ON v.value_hash = c.value_hash "
        f"WHERE j.execution_id = {side}" for side in (":diff_a", ":diff_b")
    ]],
    # The upstream call nodes of the deep value (its whole closure, one recursive query).
    "dataflow": [[
        "WITH RECURSIVE up(h) AS (SELECT c.call_hash FROM call_node c WHERE c.value_hash = :deep_value "
        "UNION SELECT ar.result_call_hash FROM up JOIN argument a ON a.call_hash = up.h "
        "JOIN argument_result ar ON ar.arg_hash = a.arg_hash) "
        "SELECT c.*, a.* FROM up JOIN call_node c ON c.call_hash = up.h LEFT JOIN argument a ON a.call_hash = c.call_hash",
    ]],
    # Downstream of the reference: its consuming calls (the first level; the screen caps the
    # list at 5,000 calls). Of the chain's seed: the whole forward closure, one recursive query.
    "downstream_ref": [[
        "SELECT a.call_hash, c.value_hash FROM argument a JOIN call_node c ON c.call_hash = a.call_hash "
        "WHERE a.value_hash = :ref LIMIT 5001",
    ]],
    "downstream_wide": [[
        "SELECT a.call_hash, c.value_hash FROM argument a JOIN call_node c ON c.call_hash = a.call_hash "
        "WHERE a.value_hash = :wide LIMIT 5001",
    ]],
    "downstream_chain": [[
        "WITH RECURSIVE down(v) AS (SELECT :chain_seed UNION SELECT c.value_hash FROM down "
        "JOIN argument a ON a.value_hash = down.v JOIN call_node c ON c.call_hash = a.call_hash) "
        "SELECT count(*) FROM down",
    ]],
    # The newest failed jobs: either every failed call's jobs sorted, or the newest jobs walked
    # down the start-time index until a page of them is failed.
    "search_status": [
        [f"SELECT j.id, j.start_time FROM job j WHERE j.call_hash IN ({FAILED_CALLS}) ORDER BY j.start_time DESC LIMIT 200"],
        [f"SELECT j.id, j.start_time FROM job j INDEXED BY ix_job_start_time WHERE j.call_hash IN ({FAILED_CALLS}) "
         "ORDER BY j.start_time DESC LIMIT 200"],
    ],
    # The newest jobs of task name 'qc', the same two ways.
    "search_task": [
        ["SELECT j.id, j.start_time FROM job j WHERE j.task_hash IN (SELECT hash FROM task WHERE name = 'qc') "
         "ORDER BY j.start_time DESC LIMIT 200"],
        ["SELECT j.id, j.start_time FROM job j INDEXED BY ix_job_start_time "
         "WHERE j.task_hash IN (SELECT hash FROM task WHERE name = 'qc') ORDER BY j.start_time DESC LIMIT 200"],
    ],
    # A bare word: the command lines and current tag values that contain it (one scan each).
    "search_text": [[
        f"SELECT e.id FROM execution e WHERE e.args LIKE '%{TEXT_WORD}%' "
        f"OR e.id IN (SELECT entity_id FROM tag WHERE is_current AND value LIKE '%{TEXT_WORD}%')",
    ]],
}


def _floor_sql(db: str, targets: dict, runs: int, table: dict[str, list[list[str]]] | None = None) -> dict[str, float]:
    """Time of each screen's raw SQL (the fastest plan's median), in-process on a warm connection."""
    import sqlite3
    import statistics

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    floors = {}
    for name, plans in (FLOOR_SQL if table is None else table).items():
        medians = []
        for statements in plans:
            samples = []
            for attempt in range(runs + 1):  # the first one warms the page cache
                start = time.perf_counter()
                for sql in statements:
                    con.execute(sql, targets).fetchall()
                if attempt:
                    samples.append(time.perf_counter() - start)
            medians.append(statistics.median(samples))
        floors[name] = min(medians)
    con.close()
    return floors


def measure(db: str, runs: int, warmup: int, only: str | None = None) -> list[dict]:
    """Rows of the table for one database (``only``: the scenarios whose label contains it, and the floors)."""
    import statistics

    from redun_tui.store import routes

    targets = _targets(db)
    child = [PYTHON, str(HERE), "--child"]
    # (label, command, mark, measured from "opened" or from launch, floor key, target key)
    scenarios = [
        ("floor: empty Textual app", child + ["floor_app", db, ""], "ready", False, None, None),
        ("floor: Textual + sqlite3 executions page", child + ["floor_list", db, ""], "ready", False, None, None),
        ("executions list (from launch)", child + ["executions", db, "executions"], "ready", False, "executions", "executions"),
        ("execution: first jobs (after open)", child + ["execution", db, f"executions/{targets['big']}"], "ready", True,
         "execution", "execution"),
        ("execution: status counts (after open)", child + ["execution", db, f"executions/{targets['big']}"], "counts", True,
         "execution_counts", "execution_counts"),
        ("execution: root job's children, first page (after expand)", child + ["execution", db, f"executions/{targets['big']}"],
         "children", "expand", "execution_children", "execution"),
        ("job screen (after open)", child + ["job", db, f"jobs/{targets['job']}"], "ready", True, "job", "job"),
        ("deep dataflow pane (after open)", child + ["dataflow", db, f"dataflow/{targets['deep_value']}"], "ready", True,
         "dataflow", "dataflow"),
        ("downstream of the shared reference (after open)", child + ["downstream", db, f"downstream/{targets['ref']}"],
         "ready", True, "downstream_ref", "downstream_first"),
        ("downstream of the shared reference: impact list (after open)",
         child + ["downstream", db, f"downstream/{targets['ref']}"], "impact", True, "downstream_ref", None),
        ("downstream of a file read by 2,000 calls: impact list (after open)",
         child + ["downstream", db, f"downstream/{targets['wide']}"], "impact", True, "downstream_wide", None),
        ("downstream of a file read by 2,000 calls (after open)",
         child + ["downstream", db, f"downstream/{targets['wide']}"], "ready", True, "downstream_wide",
         "downstream_first"),
        ("downstream of the 600-step chain's seed (after open)",
         child + ["downstream", db, f"downstream/{targets['chain_seed']}"], "ready", True, "downstream_chain",
         "downstream_chain"),
        ("search status:failed (after open)", child + ["search", db, "search/status:failed"], "ready", True,
         "search_status", "search_status"),
        ("search task:qc (after open)", child + ["search", db, "search/task:qc"], "ready", True, "search_task", "search_task"),
        (f"search {TEXT_WORD} (after open)", child + ["search", db, f"search/{TEXT_WORD}"], "ready", True,
         "search_text", "search_text"),
        ("diff of the two largest executions (after open)",
         child + ["diff", db, f"diff/{targets['diff_a']}/{targets['diff_b']}"], "ready", True, "diff", "diff"),
        ("timeline: first screen (after open)", child + ["timeline", db, routes.timeline(targets["big"])], "ready", True,
         "execution", "timeline"),
        ("timeline: task statistics (after open)", child + ["timeline", db, routes.timeline(targets["big"])], "stats", True,
         "timeline_stats", "timeline_stats"),
        ("timeline: critical path (after open)", child + ["timeline", db, routes.timeline(targets["big"])], "path", True,
         "timeline_path", "timeline_path"),
    ]
    cli = [PYTHON, "-m", "redun_tui"]
    cli_scenarios = [
        ("CLI dataflow deep value", cli + ["dataflow", db, targets["deep_value"]], "dataflow", "cli_dataflow"),
        ("CLI downstream --json of the chain's seed", cli + ["downstream", db, targets["chain_seed"], "--json"],
         "downstream_chain", None),
        ("CLI query --status FAILED --limit 100", cli + ["query", db, "--status", "FAILED", "--limit", "100"],
         "search_status", None),
        ("CLI --help", [PYTHON, "-m", "redun_tui", "--help"], None, "cli_help"),
        ("CLI diff --json --all (two largest executions)",
         cli + ["diff", db, targets["diff_a"], targets["diff_b"], "--json", "--all"], "diff", "cli_diff"),
    ]
    if not targets["has_wide"]:  # a database without `make_db.py --add-wide`
        scenarios = [row for row in scenarios if row[4] != "downstream_wide"]
    if only:
        scenarios = [row for row in scenarios if row[4] is None or only in row[0]]
        cli_scenarios = [row for row in cli_scenarios if only in row[0]]
    floors = _floor_sql(db, targets, runs)
    rows = []
    floor_app = floor_list = floor_list_cpu = 0.0
    samples_by_command: dict[tuple, list[dict]] = {}

    def samples_of(args: list[str], spawn) -> list[dict]:
        key = tuple(args)
        if key not in samples_by_command:
            for _ in range(warmup):
                spawn(args)
            samples_by_command[key] = [spawn(args) for _ in range(runs)]
        return samples_by_command[key]

    for label, args, mark, after_open, floor_key, target_key in scenarios:
        samples = samples_of(args, _spawn)
        errors = [s["error"] for s in samples if "error" in s]
        origin = after_open if isinstance(after_open, str) else "opened" if after_open else None
        good = [s for s in samples if mark in s and (origin is None or origin in s)]
        if len(good) < len(samples) and not errors:
            errors = [f"{len(samples) - len(good)} of {len(samples)} runs without the '{mark}' mark"]
        good = good or [{}]
        seconds = statistics.median(s.get(mark, float("nan")) - (s.get(origin, 0.0) if origin else 0.0) for s in good)
        cpu = statistics.median(s.get(mark + "_cpu", float("nan")) - (s.get(origin + "_cpu", 0.0) if origin else 0.0)
                                for s in good)
        if floor_key is None:
            floor_app = floor_app or seconds  # the empty app (first row)
            floor = seconds
            floor_list = seconds  # the last floor row: Textual + sqlite3 page
            floor_list_cpu = cpu
        elif after_open:
            floor = floors[floor_key]
        else:
            floor = floor_list  # measured end to end: Textual, the driver and this SQL
        rows.append({
            "scenario": label, "seconds": seconds, "cpu": cpu, "floor": floor, "target": target_key,
            # From launch, CPU against the page floor's CPU: the ratio a loaded machine keeps.
            "floor_cpu": floor_list_cpu if not after_open else None,
            "rss_mb": max(s.get("rss_mb") or 0 for s in samples), "error": errors[0] if errors else "",
        })
    for label, args, floor_key, target_key in cli_scenarios:
        samples = samples_of(args, _spawn_cli)
        rows.append({
            "scenario": label,
            "seconds": statistics.median(s["ready"] for s in samples),
            "cpu": statistics.median(s["ready_cpu"] for s in samples),
            "floor": floors[floor_key] if floor_key else 0.0,
            "target": target_key,
            "rss_mb": max(s.get("rss_mb") or 0 for s in samples),
            "error": next((s["error"] for s in samples if "error" in s), ""),
        })
    return rows


def _verdict(row: dict, floor_list: float) -> str:
    target = TARGETS.get(row["target"] or "")
    misses = []
    cpu_only = False  # the wall time misses, the CPU time meets it: the machine was busy
    if target is not None and not row["seconds"] <= target:
        if row["cpu"] <= target:
            cpu_only = True
        else:
            misses.append(f"> {target:g} s")
    if row["target"] == "executions" and not row["seconds"] <= FLOOR_RATIO * floor_list:
        if row.get("floor_cpu") and row["cpu"] <= FLOOR_RATIO * row["floor_cpu"]:
            cpu_only = True
        else:
            misses.append(f"> {FLOOR_RATIO:g}x page floor")
    if row["rss_mb"] > TARGETS["rss"]:
        misses.append(f"RSS > {TARGETS['rss']:g} MB")
    elif (row["target"] or "").startswith("timeline") and row["rss_mb"] > TIMELINE_RSS:
        misses.append(f"RSS > {TIMELINE_RSS:g} MB")
    if row["error"]:
        misses.append("error")
    if target is None and not misses:
        return ""
    if misses:
        return "MISS " + ", ".join(misses)
    return f"ok on CPU (wall > {target:g} s)" if cpu_only else "ok"


def report(db: str, rows: list[dict]) -> str:
    """A Markdown table for one database."""
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    jobs = con.execute("SELECT count(*) FROM job").fetchone()[0]
    executions = con.execute("SELECT count(*) FROM execution").fetchone()[0]
    con.close()
    floor_list = rows[1]["seconds"] if len(rows) > 1 else rows[0]["seconds"]
    lines = [
        f"### {Path(db).name}: {executions:,} executions, {jobs:,} jobs",
        "",
        "| scenario | seconds | CPU s | floor (ms) | ratio | CPU ratio | peak RSS (MB) | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = row["seconds"] / row["floor"] if row["floor"] else float("nan")
        cpu_ratio = f"{row['cpu'] / row['floor_cpu']:.2f}x" if row.get("floor_cpu") else ""
        note = f" ({row['error']})" if row["error"] else ""
        lines.append(
            f"| {row['scenario']}{note} | {row['seconds']:.3f} | {row['cpu']:.3f} | {row['floor'] * 1000:.2f} | {ratio:.1f}x "
            f"| {cpu_ratio} | {row['rss_mb']:.0f} | {_verdict(row, floor_list)} |"
        )
    return "\n".join(lines)


# -- issue 16: jumps in long lists, memory, soak ------------------------------------------------

JUMP_TARGETS = {"flat_G": 0.5, "search_G": 0.5, "flat_mid": 0.5, "search_first": 0.5, "rss": 200.0}


def _jump_targets(db: str) -> dict:
    """Ids the jump scenarios wait for, found with plain SQL."""
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    big = con.execute("SELECT execution_id FROM job GROUP BY execution_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    total = con.execute("SELECT count(*) FROM job WHERE execution_id = ?", (big,)).fetchone()[0]
    ordered = "SELECT id FROM job WHERE execution_id = ? ORDER BY start_time {0}, id {0} LIMIT 1 OFFSET ?"
    targets = {
        "big": big,
        "total": total,
        "flat_first": con.execute(ordered.format("ASC"), (big, 0)).fetchone()[0],
        "flat_last": con.execute(ordered.format("DESC"), (big, 0)).fetchone()[0],
        "flat_mid": con.execute(ordered.format("ASC"), (big, total // 2)).fetchone()[0],
        # search/is:job is newest first: its last row is the oldest job
        "search_last": con.execute("SELECT id FROM job ORDER BY start_time, id LIMIT 1").fetchone()[0],
        # the executions list is newest first (root job start, id): its last row is the oldest
        "exec_last": con.execute("SELECT e.id FROM execution e JOIN job j ON j.id = e.job_id "
                                 "ORDER BY j.start_time, e.id LIMIT 1").fetchone()[0],
        "exec_total": con.execute("SELECT count(*) FROM execution").fetchone()[0],
        "files_last": con.execute("SELECT value_hash FROM file ORDER BY path DESC, value_hash DESC LIMIT 1").fetchone()[0],
        "running": (con.execute(
            "SELECT e.id FROM execution e JOIN job j ON j.id = e.job_id WHERE j.end_time IS NULL LIMIT 1"
        ).fetchone() or [None])[0],
    }
    con.close()
    return targets


def _jump_floor(db: str, t: dict, runs: int) -> dict[str, float]:
    """The SQL of the page alone (sqlite3, warm): the last page of each list, the middle page."""
    # Alternative plans; the fastest counts. The flat list's last page: sorted as it comes off
    # the execution_id index, or read in reverse rowid order first (what jobs.job_page does).
    table = {
        "flat_last": [
            ["SELECT id, start_time FROM job WHERE execution_id = :big ORDER BY start_time DESC, id DESC LIMIT 201"],
            ["SELECT id, start_time FROM (SELECT id, start_time FROM job WHERE execution_id = :big ORDER BY rowid DESC "
             "LIMIT -1) ORDER BY start_time DESC, id DESC LIMIT 201"],
        ],
        "flat_mid": [["SELECT id, start_time FROM job WHERE execution_id = :big ORDER BY start_time, id LIMIT 201 OFFSET :mid"]],
        "search_last": [["SELECT id, start_time FROM job ORDER BY start_time, id LIMIT 201"]],
        "search_first": [["SELECT id, start_time FROM job ORDER BY start_time DESC, id DESC LIMIT 201"]],
        "exec_last": [["SELECT e.id, j.start_time FROM job j CROSS JOIN execution e ON e.job_id = j.id "
                       "ORDER BY j.start_time, e.id LIMIT 201"]],
        "exec_mid": [["SELECT e.id, j.start_time FROM job j CROSS JOIN execution e ON e.job_id = j.id "
                      "ORDER BY j.start_time, e.id LIMIT 201 OFFSET :exec_mid"]],
        "files_last": [["SELECT path, value_hash FROM file ORDER BY path DESC, value_hash DESC LIMIT 201"]],
    }
    return _floor_sql(db, {"big": t["big"], "mid": t["total"] // 2, "exec_mid": t["exec_total"] // 2 - 200}, runs, table)


def _keys(db: str, route: str, steps: list) -> dict:
    return _spawn([PYTHON, str(HERE), "--child", "keys", db, route, json.dumps(steps)])


def _marks(db: str, route: str, steps: list) -> list[dict]:
    """Runs a keys child and returns its marks in order (for RSS samples)."""
    import subprocess

    proc = subprocess.run([PYTHON, str(HERE), "--child", "keys", db, route, json.dumps(steps)],
                          capture_output=True, text=True, env=_env())
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{"mark"')]


def measure_jumps(db: str, runs: int, only: str | None = None) -> list[dict]:
    """Issue 16's scenarios: each a key sequence in a fresh app, timed from one mark to another."""
    import statistics

    t = _jump_targets(db)
    flat = f"executions/{t['big']}"
    open_list = [["sleep", 1], ["key", "v"], ["wait", "first"], ["sleep", 0.5], ["mark", "start"]]
    scenarios = [
        # (label, route, steps, from mark, to mark, floor key, target key)
        ("flat job list (100k at L): G to the last row", flat,
         open_list + [["key", "G"], ["wait", "id:" + t["flat_last"]], ["mark", "end"]], "start", "end", "flat_last", "flat_G"),
        ("flat job list: jump to the middle row (go to row)", flat,
         open_list + [["call", "go_to_row", t["total"] // 2], ["wait", "id:" + t["flat_mid"]], ["mark", "end"]],
         "start", "end", "flat_mid", "flat_mid"),
        ("search/is:job: first page (after open)", "search/is:job",
         [["wait", "first"], ["mark", "end"]], None, "end", "search_first", "search_first"),
        ("search/status:done: first page (after open)", "search/status:done",
         [["wait", "first"], ["mark", "end"]], None, "end", "search_first", "search_first"),
        ("search/align (bare word): first page (after open)", "search/align",
         [["wait", "first"], ["mark", "end"]], None, "end", "search_first", "search_first"),
        ("search/main (bare word naming every run's task): first page (after open)", "search/main",
         [["wait", "first"], ["mark", "end"]], None, "end", "search_first", "search_first"),
        ("search/is:job: G to the last row", "search/is:job",
         [["wait", "first"], ["sleep", 0.5], ["mark", "start"], ["key", "G"], ["wait", "id:" + t["search_last"]],
          ["mark", "end"]], "start", "end", "search_last", "search_G"),
        ("search/is:job: PgDn x40 at the top, settled", "search/is:job",
         [["wait", "first"], ["sleep", 0.5], ["mark", "start"], ["key", *["pagedown"] * 40], ["wait", "settled"],
          ["mark", "end"]], "start", "end", "search_first", None),
        ("search/is:job: PgUp x40 at the end, settled", "search/is:job",
         [["wait", "first"], ["key", "G"], ["wait", "id:" + t["search_last"]], ["sleep", 0.5], ["mark", "start"],
          ["key", *["pageup"] * 40], ["wait", "settled"], ["mark", "end"]], "start", "end", "search_last", None),
        ("executions list: G to the last row", "executions",
         [["wait", "first"], ["sleep", 1], ["mark", "start"], ["key", "G"], ["wait", "id:" + t["exec_last"]],
          ["mark", "end"]], "start", "end", "exec_last", "search_G"),
        ("executions list: jump to the middle row (go to row)", "executions",
         [["wait", "first"], ["sleep", 1], ["mark", "start"], ["call", "go_to_row", t["exec_total"] // 2],
          ["wait", "settled"], ["mark", "end"]], "start", "end", "exec_mid", "flat_mid"),
        ("files list: G to the last row", "files",
         [["wait", "first"], ["sleep", 1], ["mark", "start"], ["key", "G"], ["wait", "id:" + t["files_last"]],
          ["mark", "end"]], "start", "end", "files_last", "search_G"),
    ]
    if only:
        scenarios = [scenario for scenario in scenarios if only in scenario[0]]
    floors = _jump_floor(db, t, runs)
    rows = []
    for label, route, steps, origin, mark, floor_key, target_key in scenarios:
        samples = [_keys(db, route, steps) for _ in range(runs)]
        good = [s for s in samples if mark in s]
        error = "" if len(good) == len(samples) else next((s.get("error", "") for s in samples if mark not in s), "") or "no mark"
        good = good or [{}]
        seconds = statistics.median(s.get(mark, float("nan")) - (s.get(origin, 0.0) if origin else s.get("opened", 0.0))
                                    for s in good)
        cpu = statistics.median(s.get(mark + "_cpu", float("nan")) - s.get((origin or "opened") + "_cpu", 0.0)
                                for s in good)
        rows.append({"scenario": label, "seconds": seconds, "cpu": cpu, "floor": floors[floor_key],
                     "target": target_key, "rss_mb": max(s.get("rss_mb") or 0 for s in samples), "error": error})
    # Peak RSS after the visit sequence, one process: the search's first and last rows, the flat
    # list's first, middle and last rows, then the job tree expanded level by level.
    visit = [["wait", "first"], ["key", "G"], ["wait", "id:" + t["search_last"]], ["key", "g"], ["wait", "settled"],
             ["route", flat], ["sleep", 2], ["key", "v"], ["wait", "first"], ["sleep", 0.5],
             ["call", "go_to_row", t["total"] // 2], ["wait", "id:" + t["flat_mid"]],
             ["key", "G"], ["wait", "id:" + t["flat_last"]], ["key", "g"], ["wait", "id:" + t["flat_first"]],
             ["key", "v"], ["tree_levels", 4], ["mark", "end"]]
    if only and only not in "peak RSS after the visit sequence":
        return rows
    sample = _keys(db, "search/is:job", visit)
    rows.append({"scenario": "peak RSS after the visit sequence", "seconds": sample.get("end", float("nan")),
                 "cpu": sample.get("end_cpu", float("nan")), "floor": 0.0, "target": None,
                 "rss_mb": sample.get("rss_mb") or 0, "error": sample.get("error", "" if "end" in sample else "no mark")})
    return rows


def report_jumps(db: str, rows: list[dict]) -> str:
    lines = [f"### {Path(db).name}: jumps in long lists (issue 16)", "",
             "| scenario | seconds | CPU s | floor (ms) | peak RSS (MB) | target |", "|---|---:|---:|---:|---:|---|"]
    for row in rows:
        target = JUMP_TARGETS.get(row["target"] or "")
        verdict = ""
        if target is not None:
            verdict = "ok" if row["seconds"] <= target else ("ok on CPU" if row["cpu"] <= target else f"MISS > {target:g} s")
        if row["rss_mb"] > JUMP_TARGETS["rss"]:
            verdict = (verdict + ", " if verdict else "") + "MISS RSS"
        note = f" ({row['error']})" if row["error"] else ""
        lines.append(f"| {row['scenario']}{note} | {row['seconds']:.3f} | {row['cpu']:.3f} | {row['floor'] * 1000:.1f} "
                     f"| {row['rss_mb']:.0f} | {verdict} |")
    return "\n".join(lines)


def soak(db: str, seconds: float, every: float = 30.0) -> dict:
    """Live refresh for ``seconds`` on the running execution's flat job list while a writer bumps
    its heartbeat every 2 s (each poll then reloads the screen); RSS sampled every ``every`` s.
    Returns the samples and the least-squares slope in MB per hour."""
    import sqlite3
    import threading

    running = _jump_targets(db)["running"]
    stop = threading.Event()

    def writer() -> None:
        con = sqlite3.connect(db, timeout=5)
        while not stop.wait(2.0):
            con.execute("UPDATE execution SET updated_time = datetime('now') WHERE id = ?", (running,))
            con.commit()
        con.close()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        marks = _marks(db, f"executions/{running}", [["sleep", 2], ["key", "v"], ["wait", "first"],
                                                     ["sample", "rss", every], ["sleep", seconds]])
    finally:
        stop.set()
        thread.join()
    samples = [(m["t"], m["rss"]) for m in marks if m["mark"] == "rss"]
    if len(samples) < 2:
        return {"samples": samples, "slope_mb_per_hour": float("nan")}
    t0 = samples[0][0]
    xs = [(t - t0) / 3600 for t, _ in samples]
    ys = [rss for _, rss in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    return {"samples": [(round((t - t0) / 60, 2), rss) for t, rss in samples], "slope_mb_per_hour": round(slope, 2),
            "first_mb": ys[0], "last_mb": ys[-1], "max_mb": max(ys)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(*sys.argv[2:6])
        return
    import argparse
    import platform

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="+")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario (the median is shown)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per scenario first")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--only", help="run only the scenarios whose label contains this text (and the floors)")
    parser.add_argument("--report", action="store_true", help="print the tables of a --json file (given as the database)")
    parser.add_argument("--jumps", action="store_true", help="only issue 16's scenarios (jumps, RSS after visits)")
    parser.add_argument("--soak", type=float, default=0, help="only a live-refresh soak of this many seconds (writes "
                        "the running execution's heartbeat in the database: use a copy)")
    args = parser.parse_args()
    if args.soak:
        for db in args.databases:
            print(json.dumps({db: soak(db, args.soak)}), flush=True)
        return
    if args.jumps:
        everything = {}
        for db in args.databases:
            everything[db] = rows = measure_jumps(db, args.runs, args.only)
            print(report_jumps(db, rows) + "\n", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(everything, indent=1))
        return
    if args.report:
        for db, rows in json.loads(Path(args.databases[0]).read_text()).items():
            print(report(db, rows) + "\n")
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.2f}\n")
    everything = {}
    rss: dict[str, dict[str, float]] = {}
    for db in args.databases:
        rows = measure(db, args.runs, args.warmup, args.only)
        everything[db] = rows
        rss[db] = {row["scenario"]: row["rss_mb"] for row in rows}
        print(report(db, rows))
        print(f"\nload average after: {os.getloadavg()[0]:.2f}\n", flush=True)
    if len(args.databases) > 1:
        first, last = args.databases[0], args.databases[-1]
        print(f"peak RSS, {Path(last).name} / {Path(first).name}:")
        for scenario, mb in rss[last].items():
            base = rss[first].get(scenario)
            if base:
                print(f"- {scenario}: {mb:.0f} / {base:.0f} MB = {mb / base:.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1))


if __name__ == "__main__":
    main()
