"""Bad data in a good database is shown, never fatal: a tag that is not JSON, a time that is not a
time, a newer schema.

* One tag value that is not valid JSON: the home screen keeps every execution, the execution's
  details and job tree still load, the value is shown literally and marked as unparsed, and
  ``export`` still exits 0.
* Times that are not times (SQLite keeps any text; SQLAlchemy's own reader raises on it) in the
  latest execution's root job and children: the home screen (painted by the launch path's own
  reader) keeps every execution, and the execution's timeline opens; `timeline -` prints.
* A schema written by a newer redun of the same major version (as a newer redun records it: a
  migration id this program does not know in ``alembic_version`` and a new ``redun_version`` row
  with the same major) opens read-only with a one-line warning, as redun 0.44.1 reads it; a newer
  *major* version is refused in one line.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from harness import FIXTURES_DIR, run_piped

BAD_TAG = '{"run": unquoted'  # not JSON
BAD_EXEC = "af59d4e0"


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(FIXTURES_DIR / "seed_example.db", target)
    return target


def _with_bad_tag(tmp_path: Path) -> Path:
    path = _copy(tmp_path, "badtag.db")
    with sqlite3.connect(path) as connection:
        changed = connection.execute(
            "UPDATE tag SET value = ? WHERE entity_type = 'Execution' AND key = 'user' AND entity_id LIKE ?",
            (BAD_TAG, BAD_EXEC + "%"),
        ).rowcount
    connection.close()
    assert changed == 1
    return path


def _stamped_newer(tmp_path: Path, major: int) -> Path:
    """The database as a newer redun would leave it after its own migration to ``major``.x."""
    path = _copy(tmp_path, f"newer{major}.db")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeed0042'")
        connection.execute(
            "INSERT INTO redun_version (id, version, timestamp) VALUES (?, ?, ?)",
            ("6d1c5a8e-0000-4000-8000-000000000042", major, "2027-01-01 00:00:00.000000"),
        )
    connection.close()
    return path


def test_bad_tag_keeps_every_execution_and_is_shown_unparsed(terminal, size, tmp_path: Path) -> None:
    path = _with_bad_tag(tmp_path)
    term = terminal(path.name, size=size)
    screen = term.wait_for("b2ffcd8f")
    assert BAD_EXEC in screen and "00eeef5f" in screen
    assert "No executions match" not in screen and "internal error" not in screen
    term.press("q")
    assert term.wait_exit() == 0

    # The execution itself: its tags show the bad value literally, its job tree still loads.
    term = terminal(path.name, f"executions/{BAD_EXEC}", size=size)
    term.wait_for("9b716ed1")  # the root job in the job tree
    screen = term.wait_for("(unparsed)")
    assert "seedex.align_reads" in screen  # the status table
    assert f"user=(unparsed) {BAD_TAG[:10]}" in screen  # cut at 80 columns
    assert "internal error" not in screen and "JSONDecodeError" not in screen
    term.press("q")
    assert term.wait_exit() == 0


def _with_bad_times(tmp_path: Path) -> Path:
    path = _copy(tmp_path, "badtimes.db")
    with sqlite3.connect(path) as connection:
        root = connection.execute("SELECT job_id FROM execution WHERE id LIKE 'b2ffcd8f%'").fetchone()[0]
        connection.execute("UPDATE job SET end_time = 'not a time' WHERE id = ?", (root,))
        connection.execute("UPDATE job SET end_time = '' WHERE parent_id = ?", (root,))
        connection.execute("UPDATE execution SET updated_time = 'soon'")
    connection.close()
    return path


def test_times_that_are_not_times_keep_every_execution(terminal, size, tmp_path: Path) -> None:
    path = _with_bad_times(tmp_path)
    term = terminal(path.name, size=size)
    screen = term.wait_for("00eeef5f")
    assert "b2ffcd8f" in screen and BAD_EXEC in screen
    assert "internal error" not in screen and "Invalid isoformat" not in screen
    term.press("q")
    assert term.wait_exit() == 0
    term = terminal(path.name, "timeline/b2ffcd8f", size=size)
    screen = term.wait_for("seedex.align_reads_all")  # the root's children, as rows
    assert "seedex.main" in screen and "internal error" not in screen and "Invalid isoformat" not in screen
    term.press("q")
    assert term.wait_exit() == 0
    code, out, err = run_piped(["timeline", str(path), "-"])
    assert (code, err) == (0, b"") and out.startswith(b"Execution b2ffcd8f")


def test_bad_tag_export_and_query_exit_0(tmp_path: Path) -> None:
    path = _with_bad_tag(tmp_path)
    code, out, err = run_piped(["export", str(path), "-o", "-"])
    assert code == 0, err
    tags = [record for record in map(json.loads, out.splitlines()) if record["_type"] == "Tag"]
    assert BAD_TAG in [tag["value"] for tag in tags]  # the text kept, as a JSON string
    assert err.decode().count("\n") == 1 and "not valid JSON" in err.decode()
    code, out, err = run_piped(["query", str(path), "tag:project=seedex"])
    assert (code, err) == (0, b"")
    assert len(out.splitlines()) == 3


def test_newer_minor_schema_opens_with_a_warning(terminal, size, tmp_path: Path) -> None:
    path = _stamped_newer(tmp_path, 3)
    term = terminal(path.name, size=size)
    screen = term.wait_for("b2ffcd8f")
    screen = term.wait_for("read-only")
    assert "newer" in screen and "3.?" in screen
    term.press("q")
    assert term.wait_exit() == 0


def test_newer_major_schema_is_refused_in_one_line(terminal, size, tmp_path: Path) -> None:
    path = _stamped_newer(tmp_path, 4)
    term = terminal(path.name, size=size)
    assert term.wait_exit() == 2
    # One line written (the terminal may wrap it at 80 columns).
    written = bytes(term.raw).decode().strip()
    assert "\n" not in written and written.startswith("redun-tui: ") and "newer" in written


def test_newer_schema_from_the_command_line(tmp_path: Path) -> None:
    minor = _stamped_newer(tmp_path, 3)
    code, out, err = run_piped(["query", str(minor)])
    assert code == 0, err
    assert len(out.splitlines()) == 3
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("redun-tui: warning: ") and "3.?" in lines[0]
    code, out, err = run_piped(["db", "info", str(minor)])
    assert code == 0 and b"CLI compatible with db: True" in out
    major = _stamped_newer(tmp_path, 4)
    code, out, err = run_piped(["query", str(major)])
    assert code == 2 and out == b"" and err.count(b"\n") == 1 and b"newer" in err
