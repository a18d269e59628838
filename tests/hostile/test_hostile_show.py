"""``show`` (and ``M``'s report) over hostile text: nothing raw reaches the output, all bounded."""

from __future__ import annotations

import re

import pytest
from builder import HostileDb

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_show_every_record_of_the_hostile_text_db(text_db: HostileDb, run_cli, fmt: str) -> None:
    target = str(text_db.path)
    # (The builder's file paths live inside File values; it records no file rows to show.)
    ids = [text_db.execution_id, *text_db.job_ids, *text_db.value_hashes.values()]
    for record in ids:
        result = run_cli(["show", target, record, "--format", fmt])
        assert result.code == 0, (record, result.err)
        assert not UNSAFE.search(result.out.replace("\n", "")), (record, result.out[:2000])
        assert len(result.out) < 300_000, (record, len(result.out))
