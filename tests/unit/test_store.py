"""The UI's read-only facade (redun_tui.store) on every schema-3.5 fixture database.

Statuses and relations are checked against an independent path: the ORM models' Python
properties (``Job.status``, ``Execution.status``), which follow redun's rule one object at a
time, while the store computes them in SQL.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from redun_tui.db import DatabaseLocked, RedunBackendDb, open_backend
from redun_tui.db.models import Execution, File, Job, Tag, Task, Value
from redun_tui.store import (
    PREVIEW_LIMIT,
    TASK_NAME_LIMIT,
    Ambiguous,
    NotFound,
    Store,
    StoreError,
)
from redun_tui.views import STATUSES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOLDEN_PREVIEWS = Path(__file__).resolve().parents[1] / "golden" / "previews"
DATABASES = ["seed_example.db", "failures.db", "tags.db", "values.db", "crash_cases.db", "dataflow_shapes.db"]
DATABASES = [name for name in DATABASES if (FIXTURES / name).exists()]

FAILED_MARKUP_EXEC = "b22c1c57"
KILLED_EXEC = "77fee8b0"
CACHED_EXEC = "91319b74"


@pytest.fixture(scope="module")
def fixture_copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Private copies of the fixtures, made once per module (the store only reads them)."""
    folder = tmp_path_factory.mktemp("store-dbs")
    copies = {}
    for name in DATABASES:
        copies[name] = folder / name
        shutil.copyfile(FIXTURES / name, copies[name])
    return copies


@pytest.fixture(scope="module")
def stores(fixture_copies: dict[str, Path]):
    """A Store per fixture database, opened read-only."""
    backends = {name: open_backend(str(path)) for name, path in fixture_copies.items()}
    yield {name: Store(backend) for name, backend in backends.items()}
    for backend in backends.values():
        backend.close()


def _orm_facts(store: Store) -> dict:
    """Ids and statuses computed by the ORM models (the Python form of the rules)."""
    with store.backend.new_session() as session:
        executions = session.execute(select(Execution)).scalars().all()
        jobs = session.execute(select(Job)).scalars().all()
        return {
            "exec_status": {execution.id: execution.status for execution in executions},
            "exec_start": {
                execution.id: execution.job.start_time if execution.job else None for execution in executions
            },
            "job_status": {job.id: job.status for job in jobs},
            "job_exec": {job.id: job.execution_id for job in jobs},
            "job_parent": {job.id: job.parent_id for job in jobs},
            "job_start": {job.id: job.start_time for job in jobs},
            "job_task": {job.id: job.task.fullname for job in jobs},
            "job_args": {
                job.id: len(job.call_node.arguments) if job.call_node else 0 for job in jobs
            },
        }


@pytest.fixture(scope="module")
def facts(stores: dict[str, Store]) -> dict[str, dict]:
    return {name: _orm_facts(store) for name, store in stores.items()}


def _all_pages(fetch, limit: int) -> list:
    """Every item of a paged list, following cursors; checks offsets as it goes."""
    items, cursor, offset = [], None, 0
    while True:
        page = fetch(cursor=cursor, limit=limit)
        assert page.offset == offset
        assert len(page.items) <= limit
        items.extend(page.items)
        offset += len(page.items)
        if page.next_cursor is None:
            return items
        assert len(page.items) == limit
        cursor = page.next_cursor


# -- executions ------------------------------------------------------------------------------


@pytest.mark.parametrize("db", DATABASES)
def test_executions_newest_first_with_model_statuses(db, stores, facts):
    store, fact = stores[db], facts[db]
    page = store.executions()
    assert page.total == len(fact["exec_status"])
    assert page.next_cursor is None
    assert {row.id for row in page.items} == set(fact["exec_status"])
    starts = [row.start_time for row in page.items]
    assert starts == sorted(starts, reverse=True)
    for row in page.items:
        assert row.status == fact["exec_status"][row.id], row.id
        assert row.start_time == fact["exec_start"][row.id]
        assert row.start_time.tzinfo is not None
        assert row.status in ("DONE", "FAILED", "RUNNING")
        assert row.task_name
        if row.end_time is not None:
            assert row.duration == row.end_time - row.start_time


@pytest.mark.parametrize("db", DATABASES)
@pytest.mark.parametrize("limit", [1, 3])
def test_executions_pagination_covers_every_row_once(db, limit, stores):
    store = stores[db]
    whole = [row.id for row in store.executions(limit=1000).items]
    paged = [row.id for row in _all_pages(store.executions, limit)]
    assert paged == whole


def test_failures_db_execution_statuses(stores):
    rows = {row.id[:8]: row for row in stores["failures.db"].executions().items}
    assert {row.status for row in rows.values()} == {"DONE", "FAILED", "RUNNING"}
    # The SIGKILLed run: root job without end time or call node, so RUNNING (as redun says).
    assert rows[KILLED_EXEC].status == "RUNNING"
    assert rows[KILLED_EXEC].end_time is None and rows[KILLED_EXEC].duration is None
    # A fully cached run: its root job is CACHED, which an execution shows as DONE.
    assert rows[CACHED_EXEC].status == "DONE"
    assert rows[FAILED_MARKUP_EXEC].status == "FAILED"
    assert rows[FAILED_MARKUP_EXEC].args.startswith("run ")
    assert "main_fail" in rows[FAILED_MARKUP_EXEC].args


