"""Query speed on a big generated redun database (about 1,000,000 jobs). Not part of the tests.

    .venv/bin/python benchmarks/query_bench.py [--db PATH] [--jobs N] [--rebuild]

Builds (once, deterministically, with Core bulk inserts through the project's migrations) a
database of N jobs in N/1000 executions, each job with its own call node and result value: 20
tasks in 2 namespaces, about 2% FAILED jobs (ErrorValue results), 30% CACHED, 0.2% RUNNING, and
a File value for every 10th job. Then times the first page (100 records, newest first) of task
name and status filters, a few search-bar texts, and ``count()`` per record type, and prints the
figures. Targets: first page <= 0.3 s, count() <= 1 s per type.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redun_tui.db import RedunBackendDb  # noqa: E402
from redun_tui.db.models import CallNode, Execution, File, Job, Task, Value  # noqa: E402
from redun_tui.db.query import CallGraphQuery  # noqa: E402
from redun_tui.search import SearchSyntaxError, apply_search, parse_search  # noqa: E402

JOBS_PER_EXECUTION = 1000
TASKS = [("bench", f"task_{i:02d}") for i in range(10)] + [("other", f"step_{i:02d}") for i in range(10)]
# align_reads is a rare task (0.1% of jobs), to time a selective filter too.
TASKS.append(("bench", "align_reads"))
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def sha(*parts: object) -> str:
    return hashlib.sha1("\0".join(map(str, parts)).encode()).hexdigest()


def build(path: str, n_jobs: int) -> None:
    """Writes the benchmark database at ``path`` (replacing it)."""
    if os.path.exists(path):
        os.remove(path)
    backend = RedunBackendDb(path, read_only=False)
    backend.load(migrate=True)  # the schema exactly as the migrations make it
    backend.close()
    # A throw-away file: no journal, no fsync while loading.
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "foreign_keys = OFF", "cache_size = -262144"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    rng = random.Random(42)
    began = time.perf_counter()

    # Secondary indexes are dropped while loading and made again at the end: building an index
    # from sorted rows is far faster than inserting a million random hashes into it.
    with engine.begin() as conn:
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).all()
        for index_name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{index_name}"')

    tasks = [{"hash": sha("task", ns, name), "namespace": ns, "name": name, "source": f"def {name}(): pass\n"} for ns, name in TASKS]
    values = [{"value_hash": t["hash"], "type": "redun.Task", "format": "application/python-pickle", "value": b""} for t in tasks]
    with engine.begin() as conn:
        conn.execute(Task.__table__.insert(), tasks)
        conn.execute(Value.__table__.insert(), values)

    n_exec = max(1, n_jobs // JOBS_PER_EXECUTION)
    batch: dict[str, list[dict]] = {"execution": [], "job": [], "call_node": [], "value": [], "file": []}

    def flush() -> None:
        with engine.begin() as conn:
            for table, model in (("value", Value), ("file", File), ("call_node", CallNode), ("job", Job), ("execution", Execution)):
                if batch[table]:
                    conn.execute(model.__table__.insert(), batch[table])
                    batch[table].clear()

    job_number = 0
    for e in range(n_exec):
        exec_id = f"{sha('exec', e)[:8]}-{sha('exec', e)[8:12]}-4{sha('exec', e)[13:16]}-8{sha('exec', e)[17:20]}-{sha('exec', e)[20:32]}"
        exec_start = START + timedelta(minutes=10 * e)
        root_id = None
        for j in range(JOBS_PER_EXECUTION):
            job_number += 1
            h = sha("job", e, j)
            job_id = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"
            task = tasks[-1] if job_number % 1000 == 7 else tasks[rng.randrange(len(tasks) - 1)]
            start = exec_start + timedelta(microseconds=j * 997 + 1)
            roll = rng.random()
            running = roll < 0.002 and j > 0
            failed = 0.002 <= roll < 0.022
            cached = 0.022 <= roll < 0.322
            call_hash = None
            if not running:
                call_hash = sha("call", e, j)
                value_hash = sha("value", e, j)
                if failed:
                    value_type = "redun.ErrorValue"
                elif j % 10 == 0:
                    value_type = "redun.File"
                    batch["file"].append({"value_hash": value_hash, "path": f"out/{e}/file_{j}.txt"})
                else:
                    value_type = "builtins.int"
                batch["value"].append({"value_hash": value_hash, "type": value_type, "format": "application/python-pickle", "value": b"\x80\x03K\x01."})
                batch["call_node"].append(
                    {"call_hash": call_hash, "task_name": f"{task['namespace']}.{task['name']}", "task_hash": task["hash"],
                     "args_hash": sha("args", e, j), "value_hash": value_hash, "timestamp": start}
                )
            batch["job"].append(
                {"id": job_id, "start_time": start, "end_time": None if running else start + timedelta(seconds=1),
                 "task_hash": task["hash"], "cached": cached, "call_hash": call_hash,
                 "parent_id": root_id, "execution_id": exec_id}
            )
            if j == 0:
                root_id = job_id
        batch["execution"].append({"id": exec_id, "args": '["redun", "run", "bench.py", "main"]', "job_id": root_id, "updated_time": exec_start})
        if len(batch["job"]) >= 50_000:
            flush()
    flush()
    with engine.begin() as conn:
        for _index_name, sql in indexes:
            conn.exec_driver_sql(sql)
    engine.dispose()
    print(f"built {path}: {job_number:,} jobs in {n_exec:,} executions, {time.perf_counter() - began:.1f} s, "
          f"{os.path.getsize(path) / 1e6:.0f} MB")


def timed(label: str, func) -> float:
    began = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - began
    print(f"  {label:<48} {elapsed:7.3f} s   {result}")
    return elapsed


def measure(path: str) -> None:
    backend = RedunBackendDb(path)
    backend.load()
    session = backend.session
    base = CallGraphQuery(session).order_by("time")
    print("first page (100 records, newest first):")
    pages = {
        "filter_task_names(['task_03'])": base.filter_task_names(["task_03"]),
        "filter_task_names(['bench.align_reads'])": base.filter_task_names(["bench.align_reads"]),
        "filter_job_statuses(['FAILED'])": base.filter_job_statuses(["FAILED"]),
        "filter_job_statuses(['DONE'])": base.filter_job_statuses(["DONE"]),
        "filter_job_statuses(['CACHED'])": base.filter_job_statuses(["CACHED"]),
        "filter_job_statuses(['RUNNING'])": base.filter_job_statuses(["RUNNING"]),
        "filter_execution_statuses(['FAILED'])": base.filter_execution_statuses(["FAILED"]),
        "jobs, no filter": base.filter_types(["Job"]),
    }
    for text in ("task:task_03 status:failed", "status:failed", "align_reads", "is:job exec:-", "file:out/7/*"):
        parsed = parse_search(text)
        assert not isinstance(parsed, SearchSyntaxError), parsed
        pages[f"search {text!r}"] = apply_search(base, parsed, session)
    worst_page = 0.0
    for label, query in pages.items():
        worst_page = max(worst_page, timed(label, lambda q=query: f"{sum(1 for _ in q.page(0, 100))} records"))
    print("count() per type:")
    worst_count = 0.0
    counts = {
        "whole graph": CallGraphQuery(session),
        "filter_job_statuses(['FAILED'])": CallGraphQuery(session).filter_job_statuses(["FAILED"]),
        "filter_task_names(['task_03'])": CallGraphQuery(session).filter_task_names(["task_03"]),
    }
    for label, query in counts.items():
        if label == "whole graph":
            for record_type in CallGraphQuery.MODEL_NAMES:
                typed = query.filter_types([record_type])
                worst_count = max(worst_count, timed(f"{label}: {record_type}", lambda q=typed: dict(q.count())))
        else:
            worst_count = max(worst_count, timed(label, lambda q=query: dict(q.count())))
    print(f"worst first page {worst_page:.3f} s (target 0.3 s); worst count {worst_count:.3f} s (target 1 s)")
    backend.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/redun_tui_bench.db")
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.rebuild or not os.path.exists(args.db):
        build(args.db, args.jobs)
    measure(args.db)


if __name__ == "__main__":
    main()
