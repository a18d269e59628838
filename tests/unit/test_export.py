"""The query, export and import commands (in-process through click), and an export/import round trip."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from redun_tui.cli import cli
from redun_tui.commands.query import describe, format_line, parse_words, search_text
from redun_tui.db import CallNode, Execution, Job, RedunBackendDb, Value
from redun_tui.db.dataflow import display_dataflow, make_dataflow_dom, walk_dataflow
from redun_tui.search import parse_search

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(*argv: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(argv), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def failures(tmp_path: Path) -> str:
    path = tmp_path / "failures.db"
    shutil.copy(FIXTURES / "failures.db", path)
    return str(path)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


# -- query ---------------------------------------------------------------------------------------


def test_query_lists_executions_newest_first_by_default(failures: str) -> None:
    code, out, _ = run("query", failures)
    assert code == 0
    rows = [line.split("\t") for line in lines(out)]
    assert len(rows) == 10 and {row[0] for row in rows} == {"Execution"}
    times = [row[4] for row in rows]
    assert times == sorted(times, reverse=True)
    assert {row[2] for row in rows} == {"DONE", "FAILED", "RUNNING"}


def test_query_search_json_and_limit(failures: str) -> None:
    code, out, err = run("query", failures, "status:failed", "is:job", "--json", "--limit", "3")
    assert code == 0
    items = [json.loads(line) for line in lines(out)]
    assert len(items) == 3 and all(item["type"] == "Job" and item["status"] == "FAILED" for item in items)
    assert set(items[0]) >= {"type", "id", "status", "task", "time", "execution_id"}
    assert items[0]["time"].endswith("+00:00")
    assert "--limit 0" in err
    # redun's flags mean the same; --limit 0 shows everything.
    _, flags_out, _ = run("query", failures, "--job-status", "FAILED", "--job", "--json", "--limit", "0")
    assert len(lines(flags_out)) == 15
    assert [json.loads(line)["id"] for line in lines(flags_out)][:3] == [item["id"] for item in items]


def test_query_words_are_the_search_bar_text_not_requoted() -> None:
    # The shell removed its quotes; the words are joined as typed and parsed once, as the
    # search bar parses them: quote for the search language inside the shell's quotes.
    assert search_text(["task:a", 'file:"my dir/*.txt"', 'tag:doc="first run"']) == (
        'task:a file:"my dir/*.txt" tag:doc="first run"'
    )
    parsed = parse_words(["file:\"my dir/*.txt\"", 'tag:doc="first run"', "word"])
    assert parsed.file_paths == ("my dir/*.txt",)
    assert parsed.tags == (("doc", "first run"),)
    assert parsed.words == ("word",)
    assert parse_words(["two", "words"]) == parse_search("two words")


@pytest.mark.parametrize("command", ["query", "export"])
def test_search_syntax_error_names_the_position(failures: str, command: str) -> None:
    argv = [command, failures, 'task:"unterminated'] + (["-o", "-"] if command == "export" else [])
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert lines(err) == ["redun-tui: bad search 'task:\"unterminated': unterminated quote \" (at character 6)"]


def test_query_count_per_record_type(failures: str) -> None:
    code, out, err = run("query", failures, "--count")
    assert (code, out, err) == (0, "      10 Execution\n", "")
    code, out, _ = run("query", failures, "status:failed", "is:job", "--count")
    assert out == "      15 Job\n"
    code, out, _ = run("query", failures, "is:job", "is:task", "--count", "--json")
    counts = json.loads(out)
    assert counts == {"Job": 53, "Task": counts["Task"]} and counts["Task"] > 0


@pytest.mark.parametrize(
    "argv, words",
    [
        (["status:nope"], "unknown status 'nope'"),
        (["--bogus-flag"], "unknown flag --bogus-flag"),
        (["stauts:failed"], "unknown filter stauts:"),
    ],
)
def test_query_bad_search_is_one_line_exit_2(failures: str, argv: list[str], words: str) -> None:
    code, out, err = run("query", failures, *argv)
    assert code == 2 and out == ""
    assert len(lines(err)) == 1 and err.startswith("redun-tui: bad search") and words in err


def test_query_text_is_made_safe_piped_or_not(failures: str) -> None:
    item = {"type": "Value", "id": "abc", "status": None, "task": None, "time": None,
            "value_type": "x\x1b]52;c;Zm9v\x07", "path": "a\nb"}
    # Piped or not: escaped visibly, one line (only --json is the exact data).
    assert "\x1b" not in format_line(item) and "\\e]52;c;Zm9v\\a" in format_line(item)
    assert "\n" not in format_line(item) and "a\\nb" in format_line(item)
    backend = RedunBackendDb(failures)
    backend.load()
    records = list(backend.session.query(Job).limit(5)) + list(backend.session.query(Execution).limit(2))
    described = describe(backend.session, records)
    assert [d["status"] for d in described[:5]] == [job.status for job in records[:5]]
    assert [d["status"] for d in described[5:]] == [e.status for e in records[5:]]
    backend.close()


# -- export and import ---------------------------------------------------------------------------


def referenced_ids(records: list[dict]) -> set[str]:
    wanted: set[str] = set()
    for record in records:
        kind = record["_type"]
        if kind == "Execution":
            wanted.add(record["job_id"])
        elif kind == "Job":
            wanted.update(x for x in (record["task_hash"], record["call_hash"]) if x)
            wanted.update(record["children"])
        elif kind == "CallNode":
            wanted.update([record["task_hash"], record["value_hash"], *record["children"]])
            for arg in record["args"].values():
                wanted.add(arg["value_hash"])
                wanted.update(arg["upstream"])
        elif kind == "Value":
            wanted.update(record["subvalues"])
    return wanted


def test_export_is_a_self_contained_slice(failures: str, tmp_path: Path) -> None:
    out = tmp_path / "one.jsonl"
    code, _, err = run("export", failures, "exec:72a68166", "-o", str(out))
    assert code == 0 and "exported" in err
    records = [json.loads(line) for line in out.read_text().splitlines()]
    ids = {record.get("id") or record.get("call_hash") or record.get("value_hash") or record.get("tag_hash") for record in records}
    assert "72a68166-dfdf-4184-ae4c-bcde945a503d" in ids
    assert referenced_ids(records) <= ids
    assert {record["_type"] for record in records} >= {"Execution", "Job", "CallNode", "Value"}
    assert not list(tmp_path.glob(".redun-tui-export-*"))  # the temporary file was renamed


def test_export_without_search_exports_every_execution(failures: str, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    assert run("export", failures, "-o", str(out))[0] == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sum(1 for record in records if record["_type"] == "Execution") == 10
    code, _, err = run("export", failures, "task:no_such_task", "-o", str(tmp_path / "none.jsonl"))
    assert code == 2 and "nothing" in err and not (tmp_path / "none.jsonl").exists()


def test_export_writes_into_a_pipe_or_device_and_through_a_link(failures: str, tmp_path: Path) -> None:
    # `-o /dev/null` replaced the device with a regular file (a finished temporary file renamed
    # over it). A FIFO stands in for the device here: it must stay a FIFO and get every line.
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, _, err = run("export", failures, "exec:72a68166", "-o", str(fifo))
    reader.join(timeout=30)
    assert code == 0 and "exported" in err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and all(json.loads(line)["_type"] for line in received[0].decode().splitlines())
    # Through a symlink: the file it names is replaced, the link stays; the file keeps its mode.
    real = tmp_path / "real.jsonl"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert run("export", failures, "exec:72a68166", "-o", str(link))[0] == 0
    assert link.is_symlink() and real.read_text().startswith("{")
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    # A new file gets the mode a plain open() gives (not mkstemp's 0600); a directory is refused.
    new = tmp_path / "new.jsonl"
    assert run("export", failures, "exec:72a68166", "-o", str(new))[0] == 0
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o666 & ~mask
    code, _, err = run("export", failures, "-o", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_import_creates_schema_and_is_idempotent(failures: str, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    run("export", failures, "-o", str(out))
    target = tmp_path / "new.db"
    code, _, err = run("import", str(out), str(target))
    assert code == 0 and "imported 200 new records" in err
    code, _, err = run("import", str(out), str(target))
    assert code == 0 and "imported 0 new records" in err and "200 already present" in err
    # Everything in failures.db reachable from its executions is there: query both the same.
    # (Executions and jobs in the same order; other types in database order.)
    copied = lines(run("query", str(target), "--all", "--limit", "0")[1])
    original = lines(run("query", failures, "--all", "--limit", "0")[1])
    # Records no execution reaches (a task never run, say) are not exported.
    assert set(copied) <= set(original)
    assert [row for row in copied if row.startswith(("Execution", "Job"))] == [
        row for row in original if row.startswith(("Execution", "Job"))
    ]
    # Importing into the database the records came from adds nothing.
    assert "imported 0 new records" in run("import", str(out), failures)[2]


def test_import_from_stdin(failures: str, tmp_path: Path) -> None:
    _, exported, _ = run("export", failures, "exec:72a68166", "-o", "-")
    code, _, err = run("import", "-", str(tmp_path / "piped.db"), input=exported)
    assert code == 0 and f"imported {len(lines(exported))} new records" in err


@pytest.mark.parametrize(
    "content, words",
    [
        ('{"_version": 1, "_type": "Execution", "id": "e", "args": "[]", "job_id": "j"}\n{oops\n', "line 2: not JSON"),
        ('\n\n{"_version": 1, "_type": "Planet"}\n', "line 3: not a redun record: unknown record type"),
        ('{"_version": 1, "_type": "Job", "id": "x"}\n', "line 1: not a redun record"),
        ("[1, 2]\n", "line 1: not a redun record"),
        ('{"_version": 1, "_type": "CallNode", "call_hash": "c", "task_name": "t", "task_hash": "h", "args_hash": "a",'
         ' "value_hash": "v", "timestamp": "2026-01-01 00:00:00+00:00", "args": {"0": {}}, "children": []}\n', "line 1"),
    ],
)
def test_import_rejects_malformed_files_naming_the_line(tmp_path: Path, content: str, words: str) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(content)
    target = tmp_path / "target.db"
    code, out, err = run("import", str(source), str(target))
    assert code == 2 and len(lines(err)) == 1 and words in err, err
    assert not target.exists()  # nothing written, not even an empty schema


def test_import_errors_for_unreadable_and_foreign_targets(tmp_path: Path) -> None:
    code, _, err = run("import", str(tmp_path / "missing.jsonl"), str(tmp_path / "x.db"))
    assert code == 2 and "cannot read" in err
    (tmp_path / "binary.jsonl").write_bytes(b"\xff\xfe\x00garbage\n")
    code, _, err = run("import", str(tmp_path / "binary.jsonl"), str(tmp_path / "x.db"))
    assert code == 2 and "line 1" in err
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    (tmp_path / "empty.jsonl").write_text("")
    code, _, err = run("import", str(tmp_path / "empty.jsonl"), str(foreign))
    assert code == 2 and "not a redun database" in err


def dataflow_text(backend: RedunBackendDb, value_hash: str) -> str:
    value = backend.session.get(Value, value_hash)
    return "\n".join(display_dataflow(list(make_dataflow_dom(walk_dataflow(backend, value)))))


def test_round_trip_keeps_the_dataflow_of_an_execution(failures: str, tmp_path: Path) -> None:
    # main_fail: a failed result whose dataflow runs through several calls.
    execution_id = "234fffba-2d28-42d9-b150-fc623c78f922"
    source = RedunBackendDb(failures)
    source.load()
    execution = source.session.get(Execution, execution_id)
    result_hash = execution.job.call_node.value_hash
    before = dataflow_text(source, result_hash)
    assert before.count("\n") >= 5

    out = tmp_path / "one.jsonl"
    assert run("export", failures, f"exec:{execution_id[:8]}", "-o", str(out))[0] == 0
    target = tmp_path / "copy.db"
    assert run("import", str(out), str(target))[0] == 0
    copy = RedunBackendDb(str(target))
    copy.load()
    assert copy.session.get(Execution, execution_id) is not None
    assert dataflow_text(copy, result_hash) == before
    # And so for every value of the slice that no other execution also produced (a value made
    # elsewhere too, like the int 5, has call nodes the slice rightly leaves out).
    def producers(backend: RedunBackendDb, value_hash: str) -> int:
        return backend.session.query(CallNode).filter(CallNode.value_hash == value_hash).count()

    hashes = [
        value.value_hash
        for value in copy.session.query(Value)
        if producers(copy, value.value_hash) == producers(source, value.value_hash)
    ]
    assert len(hashes) > 5
    for value_hash in hashes:
        assert dataflow_text(copy, value_hash) == dataflow_text(source, value_hash), value_hash
    copy.close()
    source.close()


def test_export_import_on_postgresql(failures: str, tmp_path: Path, pg_url: str, make_pg_db: object) -> None:
    out = tmp_path / "all.jsonl"
    assert run("export", failures, "-o", str(out))[0] == 0
    code, _, err = run("import", str(out), pg_url)
    assert code == 0 and "imported 200 new records" in err, err
    assert "imported 0 new records" in run("import", str(out), pg_url)[2]
    # Exporting from PostgreSQL gives the same records.
    again = tmp_path / "again.jsonl"
    assert run("export", pg_url, "-o", str(again))[0] == 0
    # The same records; argument and child order follow each database's row order (as redun's).
    def normalized(path: Path) -> list[str]:
        records = []
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if "children" in record:
                record["children"] = sorted(record["children"])
            records.append(json.dumps(record, sort_keys=True))
        return sorted(records)

    assert normalized(again) == normalized(out)
    assert run("query", pg_url, "status:failed", "--limit", "0")[1] == run("query", failures, "status:failed", "--limit", "0")[1]
