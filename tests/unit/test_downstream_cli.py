"""``redun-tui downstream PATH_OR_URL TARGET [--json] [--depth N] [--limit N]`` (CliRunner, in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from redun_tui.cli import cli, main

DOWNSTREAM = str(Path(__file__).resolve().parents[1] / "fixtures" / "downstream.db")
VALUES = str(Path(__file__).resolve().parents[1] / "fixtures" / "values.db")


def run(*args: str):
    return CliRunner().invoke(cli, ["downstream", *args])


def test_path_json_is_the_union_of_both_versions() -> None:
    result = run(DOWNSTREAM, "data/ref.txt", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document) == ["target", "depth_limit", "truncated", "calls", "values", "executions"]
    assert document["target"] == "data/ref.txt"
    assert (len(document["calls"]), len(document["values"])) == (19, 21)
    assert [e["id"][:8] for e in document["executions"]] == ["5405a9e6", "f47c7651", "2d013900", "f98ba205"]
    assert {e["status"] for e in document["executions"]} == {"DONE"}
    assert {e["task"] for e in document["executions"]} == {"downex.align_main", "downex.derive_main"}


def test_value_prefix_depth_and_limit() -> None:
    result = run(DOWNSTREAM, "5a8b8b0b", "--json", "--depth", "1")
    document = json.loads(result.stdout)
    assert document["depth_limit"] == 1 and document["truncated"] is False
    assert {call["depth"] for call in document["calls"]} == {1} and len(document["calls"]) == 6
    limited = json.loads(run(DOWNSTREAM, "5a8b8b0b", "--json", "--limit", "2").stdout)
    assert limited["truncated"] is True and len(limited["calls"]) == 2


def test_job_prefix_means_its_result() -> None:
    # index_ref's job in f98ba205: its result out/ref.idx feeds the three align calls.
    by_value = json.loads(run(DOWNSTREAM, "ffc5de46", "--json").stdout)
    index_job = json.loads(run(DOWNSTREAM, "5a8b8b0b", "--json", "--depth", "1").stdout)
    [index_ref] = [call for call in index_job["calls"] if call["task"] == "downex.index_ref"]
    by_job = json.loads(run(DOWNSTREAM, index_ref["jobs"][0][:13], "--json").stdout)
    assert by_job["target"] == index_ref["result"]
    assert [call["call_hash"] for call in by_job["calls"]] == [call["call_hash"] for call in by_value["calls"]]


def test_text_report() -> None:
    result = run(DOWNSTREAM, "data/ref.txt")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "downstream of data/ref.txt (2 versions)"
    assert "19 calls, 21 derived values, 4 executions" in lines
    assert any(line.startswith("  newest downex.align_main: 5405a9e6") for line in lines)


def test_text_escapes_control_characters_when_piped() -> None:
    # values.db holds strings with ANSI escapes: the report shows them as visible escapes.
    out = run(VALUES, _value_with_escape())
    assert out.exit_code == 0, out.output
    assert "\x1b" not in out.stdout


def _value_with_escape() -> str:
    import sqlite3

    connection = sqlite3.connect(VALUES)
    try:
        rows = connection.execute("SELECT value_hash, value FROM value WHERE type = 'builtins.str'").fetchall()
    finally:
        connection.close()
    for value_hash, data in rows:
        if b"\x1b" in data:
            return value_hash
    raise AssertionError("values.db has no string with an escape")


@pytest.mark.parametrize(
    "args",
    [
        ["nothing-like-this"],
        ["5"],  # ambiguous
        [""],
        ["data/ref.txt", "--depth", "0"],
        ["data/ref.txt", "--limit", "-1"],
        ["data/ref.txt", "--depth", "x"],
    ],
)
def test_bad_target_is_one_line_and_exit_2(args, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["downstream", DOWNSTREAM, *args])
    assert done.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("redun-tui: ") and captured.err.count("\n") == 1


def test_missing_database_is_one_line(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["downstream", str(tmp_path / "missing.db"), "x"])
    assert done.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_inside_a_redun_project_no_database_is_needed(tmp_path, monkeypatch) -> None:
    import shutil

    project = tmp_path / "project"
    (project / ".redun").mkdir(parents=True)
    (project / "src").mkdir()
    shutil.copyfile(DOWNSTREAM, project / ".redun" / "redun.db")
    monkeypatch.chdir(project / "src")
    monkeypatch.delenv("REDUN_CONFIG", raising=False)
    result = run("data/ref.txt", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["calls"]) == 19
    too_many = run(DOWNSTREAM, "data/ref.txt", "extra")
    assert too_many.exit_code == 2
