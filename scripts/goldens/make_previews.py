"""Write golden value previews with real redun (a dev tool; not run in CI).

Run with redun's interpreter from anywhere::

    /work/redun-venv/bin/python scripts/goldens/make_previews.py [FIXTURE_DIR]

For every schema-3.5 fixture database it opens a throw-away copy with real redun and
writes ``tests/golden/previews/<db>.json`` mapping each value hash to what redun
shows for that value row:

- ``preview``: ``trim_string(repr(Value.preview))``: what redun shows for arguments and values
  (``redun log``, the console's job and upstream screens, dataflow text),
- ``parsed``: ``trim_string(repr(Value.value_parsed))``: ``Value.__repr__``, job results and
  errors in ``redun log`` (the console's value screen shows ``pformat`` of it in full),
- ``parsed_len``: the length of the untrimmed ``repr(Value.value_parsed)``,
- ``preview_class``: the class name redun's preview object has (for reading only),
- ``unordered_sets``: True when the value holds a set of two or more items. redun prints
  such sets in hash order, which for its File objects (identity-hashed) and for strings
  (``PYTHONHASHSEED``) changes from run to run, so ``preview``/``parsed`` above are one
  sample, not a stable answer;
- ``canonical``/``canonical_sha256``: ``repr`` of the value with every set printed with its
  items sorted by their repr — stable, so tests compare it for every value (the full text
  is kept when it is at most 20,000 characters, the digest always).

It also writes ``tests/golden/previews/synthetic.json``: values real redun pickles (made in a
child process that can import a throw-away workflow module, ``synthmod``) covering classes
and layouts the fixtures lack — redun's File, Dir, FileSet and Staging classes, PartialTask,
operator expressions, Handles, unimportable namedtuples/dataclasses/slots/enums/exceptions, standard
library types, pickle protocols 0-5 and truncated pickles — each with the ``preview`` text
redun prints for it when ``synthmod`` cannot be imported. Nothing dangerous is pickled there:
redun itself would execute it.

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

# A workflow module importable only by the child process that pickles the samples.
SYNTHMOD = r'''
import dataclasses, enum, collections
from redun import task, Handle

redun_namespace = "synth"

Pair = collections.namedtuple("Pair", ["left", "right"])

@dataclasses.dataclass
class Record:
    name: str
    values: list
    extra: dict = dataclasses.field(default_factory=dict)

class Slotted:
    __slots__ = ("a", "b")
    def __init__(self, a, b):
        self.a, self.b = a, b

class Both:
    __slots__ = ("s", "__dict__")
    def __init__(self):
        self.s = 1
        self.d = 2

class TupleState:
    def __init__(self):
        self.x = 1
    def __getstate__(self):
        return ("not", "a dict", "at all")
    def __setstate__(self, state):
        pass

class Color(enum.Enum):
    RED = "red"
    BLUE = 2

class AppError(Exception):
    def __init__(self, message, code):
        super().__init__(message, code)
        self.code = code

def make_thing(a, b):
    return Made(a, b)

class Made:
    def __init__(self, a, b):
        self.a, self.b = a, b
    def __reduce__(self):
        return (make_thing, (self.a, self.b))

class Outer:
    class Inner:
        def __init__(self):
            self.v = [1, 2]

class Conn(Handle):
    def __init__(self, name, url):
        self.url = url

@task()
def add(a, b=1):
    return a + b

@task(namespace="other")
def lone(x):
    return x
'''

# Runs in the child process: prints JSON [[name, type_name, hex], ...].
SYNTH_MAKER = r'''
import collections, datetime, decimal, fractions, json, pathlib, pickle, sys, uuid
from redun import File, Dir
from redun.file import (IFile, IDir, ContentDir, FileSet, StagingFile, StagingDir,
                        ContentFile)
from redun.expression import ValueExpression, QuotedExpression
from redun.file import IStagingFile, ContentStagingDir
from redun.handle import Handle
from redun.scheduler import ErrorValue, Traceback, catch
from redun.task import CacheScope
from redun.value import get_type_registry
from redun.utils import pickle_dumps
import synthmod as sm

reg = get_type_registry()
out = []

def hashed(f, h):
    f._hash = h
    return f

def add(name, obj, protocol=3, type_name=None):
    data = pickle.dumps(obj, protocol=protocol)
    out.append([name, type_name or reg.get_type_name(type(obj)), data.hex()])

f1 = hashed(File("data/a.txt"), "1111111111aaaaaaaaaa")
f2 = hashed(File("s3://bucket/b.txt"), "2222222222bbbbbbbbbb")
d1 = hashed(Dir("out/"), "3333333333cccccccccc")
add("file", f1)
add("ifile", hashed(IFile("i.txt"), "4444444444dddddddddd"))
add("content_file", hashed(ContentFile("c.txt"), "5555555555eeeeeeeeee"))
add("dir", d1)
add("idir", hashed(IDir("idir"), "6666666666ffffffffff"))
add("content_dir", hashed(ContentDir("cdir"), "7777777777aaaaaaaaaa"))
add("fileset", hashed(FileSet("x/*.txt"), "8888888888bbbbbbbbbb"))
add("staging_file", StagingFile(hashed(File("local.txt"), "9999999999cccccccccc"), f2))
add("staging_dir", StagingDir(hashed(Dir("ldir"), "aaaaaaaaaa1111111111"), d1))
add("istaging_file", IStagingFile("l.txt", "r.txt"))
add("content_staging_dir", ContentStagingDir(hashed(Dir("a"), "b" * 40), hashed(Dir("c"), "d" * 40)))
add("files_nested", {"files": [f1, (f2,)], "dir": d1, "empty": []})
add("task", sm.add)
add("task_other_ns", sm.lone)
add("partial_task", sm.add.partial(1, b=2))
add("scheduler_task", catch)
expr = sm.add(1, b=f1)
add("task_expression", expr)
add("expr_kwargs_sorted", sm.add(b=2, a=1))
add("expr_add", expr + 1)
add("expr_radd", 1 + expr)
add("expr_getitem", expr[0])
add("expr_getattr", expr.field)
add("expr_call", expr(5, k=6))
add("expr_eq", expr == 3)
add("expr_nested", sm.lone(sm.add(sm.lone(2))))
add("value_expression", ValueExpression([1, "x"]))
add("quoted_expression", QuotedExpression(sm.lone(1)))
add("scheduler_expression", catch(sm.lone(1), ValueError, sm.add.partial(b=1)))
try:
    raise ValueError("bad thing", 42)
except ValueError as error:
    add("error_value_two_args", ErrorValue(error, Traceback.from_error(error)))
    add("traceback_frames", Traceback.from_error(error).frames)
try:
    raise sm.AppError("app failed", 7)
except sm.AppError as error:
    add("error_value_custom", ErrorValue(error, Traceback.from_error(error)))
add("error_value_no_args", ErrorValue(RuntimeError()))
add("os_error", OSError(2, "No such file"))
add("exceptions_list", [KeyError("k"), ZeroDivisionError("z"), StopIteration()])
add("conn_handle", sm.Conn("db", "sqlite://"))
add("base_handle", Handle("conn"))
add("base_handle_namespaced", Handle("conn2", namespace="ns"))
add("namedtuple", sm.Pair(1, [2, 3]))
add("dataclass", sm.Record("r", [f1], {"k": (1, 2)}))
add("slotted", sm.Slotted(1, "two"))
add("slots_and_dict", sm.Both())
add("tuple_state", sm.TupleState())
add("enum", sm.Color.BLUE)
add("enum_list", [sm.Color.RED, sm.Color.BLUE])
add("reduce_function", sm.Made(1, {"a": None}))
add("nested_class_p4", sm.Outer.Inner(), protocol=4)
add("cache_scope", CacheScope.BACKEND)
add("stdlib_types", {
    "counter": collections.Counter("abracadabra"),
    "deque": collections.deque([1, 2, 3], maxlen=5),
    "defaultdict": collections.defaultdict(list, {"a": [1]}),
    "ordered_empty": collections.OrderedDict(),
    "bytearray": bytearray(b"\x00ab"),
    "range": range(1, 10, 2),
    "slice": slice(1, None, 2),
    "decimal_nan": decimal.Decimal("NaN"),
    "decimal_neg": decimal.Decimal("-1.50E+3"),
    "fraction": fractions.Fraction(-3, 4),
    "aware": datetime.datetime(
        2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-5), "EST")
    ),
    "time": datetime.time(23, 59, 1, 5),
    "windows": pathlib.PureWindowsPath("C:/x/y.txt"),
    "posix": pathlib.PosixPath("/tmp/z"),
    "uuid": uuid.UUID(int=1),
    "frozen_empty": frozenset(),
    "ellipsis": ...,
    "types": [int, ValueError, type(None)],
})
loop = [1]
loop.append(loop)
add("recursive_list", loop)
add("deep_list", [[[[[[[["deep"]]]]]]]])
add("set_of_strings", {"b", "a", "c", "d"})
add("set_of_ints", {10, 3, 7, 1000})
sample = {"f": f1, "s": {1, 2}, "when": datetime.date(2000, 1, 1), "t": (1.5, None, True),
          "b": b"\xff\x00", "big": 2 ** 100, "neg": -7, "u": "\u00e9\U0001f389"}
for protocol in range(0, 6):
    add(f"protocol_{protocol}", sample, protocol=protocol)
    add(f"protocol_{protocol}_unknown", sm.Record("p", [1], {}), protocol=protocol)
base = pickle_dumps({"k": [f1, sm.Pair(1, 2)], "e": expr})
for cut in (1, 2, 10, len(base) // 2, len(base) - 1):
    out.append([f"truncated_{cut}", "builtins.dict", base[:cut].hex()])
out.append(["garbage", "builtins.str", bytes(range(7, 60)).hex()])
out.append(["empty_stop", "builtins.str", b"\x80\x03.".hex()])
out.append(["json_text", "synth.Config", b'{"a": 1}'.hex()])
print(json.dumps(out))
'''


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


def make_synthetic(tmp: Path) -> None:
    """Write synthetic.json: redun's previews of pickles made with synthmod importable."""
    import subprocess

    from redun.utils import trim_string, with_pickle_preview
    from redun.value import get_type_registry

    moddir = Path(tmp) / "synthmod_src"
    moddir.mkdir()
    (moddir / "synthmod.py").write_text(SYNTHMOD)
    env = dict(os.environ, PYTHONPATH=str(moddir), PYTHONHASHSEED="0")
    made = subprocess.run(
        [sys.executable, "-c", SYNTH_MAKER],
        env=env,
        cwd=tmp,
        check=True,
        capture_output=True,
        text=True,
    )
    registry = get_type_registry()
    result: dict[str, dict] = {}
    for name, type_name, hexdata in json.loads(made.stdout):
        data = bytes.fromhex(hexdata)
        with with_pickle_preview():
            try:
                parsed = registry.deserialize(type_name, data)
            except Exception as error:  # recorded, not hidden: redun itself fails here
                result[name] = {"type": type_name, "hex": hexdata, "redun_error": repr(error)}
                continue
        parsed_repr = repr(parsed)
        found: list = []
        canon_repr = repr(canonical(parsed, found))
        result[name] = {
            "type": type_name,
            "hex": hexdata,
            "preview": trim_string(parsed_repr),
            "full": parsed_repr if len(parsed_repr) <= 20_000 else None,
            "preview_class": type(parsed).__name__,
            "unordered_sets": bool(found),
            "canonical": canon_repr,
        }
    out = OUT_DIR / "synthetic.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{out.relative_to(REPO)}: {len(result)} values")


def main() -> None:
    """Write one golden JSON file per 3.5 fixture database, and synthetic.json."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        # A fixed string-hash seed keeps redun's set order (and so the goldens) from
        # changing on every run where it can; File sets still vary (identity hashing).
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
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
                    "canonical_sha256": hashlib.sha256(
                        canon_repr.encode("utf-8", "surrogatepass")
                    ).hexdigest(),
                }
            backend.session.close()
            backend.engine.dispose()
            out = OUT_DIR / (src.stem + ".json")
            out.write_text(json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
            print(f"{out.relative_to(REPO)}: {len(result)} values")
        make_synthetic(Path(tmp))


if __name__ == "__main__":
    main()