def test_execution_tags_are_current_normalized_json(stores):
    store = stores["tags.db"]
    with store.backend.new_session() as session:
        current = Counter(
            session.execute(
                select(Tag.entity_id).where(Tag.is_current.is_(True), Tag.entity_type == "Execution")
            ).scalars()
        )
    for row in store.executions().items:
        assert len(row.tags) == current[row.id]
        for tag in row.tags:
            json.loads(tag.value)  # normalized JSON text
            assert " " not in tag.value or tag.value.startswith('"')
        assert list(row.tags) == sorted(row.tags, key=lambda tag: (tag.key, tag.value))


@pytest.mark.parametrize("db", DATABASES)
def test_execution_detail_by_prefix(db, stores, facts):
    store, fact = stores[db], facts[db]
    for execution_id in fact["exec_status"]:
        detail = store.execution(execution_id[:8])
        assert detail.row.id == execution_id
        assert detail.row.status == fact["exec_status"][execution_id]
        assert detail.job_count == sum(1 for owner in fact["job_exec"].values() if owner == execution_id)
        assert detail.args_list[0].endswith("redun")
        assert fact["job_parent"][detail.root_job_id] is None


def test_execution_unknown_and_ambiguous(stores):
    store = stores["failures.db"]
    with pytest.raises(NotFound):
        store.execution("zzzz")
    ids = [row.id for row in store.executions().items]
    first_chars = Counter(execution_id[0] for execution_id in ids)
    shared = next(char for char, count in first_chars.items() if count > 1)
    with pytest.raises(Ambiguous) as caught:
        store.execution(shared)
    assert len(caught.value.candidates) == first_chars[shared]
    assert all(candidate.startswith(shared) for candidate in caught.value.candidates)


# -- job status counts, trees and lists ------------------------------------------------------


@pytest.mark.parametrize("db", DATABASES)
def test_status_counts_match_models(db, stores, facts):
    store, fact = stores[db], facts[db]
    for execution_id in fact["exec_status"]:
        expected = Counter(
            (fact["job_task"][job_id], fact["job_status"][job_id])
            for job_id, owner in fact["job_exec"].items()
            if owner == execution_id
        )
        got = Counter()
        for row in store.status_counts(execution_id):
            for status, count in row.counts:
                assert status in STATUSES and count > 0
                got[(row.task_name, status)] += count
        assert got == expected


def test_status_counts_failures_has_every_status(stores):
    store = stores["failures.db"]
    seen = set()
    for row in store.executions().items:
        for count in store.status_counts(row.id):
            seen.update(status for status, _ in count.counts)
    assert seen == set(STATUSES)


@pytest.mark.parametrize("db", DATABASES)
def test_job_tree_visits_every_job_once(db, stores, facts):
    store, fact = stores[db], facts[db]
    for execution_id in fact["exec_status"]:
        seen: list[str] = []
        stack: list[str | None] = [None]
        while stack:
            parent = stack.pop()
            children = _all_pages(
                lambda cursor, limit: store.job_children(execution_id, parent, cursor=cursor, limit=limit), 2
            )
            starts = [(child.start_time, child.id) for child in children]
            assert starts == sorted(starts)
            for child in children:
                assert child.parent_id == parent
                assert child.status == fact["job_status"][child.id]
                expected_children = sum(1 for p in fact["job_parent"].values() if p == child.id)
                assert child.child_count == expected_children
                seen.append(child.id)
                stack.append(child.id)
        expected = [job_id for job_id, owner in fact["job_exec"].items() if owner == execution_id]
        assert sorted(seen) == sorted(expected)


def _ancestors(fact: dict, job_id: str) -> set[str]:
    found = set()
    while job_id is not None:
        found.add(job_id)
        job_id = fact["job_parent"][job_id]
    return found


@pytest.mark.parametrize("db", ["failures.db", "seed_example.db", "values.db"])
@pytest.mark.parametrize("status", STATUSES)
def test_filtered_tree_shows_matches_and_their_ancestors(db, status, stores, facts):
    store, fact = stores[db], facts[db]
    for execution_id in fact["exec_status"]:
        matches = [
            job_id
            for job_id, owner in fact["job_exec"].items()
            if owner == execution_id and fact["job_status"][job_id] == status
        ]
        expected = set().union(*(_ancestors(fact, job_id) for job_id in matches)) if matches else set()
        seen = set()
        stack: list[str | None] = [None]
        while stack:
            parent = stack.pop()
            page = store.job_children(execution_id, parent, status=status.lower())
            for child in page.items:
                assert child.child_count == sum(
                    1 for job_id in expected if fact["job_parent"][job_id] == child.id
                )
                seen.add(child.id)
                stack.append(child.id)
        assert seen == expected


@pytest.mark.parametrize("db", ["failures.db", "seed_example.db"])
def test_flat_job_list_by_status_and_task(db, stores, facts):
    store, fact = stores[db], facts[db]
    for execution_id in fact["exec_status"]:
        everything = _all_pages(lambda cursor, limit: store.jobs(execution_id, cursor=cursor, limit=limit), 3)
        assert sorted(job.id for job in everything) == sorted(
            job_id for job_id, owner in fact["job_exec"].items() if owner == execution_id
        )
        for status in STATUSES:
            got = {job.id for job in store.jobs(execution_id, status=status).items}
            assert got == {job.id for job in everything if job.status == status}
        for task_name in {job.task_name for job in everything}:
            got = {job.id for job in store.jobs(execution_id, task_name=task_name).items}
            assert got == {job.id for job in everything if job.task_name == task_name}


