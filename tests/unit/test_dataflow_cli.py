"""``redun-tui dataflow PATH_OR_URL TARGET [--json]`` (click's CliRunner, in-process)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from redun_tui.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "fixtures" / "seed_example.db")
GOLDEN = ROOT / "golden"


def run(*args: str):
    return CliRunner().invoke(cli, ["dataflow", *args])


def redun_log_dataflow() -> str:
    """The "Upstream dataflow" part of `redun log sample4.vcf`, without its indentation."""
    text = (GOLDEN / "redun_log_sample4_vcf.txt").read_text()
    part = text.split("Upstream dataflow:\n\n", 1)[1]
    return "".join(line[6:] + "\n" if line.strip() else "\n" for line in part.splitlines())


def golden_hash(prefix: str) -> str:
    [path] = (GOLDEN / "dataflow" / "seed_example").glob(f"{prefix}*.txt")
    return path.name.split(".")[0]


def test_file_path_prints_what_redun_log_prints() -> None:
    result = run(SEED, "sample4.vcf")
    assert result.exit_code == 0, result.output
    assert result.stdout == redun_log_dataflow()


def test_value_hash_prefix_prints_the_golden_dataflow() -> None:
    value_hash = golden_hash("f7efecff")
    result = run(SEED, value_hash[:10])
    assert result.exit_code == 0, result.output
    header, blank, rest = result.stdout.split("\n", 2)
    assert header == "value = File(path=sample4.vcf, hash=f7efecff)"
    assert blank == ""
    assert rest == (GOLDEN / "dataflow" / "seed_example" / f"{value_hash}.txt").read_text() + "\n"


def test_json_is_serialize_dataflow() -> None:
    value_hash = golden_hash("f7efecff")
    result = run(SEED, value_hash, "--json")
    assert result.exit_code == 0, result.output
    expected = json.loads((GOLDEN / "dataflow" / "seed_example" / f"{value_hash}.json").read_text())
    assert json.loads(result.stdout) == expected


def test_job_prefix_shows_its_result() -> None:
    # Job 34e7333d produced sample4.vcf: the same dataflow as `redun log` shows for the job.
    result = run(SEED, "34e7333d")
    assert result.exit_code == 0, result.output
    assert result.stdout == redun_log_dataflow()


def test_call_node_starts_the_walk_at_the_call() -> None:
    result = run(SEED, "6245caed")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "result = File(path=sample4.vcf, hash=f7efecff)"
    assert lines[2] == "result <-- <6245caed> call_variants(bam, ref_genome)"
    # The rest is the same as from the value (its most recent producer is this call).
    assert result.stdout == redun_log_dataflow()


def test_ambiguous_prefix_lists_candidates() -> None:
    result = run(SEED, "5")
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("redun-tui: ambiguous id '5': value 5")
    assert "job 5" in line and "call node 5" in line


def test_unknown_target_is_one_line() -> None:
    result = run(SEED, "no-such-thing")
    assert result.exit_code == 2
    assert result.stderr == "redun-tui: no value, job, call node or file matches 'no-such-thing'\n"


def test_missing_database_is_one_line(tmp_path: Path) -> None:
    result = run(str(tmp_path / "missing.db"), "abc")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("redun-tui: ")


@pytest.fixture
def hostile_db(tmp_path: Path) -> tuple[str, str]:
    """A database whose task name carries terminal escapes (OSC 52 would write the clipboard)."""
    spec = importlib.util.spec_from_file_location("dataflow_bench", ROOT.parent / "benchmarks" / "dataflow_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = str(tmp_path / "hostile.db")
    builder = bench.Builder()
    result = builder.value("done")
    evil = "evil\x1b]52;c;aGk=\x07\u202e"
    call = builder.call(evil, ["x"], [(builder.value(1), [])], result)
    backend = bench.RedunBackendDb(path, read_only=False)
    backend.load(migrate=True)
    builder.job("job-1", evil, call, "exec-1", None)
    builder.execution("exec-1", "job-1")
    builder.write(backend.engine)
    backend.close()
    return path, result


def test_text_output_is_made_safe_piped_or_not(hostile_db: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import redun_tui.commands.dataflow as command

    path, value_hash = hostile_db
    # Piped or on a terminal, the text is the same: control characters escaped visibly (a
    # pager or `| head` on a terminal would otherwise run them).
    piped = run(path, value_hash)
    assert piped.exit_code == 0, piped.output
    monkeypatch.setattr(command, "_is_terminal", lambda: True)
    shown = run(path, value_hash)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == piped.stdout
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout and "\u202e" not in shown.stdout
    assert "evil\\e]52;c;aGk=\\a\\u202e(arg0)" in shown.stdout
    as_json = run(path, value_hash, "--json")
    assert as_json.stdout.isascii() and "\x1b" not in as_json.stdout
    assert json.loads(as_json.stdout)[0]["assign"]["display"] == "evil\x1b]52;c;aGk=\x07\u202e(arg0)"
