"""Record serializers: shape of every record in the fixtures, and export -> import round trips."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from redun_tui.db import CallNode, Execution, Job, RedunBackendDb, Tag, Task, Value
from redun_tui.db.serializers import (
    VERSION,
    RecordFormatError,
    RecordSerializer,
    deserialize_timestamp,
    serialize_timestamp,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
FIXTURE_NAMES = ["failures", "seed_example", "tags", "values"]
MODEL_PKS = [
    (Execution, Execution.id),
    (Job, Job.id),
    (CallNode, CallNode.call_hash),
    (Value, Value.value_hash),
    (Tag, Tag.tag_hash),
]


def open_copy(tmp_path: Path, name: str) -> RedunBackendDb:
    path = tmp_path / f"{name}.db"
    shutil.copy(FIXTURES / f"{name}.db", path)
    backend = RedunBackendDb(str(path))
    backend.load()
    return backend


def all_ids(backend: RedunBackendDb) -> list[str]:
    ids: list[str] = []
    for _model, pk in MODEL_PKS:
        ids += sorted(backend.session.execute(sa.select(pk)).scalars())
    return ids


def dump(backend: RedunBackendDb) -> list[str]:
    return [json.dumps(record) for record in backend.get_records(all_ids(backend))]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    tmp_path = tmp_path_factory.mktemp("serializers")
    found = {}
    for name in FIXTURE_NAMES:
        backend = open_copy(tmp_path, name)
        found[name] = dump(backend)
        backend.close()
    return found


def test_timestamps_are_written_as_redun_writes_them() -> None:
    moment = datetime(2026, 11, 27, 9, 57, 27, 64216, tzinfo=timezone.utc)
    assert serialize_timestamp(moment) == "2026-11-27 09:57:27.064216+00:00"
    assert serialize_timestamp(None) is None
    assert deserialize_timestamp("2026-11-27 09:57:27.064216+00:00") == moment
    # Whole seconds print without a fraction; other offsets and Z parse; naive means UTC.
    assert serialize_timestamp(moment.replace(microsecond=0)) == "2026-11-27 09:57:27+00:00"
    assert deserialize_timestamp("2026-11-27T09:57:27.064216Z") == moment
    assert deserialize_timestamp("2026-11-27 10:57:27.064216+01:00") == moment
    assert deserialize_timestamp("2026-11-27 09:57:27.064216") == moment
    assert deserialize_timestamp(None) is None and deserialize_timestamp("") is None
    with pytest.raises(RecordFormatError):
        deserialize_timestamp("yesterday")
    assert deserialize_timestamp(serialize_timestamp(moment + timedelta(days=400))) == moment + timedelta(days=400)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_record_is_serialized(exported: dict[str, list[str]], tmp_path: Path, name: str) -> None:
    backend = open_copy(tmp_path, name)
    ids = all_ids(backend)
    records = [json.loads(line) for line in exported[name]]
    assert [RecordSerializer().get_pk(record) for record in records] == ids
    for record in records:
        assert record["_version"] == VERSION
        assert record["_type"] in {"Execution", "Job", "CallNode", "Value", "Tag"}
    jobs = {record["id"]: record for record in records if record["_type"] == "Job"}
    for job in backend.session.query(Job):
        # The bulk status equals the ORM status, and the time format is redun's.
        assert jobs[job.id]["status"] == job.status
        assert jobs[job.id]["start_time"] == str(job.start_time)
        assert jobs[job.id]["start_time"].endswith("+00:00")
    backend.close()


def test_serialize_one_row_equals_serialize_query(tmp_path: Path) -> None:
    backend = open_copy(tmp_path, "tags")
    serializer = RecordSerializer()
    for model, _pk in MODEL_PKS:
        one_by_one = [serializer.serialize(row) for row in backend.session.query(model).all()]
        bulk = list(serializer.serialize_query(backend.session.query(model)))
        assert one_by_one == bulk
    backend.close()


def test_task_is_serialized_as_its_value(tmp_path: Path) -> None:
    backend = open_copy(tmp_path, "seed_example")
    task = backend.session.query(Task).filter(Task.name == "align_reads").first()
    record = RecordSerializer().serialize(task)
    assert record["_type"] == "Value" and record["value_hash"] == task.hash
    assert record["type"] == "redun.Task"
    assert record["subtype"] == {"_type": "Task", "name": "align_reads", "namespace": task.namespace, "source": task.source}
    file_record = next(
        RecordSerializer().serialize(value) for value in backend.session.query(Value).filter(Value.type == "redun.File")
    )
    assert file_record["subtype"]["_type"] == "File" and file_record["subtype"]["path"]
    backend.close()


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_import_into_empty_database_reproduces_records(exported: dict[str, list[str]], tmp_path: Path, name: str) -> None:
    target = tmp_path / "imported.db"
    backend = RedunBackendDb(str(target), read_only=False)
    backend.load(migrate=True)
    records = [json.loads(line) for line in exported[name]]
    assert backend.put_records(records) == len(records)
    assert backend.put_records(records) == 0  # idempotent
    backend.close()

    imported = RedunBackendDb(str(target))
    imported.load()
    assert dump(imported) == exported[name]
    # Which tags are current is derived from the edits and must survive the trip.
    source = open_copy(tmp_path, name)
    current = sa.select(Tag.tag_hash, Tag.is_current).order_by(Tag.tag_hash)
    assert imported.session.execute(current).all() == source.session.execute(current).all()
    imported.close()
    source.close()


@pytest.mark.parametrize(
    "spec, message",
    [
        ([], "not a JSON object"),
        ({"_version": 1, "_type": "Nope"}, "unknown record type"),
        ({"_version": 2, "_type": "Execution", "id": "x", "args": "[]", "job_id": "j"}, "version"),
        ({"_version": 1, "_type": "Job", "id": "x"}, "lacks field"),
        (
            {"_version": 1, "_type": "Value", "value_hash": "v", "type": "t", "format": "f", "data": "!!", "subvalues": []},
            "base64",
        ),
        (
            {"_version": 1, "_type": "Tag", "tag_hash": "t", "entity_type": "Planet", "entity_id": "e", "key": "k",
             "value": 1, "parents": []},
            "entity type",
        ),
    ],
)
def test_malformed_records_raise_record_format_error(spec: object, message: str) -> None:
    with pytest.raises(RecordFormatError, match=message):
        RecordSerializer().deserialize(spec)  # type: ignore[arg-type]


# -- goldens from redun 0.44.1 (tests/golden/README.md, sections 7 and 8) ------------------------

GOLDEN_DBS = ["seed_example", "failures", "tags", "values", "crash_cases", "dataflow_shapes"]
TRIM_AT = 65_536


def trimmed(record: dict) -> dict:
    """The goldens' stand-in for huge payloads (a ~1 MB string is stored twice in values.db)."""
    data = record.get("data")
    if isinstance(data, str) and len(data) > TRIM_AT:
        digest = hashlib.sha256(data.encode()).hexdigest()
        record = {**record, "data": f"<trimmed base64: length={len(data)} sha256={digest}>"}
    return record