# -- jobs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("db", DATABASES)
def test_every_job_opens(db, stores, facts):
    store, fact = stores[db], facts[db]
    for job_id, status in fact["job_status"].items():
        detail = store.job(job_id[:10])
        assert detail.row.id == job_id
        assert detail.row.status == status
        assert detail.trail[0].route == f"executions/{fact['job_exec'][job_id]}"
        assert detail.trail[-1].route == f"jobs/{job_id}"
        assert len(detail.trail) == len(_ancestors(fact, job_id)) + 1
        assert len(detail.arguments) == fact["job_args"][job_id]
        assert detail.task.route.startswith("tasks/")
        assert [child.id for child in detail.children.items] == sorted(
            (child for child, parent in fact["job_parent"].items() if parent == job_id),
            key=lambda child: (fact["job_start"][child], child),
        )
        assert detail.children.total == len(detail.children.items)
        if status == "FAILED":
            assert detail.error is not None and detail.error.message
            assert detail.error.traceback, job_id
            assert detail.result is not None and detail.result.type == "redun.ErrorValue"
        else:
            assert detail.error is None
        if detail.call_hash is None:
            assert detail.result is None and detail.arguments == ()


def test_failed_job_error_keeps_markup_and_long_message(stores):
    store = stores["failures.db"]
    failed = [job for job in store.jobs(store.execution(FAILED_MARKUP_EXEC).row.id, status="FAILED").items]
    errors = [store.job(job.id).error for job in failed]
    assert any("[bold red]boom[/]" in error.message for error in errors)
    for error in errors:
        assert error.traceback[-1].startswith("ValueError: ")
        assert error.error_repr.startswith("ValueError(")
    long_messages = []
    for execution in store.executions().items:
        for job in store.jobs(execution.id, status="FAILED").items:
            long_messages.extend(
                error.message for error in [store.job(job.id).error] if len(error.message) >= 3000
            )
    assert long_messages, "the 3,000-character failure message"


def test_killed_job_has_no_call_node(stores):
    store = stores["failures.db"]
    detail = store.execution(KILLED_EXEC)
    job = store.job(detail.root_job_id)
    assert job.row.status == "RUNNING"
    assert job.call_hash is None and job.result is None and job.arguments == ()
    assert job.row.end_time is None


def test_argument_names_come_from_task_source(stores):
    store = stores["values.db"]
    execution = store.executions().items[-1]
    jobs = store.jobs(execution.id, task_name="valuesdemo.many_args").items
    if not jobs:
        jobs = [
            job
            for row in store.executions().items
            for job in store.jobs(row.id).items
            if job.task_name.endswith("many_args")
        ]
    detail = store.job(jobs[0].id)
    positional = [arg for arg in detail.arguments if arg.position is not None]
    keywords = [arg for arg in detail.arguments if arg.key is not None]
    assert [arg.position for arg in positional] == sorted(arg.position for arg in positional)
    assert all(not arg.name.startswith("arg") or arg.name[3:].isdigit() for arg in positional)
    assert [arg.name for arg in keywords] == sorted(arg.key for arg in keywords)
    assert len(detail.arguments) >= 15


def test_long_task_name_trimmed_in_rows(stores):
    store = stores["values.db"]
    names = [
        job.task_name
        for row in store.executions().items
        for job in store.jobs(row.id).items
    ]
    assert max(len(name) for name in names) <= TASK_NAME_LIMIT
    assert any(len(name) > 150 for name in names)


# -- values ----------------------------------------------------------------------------------


def _golden_previews(db: str) -> dict:
    path = GOLDEN_PREVIEWS / db.replace(".db", ".json")
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.mark.parametrize("db", DATABASES)
def test_every_value_opens_with_redun_preview(db, stores):
    store = stores[db]
    golden = _golden_previews(db)
    with store.backend.new_session() as session:
        hashes = list(session.execute(select(Value.value_hash)).scalars())
    for value_hash in hashes:
        detail = store.value(value_hash[:12])
        assert detail.ref.value_hash == value_hash
        assert len(detail.preview_text) <= PREVIEW_LIMIT + 100
        assert detail.preview_truncated == ("\n[" in detail.preview_text[-200:] and detail.preview_truncated)
        expected = golden.get(value_hash)
        if expected and not expected.get("unordered_sets"):
            assert detail.ref.preview == expected["preview"], value_hash
        for ref in detail.subvalues + detail.parents:
            assert ref.route.startswith("values/") and len(ref.preview) <= 200


def test_huge_value_is_previewed_bounded(stores):
    store = stores["values.db"]
    with store.backend.new_session() as session:
        big = session.execute(select(Value.value_hash).where(Value.type == "builtins.str")).scalars().all()
    details = [store.value(value_hash) for value_hash in big]
    huge = [detail for detail in details if detail.size > 1_000_000]
    assert huge, "values.db holds a 1,000,110-byte string"
    for detail in huge:
        assert detail.ref.preview == f"builtins.str(hash={detail.ref.value_hash[:8]}, size={detail.size})"
        assert detail.preview_truncated
        assert len(detail.preview_text) < 1_000
    almost = [detail for detail in details if 100_000 < detail.size <= 1_000_000]
    for detail in almost:
        assert detail.preview_truncated
        assert len(detail.preview_text) <= PREVIEW_LIMIT + 100
        assert "cut" in detail.preview_text.splitlines()[-1]
    full = store.value_text(huge[0].ref.value_hash)
    assert len(full) > 1_000_000


