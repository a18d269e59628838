"""The changes-only diff (``everything=False``: the first screen, text and ``--json``) shows
exactly what the view of every pair shows without ``--all``."""

from __future__ import annotations

import itertools
import shutil
import sqlite3

import pytest
from test_diff import _fixture_pairs
from test_diff_stream import _store

from redun_tui.commands.diff import text_lines
from redun_tui.store.diff_json import json_chunks


def _shown(view) -> tuple:
    """What the changes-only tree, text and --json are made of (indices aside)."""
    pairs = view.pairs
    kept = [pairs[i] for i in range(len(pairs)) if pairs.has_changes(i)]
    tree = [(p.depth, p.change, p.task, p.a_job, p.b_job, p.reasons, p.args, p.a_status, p.b_status,
             p.a_duration, p.b_duration, p.a_result, p.b_result,
             tuple(pairs[c].b_job or pairs[c].a_job for c in p.children if pairs.has_changes(c))) for p in kept]
    roots = [pairs[i].b_job or pairs[i].a_job for i in view.roots if pairs.has_changes(i)]
    causes = [(c.kind, c.text, c.a, c.b, c.count, pairs[c.pair].b_job) for c in view.causes]
    return (view.summary, tree, roots, causes, text_lines(view), "".join(json_chunks(view)))


@pytest.mark.parametrize("failed_max", [100_000, 0])  # the set of failed calls, or the SQL probe
def test_changes_only_shows_what_every_pair_shows_on_every_pair_of_executions(fixture_db, monkeypatch, failed_max):
    monkeypatch.setattr("redun_tui.store.diff.FAILED_SET_MAX", failed_max)
    for db_name, ids in _fixture_pairs():
        with _store(fixture_db(db_name)) as store:
            for a_id, b_id in itertools.permutations(ids, 2):
                full = store.diff(a_id, b_id)
                changes = store.diff(a_id, b_id, everything=False)
                assert full.complete and not changes.complete
                assert _shown(changes) == _shown(full), (db_name, a_id, b_id)
                assert all(changes.pairs.has_changes(i) for i in range(len(changes.pairs)))


def test_a_start_time_that_is_not_text_falls_back_to_every_pair(fixture_db, tmp_path):
    path = tmp_path / "bad.db"
    shutil.copy(fixture_db("seed_example.db"), path)
    db = sqlite3.connect(path)
    db.execute("UPDATE job SET start_time = 12345 WHERE id = (SELECT id FROM job ORDER BY id LIMIT 1)")
    db.commit()
    db.close()
    db_name_ids = dict(_fixture_pairs())["seed_example.db"]
    fell_back = []
    with _store(path) as store:
        for a_id, b_id in itertools.permutations(db_name_ids, 2):
            full = store.diff(a_id, b_id)
            view = store.diff(a_id, b_id, everything=False)
            fell_back.append(view.complete)  # every pair, built the object way
            assert text_lines(view) == text_lines(full)
            assert "".join(json_chunks(view)) == "".join(json_chunks(full))
    assert any(fell_back) and not all(fell_back)  # the diffs with the bad job's execution


def test_jobs_outside_the_tree_and_cycles_pair_the_same_way(fixture_db, tmp_path):
    # Bad data: a job whose parent is not in its execution, and two jobs each other's parent.
    path = tmp_path / "orphans.db"
    shutil.copy(fixture_db("seed_example.db"), path)
    db = sqlite3.connect(path)
    jobs = db.execute("SELECT id, execution_id FROM job WHERE parent_id IS NOT NULL ORDER BY execution_id, id").fetchall()
    by_execution: dict[str, list[str]] = {}
    for job_id, execution_id in jobs:
        by_execution.setdefault(execution_id, []).append(job_id)
    for number, job_ids in enumerate(by_execution.values()):
        db.execute("UPDATE job SET parent_id = 'nowhere' WHERE id = ?", (job_ids[0],))
        if number % 2 and len(job_ids) > 2:
            db.execute("UPDATE job SET parent_id = ? WHERE id = ?", (job_ids[2], job_ids[1]))
            db.execute("UPDATE job SET parent_id = ? WHERE id = ?", (job_ids[1], job_ids[2]))
    db.commit()
    db.close()
    with _store(path) as store:
        for a_id, b_id in itertools.permutations(dict(_fixture_pairs())["seed_example.db"], 2):
            full = store.diff(a_id, b_id)
            changes = store.diff(a_id, b_id, everything=False)
            assert not changes.complete
            assert _shown(changes) == _shown(full), (a_id, b_id)
            assert len(full.roots) > 1  # jobs outside the tree were paired as tops


