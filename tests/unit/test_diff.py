"""Diff of two executions: pairing, reasons, the default comparison, JSON, statement count."""

from __future__ import annotations

import contextlib
import itertools
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from redun_tui.db.backend import RedunBackendDb
from redun_tui.store import NotFound, Store, StoreError
from redun_tui.store.diff import diff_json, pair_siblings
from redun_tui.views import DiffView

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED_A, SEED_CACHED, SEED_B = "af59d4e0", "00eeef5f", "b2ffcd8f"


@pytest.fixture
def seed_store(fixture_db):
    backend = RedunBackendDb(str(fixture_db("seed_example.db")), read_only=True)
    backend.load()
    yield Store(backend)
    backend.close()


def test_partly_cached_rerun_after_a_file_changed(seed_store):
    view = seed_store.diff(SEED_A, SEED_B)
    assert (view.a.id[:8], view.b.id[:8], view.chosen) == (SEED_A, SEED_B, False)
    s = view.summary
    assert (s.same, s.cached, s.changed, s.added, s.removed) == (6, 6, 5, 0, 0)
    changed = [pair for pair in view.pairs if pair.change == "changed"]
    assert [pair.task for pair in changed] == ["seedex.main", "seedex.align_reads_all", "seedex.align_reads",
                                               "seedex.call_variants_all", "seedex.call_variants"]
    align = changed[2]
    assert align.reasons == ("args", "result")
    [arg] = align.args
    assert arg.name == "fastq" and arg.a_path == arg.b_path == "sample3.fastq"
    assert arg.same_path_new_content and arg.a != arg.b
    assert arg.a_preview == f"File(path=sample3.fastq, hash={arg.a[:8]})"
    # The changes that explain the others come first: the input file, then what it made.
    assert [(cause.kind, cause.text) for cause in view.causes] == [("file", "sample3.fastq"), ("file", "sample3.bam")]
    # Within a parent, the pair with the changed File comes before the same ones.
    parent = view.pairs[align.parent]
    assert parent.children[0] == align.index
    assert [view.pairs[i].change for i in parent.children] == ["changed", "same", "same", "same"]


def test_fully_cached_rerun_is_all_same_and_counted_as_cached(seed_store):
    view = seed_store.diff(SEED_A, SEED_CACHED)
    s = view.summary
    assert (s.same, s.cached, s.changed, s.added, s.removed) == (11, 11, 0, 0, 0)
    assert diff_json(view)["pairs"] == []
    assert len(diff_json(view, all_pairs=True)["pairs"]) == 11


def test_default_a_is_the_previous_run_of_the_same_task(seed_store):
    view = seed_store.diff(None, SEED_B)
    assert view.chosen and view.a.id.startswith(SEED_CACHED)
    assert seed_store.diff(None, "-").b.id.startswith(SEED_B)  # `-` is the latest
    assert seed_store.diff(None, "~2").a.id.startswith(SEED_A)  # ~2: the second latest
    with pytest.raises(NotFound, match="no earlier run of seedex.main"):
        seed_store.diff(None, SEED_A)


def test_bad_ids_are_one_line_errors(seed_store):
    with pytest.raises(NotFound, match="no execution matches 'zzzz'"):
        seed_store.diff("zzzz", SEED_B)
    with pytest.raises(NotFound, match="~9"):
        seed_store.diff(None, "~9")
    with pytest.raises(StoreError, match="both sides"):
        seed_store.diff(SEED_B, SEED_B)