def test_value_producers_and_consumers(stores):
    store = stores["seed_example.db"]
    with store.backend.new_session() as session:
        produced = session.execute(select(File.value_hash, File.path)).all()
    for value_hash, path in produced:
        detail = store.value(value_hash)
        assert detail.file_path == path
        assert detail.ref.preview.startswith("File(path=")
        for use in (*detail.produced_by, *detail.consumed_by):
            assert use.status in STATUSES
    some = [store.value(value_hash) for value_hash, _ in produced]
    assert any(detail.produced_by for detail in some)
    assert any(detail.consumed_by for detail in some)


# Counts redun 0.44.1's console shows as "Upstream jobs (n)" / "Downstream jobs (n)" for these
# values (CallGraphQuery.filter_results / filter_arguments, run on the fixtures).
REDUN_CONSOLE_COUNTS = {
    ("seed_example.db", "f7efecff"): (9, 0),  # sample4.vcf: 3 call_variants + 6 returning lists holding it
    ("seed_example.db", "f45a0067"): (0, 9),  # sample4.fastq
    ("seed_example.db", "219c5340"): (2, 2),  # sample3.bam, second version
    ("values.db", "b8c9f96b"): (2, 1),  # the weird path, inside a nested dict
    ("values.db", "a675f2d5"): (2, 2),  # outdir/part-0.txt
}


@pytest.mark.parametrize("db", ["seed_example.db", "values.db", "dataflow_shapes.db"])
def test_producers_and_readers_one_definition(db, stores):
    """A value's producers/readers are the jobs whose result/argument is it or contains it
    (redun's console definition), the same on the value screen and the file screen."""
    store = stores[db]
    with store.backend.new_session() as session:
        files = session.execute(select(File.value_hash, File.path)).all()
        connection = session.connection().connection.driver_connection

        def redun_count(table: str, value_hash: str) -> set[str]:
            return {
                row[0]
                for row in connection.execute(
                    f"SELECT job.id FROM job JOIN {table} use ON use.call_hash = job.call_hash "
                    "WHERE use.value_hash = ? OR use.value_hash IN "
                    "(SELECT parent_value_hash FROM subvalue WHERE value_hash = ?)",
                    (value_hash, value_hash),
                )
            }

        expected = {
            value_hash: (redun_count("call_node", value_hash), redun_count("argument", value_hash))
            for value_hash, _ in files
        }
    by_path: dict[str, tuple[set, set]] = {}
    for value_hash, path in files:
        detail = store.value(value_hash)
        produced, read = expected[value_hash]
        assert {use.job_id for use in detail.produced_by} == produced, value_hash
        assert {use.job_id for use in detail.consumed_by} == read, value_hash
        assert detail.produced_by.title == f"Produced by ({len(produced)})"
        assert detail.consumed_by.title == f"Read by ({len(read)})"
        for use in detail.produced_by:
            assert use.how in ("result", "in result")
        for use in detail.consumed_by:
            assert use.how in ("argument", "in argument")
        known = REDUN_CONSOLE_COUNTS.get((db, value_hash[:8]))
        if known is not None:
            assert (len(detail.produced_by), len(detail.consumed_by)) == known
        union = by_path.setdefault(path, (set(), set()))
        union[0].update(produced)
        union[1].update(read)
    for path, (produced, read) in by_path.items():
        detail = store.file(path)
        assert {use.job_id for use in detail.produced_by} == produced, path
        assert {use.job_id for use in detail.consumed_by} == read, path


def test_producers_say_how_they_hold_the_value(stores):
    """sample4.vcf: the call_variants jobs returned it; the jobs up the tree returned lists holding it."""
    store = stores["seed_example.db"]
    produced = store.value("f7efecff").produced_by
    how = {}
    for use in produced:
        how.setdefault(use.how, set()).add(use.task_name)
    assert how == {"result": {"seedex.call_variants"}, "in result": {"seedex.call_variants_all", "seedex.main"}}
    assert "(in result)" in produced.note and not produced.more


def test_value_tags(stores):
    store = stores["tags.db"]
    with store.backend.new_session() as session:
        tagged = session.execute(
            select(Tag.entity_id).where(Tag.entity_type == "Value", Tag.is_current.is_(True))
        ).scalars().all()
    assert tagged
    for value_hash in set(tagged):
        assert len(store.value(value_hash).tags) == tagged.count(value_hash)


# -- tasks and files -------------------------------------------------------------------------


@pytest.mark.parametrize("db", DATABASES)
def test_tasks_list_and_detail(db, stores):
    store = stores[db]
    with store.backend.new_session() as session:
        task_hashes = set(session.execute(select(Task.hash)).scalars())
        job_counts = Counter(session.execute(select(Job.task_hash)).scalars())
    rows = _all_pages(lambda cursor, limit: store.tasks(cursor=cursor, limit=limit), 2)
    assert [row.hash for row in rows] == [row.hash for row in store.tasks(limit=10_000).items]
    assert {row.hash for row in rows} == task_hashes
    keys = [(row.namespace, row.name, row.hash) for row in rows]
    assert keys == sorted(keys)
    for row in rows:
        assert row.job_count == job_counts[row.hash]
        detail = store.task(row.hash[:10])
        assert detail.row.hash == row.hash
        assert row.hash in {version.hash for version in detail.versions}
        assert len(detail.recent_jobs) == min(job_counts[row.hash], 50)
    name = rows[0].name
    assert any(found.name == name for found in store.tasks(search=name).items)