@pytest.mark.parametrize("db_name", ["seed_example.db", "diff_cases.db", "crash_cases.db"])
def test_the_same_diffs_on_postgresql(fixture_db, make_pg_db, db_name):
    # Times are datetimes there (text in SQLite), booleans are booleans, rows come from psycopg:
    # every diff of every pair of executions reads the same, changes only and every pair.
    ids = dict(_fixture_pairs())[db_name]
    with _store(fixture_db(db_name)) as lite, _store(make_pg_db(db_name)) as pg:
        for a_id, b_id in itertools.permutations(ids, 2):
            for everything in (False, True):
                expected = lite.diff(a_id, b_id, everything=everything)
                got = pg.diff(a_id, b_id, everything=everything)
                assert _shown(got) == _shown(expected), (db_name, a_id, b_id, everything)


def test_a_shown_job_gone_before_it_is_read_whole_still_shows(fixture_db, monkeypatch):
    # The rows are paired first and the shown jobs read whole afterwards: a job row removed in
    # between (a live database) is shown from its pairing row, with an unknown duration.
    import redun_tui.store.diff as diff_module

    read_whole = diff_module._jobs_by_id

    def losing_one(session, failed, names, ids):
        jobs = read_whole(session, failed, names, ids)
        jobs.pop(sorted(jobs)[0])
        return jobs

    monkeypatch.setattr(diff_module, "_jobs_by_id", losing_one)
    with _store(fixture_db("seed_example.db")) as store:
        view = store.diff("af59d4e0", "b2ffcd8f", everything=False)
    pairs = [view.pairs[i] for i in range(len(view.pairs))]
    assert view.summary.changed == 5 and len(pairs) == 5
    assert any(None in (p.a_duration, p.b_duration) for p in pairs)
    assert all(p.a_status == "DONE" and p.b_status == "DONE" for p in pairs)


def test_a_cycle_through_the_root_pairs_the_same_way(fixture_db, tmp_path):
    # Bad data: a root job that is its own parent, and a root job whose parent is its grandchild
    # (the pairing meets the root twice, skips it the second time, and still shows each job once).
    path = tmp_path / "root_cycles.db"
    shutil.copy(fixture_db("seed_example.db"), path)
    db = sqlite3.connect(path)
    roots = db.execute("SELECT e.id, e.job_id FROM execution e ORDER BY e.id").fetchall()
    (_, first_root), (_, second_root) = roots[0], roots[1]
    db.execute("UPDATE job SET parent_id = id WHERE id = ?", (first_root,))
    grandchild = db.execute(
        "SELECT g.id FROM job c JOIN job g ON g.parent_id = c.id WHERE c.parent_id = ? ORDER BY g.id LIMIT 1",
        (second_root,)).fetchone()[0]
    db.execute("UPDATE job SET parent_id = ? WHERE id = ?", (grandchild, second_root))
    db.commit()
    db.close()
    with _store(path) as store:
        for a_id, b_id in itertools.permutations([execution_id for execution_id, _ in roots], 2):
            full = store.diff(a_id, b_id)
            changes = store.diff(a_id, b_id, everything=False)
            assert _shown(changes) == _shown(full), (a_id, b_id)
