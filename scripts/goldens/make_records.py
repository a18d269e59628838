"""Write the serializer, record and status goldens with real redun 0.44.1 (dev tool).

Usage (from the repository root)::

    TZ=UTC /work/redun-venv/bin/python scripts/goldens/make_records.py

Outputs (formats in tests/golden/README.md):
- tests/golden/serializers/<db>.jsonl
- tests/golden/records/<db>.json
- tests/golden/status/<db>.json
"""

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from goldens_common import DBS, GOLDEN, dump_json, open_backend, write_text
from redun.backends.db import CallNode, Execution, Job, Tag, Task, Value
from redun.backends.db.serializers import RecordSerializer

# Base64 payloads longer than this are replaced by a digest (values.db holds a 1 MB string).
MAX_DATA = 65536

ORDER = [(Execution, "id"), (Job, "id"), (CallNode, "call_hash"), (Value, "value_hash"),
         (Tag, "tag_hash")]


def trim_record(record: dict) -> dict:
    """Replace an oversized Value payload by `<trimmed base64: length=N sha256=HEX>`."""
    data = record.get("data")
    if record.get("_type") == "Value" and isinstance(data, str) and len(data) > MAX_DATA:
        digest = hashlib.sha256(data.encode("ascii")).hexdigest()
        record = dict(record, data=f"<trimmed base64: length={len(data)} sha256={digest}>")
    return record


def line(record: dict) -> str:
    return json.dumps(trim_record(record), sort_keys=True, ensure_ascii=False)


def make_serializers(db: str) -> None:
    backend = open_backend(db)
    session = backend.session
    serializer = RecordSerializer()
    lines = []
    for model, pk in ORDER:
        for row in session.query(model).order_by(getattr(model, pk)):
            lines.append(line(serializer.serialize(row)))
    # Tasks serialize as their Value row: check that, and record nothing extra.
    for task in session.query(Task).order_by(Task.hash):
        assert serializer.serialize(task) == serializer.serialize(task.value)
    write_text(GOLDEN / "serializers" / f"{db}.jsonl", "\n".join(lines) + "\n")
    print(f"serializers/{db}.jsonl: {len(lines)} records")


def make_records(db: str) -> None:
    backend = open_backend(db)
    session = backend.session
    out = {}
    for (exec_id,) in session.query(Execution.id).order_by(Execution.id):
        # A job without a call node makes redun yield None as a record id (failures.db).
        ids = sorted(backend.iter_record_ids([exec_id]), key=lambda i: (i is not None, i or ""))
        entry = {"record_ids": ids}
        try:
            entry["records"] = [trim_record(r) for r in backend.get_records(ids)]
        except Exception as exc:  # noqa: BLE001 -- the failure is the golden
            session.rollback()
            entry["error"] = {"type": type(exc).__name__, "message": str(exc)}
        out[exec_id] = entry
    write_text(GOLDEN / "records" / f"{db}.json", dump_json(out))
    print(f"records/{db}.json: {len(out)} executions")


def safe_repr(obj) -> str:
    try:
        return repr(obj)
    except Exception as exc:  # noqa: BLE001 -- the failure is the golden
        return f"<repr raised {type(exc).__name__}: {exc}>"


def safe_repr_of(get, session) -> str:
    """repr() of a property that may raise (Tag.value_parsed looks the tag value up as a hash)."""
    try:
        return repr(get())
    except Exception as exc:  # noqa: BLE001 -- the failure is the golden
        session.rollback()
        return f"<raised {type(exc).__name__}>"


def make_status(db: str) -> None:
    backend = open_backend(db)
    session = backend.session
    out = {"executions": {}, "jobs": {}, "call_nodes": {}, "tasks": {}, "tags": {}}
    for ex in session.query(Execution).order_by(Execution.id):
        out["executions"][ex.id] = {
            "status": ex.status,
            "status_display": ex.status_display,
            "task_hash": ex.task.hash if ex.task else None,
            "call_hash": ex.call_node.call_hash if ex.call_node else None,
            "repr": safe_repr(ex),
        }
    for job in session.query(Job).order_by(Job.id):
        duration = job.duration
        out["jobs"][job.id] = {
            "status": job.status,
            "status_display": job.status_display,
            "duration": duration.total_seconds() if duration is not None else None,
            "context": job.context,
            "repr": safe_repr(job),
        }
    for node in session.query(CallNode).order_by(CallNode.call_hash):
        out["call_nodes"][node.call_hash] = {
            "args_display": node.args_display,
            "parents": sorted(p.call_hash for p in node.parents),
            "children": [c.call_hash for c in node.children],
            "repr": safe_repr(node),
        }
    for task in session.query(Task).order_by(Task.hash):
        out["tasks"][task.hash] = {"fullname": task.fullname, "repr": safe_repr(task)}
    for tag in session.query(Tag).order_by(Tag.tag_hash):
        out["tags"][tag.tag_hash] = {
            "entity_type": tag.entity_type.name,
            "key": tag.key,
            "base_key": tag.base_key,
            "namespace": tag.namespace,
            "value": tag.value,
            "value_parsed_repr": safe_repr_of(lambda: tag.value_parsed, session),
            "is_current": tag.is_current,
            "repr": safe_repr(tag),
        }
    write_text(GOLDEN / "status" / f"{db}.json", dump_json(out))
    print(f"status/{db}.json: {len(out['jobs'])} jobs")


def main() -> None:
    for db in sys.argv[1:] or DBS:
        make_serializers(db)
        make_records(db)
        make_status(db)


if __name__ == "__main__":
    main()