@pytest.mark.parametrize("name", GOLDEN_DBS)
def test_serialize_matches_redun_for_every_record(tmp_path: Path, name: str) -> None:
    backend = open_copy(tmp_path, name)
    serializer = RecordSerializer()
    lines = []
    for model, pk in MODEL_PKS:
        for row in backend.session.query(model).order_by(pk):
            lines.append(json.dumps(trimmed(serializer.serialize(row)), sort_keys=True, ensure_ascii=False))
    golden = (GOLDEN / "serializers" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(golden)
    for ours, theirs in zip(lines, golden):
        assert ours == theirs
    by_hash = {json.loads(line)["value_hash"]: line for line in golden if '"_type": "Value"' in line}
    for task in backend.session.query(Task):
        as_json = json.dumps(trimmed(serializer.serialize(task)), sort_keys=True, ensure_ascii=False)
        assert as_json == by_hash[task.hash]
    backend.close()


@pytest.mark.parametrize("name", GOLDEN_DBS)
def test_export_walk_and_records_match_redun(tmp_path: Path, name: str) -> None:
    backend = open_copy(tmp_path, name)
    golden = json.loads((GOLDEN / "records" / f"{name}.json").read_text(encoding="utf-8"))
    assert set(golden) == {e.id for e in backend.session.query(Execution)}
    for execution_id, expected in golden.items():
        ids = sorted(backend.iter_record_ids([execution_id]), key=lambda i: (i is not None, i or ""))
        assert ids == expected["record_ids"], execution_id
        records = [trimmed(record) for record in backend.get_records(ids)]
        assert records == expected["records"], execution_id
    backend.close()