@pytest.mark.parametrize("db", DATABASES)
def test_files_list_and_detail(db, stores):
    store = stores[db]
    with store.backend.new_session() as session:
        files = session.execute(select(File.path, File.value_hash)).all()
    rows = _all_pages(lambda cursor, limit: store.files(cursor=cursor, limit=limit), 3)
    assert sorted((row.path, row.value_hash) for row in rows) == sorted(files)
    for path in {path for path, _ in files}:
        detail = store.file(path)
        assert {version.value_hash for version in detail.versions} == {h for p, h in files if p == path}
    if files:
        path, value_hash = files[0]
        assert store.file(value_hash[:10]).path == path


@pytest.mark.parametrize("db", DATABASES)
def test_task_last_run_is_the_newest_job_start(db, stores):
    """Issue 10 defect 8: the tasks list's last run was always empty. It is the newest start
    time of the task's jobs, the same on the list and the task screen."""
    store = stores[db]
    with store.backend.new_session() as session:
        newest = dict(session.execute(select(Job.task_hash, func.max(Job.start_time)).group_by(Job.task_hash)).all())
    rows = store.tasks(limit=10_000).items
    assert any(row.last_run is not None for row in rows) == bool(newest)
    for row in rows:
        expected = newest.get(row.hash)
        if isinstance(expected, str):
            expected = datetime.fromisoformat(expected)
        assert (row.last_run.replace(tzinfo=None) if row.last_run else None) == (
            expected.replace(tzinfo=None) if expected else None
        ), row.fullname
        if row.last_run is not None:
            assert row.last_run.tzinfo is not None
        detail = store.task(row.hash)
        assert detail.row.last_run == row.last_run
        if detail.recent_jobs:
            assert detail.recent_jobs[0].start_time == row.last_run


def test_files_search_wildcards(stores):
    store = stores["seed_example.db"]
    rows = store.files(search="*.vcf").items
    assert rows and all(row.path.endswith(".vcf") for row in rows)
    sample3 = store.file("sample3.vcf")
    assert len(sample3.versions) == 2  # the README: two File hashes for sample3.vcf
    assert sample3.produced_by


def test_weird_file_path(stores):
    store = stores["values.db"]
    rows = store.files(search="weird").items
    assert any("[red]name[/]" in row.path for row in rows)
    for row in rows:
        assert store.resolve(f"files/{row.path}").route == f"files/{row.path}"


# -- routes and heartbeat --------------------------------------------------------------------


def test_resolve_routes(stores, facts):
    store, fact = stores["failures.db"], facts["failures.db"]
    execution_id = next(iter(fact["exec_status"]))
    job_id = next(iter(fact["job_status"]))
    assert store.resolve("executions").route == "executions"
    assert store.resolve("").route == "executions"
    assert store.resolve(f"executions/{execution_id[:8]}").route == f"executions/{execution_id}"
    assert store.resolve(f"jobs/{job_id[:8].upper()}").route == f"jobs/{job_id}"
    with store.backend.new_session() as session:
        value_hash = session.execute(select(Value.value_hash)).scalars().first()
        task_hash = session.execute(select(Task.hash)).scalars().first()
    assert store.resolve(f"values/{value_hash[:8]}").route == f"values/{value_hash}"
    assert store.resolve(f"dataflow/{value_hash[:8]}").route == f"dataflow/{value_hash}"
    assert store.resolve(f"tasks/{task_hash[:8]}/").route == f"tasks/{task_hash}"
    assert store.resolve("tasks").route == "tasks"
    unknown = store.resolve("jobs/ffffffffffff")
    assert unknown.route is None and "ffffffffffff" in unknown.error
    bogus = store.resolve("nonsense/1")
    assert bogus.route is None and bogus.error
    first_chars = Counter(job[0] for job in fact["job_status"])
    shared = next(char for char, count in first_chars.items() if count > 1)
    ambiguous = store.resolve(f"jobs/{shared}")
    assert ambiguous.route is None and len(ambiguous.candidates) >= 2
    assert all(candidate.startswith(f"jobs/{shared}") for candidate in ambiguous.candidates)



def test_resolve_text_reads_what_a_user_typed(stores, facts):
    """One reading of typed text for the palette and `show`: routes, bare prefixes, paths."""
    store, fact = stores["failures.db"], facts["failures.db"]
    job_id = next(iter(fact["job_status"]))
    assert store.resolve_text("").route == "executions"
    assert store.resolve_text(" tasks ").route == "tasks"
    assert store.resolve_text(f"jobs/{job_id[:8]}").route == f"jobs/{job_id}"
    assert store.resolve_text(job_id[:8]).route == f"jobs/{job_id}"
    assert store.resolve_text("alpha.txt").route == "files/alpha.txt"
    missing = store.resolve_text("zzzz")
    assert (missing.route, missing.error) == (None, "no execution, job, value, task or file matches 'zzzz'")
    assert store.resolve_text("jobs/ffffffff").error == "no job matches 'ffffffff'"
    first_chars = Counter(job[0] for job in fact["job_status"])
    shared = next(char for char, count in first_chars.items() if count > 1)
    ambiguous = store.resolve_text(f"jobs/{shared}")
    assert ambiguous.route is None and len(ambiguous.candidates) >= 2 and shared in ambiguous.error
    # A File value's hash names the value and its file: the value is meant.
    with store.backend.new_session() as session:
        file_hash = session.execute(select(File.value_hash)).scalars().first()
    assert store.resolve_text(file_hash).route == f"values/{file_hash}"



