"""Every CLI command piped to ``cat``: the text a script or a pager receives.

Human-readable output escapes control characters visibly (``\\e``, ``\\r``, ``\\x00``…) whether
or not stdout is a terminal; ``--json`` stays exact. A search that does not parse exits 2 with one
line naming the position, whichever command reads it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from harness import FIXTURES_DIR, run_piped

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hostile"))

from builder import HostileDb, build_hostile_text_db  # noqa: E402

# Raw control characters (but \t and \n), DEL, C1 and the bidi overrides: none may reach a reader.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileDb:
    """ESC, CR, NUL, OSC 52, bidi … in task names, args, tags, paths and values (no 50 MB value)."""
    return build_hostile_text_db(tmp_path_factory.mktemp("hostile") / "hostile.db", big_value=False)


def _human_commands(info: HostileDb, tmp_path: Path) -> list[list[str]]:
    db = str(info.path)
    hashes = info.value_hashes
    return [
        ["db", "info", db],
        ["query", db],  # the execution: its task name and args
        ["query", db, "is:task", "--limit", "0"],
        ["query", db, "is:value", "--count"],
        ["dataflow", db, hashes["file-everything"]],
        ["dataflow", db, hashes["error-escape-8"]],
        ["dataflow", db, "nothing\x1b]52;c;eA==\x07here"],  # an error quoting the argument
        ["export", db, "-o", str(tmp_path / "out\x1b[2J.jsonl")],
    ]


def test_every_human_readable_output_escapes_control_characters(hostile: HostileDb, tmp_path: Path) -> None:
    seen = ""
    for argv in _human_commands(hostile, tmp_path):
        code, out, err = run_piped(argv)
        assert code in (0, 2), (argv, err)
        for stream in (out, err):
            text = stream.decode("utf-8")
            found = RAW_CONTROL.search(text)
            assert found is None, f"{argv[:2]}: raw {found.group()!r} in {text[max(0, found.start() - 60):found.end() + 20]!r}"
        seen += out.decode() + err.decode()
    # The data is still there, visibly.
    for visible in ("\\e]52;", "\\e[2J", "\\r", "\\x00", "\\a", "\\u202e"):
        assert visible in seen, visible


def test_json_stays_exact(hostile: HostileDb) -> None:
    code, out, err = run_piped(["query", str(hostile.path), "is:task", "--json", "--limit", "0"])
    assert code == 0, err
    tasks = {json.loads(line)["task"] for line in out.splitlines()}
    assert set(hostile.task_names) <= tasks
    code, out, err = run_piped(["query", str(hostile.path), "--json"])
    assert code == 0, err
    [execution] = [json.loads(line) for line in out.splitlines()]
    assert "\x1b]52;c;cm0gLXJmIH4=\x07" in execution["args"] and "carriage\roverwrite" in execution["args"]


@pytest.mark.parametrize("command", [["query"], ["export", "-o", "-"]])
def test_search_syntax_error_exits_2_naming_the_position(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "seed.db"
    db.write_bytes((FIXTURES_DIR / "seed_example.db").read_bytes())
    code, out, err = run_piped([command[0], str(db), 'task:"unterminated', *command[1:]])
    assert (code, out) == (2, b"")
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("redun-tui: ")
    assert "unterminated quote" in lines[0] and "character 6" in lines[0]


def test_query_count(tmp_path: Path) -> None:
    db = tmp_path / "seed.db"
    db.write_bytes((FIXTURES_DIR / "seed_example.db").read_bytes())
    # As `redun log --count` prints them: one line per record type.
    code, out, err = run_piped(["query", str(db), "--count"])
    assert (code, out, err) == (0, b"       3 Execution\n", b"")
    code, out, err = run_piped(["query", str(db), "is:job", "--count", "--limit", "5", "--json"])
    assert (code, json.loads(out), err) == (0, {"Job": 33}, b"")  # --limit does not cut a count
