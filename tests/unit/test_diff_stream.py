"""``redun-tui diff --json`` is streamed: the pieces are the bytes of the whole document."""

from __future__ import annotations

import itertools
import json
from contextlib import contextmanager

from test_diff import _fixture_pairs

from redun_tui.db.backend import RedunBackendDb
from redun_tui.store import Store
from redun_tui.store.diff_json import CHUNK_PAIRS, diff_json, json_chunks


@contextmanager
def _store(path):
    backend = RedunBackendDb(str(path), read_only=True)
    backend.load()
    try:
        yield Store(backend)
    finally:
        backend.close()


def test_streamed_json_equals_the_whole_document_on_every_pair_of_executions(fixture_db):
    databases = list(_fixture_pairs())
    assert len(databases) >= 5
    for db_name, ids in databases:
        with _store(fixture_db(db_name)) as store:
            for a_id, b_id in itertools.permutations(ids, 2):
                view = store.diff(a_id, b_id, previews=False)
                for all_pairs in (False, True):
                    whole = json.dumps(diff_json(view, all_pairs), indent=None)
                    assert "".join(json_chunks(view, all_pairs)) == whole, (db_name, a_id, b_id, all_pairs)
                # The store's records (made without frozen pairs) are the frozen pairs' records.
                for index, pair in enumerate(view.pairs):
                    assert view.pairs.record(index) == _record_of(pair), (db_name, a_id, b_id, index)


def _record_of(pair):
    """The documented ``pairs`` entry, written from a frozen pair's fields."""
    return {"change": pair.change, "task": pair.task, "a_job": pair.a_job, "b_job": pair.b_job,
            "a_call_hash": pair.a_call_hash, "b_call_hash": pair.b_call_hash, "reasons": list(pair.reasons),
            "args": [{"name": arg.name, "a": arg.a, "b": arg.b} for arg in pair.args],
            "a_status": pair.a_status, "b_status": pair.b_status,
            "a_duration": pair.a_duration, "b_duration": pair.b_duration}


def test_streamed_json_across_chunk_boundaries(fixture_db, monkeypatch):
    with _store(fixture_db("seed_example.db")) as store:
        view = store.diff("af59d4e0", "b2ffcd8f", previews=False)
        whole = json.dumps(diff_json(view, True), indent=None)
        assert len(view.pairs) > 3 and CHUNK_PAIRS > 3
        for size in (1, 2, 3, len(view.pairs), len(view.pairs) + 1):
            monkeypatch.setattr("redun_tui.store.diff_json.CHUNK_PAIRS", size)
            chunks = list(json_chunks(view, True))
            assert "".join(chunks) == whole
            assert json.loads("".join(chunks))["pairs"][0]["a_job"] is not None


def test_collection_paused_restores_the_collector_and_settles_big_pauses():
    import gc

    from redun_tui.store.diff_json import SETTLE_OBJECTS, collection_paused

    assert gc.isenabled()
    with collection_paused(settle=True):
        assert not gc.isenabled()
        kept = [[] for _ in range(SETTLE_OBJECTS + 10_000)]
        assert gc.get_count()[0] > SETTLE_OBJECTS
    assert gc.isenabled()
    assert gc.get_count()[0] < SETTLE_OBJECTS  # moved to the oldest generation: the young one is empty again
    assert gc.get_freeze_count() == 0  # frozen only for the move: every object can still be collected
    assert len(kept) > SETTLE_OBJECTS
    gc.disable()
    try:
        with collection_paused(settle=True):
            pass
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()
    assert len(kept) > SETTLE_OBJECTS


def test_failed_jobs_are_the_same_with_the_set_of_failed_calls_or_the_sql_probe(fixture_db, monkeypatch):
    # Past FAILED_SET_MAX failed calls the jobs statement probes them itself: the same diff.
    for db_name, ids in _fixture_pairs():
        with _store(fixture_db(db_name)) as store:
            for a_id, b_id in list(itertools.permutations(ids, 2))[:30]:
                monkeypatch.setattr("redun_tui.store.diff.FAILED_SET_MAX", 100_000)
                with_set = store.diff(a_id, b_id, previews=False)
                monkeypatch.setattr("redun_tui.store.diff.FAILED_SET_MAX", 0)
                probed = store.diff(a_id, b_id, previews=False)
                assert list(with_set.pairs) == list(probed.pairs), (db_name, a_id, b_id)
                assert with_set.summary == probed.summary
