"""``redun-tui diff PATH_OR_URL [EXEC_A] EXEC_B [--json] [--all]``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from redun_tui.cli import cli

SEED = str(Path(__file__).resolve().parents[1] / "fixtures" / "seed_example.db")
SCRIPT = str(Path(sys.executable).with_name("redun-tui"))


def run(*args: str):
    return CliRunner().invoke(cli, ["diff", *args])


def test_text_is_the_summary_then_one_line_per_changed_pair():
    result = run(SEED, "af59d4e0", "b2ffcd8f")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("A  af59d4e0  seedex.main  DONE  2026-11-27 10:11:14")
    assert lines[1].startswith("B  b2ffcd8f  seedex.main  DONE")
    assert lines[2] == "same 6 (cached 6) · changed 5 · added 0 · removed 0"
    assert lines[3] == "cause: sample3.fastq: same path, new content (c54f520f -> 973811e5)"
    pairs = [line for line in lines if line.startswith("changed")]
    assert len(pairs) == 5
    assert any("fastq: File(path=sample3.fastq, hash=c54f520f) -> File(path=sample3.fastq, hash=973811e5) "
               "(same path, new content)" in line for line in pairs)


def test_one_execution_is_compared_with_its_previous_run_and_says_so():
    result = run(SEED, "b2ffcd8f")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("A  00eeef5f")
    assert "(A is the previous run of seedex.main" in result.stdout
    assert run(SEED, "b2ffcd8f", "--a", "af59").stdout.splitlines()[0].startswith("A  af59d4e0")


def test_json_all_pairs_and_only_changes():
    changes = json.loads(run(SEED, "af59d4e0", "b2ffcd8f", "--json").stdout)
    everything = json.loads(run(SEED, "af59d4e0", "b2ffcd8f", "--json", "--all").stdout)
    assert changes["summary"] == everything["summary"] == {"same": 6, "cached": 6, "changed": 5, "added": 0, "removed": 0}
    assert len(changes["pairs"]) == 5 and len(everything["pairs"]) == 11
    assert changes["b"]["id"] == "b2ffcd8f-2d42-4fb1-9461-6097e445e101"


@pytest.mark.parametrize("args,message", [
    (("zzzz", "b2ffcd8f"), "redun-tui: no execution matches 'zzzz'"),
    (("~7",), "redun-tui: no execution ~7: Execution index too high: 7"),
    (("af59d4e0",), "redun-tui: execution af59d4e0 has no earlier run of seedex.main to compare with"),
    (("a", "b", "c"), "redun-tui: diff takes [EXEC_A] EXEC_B: one or two execution ids"),
])
def test_bad_ids_are_one_line_and_exit_2(args, message):
    done = subprocess.run([SCRIPT, "diff", SEED, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [message] and done.stdout == ""


def test_control_characters_in_text_output_are_escaped(monkeypatch):
    from redun_tui.commands import diff as command
    from redun_tui.views import ArgChange, DiffPair

    pair = DiffPair(index=0, parent=None, depth=0, children=(), change="changed", task="t\x1b]52;x\x07",
                    a_job="a" * 8, b_job="b" * 8, a_call_hash=None, b_call_hash=None, a_task_hash=None,
                    b_task_hash=None, a_status="DONE", b_status="DONE", a_duration=None, b_duration=None,
                    a_result=None, b_result=None, reasons=("args",),
                    args=(ArgChange("x", "1", "2", "'\x1b[2J'", "'ok'"),), has_changes=True)
    line = command.pair_line(pair)
    assert "\x1b" not in line and "\\e]52" in line and "\\e[2J" in line


def test_without_path_the_project_database_is_used(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / ".redun").mkdir(parents=True)
    (project / "src").mkdir()
    (project / ".redun" / "redun.db").write_bytes(Path(SEED).read_bytes())
    monkeypatch.delenv("REDUN_CONFIG", raising=False)
    monkeypatch.chdir(project / "src")
    result = run("af59d4e0", "b2ffcd8f", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["changed"] == 5


def test_show_prints_the_report_of_a_diff_route():
    result = CliRunner().invoke(cli, ["show", SEED, "diff/af59d4e0/b2ffcd8f", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "### Diff af59d4e0 → b2ffcd8f"
    assert "- **Summary**: `same 6 (cached 6), changed 5, added 0, removed 0`" in lines
    assert sum(line.startswith("| `changed` |") for line in lines) == 5
    assert "| `same path, new content` | `sample3.fastq` |" in result.stdout
