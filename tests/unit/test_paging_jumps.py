"""Jumps in paged lists (issue 16): the last page read directly in reverse, pages before a page,
the page holding row N; each checked against walking the whole list forward."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from redun_tui.db import open_backend
from redun_tui.store import Store, StoreError
from redun_tui.store.paging import (
    Position,
    decode_position,
    encode_cursor,
    first_cursor,
    last_cursor,
    row_cursor,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEARCHES = ["", "status:failed", "task:explode", "main_ok", "tag:user", "is:job", "-"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("jumps") / "failures.db"
    shutil.copyfile(FIXTURES / "failures.db", path)
    backend = open_backend(str(path))
    yield Store(backend)
    backend.close()


def _forward(fetch, limit: int) -> list:
    items, cursor = [], None
    while True:
        page = fetch(cursor, limit)
        items.extend(page.items)
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def _backward(fetch, limit: int) -> list:
    """Every item, from the last page back to the first through ``prev_cursor``; checks the
    from-the-end row indexes as it goes."""
    pages, cursor, seen = [], last_cursor(), 0
    while True:
        page = fetch(cursor, limit)
        assert page.seekable
        seen += len(page.items)
        if page.items:
            assert page.offset == -seen
        pages.append(page.items)
        if page.prev_cursor is None:
            break
        assert len(page.items) == limit
        cursor = page.prev_cursor
    return [item for items in reversed(pages) for item in items]


def _key(item) -> tuple:
    identity = getattr(item, "id", None) or getattr(item, "hash", None) or (item.path, item.value_hash)
    return (type(item).__name__, getattr(item, "type", ""), identity)


def _lists(store: Store, execution_id: str, parent_id: str):
    yield "jobs", lambda cursor, limit: store.jobs(execution_id, cursor=cursor, limit=limit)
    yield "children", lambda cursor, limit: store.job_children(execution_id, parent_id, cursor=cursor, limit=limit)
    for text in SEARCHES:
        yield f"search {text!r}", lambda cursor, limit, text=text: store.search(text, cursor=cursor, limit=limit)
    # The executions, tasks and files lists (plain and searched) jump too (G reads the last page).
    for text in SEARCHES:
        yield f"executions {text!r}", lambda cursor, limit, text=text: store.executions(text, cursor=cursor, limit=limit)
    for text in ["", "explode", "*.*", "zzz-no-such"]:
        yield f"tasks {text!r}", lambda cursor, limit, text=text: store.tasks(text, cursor=cursor, limit=limit)
        yield f"files {text!r}", lambda cursor, limit, text=text: store.files(text, cursor=cursor, limit=limit)


def _biggest(store: Store) -> tuple[str, str]:
    import sqlite3

    con = sqlite3.connect(store.backend.engine.url.database.removeprefix("file:").split("?")[0])
    execution_id = con.execute("SELECT execution_id FROM job GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    parent_id = con.execute(
        "SELECT parent_id FROM job WHERE parent_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    con.close()
    return execution_id, parent_id


@pytest.mark.parametrize("limit", [1, 3, 1000])
def test_backward_pages_and_forward_pages_agree(store, limit):
    execution_id, parent_id = _biggest(store)
    for name, fetch in _lists(store, execution_id, parent_id):
        forward = _forward(fetch, limit)
        assert [_key(item) for item in _backward(fetch, limit)] == [_key(item) for item in forward], name


@pytest.mark.parametrize("limit", [1, 2])
def test_paging_forward_from_the_last_page_and_back_from_a_forward_page(store, limit):
    execution_id, parent_id = _biggest(store)
    for name, fetch in _lists(store, execution_id, parent_id):
        everything = [_key(item) for item in _forward(fetch, limit)]
        last = fetch(last_cursor(), limit)
        assert [_key(item) for item in last.items] == everything[-limit:], name
        assert last.next_cursor is None
        if last.prev_cursor is None:
            continue
        before = fetch(last.prev_cursor, limit)
        assert [_key(item) for item in before.items] == everything[-2 * limit : -limit], name
        again = fetch(before.next_cursor, limit)  # forward again, after a backward page
        assert [_key(item) for item in again.items] == everything[-limit:], name
        # At most an empty page follows (a page that ends exactly at the end of a record type).
        assert again.next_cursor is None or not fetch(again.next_cursor, limit).items


def _sized_lists(store: Store):
    execution_id, _ = _biggest(store)
    yield lambda cursor, limit: store.jobs(execution_id, cursor=cursor, limit=limit)
    yield lambda cursor, limit: store.executions(cursor=cursor, limit=limit)
    yield lambda cursor, limit: store.tasks(cursor=cursor, limit=limit)
    yield lambda cursor, limit: store.files(cursor=cursor, limit=limit)


@pytest.mark.parametrize("which", range(4))
def test_row_cursor_jumps_to_the_page_holding_the_row(store, which):
    fetch = list(_sized_lists(store))[which]
    everything = [_key(item) for item in _forward(fetch, 100)]
    total = len(everything)
    assert fetch(None, 2).total == total
    for row in range(total):
        page = fetch(row_cursor(row, total, 2), 2)
        first = page.offset if page.offset >= 0 else total + page.offset
        ids = [_key(item) for item in page.items]
        assert ids == everything[first : first + len(ids)]
        assert row in range(first, first + len(ids))
        assert page.total == total


def test_cursor_codec():
    assert decode_position(None, 2) == Position()
    assert decode_position(first_cursor(), 2) == Position()
    assert decode_position(last_cursor(), 2) == Position(0, None, True)
    assert decode_position(encode_cursor(-5, ("a", "b"), backward=True), 2) == Position(-5, ("a", "b"), True)
    assert Position(-7, None, True).skip() == 7
    assert Position(7).skip() == 7
    assert Position(7, ("a", "b")).skip() == 0
    assert row_cursor(0, 10, 3) == first_cursor()
    assert decode_position(row_cursor(9, 10, 3), 2) == Position(0, None, True)
    assert decode_position(row_cursor(6, 10, 3), 2) == Position(-1, None, True)
    with pytest.raises(StoreError):
        decode_position(encode_cursor(-3, ()), 2)  # a forward jump from the end
    with pytest.raises(StoreError):
        decode_position(encode_cursor(0, ("a",), backward=True), 2)


@pytest.mark.parametrize("tie", ["none", "ties", "shared root"])
def test_executions_jump_by_start_time_reads_the_offset_page(tmp_path, monkeypatch, tie):
    """A far jump in the executions list starts at the root start time of its first row
    (:func:`~redun_tui.store.executions.jump_bound`); every page equals the OFFSET page, also
    with start-time ties across a jump and with two executions sharing one root job (then the
    jump falls back to OFFSET)."""
    import sqlite3

    from redun_tui.store import executions

    path = tmp_path / "failures.db"
    shutil.copyfile(FIXTURES / "failures.db", path)
    con = sqlite3.connect(path)
    roots = [row[0] for row in con.execute(
        "SELECT j.id FROM execution e JOIN job j ON j.id = e.job_id ORDER BY j.start_time, e.id")]
    if tie == "ties":  # pairs and a triple of executions started at the same time
        for first, second in [(1, 2), (4, 5), (5, 6), (8, 9)]:
            con.execute("UPDATE job SET start_time = (SELECT start_time FROM job WHERE id = ?) WHERE id = ?",
                        (roots[first], roots[second]))
    elif tie == "shared root":
        con.execute("INSERT INTO execution (id, args, job_id) SELECT 'f' || id, args, job_id FROM execution LIMIT 1")
    con.commit()
    con.close()
    backend = open_backend(str(path))
    store = Store(backend)
    try:
        fetch = lambda cursor, limit: store.executions(cursor=cursor, limit=limit)  # noqa: E731
        total = fetch(None, 1).total
        with monkeypatch.context() as patch:  # OFFSET only
            patch.setattr(executions, "jump_bound", lambda session, position: None)
            expected = {(row, limit): fetch(row_cursor(row, total, limit), limit)
                        for row in range(total) for limit in (1, 2)}
        monkeypatch.setattr(executions, "JUMP_WALK", 1)
        bounds = []
        original = executions.jump_bound


        def traced(session, position):
            bounds.append((position.skip(), original(session, position)))
            return bounds[-1][1]

        monkeypatch.setattr(executions, "jump_bound", traced)
        for (row, limit), page in expected.items():
            assert fetch(row_cursor(row, total, limit), limit) == page, (row, limit)
        jumps = [bound for skip, bound in bounds if skip > 0]
        assert any(bound is not None for bound in jumps) == (tie != "shared root")
        assert (None in jumps) == (tie != "none")
    finally:
        backend.close()
