"""The downstream walk (issue 14) against a brute-force closure, on every value of every fixture.

The brute force reads whole tables with plain SQL and relaxes depths to a fixed point (no
levels, no batching), so it shares nothing with the walk but the definition: a call consumes
the values of its arguments and their subvalues; it derives its result and the result's
subvalues; depths are the smallest over every path.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import event

from redun_tui.commands.common import open_db
from redun_tui.store import downstream as ds

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Every fixture the browser opens: old_v2_0/old_v3_0 are seed_example.db at older schemas, which
# redun-tui refuses to read until upgraded (they exist for the migration tests).
DATABASES = sorted(path.name for path in FIXTURES.glob("*.db") if not path.name.startswith("old_v"))
INF = float("inf")


class BruteForce:
    """The whole consumption graph of a database, read with plain SQL."""

    def __init__(self, path: Path) -> None:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            self.results = dict(connection.execute("SELECT call_hash, value_hash FROM call_node"))
            self.children: dict[str, set[str]] = defaultdict(set)
            for parent, child in connection.execute("SELECT parent_value_hash, value_hash FROM subvalue"):
                self.children[parent].add(child)
            self.arguments: dict[str, list[tuple[int | None, str | None, str]]] = defaultdict(list)
            for call, position, key, value in connection.execute(
                "SELECT call_hash, arg_position, arg_key, value_hash FROM argument"
            ):
                if call in self.results:
                    self.arguments[call].append((position, key, value))
            self.jobs: dict[str, set[str]] = defaultdict(set)
            self.job_execution: dict[str, str] = {}
            for job_id, call, execution in connection.execute("SELECT id, call_hash, execution_id FROM job"):
                if call is not None:
                    self.jobs[call].add(job_id)
                    self.job_execution[job_id] = execution
            self.execution_order = [
                row[0]
                for row in connection.execute(
                    "SELECT e.id FROM execution e LEFT JOIN job j ON j.id = e.job_id "
                    "ORDER BY j.start_time IS NULL, j.start_time DESC, e.id DESC"
                )
            ]
            self.values = [row[0] for row in connection.execute("SELECT value_hash FROM value ORDER BY value_hash")]
            self.files = defaultdict(list)
            for value_hash, file_path in connection.execute("SELECT value_hash, path FROM file"):
                self.files[file_path].append(value_hash)
        finally:
            connection.close()

    def consumed(self, call: str) -> set[str]:
        return {held for _, _, value in self.arguments[call] for held in {value} | self.children[value]}

    def closure(self, roots: list[str], depth_limit: int | None = None):
        """(call depths, derived value depths) by relaxation to a fixed point."""
        value_depth: dict[str, float] = {root: 0 for root in roots}
        call_depth: dict[str, float] = {}
        changed = True
        while changed:
            changed = False
            for call in self.arguments:
                reached = [value_depth[v] for v in self.consumed(call) if v in value_depth]
                if not reached:
                    continue
                depth = min(reached) + 1
                if depth_limit is not None and depth > depth_limit:
                    continue
                if depth < call_depth.get(call, INF):
                    call_depth[call] = depth
                    changed = True
            for call, depth in call_depth.items():
                result = self.results[call]
                for value in {result} | self.children[result]:
                    if depth < value_depth.get(value, INF):
                        value_depth[value] = depth
                        changed = True
        derived = {value: depth for value, depth in value_depth.items() if depth > 0}
        return call_depth, derived

    def executions(self, calls) -> list[str]:
        used = {self.job_execution[job] for call in calls for job in self.jobs[call]}
        return [execution for execution in self.execution_order if execution in used]


def _check(brute: BruteForce, view: ds.DownstreamView, roots: list[str], depth_limit: int | None = None) -> None:
    call_depth, derived = brute.closure(roots, depth_limit)
    assert {call.call_hash: call.depth for call in view.calls} == call_depth
    assert len(view.calls) == len(call_depth), "each call once"
    assert {value.hash: value.depth for value in view.values} == derived
    assert len(view.values) == len(derived), "each value once"
    depths = {value.hash: value.depth for value in view.values} | {root: 0 for root in roots}
    for call in view.calls:
        assert call.from_value in brute.consumed(call.call_hash)
        assert depths[call.from_value] == call.depth - 1
        assert call.result == brute.results[call.call_hash]
        assert set(call.jobs) == brute.jobs[call.call_hash]
        assert set(call.executions) == {brute.job_execution[job] for job in call.jobs}
        via = [
            (position, key)
            for position, key, value in brute.arguments[call.call_hash]
            if any(depths.get(held) == call.depth - 1 for held in {value} | brute.children[value])
        ]
        assert len(call.arguments) == len(set(via))
    for value in view.values:
        assert value.via_call in call_depth and call_depth[value.via_call] == value.depth
    assert [execution.id for execution in view.executions] == brute.executions(call_depth)
    assert [call.depth for call in view.calls] == sorted(call.depth for call in view.calls)


@pytest.fixture(scope="module")
def backends():
    opened = {}
    yield lambda name: opened.setdefault(name, open_db(str(FIXTURES / name)))
    for backend in opened.values():
        backend.close()


@pytest.mark.parametrize("name", DATABASES)
def test_every_value_matches_the_brute_force_closure(name: str, backends) -> None:
    brute = BruteForce(FIXTURES / name)
    backend = backends(name)
    with backend.new_session() as session:
        for value_hash in brute.values:
            view = ds.downstream(session, value_hash)
            _check(brute, view, [value_hash])
            assert view.truncated is False
            assert [root.hash for root in view.roots] == [value_hash]


@pytest.mark.parametrize("name", DATABASES)
def test_every_file_path_and_depth_limit_matches(name: str, backends) -> None:
    brute = BruteForce(FIXTURES / name)
    backend = backends(name)
    with backend.new_session() as session:
        for path, versions in sorted(brute.files.items()):
            view = ds.downstream(session, "", path=path)
            _check(brute, view, sorted(versions))
            assert view.target == path and view.file_path == path
            for depth_limit in (1, 2):
                limited = ds.downstream(session, "", path=path, depth_limit=depth_limit)
                _check(brute, limited, sorted(versions), depth_limit)
                assert limited.depth_limit == depth_limit


def _full(session, prefix: str) -> str:
    from sqlalchemy import select

    from redun_tui.db.models import Value

    return session.execute(select(Value.value_hash).where(Value.value_hash.like(prefix + "%"))).scalar_one()


def test_the_fixture_readme_answers(backends) -> None:
    """downstream.db: the answers written in tests/fixtures/README.md."""
    with backends("downstream.db").new_session() as session:
        ref = ds.downstream(session, _full(session, "5a8b8b0b"))
        by_depth = defaultdict(set)
        for call in ref.calls:
            by_depth[call.depth].add((call.task.split(".")[-1], call.call_hash[:8]))
        assert by_depth == {
            1: {("align_main", "7055382d"), ("index_ref", "3cb5b22c"), ("align", "4a2be751"), ("align", "84b345a6"),
                ("align", "cf685e19"), ("make_bundle", "4430f1c9")},
            2: {("merge_bams", "df5ab7e6"), ("gc_report", "0d7d2a7a"), ("kmer_table", "e27cd068"), ("final", "fff2319e")},
            3: {("count_variants", "8d9ae928")},
            4: {("report", "fdf331d1")},
        }
        assert len(ref.values) == 15
        arguments = {call.call_hash[:8]: call.arguments for call in ref.calls}
        assert arguments["4430f1c9"] == ("inputs", "extras")
        assert arguments["4a2be751"] == ("ref",)
        assert arguments["df5ab7e6"] == ("bams",)
        assert arguments["fff2319e"] == ("parts",)
        assert [e.id[:8] for e in ref.executions] == ["f47c7651", "2d013900", "f98ba205"]
        make_bundle = next(call for call in ref.calls if call.call_hash.startswith("4430f1c9"))
        assert len(make_bundle.jobs) == 2

        second = ds.downstream(session, _full(session, "c60338db"))
        assert len(second.calls) == 7 and len(second.values) == 6
        assert {e.id[:8] for e in second.executions} == {"5405a9e6"}

        both = ds.downstream(session, "", path="data/ref.txt")
        assert len(both.calls) == 19 and len(both.values) == 21
        assert [e.id[:8] for e in both.executions] == ["5405a9e6", "f47c7651", "2d013900", "f98ba205"]
        assert [(task, execution[:8]) for task, execution in both.newest_by_task] == [
            ("downex.align_main", "5405a9e6"), ("downex.derive_main", "f47c7651")]
        # The value screen's toggle: a File value with all_versions is the same walk.
        toggled = ds.downstream(session, _full(session, "5a8b8b0b"), all_versions=True)
        assert toggled.calls == both.calls and len(toggled.roots) == 2

        other = ds.downstream(session, "", path="data/other_ref.txt")
        assert [e.id[:8] for e in other.executions] == ["014136a8"]


def test_json_shape(backends) -> None:
    with backends("downstream.db").new_session() as session:
        document = ds.to_json(ds.downstream(session, _full(session, "5a8b8b0b"), limit=3))
    assert list(document) == ["target", "depth_limit", "truncated", "calls", "values", "executions"]
    assert document["truncated"] is True and len(document["calls"]) == 3
    assert list(document["calls"][0]) == ["call_hash", "task", "depth", "from_value", "arguments", "result", "jobs",
                                          "executions"]
    assert list(document["values"][0]) == ["hash", "type", "depth", "preview"]
    assert list(document["executions"][0]) == ["id", "task", "status", "start"]
    assert document["executions"][0]["start"].endswith("+00:00")
    assert document["values"][0]["type"] == "redun.File"


def test_limit_exactly_met_is_not_truncated(backends) -> None:
    with backends("downstream.db").new_session() as session:
        value_hash = _full(session, "c60338db")
        assert ds.downstream(session, value_hash, limit=7).truncated is False
        assert ds.downstream(session, value_hash, limit=6).truncated is True


def test_a_view_without_previews_fills_to_the_same_view(backends) -> None:
    """previews=False (the screen's read): the same walk; its previews read later are the same."""
    with backends("downstream.db").new_session() as session:
        for prefix in ("5a8b8b0b", "c60338db"):
            value_hash = _full(session, prefix)
            full = ds.downstream(session, value_hash, all_versions=True)
            bare = ds.downstream(session, value_hash, all_versions=True, previews=False)
            assert bare.previews is False and all(v.preview is None and v.type == "" for v in bare.values)
            assert (bare.calls, bare.roots, bare.executions) == (full.calls, full.roots, full.executions)
            with pytest.raises(ValueError):
                ds.to_json(bare)
            assert ds.with_previews(session, bare) == full
            hashes = [v.hash for v in full.values] + ["0" * 40]
            assert ds.value_previews(session, hashes) == {v.hash: v.preview for v in full.values} | {
                "0" * 40: ds.MISSING_PREVIEW}


# -- the screen's read -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["downstream.db", "dataflow_shapes.db", "values.db"])
def test_the_screen_read_completes_to_the_cli_view(name: str, backends, monkeypatch) -> None:
    """jobs_page: only the first calls under each root carry jobs and nothing of the impact list
    is read; :func:`complete` (the export) then gives the CLI's view exactly."""
    monkeypatch.setattr(ds, "ALL_JOBS_UP_TO", 0)  # the fixtures are small: exercise the partial read
    brute = BruteForce(FIXTURES / name)
    with backends(name).new_session() as session:
        for value_hash in brute.values:
            full = ds.downstream(session, value_hash, all_versions=True)
            first = ds.downstream(session, value_hash, all_versions=True, previews=False, jobs_page=1)
            assert first.impact is False and first.executions == () and first.newest_by_task == ()
            assert [c.call_hash for c in first.calls] == [c.call_hash for c in full.calls]
            if full.calls:
                # Each root's first consumer carries its jobs; the rest wait for call_jobs.
                expected = {next(c.call_hash for c in full.calls if c.from_value == root.hash)
                            for root in full.roots if any(c.from_value == root.hash for c in full.calls)}
                assert (first.jobs_known or frozenset(c.call_hash for c in full.calls)) == expected
            with pytest.raises(ValueError):
                ds.to_json(first)
            assert ds.complete(session, first) == full
            executions, newest = ds.impact(session, [c.call_hash for c in full.calls])
            assert (executions, newest) == (full.executions, full.newest_by_task)
            jobs = ds.call_jobs(session, [c.call_hash for c in full.calls])
            assert {h: jobs[h] for h in jobs} == {c.call_hash: (c.jobs, c.executions) for c in full.calls}


def test_a_listing_cut_in_sql_is_the_full_walk_cut(backends, monkeypatch) -> None:
    """On SQLite a level is cut in SQL (calls seen before left out, by task name then hash): for
    every limit the calls listed are the first ones of the uncut walk, as the other dialects'
    path (every row to Python) lists them."""
    from redun_tui.store import downstream_sql

    with backends("downstream.db").new_session() as session:
        root = _full(session, "5a8b8b0b")
        full = ds.downstream(session, root, all_versions=True)
        cut = [ds.downstream(session, root, all_versions=True, limit=n) for n in range(1, len(full.calls) + 1)]
        monkeypatch.setattr(downstream_sql, "is_sqlite", lambda session: False)
        monkeypatch.setattr(ds, "is_sqlite", lambda session: False)
        other = [ds.downstream(session, root, all_versions=True, limit=n) for n in range(1, len(full.calls) + 1)]
        # The impact list without the rowid form (IN lists, as on PostgreSQL): the same.
        assert ds.impact(session, [c.call_hash for c in full.calls]) == (full.executions, full.newest_by_task)
    for n, (view, elsewhere) in enumerate(zip(cut, other), start=1):
        assert view.calls == full.calls[:n]
        assert view.truncated is (n < len(full.calls))
        assert ds.to_json(view) == ds.to_json(elsewhere)


# -- crafted databases ------------------------------------------------------------------------


def _crafted(tmp_path: Path, sql: str) -> Path:
    path = tmp_path / "crafted.db"
    shutil.copyfile(FIXTURES / "downstream.db", path)
    connection = sqlite3.connect(path)
    with connection:
        connection.executescript(sql)
    connection.close()
    return path


def _value(path: Path, prefix: str) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT value_hash FROM value WHERE value_hash LIKE ?", (prefix + "%",)).fetchone()[0]
    finally:
        connection.close()


CYCLES = """
-- count_variants' result (depth 3) holds the root: the root comes back as a subvalue.
INSERT INTO subvalue (value_hash, parent_value_hash)
  SELECT (SELECT value_hash FROM value WHERE value_hash LIKE '5a8b8b0b%'),
         (SELECT value_hash FROM value WHERE value_hash LIKE '7208eb5b%');
-- align_main takes its own result as an argument (a self-loop).
INSERT INTO argument (arg_hash, call_hash, value_hash, arg_position, arg_key)
  SELECT 'cyclearg1', call_hash, value_hash, NULL, 'again' FROM call_node WHERE call_hash LIKE '7055382d%';
-- a call that reads the merged bam (depth 2) and returns the root itself.
INSERT INTO call_node (call_hash, task_name, task_hash, args_hash, value_hash, timestamp)
  SELECT 'cyclecall1', task_name, task_hash, 'cycleargs', (SELECT value_hash FROM value WHERE value_hash LIKE '5a8b8b0b%'),
         timestamp FROM call_node WHERE call_hash LIKE '3cb5b22c%';
INSERT INTO argument (arg_hash, call_hash, value_hash, arg_position, arg_key)
  SELECT 'cyclearg2', 'cyclecall1', value_hash, 0, NULL FROM value WHERE value_hash LIKE '8834b40c%';
-- and a subvalue loop between two derived values.
INSERT INTO subvalue (value_hash, parent_value_hash)
  SELECT (SELECT value_hash FROM value WHERE value_hash LIKE '134d2123%'),
         (SELECT value_hash FROM value WHERE value_hash LIKE '6f0f2b51%');
"""


def test_a_crafted_cycle_terminates_and_reports_each_call_once(tmp_path: Path) -> None:
    path = _crafted(tmp_path, CYCLES)
    brute = BruteForce(path)
    backend = open_db(str(path))
    try:
        with backend.new_session() as session:
            root = _value(path, "5a8b8b0b")
            view = ds.downstream(session, root)
            _check(brute, view, [root])
            hashes = [call.call_hash for call in view.calls]
            assert len(hashes) == len(set(hashes)) == 13
            assert "cyclecall1" in hashes
            assert root not in {value.hash for value in view.values}
            for value_hash in brute.values:  # every value of the crafted database
                _check(brute, ds.downstream(session, value_hash), [value_hash])
    finally:
        backend.close()


# -- statements per level ---------------------------------------------------------------------


class _Counter:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args) -> None:
        self.count += 1