def test_json_has_exactly_the_documented_shape(seed_store):
    data = json.loads(json.dumps(diff_json(seed_store.diff(SEED_A, SEED_B), all_pairs=True)))
    assert set(data) == {"a", "b", "summary", "pairs"}
    assert set(data["a"]) == set(data["b"]) == {"id", "task", "status", "start"}
    assert data["a"]["task"] == "seedex.main" and data["a"]["status"] == "DONE"
    assert data["a"]["start"].startswith("2026-11-27T10:11:14")
    assert set(data["summary"]) == {"same", "cached", "changed", "added", "removed"}
    keys = {"change", "task", "a_job", "b_job", "a_call_hash", "b_call_hash", "reasons", "args",
            "a_status", "b_status", "a_duration", "b_duration"}
    for pair in data["pairs"]:
        assert set(pair) == keys
        assert pair["change"] in ("same", "changed", "added", "removed")
        assert set(pair["reasons"]) <= {"code", "args", "status", "result"}
        for arg in pair["args"]:
            assert set(arg) == {"name", "a", "b"}
        assert isinstance(pair["a_duration"], float)
    assert {"name": "fastq", "a": data["pairs"][2]["args"][0]["a"], "b": data["pairs"][2]["args"][0]["b"]} \
        == data["pairs"][2]["args"][0]


class _J:
    """A job for pair_siblings."""

    def __init__(self, id: str, call_hash: str | None, task: str) -> None:
        self.id, self.call_hash, self.task = id, call_hash, task


def test_diff_routes_parse_and_pass_through_resolve(seed_store):
    from redun_tui.store import routes

    assert routes.parse("diff/a1/b2/") == routes.Route("diff", "a1/b2")
    assert routes.diff_ids("a1/b2") == ("a1", "b2") and routes.diff_ids("b2") == (None, "b2")
    assert routes.diff("b2", "a1") == "diff/a1/b2" and routes.diff("b2") == "diff/b2"
    for bad in ("diff", "diff/", "diff/a/b/c"):
        with pytest.raises(routes.RouteError, match="diff/<idA>/<idB>"):
            routes.parse(bad)
    assert "diff/<idA>/<idB>" in str(pytest.raises(routes.RouteError, routes.parse, "nonsense/1").value)
    # The screen resolves its own ids (``-``, ``~N``, a default A): resolve leaves them as typed.
    assert seed_store.resolve("diff/~1/-").route == "diff/~1/-"


def test_siblings_pair_by_call_hash_then_task_in_start_order():
    a = [_J("a1", "h1", "t"), _J("a2", "h2", "t"), _J("a3", "h3", "u"), _J("a4", "h4", "t")]
    b = [_J("b1", "h9", "t"), _J("b2", "h1", "t"), _J("b3", "h8", "v"), _J("b4", "h7", "t")]
    pairs = [(x.id if x else None, y.id if y else None) for x, y in pair_siblings(a, b)]
    # h1 matches across positions; the other t jobs pair in start order; the rest are alone.
    assert pairs == [("a1", "b2"), ("a2", "b1"), ("a3", None), ("a4", "b4"), (None, "b3")]


def _reference_pairs(a: list[_J], b: list[_J]) -> list[tuple[str | None, str | None]]:
    """The pairing rule written plainly (a queue scan per job): the test's own reading of it."""
    left_b = list(b)
    pairs = []
    rest_a = []
    for job in a:  # equal call hash: the first B job of that hash still unpaired
        match = next((other for other in left_b if job.call_hash is not None and other.call_hash == job.call_hash), None)
        if match is None:
            rest_a.append(job)
        else:
            left_b.remove(match)
            pairs.append((job.id, match.id))
    for job in rest_a:  # then the same task name, in start order
        match = next((other for other in left_b if other.task == job.task), None)
        if match is not None:
            left_b.remove(match)
        pairs.append((job.id, match.id if match else None))
    return pairs + [(None, other.id) for other in left_b]