def test_help_rows_come_from_the_route_grammar():
    """The help screen's route table is generated: every kind is described and every form shown."""
    from redun_tui.store import routes

    rows = routes.help_rows()
    written = "  ".join(form for form, _ in rows).split()
    for kind in routes.KINDS:
        assert kind.about, kind.name
        assert all(form in written for form in kind.forms), kind.name
    assert all(about for _, about in rows)


def test_heartbeat(stores):
    store = stores["failures.db"]
    beat = store.heartbeat()
    assert beat.running  # the killed run left jobs without an end time
    assert beat == store.heartbeat()
    killed = store.execution(KILLED_EXEC).row.id
    assert store.heartbeat(killed).running
    done = store.execution(CACHED_EXEC).row.id
    assert not store.heartbeat(done).running


def test_heartbeat_changes_when_redun_writes(tmp_path):
    path = tmp_path / "live.db"
    shutil.copyfile(FIXTURES / "failures.db", path)
    backend = open_backend(str(path))
    try:
        store = Store(backend)
        before = store.heartbeat()
        with sqlite3.connect(path) as connection:
            connection.execute(
                "UPDATE job SET end_time = '2026-11-27 11:00:00.000000' WHERE end_time IS NULL"
            )
        after = store.heartbeat()
        assert after != before and not after.running
    finally:
        backend.close()


def test_bad_cursor_and_limit(stores):
    store = stores["failures.db"]
    with pytest.raises(StoreError):
        store.executions(cursor="not-a-cursor")
    with pytest.raises(StoreError):
        store.executions(limit=0)


def test_locked_database_retries_then_reports(tmp_path):
    path = tmp_path / "locked.db"
    shutil.copyfile(FIXTURES / "failures.db", path)
    backend = RedunBackendDb(str(path), busy_timeout=0.05)
    backend.load()
    store = Store(backend)
    writer = sqlite3.connect(path, check_same_thread=False)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseLocked):
            store.executions()
        # A lock released while the store retries is invisible to the caller.
        releaser = threading.Timer(0.1, writer.rollback)
        writer.execute("ROLLBACK")
        writer.execute("BEGIN EXCLUSIVE")
        releaser.start()
        started = time.monotonic()
        assert len(store.executions().items) == 10
        assert time.monotonic() - started < 5
        releaser.join()
    finally:
        writer.close()
        backend.close()


def test_no_orm_objects_leave_the_store(stores):
    """Every view is plain data: frozen dataclasses of str/int/datetime/tuples."""
    from dataclasses import fields, is_dataclass
    from datetime import datetime, timedelta

    store = stores["failures.db"]
    execution = store.executions().items[0]
    views = [
        store.executions(),
        store.execution(execution.id),
        store.status_counts(execution.id),
        store.job(store.execution(execution.id).root_job_id),
        store.tasks(),
        store.files(),
    ]

    def check(obj):
        if is_dataclass(obj):
            for item in fields(obj):
                check(getattr(obj, item.name))
        elif isinstance(obj, tuple):
            for item in obj:
                check(item)
        else:
            assert obj is None or isinstance(obj, (str, int, float, bool, datetime, timedelta)), type(obj)

    for view in views:
        check(view)


# -- dataflow --------------------------------------------------------------------------------

GOLDEN_DATAFLOW = Path(__file__).resolve().parents[1] / "golden" / "dataflow"


@pytest.mark.parametrize("db", DATABASES)
def test_dataflow_lines_are_redun_text_with_links(db, stores):
    """The pane's lines join to redun's text (golden), and every link opens."""
    store = stores[db]
    folder = GOLDEN_DATAFLOW / db.removesuffix(".db")
    with store.backend.new_session() as session:
        hashes = list(session.execute(select(Value.value_hash)).scalars())
    routes = set()
    compared = 0
    for value_hash in hashes:
        view = store.dataflow(value_hash[:10])
        assert view.error is None, view.error
        assert view.value.value_hash == value_hash
        # The pane starts as redun-tui dataflow prints: `value = <repr>`, a blank line, the graph.
        assert view.lines[0].text.startswith("value = ")
        assert view.lines[0].segments[0].route is None
        assert view.lines[1].text == ""
        assert view.lines[2].text.startswith("value <-- ")
        assert view.lines[-1].text == ""
        golden = folder / f"{value_hash}.txt"
        if golden.exists() and not (folder / f"{value_hash}.error").exists():
            assert "\n".join(line.text for line in view.lines[2:]) == golden.read_text(encoding="utf-8")
            assert json.loads(view.json_text) == json.loads((folder / f"{value_hash}.json").read_text())
            compared += 1
        for line in view.lines:
            for segment in line.segments:
                if segment.route:
                    routes.add(segment.route)
        # The value's own hash shows in the first line only when it is a call's result.
    assert compared or not folder.exists()
    assert any(route.startswith("jobs/") for route in routes)
    assert any(route.startswith("values/") for route in routes)
    for route in routes:
        assert store.resolve(route).route == route


def test_dataflow_of_unknown_value(stores):
    with pytest.raises(NotFound):
        stores["seed_example.db"].dataflow("0000000000000")


def test_dataflow_without_json_and_json_alone(stores):
    store = stores["seed_example.db"]
    with store.backend.new_session() as session:
        value_hash = session.execute(select(File.value_hash).where(File.path.like("%sample4.vcf"))).scalars().first()
    full = store.dataflow(value_hash)
    lines_only = store.dataflow(value_hash, with_json=False)
    assert lines_only.json_text == "" and lines_only.lines == full.lines
    assert store.dataflow_json(value_hash) == full.json_text
    sections = json.loads(full.json_text)
    assert sections[0]["assign"]["var_name"] == "value"