def _statements(path: Path, prefix: str, **kwargs) -> tuple[int, ds.DownstreamView]:
    backend = open_db(str(path))
    try:
        with backend.new_session() as session:
            value_hash = _value(path, prefix)
            session.connection()  # the connection's own set-up statements are not the walk's
            with _Counter(backend.engine) as counter:
                view = ds.downstream(session, value_hash, **kwargs)
            return counter.count, view
    finally:
        backend.close()


WIDEN = """
-- 300 more calls read the root directly, each with a job in the first execution and a new
-- result value: the first level grows 50-fold.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO value (value_hash, type, format, value) SELECT 'wide-v' || i, 'builtins.int', 'application/python-pickle', X'80034b012e' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO call_node (call_hash, task_name, task_hash, args_hash, value_hash, timestamp)
  SELECT 'wide-c' || i, c.task_name, c.task_hash, 'wide-a' || i, 'wide-v' || i, c.timestamp
  FROM n, call_node c WHERE c.call_hash LIKE '3cb5b22c%';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO argument (arg_hash, call_hash, value_hash, arg_position, arg_key)
  SELECT 'wide-arg' || i, 'wide-c' || i, (SELECT value_hash FROM value WHERE value_hash LIKE '5a8b8b0b%'), 0, NULL FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO job (id, start_time, end_time, task_hash, cached, call_hash, parent_id, execution_id)
  SELECT 'wide-j' || i, j.start_time, j.end_time, j.task_hash, 0, 'wide-c' || i, j.parent_id, j.execution_id
  FROM n, job j WHERE j.call_hash LIKE '3cb5b22c%';
"""


