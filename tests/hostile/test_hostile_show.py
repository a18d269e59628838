"""``show`` (and ``M``'s report) over hostile text: nothing raw reaches the output, all bounded."""

from __future__ import annotations

import re

from builder import HostileDb

from redun_tui.commands.common import open_db
from redun_tui.report import build_report, render_markdown, render_text
from redun_tui.store import Store

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_every_report_of_the_hostile_text_db_is_escaped_and_bounded(text_db: HostileDb) -> None:
    # (The builder's file paths live inside File values; it records no file rows to show.)
    routes = [f"executions/{text_db.execution_id}", *(f"jobs/{job}" for job in text_db.job_ids),
              *(f"values/{value}" for value in text_db.value_hashes.values()), "executions", "tasks"]
    backend = open_db(str(text_db.path))
    try:
        store = Store(backend)
        for route in routes:
            built = build_report(store, route)
            for output in (render_text(built), render_markdown(built)):
                assert not UNSAFE.search(output.replace("\n", "")), (route, output[:2000])
                assert len(output) < 300_000, (route, len(output))
    finally:
        backend.close()


def test_show_cli_on_hostile_records(text_db: HostileDb, run_cli) -> None:
    for record in (text_db.execution_id, *text_db.job_ids[:3]):
        for fmt in ("text", "markdown"):
            result = run_cli(["show", str(text_db.path), record, "--format", fmt])
            assert result.code == 0, (record, result.err)
            assert not UNSAFE.search(result.out.replace("\n", "")), (record, result.out[:2000])