# -- search ----------------------------------------------------------------------------------

SEARCHES = ["", "status:failed", "task:explode", "file:*.txt", "main_ok", "tag:user", "-"]


@pytest.mark.parametrize("text", SEARCHES)
@pytest.mark.parametrize("limit", [2, 1000])
def test_search_pages_cover_the_query_exactly_once(text, limit, stores):
    from redun_tui.db.query import CallGraphQuery
    from redun_tui.search import apply_search, parse_search

    store = stores["failures.db"]
    with store.backend.new_session() as session:
        query = apply_search(CallGraphQuery(session), parse_search(text), session)
        expected = sorted(query.select("type", "id"))
    rows = _all_pages(lambda cursor, limit: store.search(text, cursor=cursor, limit=limit), limit)
    got = [(row.type, row.id) for row in rows]
    assert sorted(got) == expected
    assert len(set(got)) == len(got)
    order = ["Execution", "Job", "CallNode", "Task", "Value"]
    assert [order.index(kind) for kind, _ in got] == sorted(order.index(kind) for kind, _ in got)
    for row in rows:
        assert row.route.split("/")[0] in ("executions", "jobs", "tasks", "values")
        if row.type in ("Execution", "Job"):
            times = [other.time for other in rows if other.type == row.type]
            assert times == sorted(times, reverse=True)


def test_search_statuses_and_routes(stores, facts):
    store, fact = stores["failures.db"], facts["failures.db"]
    rows = store.search("status:failed", limit=1000).items
    jobs = {row.id for row in rows if row.type == "Job"}
    assert jobs == {job for job, status in fact["job_status"].items() if status == "FAILED"}
    assert all(row.status == "FAILED" for row in rows)
    for row in rows[:5]:
        assert store.resolve(row.route).route == row.route


def test_search_syntax_errors_are_raised_for_the_ui(stores):
    from redun_tui.search import SearchSyntaxError

    store = stores["failures.db"]
    with pytest.raises(SearchSyntaxError) as caught:
        store.search('task:"unterminated')
    assert caught.value.position >= 0
    with pytest.raises(SearchSyntaxError):
        store.executions(search="status:")


def test_executions_search(stores, facts):
    store, fact = stores["failures.db"], facts["failures.db"]
    failed = store.executions(search="status:failed").items
    assert {row.id for row in failed} == {e for e, status in fact["exec_status"].items() if status == "FAILED"}
    # A search for jobs lists the executions those jobs ran in.
    explode = store.executions(search="task:failures.explode").items
    assert {row.id for row in explode} == {
        fact["job_exec"][job] for job, task in fact["job_task"].items() if task == "failures.explode"
    }
    starts = [row.start_time for row in explode]
    assert starts == sorted(starts, reverse=True)
    paged = _all_pages(lambda cursor, limit: store.executions(search="tag:user", cursor=cursor, limit=limit), 3)
    assert [row.id for row in paged] == [row.id for row in store.executions().items]
    assert store.executions(search="is:task").items == ()


# -- the same answers on PostgreSQL ----------------------------------------------------------


def _summary(store: Store) -> dict:
    """What the screens show, reduced to comparable plain data."""
    executions = _all_pages(store.executions, 3)
    summary: dict = {
        "executions": [(row.id, row.status, row.task_name, row.args, row.tags) for row in executions],
        "total": store.executions().total,
        "tasks": [(row.hash, row.fullname, row.job_count) for row in store.tasks().items],
        "files": [(row.path, row.value_hash, row.preview) for row in store.files().items],
        "search": [(row.type, row.id, row.status) for row in store.search("status:failed,cached", limit=1000).items],
        "exec_search": [row.id for row in store.executions(search="task:failures.explode").items],
        # Pages of two: the probe along the newest rows finds them (PROBE_ROWS).
        "search_pages": [
            (row.type, row.id)
            for row in _all_pages(lambda cursor, limit: store.search("task:failures.explode", cursor=cursor, limit=limit), 2)
        ],
        "exec_search_pages": [
            row.id
            for row in _all_pages(lambda cursor, limit: store.executions(search="tag:user", cursor=cursor, limit=limit), 2)
        ],
        "heartbeat_running": store.heartbeat().running,
    }
    for execution in executions:
        summary[execution.id] = (
            store.status_counts(execution.id[:8]),
            [
                (job.id, job.status, job.child_count)
                for job in _all_pages(lambda cursor, limit: store.jobs(execution.id, cursor=cursor, limit=limit), 4)
            ],
            [job.id for job in store.job_children(execution.id, None, status="FAILED").items],
        )
        root = store.execution(execution.id).root_job_id
        detail = store.job(root)
        summary[root] = (
            detail.row.status,
            [link.route for link in detail.trail],
            [(arg.name, arg.value.value_hash, arg.value.preview, arg.upstream_job_ids) for arg in detail.arguments],
            detail.result.preview if detail.result else None,
            detail.error.message if detail.error else None,
            [child.id for child in detail.children.items],
            detail.children.total,
        )
        if detail.result:
            value = store.value(detail.result.value_hash)
            summary[value.ref.value_hash] = (
                value.preview_text,
                value.size,
                [ref.value_hash for ref in value.subvalues],
                [use.job_id for use in value.produced_by],
                [line.text for line in store.dataflow(value.ref.value_hash, with_json=False).lines],
            )
    return summary


