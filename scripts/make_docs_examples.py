"""Writes docs/examples/: ``redun-tui show`` output and re-run lines, from the fixture databases.

Usage: ``python scripts/make_docs_examples.py [--check]``. Every file is the output of
``redun-tui show`` (text and Markdown) for a failed job, a FAILED execution and a File value, and
one re-run line (or reason) per job of each fixture database. ``--check`` exits 1 when a committed
file differs from what the script writes (tests/unit/test_docs_examples.py runs it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
OUT = ROOT / "docs" / "examples"

# name -> (fixture, ID as a user would type it, what it is)
EXAMPLES = {
    "failed_job": ("failures.db", "ff72ff9e", "a failed job (failures.explode) with its traceback"),
    "failed_execution": ("failures.db", "b22c1c57", "a FAILED execution with its failed jobs"),
    "file_value": ("seed_example.db", "219c5340", "a File value (sample3.bam) with its dataflow"),
}
RERUN_DATABASES = ("failures.db", "seed_example.db", "values.db", "tags.db", "dataflow_shapes.db", "crash_cases.db")


def show(db: str, record: str, fmt: str) -> str:
    """``redun-tui show`` run as a user runs it, from the fixtures directory (relative paths)."""
    command = [sys.executable, "-m", "redun_tui", "show", db, record, "--format", fmt]
    return subprocess.run(command, cwd=FIXTURES, capture_output=True, text=True, check=True).stdout


def rerun_lines(db: str) -> str:
    """One line per job of a database: ``<job id> <task>: <command or reason>``."""
    sys.path.insert(0, str(ROOT))
    from redun_tui.commands.common import open_db
    from redun_tui.formatting import one_line
    from redun_tui.rerun import job_rerun
    from redun_tui.store import Store

    backend = open_db(str(FIXTURES / db))
    lines = [f"# Re-run lines for every job of tests/fixtures/{db} (scripts/make_docs_examples.py)", ""]
    try:
        store = Store(backend)
        for execution in reversed(store.executions(limit=1000).items):
            for job in store.jobs(execution.id, limit=5000).items:
                lines.append(f"{job.id[:8]} {job.task_name}: {one_line(job_rerun(store, store.job(job.id)).text)}")
    finally:
        backend.close()
    return "\n".join(lines) + "\n"


def files() -> dict[str, str]:
    """Every file of docs/examples/ and its content."""
    written: dict[str, str] = {}
    index = ["# `redun-tui show` examples", "",
             "Written by `scripts/make_docs_examples.py` from the fixture databases (never by hand).", ""]
    for name, (db, record, what) in EXAMPLES.items():
        written[f"{name}.txt"] = show(db, record, "text")
        written[f"{name}.md"] = show(db, record, "markdown")
        index.append(f"- {what}: `redun-tui show {db} {record}` → [{name}.txt]({name}.txt), "
                     f"`--format markdown` → [{name}.md]({name}.md)")
    index += ["", "Re-run lines (`R` in the app) for every job of each fixture database:", ""]
    for db in RERUN_DATABASES:
        name = f"rerun_{db.removesuffix('.db')}.txt"
        written[name] = rerun_lines(db)
        index.append(f"- [{name}]({name})")
    written["README.md"] = "\n".join(index) + "\n"
    return written


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, content in files().items():
        path = OUT / name
        if check:
            if not path.exists() or path.read_text() != content:
                stale.append(name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
    if stale:
        print(f"docs/examples out of date (run scripts/make_docs_examples.py): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
