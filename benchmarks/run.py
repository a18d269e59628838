"""Measure redun-tui on generated databases, against the floor, in fresh processes.

    python benchmarks/make_db.py L /tmp/bench_L.db
    python benchmarks/run.py /tmp/bench_S.db /tmp/bench_M.db /tmp/bench_L.db [--runs 3]

For each database and scenario, a fresh Python process is started and the time from spawning it
to the moment the screen shows its data is recorded (median of ``--runs``), with the process's
peak RSS. Scenarios: the executions list at launch; the largest execution (first page of its job
tree, and its status counts, both measured from the screen opening); a job screen; the deep value's
dataflow pane; the first page of a status and of a task-name search over all jobs; and the CLI
``dataflow`` and ``query`` commands. The floor, measured in the same run: an empty Textual app's
first frame, and the raw SQL each screen needs (in-process, warm). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
PYTHON = sys.executable
SIZE = (120, 40)


# -- the child side: one scenario in a fresh process ------------------------------------------

def _mark(name: str) -> None:
    print(json.dumps({"mark": name, "t": time.time()}), flush=True)


def _child(scenario: str, db: str, arg: str) -> None:
    import asyncio

    from textual.app import App

    if scenario == "floor_app":

        class Empty(App[None]):
            def on_mount(self) -> None:
                self.call_after_refresh(lambda: (_mark("ready"), self.exit()))

        Empty().run(headless=True, size=SIZE)
        _done()
        return

    from redun_tui.commands.common import open_db
    from redun_tui.store import Store
    from redun_tui.tui.app import RedunTuiApp
    from redun_tui.tui.screens.dataflow import DataflowScreen
    from redun_tui.tui.screens.execution import ExecutionScreen
    from redun_tui.tui.screens.job import JobScreen
    from redun_tui.tui.widgets.job_tree import JobTree
    from redun_tui.tui.widgets.paged_list import PagedList

    marks: dict[str, float] = {}

    def once(name: str) -> None:
        if name not in marks:
            marks[name] = time.time()
            _mark(name)

    def wrap(cls: type, method: str, name: str) -> None:
        original = getattr(cls, method)

        def wrapper(self, *args, **kwargs):
            result = original(self, *args, **kwargs)
            once(name)
            return result

        setattr(cls, method, wrapper)

    def wrap_mount(cls: type) -> None:
        original = cls.on_mount

        def on_mount(self):
            once("opened")
            return original(self)

        cls.on_mount = on_mount

    wanted = {"ready"}
    if scenario in ("executions", "search"):
        wrap(PagedList, "set_page", "ready")
    elif scenario == "execution":
        wrap_mount(ExecutionScreen)
        wrap(JobTree, "add_page", "ready")
        wrap(ExecutionScreen, "_counts_loaded", "counts")
        wanted = {"ready", "counts"}
    elif scenario == "job":
        wrap_mount(JobScreen)
        wrap(JobScreen, "_loaded", "ready")
    elif scenario == "dataflow":
        wrap_mount(DataflowScreen)
        wrap(DataflowScreen, "_loaded", "ready")

    store = Store(open_db(db))
    app = RedunTuiApp(store, arg, live_interval=0)

    async def drive() -> None:
        async with app.run_test(headless=True, size=SIZE) as pilot:
            deadline = time.time() + 120
            while not wanted <= marks.keys() and time.time() < deadline:
                await pilot.pause(0.005)
            await pilot.pause()  # one more frame: the data is painted

    asyncio.run(drive())
    _done()


def _done() -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"mark": "done", "t": time.time(), "rss_mb": round(rss, 1)}), flush=True)


# -- the parent side ---------------------------------------------------------------------------

def _spawn(args: list[str]) -> dict:
    """Runs a command; returns {mark: seconds since spawn, 'rss_mb': …, 'wall': …}."""
    start = time.time()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    wall = time.time() - start
    result: dict = {"wall": wall}
    for line in proc.stdout.splitlines():
        if line.startswith('{"mark"'):
            mark = json.loads(line)
            result[mark["mark"]] = mark["t"] - start
            if "rss_mb" in mark:
                result["rss_mb"] = mark["rss_mb"]
    if proc.returncode != 0:
        result["error"] = (proc.stderr.strip().splitlines() or ["?"])[-1]
    return result


def _cli_rss(args: list[str]) -> dict:
    start = time.time()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *args], capture_output=True, text=True, timeout=300)
    wall = time.time() - start
    rss = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "0"
    out = {"ready": wall, "wall": wall, "rss_mb": round(int(rss) / 1024, 1) if rss.isdigit() else None}
    if proc.returncode != 0:
        out["error"] = proc.stderr.strip().splitlines()[0]
    return out


def _targets(db: str) -> dict[str, str]:
    """The ids the scenarios open, found with plain SQL."""
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
    con.close()
    return {"big": big, "deep_value": deep_value, "job": job}


def _floor_sql(db: str, targets: dict[str, str]) -> dict[str, float]:
    """The raw SQL each screen needs, timed in-process on a warm connection."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    statements = {
        "executions": (
            "SELECT e.id, e.args, j.start_time, j.end_time, c.value_hash, v.type FROM execution e "
            "JOIN job j ON j.id = e.job_id LEFT JOIN call_node c ON c.call_hash = j.call_hash "
            "LEFT JOIN value v ON v.value_hash = c.value_hash ORDER BY j.start_time DESC LIMIT 200",
            (),
        ),
        "execution": ("SELECT * FROM job WHERE execution_id = ? AND parent_id IS NULL", (targets["big"],)),
        "execution_counts": (
            "SELECT j.task_hash, v.type = 'redun.ErrorValue', j.end_time IS NULL, j.cached, count(*) FROM job j "
            "LEFT JOIN call_node c ON c.call_hash = j.call_hash LEFT JOIN value v ON v.value_hash = c.value_hash "
            "WHERE j.execution_id = ? GROUP BY 1, 2, 3, 4",
            (targets["big"],),
        ),
        "job": (
            "SELECT * FROM job j JOIN call_node c ON c.call_hash = j.call_hash JOIN argument a ON a.call_hash = c.call_hash "
            "WHERE j.id = ?",
            (targets["job"],),
        ),
        "dataflow": (
            "WITH RECURSIVE up(h) AS (SELECT c.call_hash FROM call_node c WHERE c.value_hash = ? "
            "UNION SELECT ar.result_call_hash FROM up JOIN argument a ON a.call_hash = up.h "
            "JOIN argument_result ar ON ar.arg_hash = a.arg_hash) SELECT count(*) FROM up",
            (targets["deep_value"],),
        ),
        "search_status": (
            "SELECT j.id FROM job j JOIN call_node c ON c.call_hash = j.call_hash JOIN value v ON v.value_hash = c.value_hash "
            "WHERE v.type = 'redun.ErrorValue' ORDER BY j.start_time DESC LIMIT 100",
            (),
        ),
        "search_task": (
            "SELECT j.id FROM job j JOIN task t ON t.hash = j.task_hash WHERE t.name = 'qc' ORDER BY j.start_time DESC LIMIT 100",
            (),
        ),
    }
    floors = {}
    for name, (sql, params) in statements.items():
        con.execute(sql, params).fetchall()  # warm
        start = time.perf_counter()
        con.execute(sql, params).fetchall()
        floors[name] = time.perf_counter() - start
    con.close()
    return floors


