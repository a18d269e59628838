"""``redun-tui timeline PATH_OR_URL EXEC [--json]``: the exact JSON, the text, bad input."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from redun_tui.commands.timeline import timeline_text
from redun_tui.db import RedunBackendDb
from redun_tui.store import Store
from redun_tui.views import CriticalStep, TaskStats, TimelineSpan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED = str(FIXTURES / "seed_example.db")
FAILURES = str(FIXTURES / "failures.db")
KEYS = ["execution", "start", "end", "duration", "critical_path", "tasks"]
STEP_KEYS = ["job", "task", "start", "end", "self"]
TASK_KEYS = ["task", "count", "failed", "cached", "total", "mean", "p50", "p95", "max"]


def store_for(path: str) -> Store:
    backend = RedunBackendDb(path, read_only=True)
    backend.load()
    return Store(backend)


def test_json_has_exactly_the_documented_shape(run_cli) -> None:
    result = run_cli(["timeline", SEED, "b2ffcd8f", "--json"])
    assert result.code == 0, result
    data = json.loads(result.out)
    assert list(data) == KEYS
    assert data["execution"] == "b2ffcd8f-2d42-4fb1-9461-6097e445e101"
    assert data["start"] == "2026-11-27T10:11:19.105419+00:00"
    assert data["end"] == "2026-11-27T10:11:20.312603+00:00"
    assert data["duration"] == 1.207184
    assert [list(step) for step in data["critical_path"]] == [STEP_KEYS] * 3
    assert [step["task"] for step in data["critical_path"]] == ["seedex.main", "seedex.call_variants_all",
                                                               "seedex.call_variants"]
    # main ended 0.071984 s after call_variants_all did; the leaf's own time is its duration.
    assert [step["self"] for step in data["critical_path"]] == [0.071984, 0.118731, 0.201388]
    assert all(list(task) == TASK_KEYS for task in data["tasks"])
    totals = [task["total"] for task in data["tasks"]]
    assert totals == sorted(totals, reverse=True)
    variants = next(task for task in data["tasks"] if task["task"] == "seedex.call_variants")
    assert (variants["count"], variants["failed"], variants["cached"]) == (4, 0, 3)
    assert variants["p50"] <= variants["p95"] == variants["max"]


def test_json_matches_the_store_for_every_execution(run_cli) -> None:
    store = store_for(FAILURES)
    for execution in store.executions(limit=50).items:
        result = run_cli(["timeline", FAILURES, execution.id, "--json"])
        assert result.code == 0, result
        data = json.loads(result.out)
        path = store.critical_path(execution.id)
        assert [step["job"] for step in data["critical_path"]] == [step.job_id for step in path]
        assert [(t["task"], t["count"], t["p95"]) for t in data["tasks"]] == [
            (t.task_name, t.count, t.p95) for t in store.task_stats(execution.id)
        ]


def test_running_execution_has_null_end_and_null_percentiles(run_cli) -> None:
    store = store_for(FAILURES)
    running = [e for e in store.executions(limit=50).items if e.status == "RUNNING"]
    assert running, "failures.db holds a run killed with SIGKILL"
    data = json.loads(run_cli(["timeline", FAILURES, running[0].id, "--json"]).out)
    assert data["end"] is None
    assert data["critical_path"][0]["end"] is None
    unfinished = [t for t in data["tasks"] if t["count"] and t["mean"] is None]
    assert unfinished and all(t["p50"] is None and t["p95"] is None and t["max"] is None for t in unfinished)
    text = run_cli(["timeline", FAILURES, running[0].id]).out
    assert "running" in text


def test_text_lists_the_path_and_the_tasks(run_cli) -> None:
    result = run_cli(["timeline", SEED, "af59d4e0"])
    assert result.code == 0, result
    assert "Critical path" in result.out and "seedex.call_variants_all" in result.out
    assert "p95" in result.out and "seedex.align_reads" in result.out


def test_text_escapes_control_characters() -> None:
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    span = TimelineSpan("e1", "j1", moment, moment, moment, 1)
    step = CriticalStep("j1", "evil\x1b]52;c;AAAA\x07", "DONE", moment, moment, moment, 0.0)
    task = TaskStats("h", "evil\x1b[2J", 1, 0, 0, 1, 0.0, 0.0, 0.0, 0.0, 0.0)
    text = "\n".join(timeline_text(span, (step,), (task,)))
    assert "\x1b" not in text and "\x07" not in text
    assert "evil\\e]52" in text and "evil\\e[2J" in text


def test_bad_input_is_one_line_and_exit_2(run_cli, tmp_path: Path) -> None:
    unknown = run_cli(["timeline", SEED, "zzzz"])
    assert unknown.code == 2 and unknown.err.count("\n") == 1 and unknown.err.startswith("redun-tui: ")
    missing = run_cli(["timeline", str(tmp_path / "missing.db"), "ab"])
    assert missing.code == 2 and missing.err.startswith("redun-tui: ")
    empty = run_cli(["timeline", FAILURES, ""])
    assert empty.code == 2 and empty.err.startswith("redun-tui: ")


def test_latest_and_nth_latest_name_executions_as_redun_reads_them(run_cli) -> None:
    # `-` and `~N` read as redun's infer_id reads them, by every command and route taking an
    # execution (one rule: store.sql.resolve_execution), not only by diff.
    latest = "b2ffcd8f-2d42-4fb1-9461-6097e445e101"
    assert json.loads(run_cli(["timeline", SEED, "-", "--json"]).out)["execution"] == latest
    assert json.loads(run_cli(["timeline", SEED, "~1", "--json"]).out)["execution"] == latest
    assert json.loads(run_cli(["timeline", SEED, "~3", "--json"]).out)["execution"].startswith("af59d4e0")
    store = store_for(SEED)
    assert store.resolve("executions/-").route == f"executions/{latest}"
    assert store.resolve("timeline/~2").route.startswith("timeline/00eeef5f")
    assert store.resolve_text("-").route == f"executions/{latest}"
    assert store.task_stats("-") == store.task_stats(latest)
    for bad, message in (("~4", "no execution ~4: Execution index too high: 4"),
                         ("~0", "no execution ~0: Execution index should >= 1.")):
        result = run_cli(["timeline", SEED, bad])
        assert (result.code, result.err.strip()) == (2, f"redun-tui: {message}"), result
    assert store.resolve("timeline/~9").error.startswith("no execution ~9")
