"""Shared helpers for the golden-making scripts (dev tools: they import real redun 0.44.1).

Run them with /work/redun-venv/bin/python from the repository root, TZ=UTC. Each script opens
a *copy* of a fixture database (redun never touches tests/fixtures/) and writes under
tests/golden/.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("TZ", "UTC")

from redun.backends.db import RedunBackendDb  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"

# Fixture databases at schema 3.5 (the goldens cover these; old_v*.db are for migrations).
DBS = ["seed_example", "failures", "tags", "values", "crash_cases", "dataflow_shapes"]

_TMP = Path(tempfile.mkdtemp(prefix="redun-goldens-"))


def open_backend(db_name: str) -> RedunBackendDb:
    """Open a private copy of a fixture database with redun's backend (no migration)."""
    copy = _TMP / f"{db_name}.db"
    if not copy.exists():
        shutil.copy(FIXTURES / f"{db_name}.db", copy)
    backend = RedunBackendDb(db_uri=f"sqlite:///{copy}")
    backend.load(migrate=False)
    return backend


def dump_json(obj) -> str:
    """The one JSON layout of every golden file: indent=2, sorted keys, UTF-8, final newline."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write text as UTF-8 exactly (no newline translation), creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(text)


def reset_dir(path: Path) -> None:
    """Empty a golden folder before regenerating it, so stale files do not survive."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