def test_sibling_pairing_matches_the_rule_on_random_families():
    # Duplicated and missing call hashes, shared task names, one side empty: every shortcut of
    # pair_by (same calls in the same order, each hash once, nothing left to match by task) and
    # its general path give what the plain rule gives.
    import random

    rng = random.Random(12)
    for case in range(3000):
        def family(side: str) -> list[_J]:
            size = rng.choice([0, 1, 2, 3, 5, 8])
            return [_J(f"{side}{i}", rng.choice(["h1", "h2", "h3", "h4", "h5", None]) if case % 3 else f"h{i}",
                       rng.choice("tuv")) for i in range(size)]

        a, b = family("a"), family("b")
        if case % 7 == 0:
            b = [_J(f"b{i}", job.call_hash, job.task) for i, job in enumerate(a)]  # a re-run's parent
        got = [(x.id if x else None, y.id if y else None) for x, y in pair_siblings(a, b)]
        assert got == _reference_pairs(a, b), (case, a, b)


@contextlib.contextmanager
def _statements(store, monkeypatch):
    """Counts every statement a store call runs (``count[0]``): through the engine, and through
    the driver's own cursor (``raw_rows``: not seen by the engine's events)."""
    import redun_tui.store.diff as diff_module
    import redun_tui.store.diff_args as args_module
    import redun_tui.store.diff_rows as rows_module

    count = [0]
    raw_rows = rows_module.raw_rows

    def counted(*args):
        count[0] += 1
        return raw_rows(*args)

    def on_execute(*_args):
        count[0] += 1

    for module in (rows_module, diff_module, args_module):
        monkeypatch.setattr(module, "raw_rows", counted)
    engine = store.backend.engine
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield count
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def test_statement_count_is_pinned_and_does_not_grow_with_jobs(seed_store, monkeypatch):
    counts = []
    with _statements(seed_store, monkeypatch) as count:
        # 11 jobs a side, 5 args-changed pairs; then without previews; then nothing changed (no
        # argument statements).
        for b, previews in ((SEED_B, True), (SEED_B, False), (SEED_CACHED, True)):
            count[0] = 0
            seed_store.diff(SEED_A, b, previews=previews)
            counts.append(count[0])
    # resolve A, B; each side's header; each side's jobs (every level at once); the task names;
    # the call nodes of the changed pairs; the arguments of the args-changed calls; the task
    # sources naming positional arguments; the value previews.
    assert counts == [11, 10, 7]


def test_statement_count_of_the_changes_only_view_is_pinned(seed_store, monkeypatch):
    counts = []
    with _statements(seed_store, monkeypatch) as count:
        for b, previews in ((SEED_B, True), (SEED_B, False), (SEED_CACHED, False)):
            count[0] = 0
            seed_store.diff(SEED_A, b, previews=previews, everything=False)
            counts.append(count[0])
    # As above, but a statement a side for the jobs, task names when first compared by task,
    # the shown jobs read whole and their task names (none shown when nothing changed).
    assert counts == [16, 15, 7]


# -- invariants on every pair of executions of every fixture database -----------------------------


def _fixture_pairs():
    for path in sorted(FIXTURES.glob("*.db")):
        engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        with engine.connect() as connection:
            try:
                ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM execution ORDER BY id"))]
            except sa.exc.OperationalError:
                ids = []
        engine.dispose()
        if path.name.startswith("old_"):
            continue  # old schemas: the browser asks to migrate them first
        yield path.name, ids


@pytest.mark.parametrize("db_name,ids", list(_fixture_pairs()), ids=lambda value: value if isinstance(value, str) else "")
def test_invariants_on_every_pair_of_executions(fixture_db, db_name, ids):
    backend = RedunBackendDb(str(fixture_db(db_name)), read_only=True)
    backend.load()
    store = Store(backend)
    try:
        with backend.new_session() as session:
            jobs = {execution_id: {row[0]: row[1:] for row in session.execute(
                sa.text("SELECT j.id, j.task_hash, c.args_hash FROM job j LEFT JOIN call_node c "
                        "ON c.call_hash = j.call_hash WHERE j.execution_id = :e"), {"e": execution_id})}
                for execution_id in ids}
        for a_id, b_id in itertools.permutations(ids, 2):
            view = store.diff(a_id, b_id, previews=False)
            _check(view, jobs[a_id], jobs[b_id])
    finally:
        backend.close()


