"""Write the dataflow goldens with real redun 0.44.1 (dev tool; see tests/golden/README.md).

Usage (from the repository root)::

    TZ=UTC /work/redun-venv/bin/python scripts/goldens/make_dataflow.py

Outputs:
- tests/golden/dataflow/<db>/<value_hash>.{txt,json,edges.json} or .error (+ .edges.json)
- tests/golden/dataflow_callnode/<db>/<call_hash>.edges.json and .error
- tests/golden/redun_log_sample4_vcf.txt
"""

import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from goldens_common import DBS, FIXTURES, GOLDEN, dump_json, open_backend, reset_dir, write_text
from redun.backends.db import CallNode, Value
from redun.backends.db.dataflow import (
    ArgumentValue,
    CallNodeValue,
    display_dataflow,
    make_dataflow_dom,
    serialize_dataflow,
    walk_dataflow,
)


def describe_node(node):
    """A dataflow node as plain JSON: its kind and the keys that identify it."""
    if node is None:
        return None
    if isinstance(node, Value):
        return {"kind": "Value", "value_hash": node.value_hash}
    if isinstance(node, CallNode):
        return {"kind": "CallNode", "call_hash": node.call_hash}
    if isinstance(node, ArgumentValue):
        return {
            "kind": "ArgumentValue",
            "arg_hash": node.argument.arg_hash,
            "call_hash": node.argument.call_hash,
            "value_hash": node.value.value_hash,
        }
    if isinstance(node, CallNodeValue):
        return {
            "kind": "CallNodeValue",
            "call_hash": node.call_node.call_hash,
            "value_hash": node.value.value_hash,
        }
    raise TypeError(f"unknown dataflow node {node!r}")


def describe_error(exc: BaseException) -> str:
    """Three `key: text` lines: exception type, redun function that raised, message."""
    frames = traceback.extract_tb(exc.__traceback__)
    # The innermost dataflow function (skipping dunders such as DataflowVars.__getitem__).
    named = [f for f in frames if f.filename.endswith("dataflow.py") and not f.name.startswith("__")]
    where = named[-1].name if named else frames[-1].name
    message = str(exc).replace("\\", "\\\\").replace("\n", "\\n")
    return f"type: {type(exc).__name__}\nwhere: {where}\nmessage: {message}\n"


def golden_for(backend, node, out_dir: Path, key: str) -> str:
    """Walk, build the DOM, render; write the golden files for one start node."""
    edges = list(walk_dataflow(backend, node))
    write_text(
        out_dir / f"{key}.edges.json",
        dump_json([[describe_node(e.src), describe_node(e.dest)] for e in edges]),
    )
    try:
        dom = list(make_dataflow_dom(edges))
        lines = list(display_dataflow(dom))
        data = list(serialize_dataflow(dom))
    except Exception as exc:  # noqa: BLE001 -- redun's crash is the golden
        write_text(out_dir / f"{key}.error", describe_error(exc))
        return type(exc).__name__
    write_text(out_dir / f"{key}.txt", "\n".join(lines))
    write_text(out_dir / f"{key}.json", dump_json(data))
    return "ok"


def make_db(db_name: str) -> None:
    backend = open_backend(db_name)
    session = backend.session
    for kind, folder, attr in [
        (Value, "dataflow", "value_hash"),
        (CallNode, "dataflow_callnode", "call_hash"),
    ]:
        out_dir = GOLDEN / folder / db_name
        reset_dir(out_dir)
        counts: dict[str, int] = {}
        for row in session.query(kind).order_by(getattr(kind, attr)):
            result = golden_for(backend, row, out_dir, getattr(row, attr))
            counts[result] = counts.get(result, 0) + 1
        print(f"{folder}/{db_name}: {counts}")


def make_redun_log() -> None:
    """`redun log sample4.vcf` in a scratch repository holding a copy of seed_example."""
    work = Path(tempfile.mkdtemp(prefix="redun-log-"))
    (work / ".redun").mkdir()
    shutil.copy(FIXTURES / "seed_example.db", work / ".redun" / "redun.db")
    # redun only treats an argument as a file path when it exists on disk (or has a ':').
    (work / "sample4.vcf").write_text("")
    redun = Path(sys.executable).parent / "redun"
    env = dict(os.environ, TZ="UTC", COLUMNS="200")
    proc = subprocess.run(
        [str(redun), "log", "sample4.vcf"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    write_text(GOLDEN / "redun_log_sample4_vcf.txt", proc.stdout)
    shutil.rmtree(work)
    print("redun_log_sample4_vcf.txt written")


def main() -> None:
    names = sys.argv[1:] or DBS
    for db_name in names:
        make_db(db_name)
    if not sys.argv[1:]:
        make_redun_log()


if __name__ == "__main__":
    main()