def measure(db: str, runs: int) -> list[dict]:
    targets = _targets(db)
    child = [PYTHON, str(HERE), "--child"]
    scenarios = [
        ("floor: empty Textual app", child + ["floor_app", db, ""], "ready", None),
        ("executions list (from launch)", child + ["executions", db, "executions"], "ready", "executions"),
        ("execution: first jobs (after open)", child + ["execution", db, f"executions/{targets['big']}"], "ready", "execution"),
        ("execution: status counts (after open)", child + ["execution", db, f"executions/{targets['big']}"], "counts", "execution_counts"),
        ("job screen (after open)", child + ["job", db, f"jobs/{targets['job']}"], "ready", "job"),
        ("deep dataflow pane (after open)", child + ["dataflow", db, f"dataflow/{targets['deep_value']}"], "ready", "dataflow"),
        ("search status:failed (from launch)", child + ["search", db, "search/status:failed"], "ready", "search_status"),
        ("search task:qc (from launch)", child + ["search", db, "search/task:qc"], "ready", "search_task"),
    ]
    cli = [PYTHON, "-m", "redun_tui"]
    cli_scenarios = [
        ("CLI dataflow deep value", cli + ["dataflow", db, targets["deep_value"]], "dataflow"),
        ("CLI query --status FAILED --limit 100", cli + ["query", db, "--status", "FAILED", "--limit", "100"], "search_status"),
    ]
    floors = _floor_sql(db, targets)
    rows = []
    floor_app = None
    for label, args, mark, floor_key in scenarios:
        samples = [_spawn(args) for _ in range(runs)]
        errors = [s["error"] for s in samples if "error" in s]
        opened = [s.get(mark, float("nan")) - (s.get("opened", 0.0) if "after open" in label else 0.0) for s in samples]
        seconds = statistics.median(opened)
        rss = max(s.get("rss_mb") or 0 for s in samples)
        if floor_key is None:
            floor_app = seconds
        floor = floors.get(floor_key) if floor_key else seconds
        if "from launch" in label and floor_app is not None:
            floor = floor_app + (floors.get(floor_key, 0.0) if floor_key else 0.0)
        rows.append({"scenario": label, "seconds": seconds, "floor": floor, "rss_mb": rss, "error": errors[0] if errors else ""})
    for label, args, floor_key in cli_scenarios:
        samples = [_cli_rss(args) for _ in range(runs)]
        rows.append({
            "scenario": label,
            "seconds": statistics.median(s["ready"] for s in samples),
            "floor": floors[floor_key],
            "rss_mb": max(s.get("rss_mb") or 0 for s in samples),
            "error": next((s["error"] for s in samples if "error" in s), ""),
        })
    return rows


def report(db: str, rows: list[dict]) -> str:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    jobs = con.execute("SELECT count(*) FROM job").fetchone()[0]
    executions = con.execute("SELECT count(*) FROM execution").fetchone()[0]
    con.close()
    lines = [
        f"### {Path(db).name}: {executions:,} executions, {jobs:,} jobs",
        "",
        "| scenario | seconds | floor (s) | ratio | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = row["seconds"] / row["floor"] if row["floor"] else float("nan")
        note = f" ({row['error']})" if row["error"] else ""
        lines.append(
            f"| {row['scenario']}{note} | {row['seconds']:.3f} | {row['floor']:.4f} | {ratio:.1f}x | {row['rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    for db in args.databases:
        print(report(db, measure(db, args.runs)))
        print()


if __name__ == "__main__":
    main()