def _check(view: DiffView, a_jobs: dict, b_jobs: dict) -> None:
    a_seen = [pair.a_job for pair in view.pairs if pair.a_job is not None]
    b_seen = [pair.b_job for pair in view.pairs if pair.b_job is not None]
    assert sorted(a_seen) == sorted(a_jobs) and sorted(b_seen) == sorted(b_jobs)  # each job once a side
    s = view.summary
    assert s.same + s.changed + s.added + s.removed == len(view.pairs)
    for pair in view.pairs:
        if pair.a_job is None or pair.b_job is None:
            assert pair.change == ("added" if pair.a_job is None else "removed")
            continue
        equal_calls = pair.a_call_hash is not None and pair.a_call_hash == pair.b_call_hash
        assert (pair.change == "same") == equal_calls
        assert ("code" in pair.reasons) == (not equal_calls and pair.a_task_hash != pair.b_task_hash)
        a_args, b_args = a_jobs[pair.a_job][1], b_jobs[pair.b_job][1]
        differ = a_args is not None and b_args is not None and a_args != b_args
        assert ("args" in pair.reasons) == (not equal_calls and differ)
        if pair.args:
            assert "args" in pair.reasons
        for child in pair.children:
            assert view.pairs[child].parent == pair.index


# -- one fixture per reason: tests/fixtures/diff_cases.db (nine runs of diffex.main) --------------

@pytest.fixture
def cases(fixture_db):
    backend = RedunBackendDb(str(fixture_db("diff_cases.db")), read_only=True)
    backend.load()
    store = Store(backend)
    # Run k of the build script (1 = baseline … 9 = children removed) against its previous run.
    yield lambda run: store.diff(None, f"~{10 - run}", previews=True)
    backend.close()


def _changed(view: DiffView, task: str) -> list:
    return [pair for pair in view.pairs if pair.task == f"diffex.{task}" and pair.change == "changed"]


def test_reason_fully_cached(cases):
    view = cases(2)
    assert view.summary.changed == view.summary.added == view.summary.removed == 0
    assert view.summary.same == view.summary.cached > 0


def test_reason_code_change(cases):
    view = cases(3)
    scores = _changed(view, "score")
    assert scores and all("code" in pair.reasons for pair in scores)
    assert [(cause.kind, cause.text, cause.count) for cause in view.causes][:1] == [("code", "diffex.score", 3)]


def test_reason_argument_change(cases):
    view = cases(4)
    main = view.pairs[view.roots[0]]
    assert "args" in main.reasons
    [threshold] = [arg for arg in main.args if arg.name == "threshold"]
    assert (threshold.a_preview, threshold.b_preview) == ("3", "5")
    assert all(arg.name == "threshold" for pair in _changed(view, "score") for arg in pair.args)


def test_reason_same_path_new_content(cases):
    view = cases(5)
    [count] = _changed(view, "count_reads")
    [reads] = count.args
    assert reads.name == "reads" and reads.a_path == reads.b_path == "data/s2.txt" and reads.same_path_new_content
    assert view.causes[0].kind == "file" and view.causes[0].text == "data/s2.txt"


def test_reason_children_added_then_removed(cases):
    added = cases(6)
    assert added.summary.added == 2 and {p.task for p in added.pairs if p.change == "added"} == {
        "diffex.count_reads", "diffex.score"}
    removed = cases(9)
    assert removed.summary.removed == 4 and removed.summary.added == 0


def test_reason_failed_then_passed(cases):
    failed = cases(7)
    assert failed.b.status == "FAILED" and "status" in failed.pairs[failed.roots[0]].reasons
    passed = cases(8)
    [count] = [pair for pair in _changed(passed, "count_reads") if pair.a_status == "FAILED"]
    assert count.b_status == "DONE" and "status" in count.reasons
    assert passed.summary.cached > 0  # the partly cached re-run: the other samples hit the cache