def test_statements_per_level_do_not_grow_with_width(tmp_path: Path) -> None:
    """The same levels cost the same statements with 6 or 306 calls on the first level."""
    original, view = _statements(FIXTURES / "downstream.db", "5a8b8b0b")
    wide, wide_view = _statements(_crafted(tmp_path, WIDEN), "5a8b8b0b")
    assert len(wide_view.calls) == len(view.calls) + 300
    assert wide == original
    # 4 levels and the empty fifth: at most 3 statements a level, then file path, jobs,
    # executions, previews.
    assert original <= 3 * 5 + 4


def test_the_screen_read_costs_the_same_statements_whatever_the_width(tmp_path: Path, monkeypatch) -> None:
    """The screen's first read (jobs of a page, no impact list) and its impact read: the same
    statements with 6 or 306 calls on the first level, and no more than the full read's."""
    monkeypatch.setattr(ds, "ALL_JOBS_UP_TO", 0)
    first, view = _statements(FIXTURES / "downstream.db", "5a8b8b0b", previews=False, jobs_page=2)
    wide, wide_view = _statements(_crafted(tmp_path, WIDEN), "5a8b8b0b", previews=False, jobs_page=2)
    full, _ = _statements(FIXTURES / "downstream.db", "5a8b8b0b")
    assert len(wide_view.calls) == len(view.calls) + 300 and len(wide_view.jobs_known) == len(view.jobs_known) == 2
    assert wide == first < full
    for path in (FIXTURES / "downstream.db", tmp_path / "crafted.db"):
        backend = open_db(str(path))
        try:
            with backend.new_session() as session:
                session.connection()
                calls = [call.call_hash for call in ds.downstream(session, _value(path, "5a8b8b0b")).calls]
                with _Counter(backend.engine) as counter:
                    ds.impact(session, calls)
                assert counter.count == 1
        finally:
            backend.close()


