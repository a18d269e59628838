"""Write golden value previews with real redun (a dev tool; not run in CI).

Run with redun's interpreter from anywhere::

    /work/redun-venv/bin/python scripts/goldens/make_previews.py [FIXTURE_DIR]

For every schema-3.5 fixture database it opens a throw-away copy with real redun and
writes ``tests/golden/previews/<db>.json`` mapping each value hash to what redun
shows for that value row:

- ``preview``: ``trim_string(repr(Value.preview))`` (the console / CLI display),
- ``parsed``: ``trim_string(repr(Value.value_parsed))`` (``Value.__repr__``'s text),
- ``parsed_len``: the length of the untrimmed ``repr(Value.value_parsed)``,
- ``preview_class``: the class name redun's preview object has (for reading only),
- ``unordered_sets``: True when the value holds a set of two or more items. redun prints
  such sets in hash order, which for its File objects (identity-hashed) and for strings
  (``PYTHONHASHSEED``) changes from run to run, so ``preview``/``parsed`` above are one
  sample, not a stable answer;
- ``canonical``/``canonical_sha256``: ``repr`` of the value with every set printed with its
  items sorted by their repr — stable, so tests compare it for every value (the full text
  is kept when it is at most 20,000 characters, the digest always).

The script chdirs into an empty temporary directory and drops the repository from
``sys.path`` first, so the workflow modules that wrote the fixtures (``values_wf``,
``valuesdemo``, ...) cannot be imported — the situation of a user browsing a database.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_FIXTURES = Path("/work/shared/fixtures")
OUT_DIR = REPO / "tests" / "golden" / "previews"
SCHEMA_35 = "0bee3d6dba76"


def _schema_version(path: Path) -> str | None:
    """Return the alembic revision stored in a SQLite file, read-only."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        con.close()
    return row[0] if row else None


class _SortedSet:
    """Stand-in printed like a set or frozenset, its items sorted by repr."""

    def __init__(self, items: list, frozen: bool) -> None:
        self.items = sorted(items, key=repr)
        self.frozen = frozen

    def __repr__(self) -> str:
        body = "{" + ", ".join(repr(item) for item in self.items) + "}"
        return f"frozenset({body})" if self.frozen else body


def canonical(obj, found: list, depth: int = 0):
    """Return obj with each set of 2+ items replaced by a _SortedSet (copies only what changes).

    Args:
        obj: a value as redun loaded it.
        found: gets an item appended for every set of two or more items seen.
        depth: recursion guard.
    """
    if depth > 200:
        return obj
    kind = type(obj)
    if kind in (set, frozenset):
        if len(obj) > 1:
            # Small ints, floats, bools and None hash to themselves: their order is stable.
            if not all(type(x) in (int, float, bool, type(None)) for x in obj):
                found.append(True)
            return _SortedSet([canonical(x, found, depth + 1) for x in obj], kind is frozenset)
        return obj
    if kind is list:
        new = [canonical(x, found, depth + 1) for x in obj]
        return new if any(a is not b for a, b in zip(new, obj)) else obj
    if kind is tuple:
        new = tuple(canonical(x, found, depth + 1) for x in obj)
        return new if any(a is not b for a, b in zip(new, obj)) else obj
    if kind is dict:
        new = {k: canonical(v, found, depth + 1) for k, v in obj.items()}
        return new if any(new[k] is not obj[k] for k in obj) else obj
    if isinstance(obj, (type, BaseException)):
        return obj
    attrs = getattr(obj, "__dict__", None)
    if type(attrs) is dict and attrs:
        new_attrs = {k: canonical(v, found, depth + 1) for k, v in attrs.items()}
        if any(new_attrs[k] is not attrs[k] for k in attrs):
            copy = object.__new__(kind)
            copy.__dict__.update(new_attrs)
            return copy
    return obj


def main() -> None:
    """Write one golden JSON file per 3.5 fixture database."""
    fixtures = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FIXTURES
    fixtures = fixtures.resolve()
    # Keep workflow modules out of reach: no repo, no fixture dir, no cwd on sys.path.
    sys.path[:] = [
        p for p in sys.path if p not in ("", ".", str(REPO), str(fixtures), os.getcwd())
    ]
    from redun.backends.db import RedunBackendDb, Value
    from redun.utils import trim_string

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        for src in sorted(fixtures.glob("*.db")):
            if _schema_version(src) != SCHEMA_35:
                continue
            copy = Path(tmp) / src.name
            shutil.copyfile(src, copy)
            backend = RedunBackendDb(db_uri="sqlite:///" + str(copy))
            backend.load()
            result: dict[str, dict] = {}
            rows = backend.session.query(Value).order_by(Value.value_hash).all()
            for row in rows:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    preview = row.preview
                    parsed = row.value_parsed
                parsed_repr = repr(parsed)
                found: list = []
                canon_repr = repr(canonical(parsed, found))
                result[row.value_hash] = {
                    "type": row.type,
                    "format": row.format,
                    "preview": trim_string(repr(preview)),
                    "parsed": trim_string(parsed_repr),
                    "parsed_len": len(parsed_repr),
                    "preview_class": type(preview).__name__,
                    "unordered_sets": bool(found),
                    "canonical": canon_repr if len(canon_repr) <= 20_000 else None,
                    "canonical_sha256": hashlib.sha256(canon_repr.encode("utf-8", "surrogatepass")).hexdigest(),
                }
            backend.session.close()
            backend.engine.dispose()
            out = OUT_DIR / (src.stem + ".json")
            out.write_text(json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
            print(f"{out.relative_to(REPO)}: {len(result)} values")


if __name__ == "__main__":
    main()
