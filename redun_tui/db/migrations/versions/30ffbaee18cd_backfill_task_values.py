"""Schema 2.1: give every task a companion ``redun.Task`` value row.

Revision ID: 30ffbaee18cd
Revises: 647c510a77b1

Pure data migration. For each task without a ``value`` row of the same hash, redun pickles a
``redun.task.Task`` it builds from the task's name and namespace (its function is a stand-in
``lambda``) and stores it under the task's hash. We cannot (and must not) import redun here, so
the same pickle is written byte for byte with pickle opcodes:

- protocol 3, ``redun.task Task`` rebuilt with ``NEWOBJ`` and a state dict set with ``BUILD``;
- the state holds name, namespace, ``version=None``, the hash redun computes for that stand-in
  task (see ``stand_in_hash``), ``compat=[]``, ``script`` (True only for redun's short list of
  known script tasks), ``task_options={}`` and ``export_options=set()``.

One difference: redun aborts this migration when a task's name or namespace is not a valid
Python-like identifier (its Task class refuses it); here such tasks get their value row too.
The downgrade keeps the rows, as redun does.
"""

import hashlib
import struct

import sqlalchemy as sa
from alembic import context, op

revision = "30ffbaee18cd"
down_revision = "647c510a77b1"
branch_labels = None
depends_on = None

TASK_TYPE = "redun.Task"
PICKLE_FORMAT = "application/python-pickle"

# Task fullnames that redun's migration guesses are script tasks.
KNOWN_SCRIPT_TASKS = frozenset({"redun.script_task", "test_help", "test_help_debug", "test_gfetch"})

# redun hashes an unversioned task by its source code; the stand-in function of its migration
# is a lambda whose source (as ``inspect.getsource`` returns it) is this line of that file.
STAND_IN_SOURCE = "            func=lambda: None,\n"


def fullname(namespace: str, name: str) -> str:
    """Return ``namespace.name``, or ``name`` without a namespace, as redun does."""
    return f"{namespace}.{name}" if namespace else name


def _bencode_strings(items: list[str]) -> bytes:
    """Bencode a list of strings: ``l`` + ``<len>:<utf-8 bytes>`` each + ``e``."""
    out = [b"l"]
    for item in items:
        data = item.encode("utf-8")
        out.append(str(len(data)).encode("ascii") + b":" + data)
    out.append(b"e")
    return b"".join(out)


def stand_in_hash(task_fullname: str) -> str:
    """Return the hash redun gives its stand-in task: sha512 of the bencoded struct, 40 hex."""
    struct_bytes = _bencode_strings(["Task", task_fullname, "source", STAND_IN_SOURCE])
    return hashlib.sha512(struct_bytes).hexdigest()[:40]


class _PickleWriter:
    """Writes pickle protocol 3 opcodes with the memo numbering ``pickle.dumps`` uses."""

    def __init__(self) -> None:
        self.parts: list[bytes] = [b"\x80\x03"]  # PROTO 3
        self.next_memo = 0
        self.shared: dict[str, int] = {}

    def memoize(self) -> None:
        # BINPUT (1-byte index) below 256 entries, LONG_BINPUT beyond; we stay far below.
        index = self.next_memo
        self.parts.append(b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index))
        self.next_memo += 1

    def op(self, opcode: bytes, memo: bool = True) -> None:
        self.parts.append(opcode)
        if memo:
            self.memoize()

    def string(self, text: str) -> None:
        # CPython shares one object for the empty string and for each one-character latin-1
        # string, so pickle memoizes them and writes later copies as BINGET; any other string
        # read from the database is a distinct object and is written again.
        if len(text) <= 1 and (not text or ord(text) < 256):
            if text in self.shared:
                self.parts.append(b"h" + bytes([self.shared[text]]))
                return
            self.shared[text] = self.next_memo
        data = text.encode("utf-8", "surrogatepass")
        self.parts.append(b"X" + struct.pack("<I", len(data)) + data)  # BINUNICODE
        self.memoize()

    def getvalue(self) -> bytes:
        return b"".join(self.parts) + b"."  # STOP


def task_pickle(name: str, namespace: str) -> bytes:
    """Return the bytes redun's migration stores for a task without its value row."""
    writer = _PickleWriter()
    writer.op(b"credun.task\nTask\n")  # GLOBAL
    writer.op(b")", memo=False)  # EMPTY_TUPLE
    writer.op(b"\x81")  # NEWOBJ
    writer.op(b"}")  # EMPTY_DICT (the state)
    writer.op(b"(", memo=False)  # MARK
    writer.string("name")
    writer.string(name)
    writer.string("namespace")
    writer.string(namespace)
    writer.string("version")
    writer.op(b"N", memo=False)  # None
    writer.string("hash")
    writer.string(stand_in_hash(fullname(namespace, name)))
    writer.string("compat")
    writer.op(b"]")  # EMPTY_LIST
    writer.string("script")
    is_script = fullname(namespace, name) in KNOWN_SCRIPT_TASKS
    writer.op(b"\x88" if is_script else b"\x89", memo=False)  # NEWTRUE / NEWFALSE
    writer.string("task_options")
    writer.op(b"}")  # EMPTY_DICT
    writer.string("export_options")
    writer.op(b"cbuiltins\nset\n")  # GLOBAL: set([]) is how protocol 3 writes an empty set
    writer.op(b"]")  # EMPTY_LIST
    writer.op(b"\x85")  # TUPLE1
    writer.op(b"R")  # REDUCE
    writer.op(b"u", memo=False)  # SETITEMS
    writer.op(b"b", memo=False)  # BUILD
    return writer.getvalue()


def upgrade() -> None:
    """Insert the missing companion value rows."""
    if context.is_offline_mode():
        return
    bind = op.get_bind()
    lonely = bind.execute(
        sa.text(
            "SELECT task.hash, task.name, task.namespace FROM task "
            "WHERE NOT EXISTS (SELECT 1 FROM value WHERE value.value_hash = task.hash)"
        )
    ).fetchall()
    if not lonely:
        return
    value = sa.table(
        "value",
        sa.column("value_hash", sa.String),
        sa.column("type", sa.String),
        sa.column("format", sa.String),
        sa.column("value", sa.LargeBinary),
    )
    bind.execute(
        value.insert(),
        [
            {
                "value_hash": task_hash,
                "type": TASK_TYPE,
                "format": PICKLE_FORMAT,
                "value": task_pickle(name, namespace),
            }
            for task_hash, name, namespace in lonely
        ],
    )


def downgrade() -> None:
    """Keep the companion rows: they are valid data at every version."""