@pytest.mark.parametrize("fixture", ["failures.db", "seed_example.db"])
def test_same_answers_on_sqlite_and_postgresql(fixture, db_kind, make_db_url, stores):
    """The store's SQL (CASE statuses, CTEs, window functions, keyset pages) on both engines."""
    backend = open_backend(make_db_url(fixture))
    try:
        other = _summary(Store(backend))
    finally:
        backend.close()
    assert other == _summary(stores[fixture])


# -- calls in rows (issue 10: rows tell fan-out siblings apart) -----------------------------


def test_job_rows_carry_their_call(stores):
    store = stores["seed_example.db"]
    execution = store.executions().items[-1]
    root = store.job_children(execution.id, None).items[0]
    assert root.call.startswith("seedex.main(fastqs=[File(path=sample1.fastq")
    assert "ref_genome=File(path=ref_genome" in root.call
    listed = store.jobs(execution.id, task_name="align_reads").items
    calls = {job.call for job in listed}
    assert len(calls) == len(listed) == 4  # one per sample: the calls differ, not only the ids
    assert all(call.startswith("seedex.align_reads(File(path=sample") for call in calls)


def test_call_texts_are_bounded_and_literal(stores):
    from redun_tui.store.calls import CALL_LIMIT

    store = stores["values.db"]
    execution = next(row for row in store.executions().items if row.task_name == "valuesdemo.main")
    rows = store.jobs(execution.id, limit=500).items
    by_task = {}
    for job in rows:
        assert job.call_args is None or len(job.call_args) <= CALL_LIMIT
        by_task.setdefault(job.task_name.rsplit(".", 1)[-1], []).append(job)
    # 15 positional and keyword arguments: the first few, then "…".
    (many,) = by_task["many_args"]
    assert many.call_args.endswith("…")
    # A 1,000,110-byte string is never decoded for a row: redun's unread form.
    assert any("builtins.str(hash=8167c0df, size=1000110)" in (job.call_args or "") for job in rows)
    # Control characters stay escaped (repr), never raw.
    assert all("\x1b" not in (job.call_args or "") for job in rows)


def test_killed_job_has_no_call(stores):
    store = stores["failures.db"]
    killed = next(row for row in store.executions().items if row.status == "RUNNING")
    root = store.job_children(killed.id, None).items[0]
    assert root.call_args is None and root.call == root.task_name


def test_search_rows_say_what_they_are(stores):
    store = stores["seed_example.db"]
    files = store.search("file:*.vcf").items
    assert files and all(row.type == "Value" and row.detail.startswith("File(path=sample") for row in files)
    jobs = store.search("task:call_variants is:job").items
    assert jobs and all(row.detail.startswith("(File(path=sample") for row in jobs)
    executions = store.search("is:exec").items
    assert executions and all("workflow.py main" in row.detail for row in executions)


# -- free text (issue 10: a bare word as `redun console --find`) ----------------------------


def test_bare_word_matches_command_lines_case_insensitively(stores):
    store = stores["tags.db"]
    found = {(row.type, row.id[:8]) for row in store.search("ALICE").items}
    # 018da0b2 ran with `--user alice` (and carries user="alice"); nothing else says alice.
    assert found == {("Execution", "018da0b2")}
    found = {row.id[:8] for row in store.search("'--samples'").items}  # quoted: a word, not a flag
    assert found == {"018da0b2"}


def test_bare_word_matches_tag_values_of_every_record_type(stores):
    store = stores["tags.db"]
    found = {(row.type, row.id[:8]) for row in store.search("analyz").items}
    # step="analyze": a task and its jobs carry it.
    assert ("Task", "ed79039e") in found
    assert {"Job"} <= {kind for kind, _ in found}
    with store.backend.new_session() as session:
        tagged = set(session.execute(
            select(Tag.entity_id).where(Tag.is_current.is_(True), Tag.value.like('%analyz%'))
        ).scalars())
    assert {row.id for row in store.search("analyz", limit=500).items} == tagged
    # Superseded tag values do not match; ids still match by prefix, not substring.
    assert not [row for row in store.search("2c9e4d").items]


def test_bare_word_wildcards_are_literal(stores):
    store = stores["tags.db"]
    assert not store.search("al%ce").items and not store.search("al_ce").items


@pytest.mark.parametrize("db", ["seed_example.db", "failures.db", "values.db"])
def test_flat_list_sorts_by_duration_and_status(db, stores):
    """Issue 10: the flat list sortable by duration and status; pages of 3 equal one sort."""
    store = stores[db]
    rank = {"FAILED": 0, "RUNNING": 1, "DONE": 2, "CACHED": 3}
    for execution in store.executions().items:
        everything = store.jobs(execution.id, limit=5_000).items
        for order, key in (
            ("duration", lambda job: (-(job.duration.total_seconds()) if job.duration is not None else 1.0,)),
            ("status", lambda job: (rank[job.status], job.start_time, job.id)),
        ):
            paged, cursor = [], None
            while True:
                page = store.jobs(execution.id, cursor=cursor, limit=3, order=order)
                paged.extend(page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert sorted(job.id for job in paged) == sorted(job.id for job in everything)
            assert [key(job) for job in paged] == sorted(key(job) for job in paged), (order, execution.id)
            assert all(job.call_args is not None or job.call_hash is None or job.status == "RUNNING" for job in paged)
    with pytest.raises(StoreError):
        store.jobs(store.executions().items[0].id, order="size")