def test_statements_grow_by_a_constant_per_level(tmp_path: Path) -> None:
    """Depth limits 1..4 on the same target: each extra level costs the same few statements."""
    counts = [_statements(FIXTURES / "downstream.db", "c60338db", depth_limit=limit)[0] for limit in (1, 2, 3, 4)]
    steps = {later - earlier for earlier, later in zip(counts, counts[1:])}
    assert len(steps) == 1 and steps.pop() <= 3, counts


# -- PostgreSQL -------------------------------------------------------------------------------


def test_same_walk_on_postgresql_and_sqlite(make_db_url, db_kind) -> None:
    """The dialect paths (json_each on SQLite, IN lists elsewhere) give the same document."""
    from redun_tui.store import Store

    expected_backend = open_db(str(FIXTURES / "downstream.db"))
    backend = open_db(make_db_url("downstream.db"))
    try:
        with expected_backend.new_session() as session:
            ref = _full(session, "5a8b8b0b")
            expected = ds.to_json(ds.downstream(session, ref, all_versions=True))
            expected_limited = ds.to_json(ds.downstream(session, ref, depth_limit=2, limit=5))
        store = Store(backend)
        full = store.downstream(ref[:8], all_versions=True)
        assert ds.to_json(full) == expected
        assert ds.to_json(store.downstream(ref, depth_limit=2, limit=5)) == expected_limited
        # The screen's reads: the first (no impact list), the impact list, the rest of the jobs.
        first = store.downstream(ref, all_versions=True, previews=False, jobs_page=1)
        assert first.impact is False
        assert store.downstream_impact(c.call_hash for c in full.calls) == (full.executions, full.newest_by_task)
        assert ds.to_json(store.downstream_complete(first)) == expected
    finally:
        backend.close()
        expected_backend.close()
