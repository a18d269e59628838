"""The golden files cover exactly the rows of the fixture databases they were made from.

If a fixture database is rebuilt (``scripts/goldens/build_fixtures.sh``) without regenerating the
goldens, these tests fail and name the stale folder. Only sqlite3 and json: no redun, no
redun_tui.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
DBS = ["seed_example", "failures", "tags", "values", "crash_cases", "dataflow_shapes"]


def column(db: str, sql: str) -> list[str]:
    """One column of a read-only query on a fixture database."""
    conn = sqlite3.connect(f"file:{FIXTURES / (db + '.db')}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute(sql)]
    finally:
        conn.close()


@pytest.mark.parametrize("db", DBS)
def test_dataflow_goldens_cover_every_value(db: str) -> None:
    folder = GOLDEN / "dataflow" / db
    hashes = column(db, "select value_hash from value order by value_hash")
    names = {p.name for p in folder.iterdir()}
    expected = set()
    for value_hash in hashes:
        expected.add(f"{value_hash}.edges.json")
        if f"{value_hash}.error" in names:
            expected.add(f"{value_hash}.error")
        else:
            expected |= {f"{value_hash}.txt", f"{value_hash}.json"}
    assert names == expected, f"stale goldens in {folder}"
    for name in names:
        if name.endswith(".txt"):
            text = (folder / name).read_text(encoding="utf-8")
            # display_dataflow ends every section with an empty line.
            assert text.endswith("\n") and not text.endswith("\n\n"), name
        elif name.endswith(".json"):
            assert isinstance(json.loads((folder / name).read_text(encoding="utf-8")), list)


def test_only_crash_cases_have_dataflow_errors() -> None:
    errors = sorted(p.parent.name for p in (GOLDEN / "dataflow").glob("*/*.error"))
    assert errors == ["crash_cases"] * 6


@pytest.mark.parametrize("db", DBS)
def test_callnode_goldens_cover_every_call_node(db: str) -> None:
    folder = GOLDEN / "dataflow_callnode" / db
    hashes = column(db, "select call_hash from call_node")
    expected = {f"{h}{ext}" for h in hashes for ext in (".edges.json", ".error")}
    assert {p.name for p in folder.iterdir()} == expected


@pytest.mark.parametrize("db", DBS)
def test_serializer_goldens_list_every_record_in_order(db: str) -> None:
    lines = (GOLDEN / "serializers" / f"{db}.jsonl").read_text(encoding="utf-8").splitlines()
    got = [(r["_type"], r[{"Execution": "id", "Job": "id", "CallNode": "call_hash",
                           "Value": "value_hash", "Tag": "tag_hash"}[r["_type"]]])
           for r in map(json.loads, lines)]
    want = []
    for type_name, table, pk in [("Execution", "execution", "id"), ("Job", "job", "id"),
                                 ("CallNode", "call_node", "call_hash"),
                                 ("Value", "value", "value_hash"), ("Tag", "tag", "tag_hash")]:
        want += [(type_name, key) for key in sorted(column(db, f"select {pk} from {table}"))]
    assert got == want


@pytest.mark.parametrize("db", DBS)
def test_record_and_status_goldens_cover_every_row(db: str) -> None:
    executions = sorted(column(db, "select id from execution"))
    records = json.loads((GOLDEN / "records" / f"{db}.json").read_text(encoding="utf-8"))
    assert sorted(records) == executions
    status = json.loads((GOLDEN / "status" / f"{db}.json").read_text(encoding="utf-8"))
    assert sorted(status["executions"]) == executions
    assert sorted(status["jobs"]) == sorted(column(db, "select id from job"))
    assert sorted(status["call_nodes"]) == sorted(column(db, "select call_hash from call_node"))
    assert sorted(status["tasks"]) == sorted(column(db, "select hash from task"))
    assert sorted(status["tags"]) == sorted(column(db, "select tag_hash from tag"))


def test_query_goldens_name_known_databases_and_ids() -> None:
    cases = json.loads((GOLDEN / "query" / "cases.json").read_text(encoding="utf-8"))
    known = {db: set(column(db, "select id from execution")) for db in DBS}
    for case in cases:
        assert case["db"] in known
        assert ("result" in case) != ("error" in case)
        for op, args, _ in case["ops"]:
            if op == "filter_execution_ids":
                assert set(args[0]) <= known[case["db"]] | {"nope"}
    log_cases = json.loads((GOLDEN / "query" / "log_cases.json").read_text(encoding="utf-8"))
    assert {case["db"] for case in log_cases} == set(DBS)
    infer = json.loads((GOLDEN / "query" / "infer_id.json").read_text(encoding="utf-8"))
    assert set(infer["created_files"]) == set(DBS)
