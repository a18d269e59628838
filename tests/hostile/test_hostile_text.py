"""Hostile text: markup, terminal escapes, control and bidi characters, huge lines and values.

``text_db`` carries them in task names and namespaces, execution args, tag keys and values, file
paths, exception messages and tracebacks, argument names and values, plus a 100,000-character
line and a 50 MB value. What is checked:

* the one text-sanitizing function (``formatting.safe_text``) leaves no control sequence, for the
  planted strings and for fuzzed ones;
* the CLI, writing to a real pseudo-terminal, never passes an escape sequence from the data to it;
* the store answers every request on that database quickly, with bounded previews.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from builder import DANGEROUS, LONG_LINE_LENGTH, HostileDb, hostile_texts
from exercise import exercise_store
from hypothesis import given, settings
from hypothesis import strategies as st

from redun_tui.db import RedunBackendDb
from redun_tui.formatting import one_line, safe_text

PYTHON = sys.executable
# Control characters a terminal acts on; safe text keeps only \t and \n of them.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What our own output may contain: SGR colour sequences (if a command colours on a TTY).
OWN_SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("name", sorted(hostile_texts()))
def test_safe_text_neutralizes_planted_strings(name: str) -> None:
    text = hostile_texts()[name]
    for shown in (safe_text(text), one_line(text), safe_text(text, keep_newlines=False)):
        assert not CONTROL.search(shown), repr(shown)
        for sequence in DANGEROUS:
            assert sequence not in shown


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_safe_text_fuzzed(text: str) -> None:
    shown = safe_text(text)
    assert not CONTROL.search(shown)
    assert "\n" not in one_line(text) and "\t" not in one_line(text)


def _backend(info: HostileDb) -> RedunBackendDb:
    backend = RedunBackendDb(str(info.path))
    backend.load()
    return backend


# -- CLI on a terminal ---------------------------------------------------------------------------

# Runs several CLI invocations in one process whose stdout and stderr are a pseudo-terminal.
PTY_RUNNER = textwrap.dedent(
    """
    import json, sys
    from redun_tui.cli import main
    assert sys.stdout.isatty()
    for argv in json.loads(sys.argv[1]):
        print("\\n=== " + argv[0], flush=True)
        try:
            main(argv)
        except SystemExit:
            pass
        sys.stdout.flush()
        sys.stderr.flush()
    print("\\n=== done", flush=True)
    """
)


def run_on_pty(argvs: list[list[str]], cwd: Path, timeout: float = 120) -> str:
    """Runs the CLI invocations with a pseudo-terminal as stdout/stderr; returns what it printed."""
    import json

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [PYTHON, "-c", PTY_RUNNER, json.dumps(argvs)],
        stdout=slave,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", "LINES": "50", "TERM": "xterm-256color"},
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
    finally:
        os.close(master)
        process.kill()
        process.wait()
    return b"".join(chunks).decode("utf-8", "replace")


def test_cli_on_a_terminal_passes_no_escape_from_data(text_db: HostileDb, tmp_path: Path) -> None:
    target = str(text_db.path)
    names = [name for name in text_db.value_hashes if name != "big-50MB"]
    argvs = [["db", "info", target], ["query", target], ["query", target, "--json"]]
    argvs += [["dataflow", target, text_db.value_hashes[name]] for name in names[::3]]
    argvs += [["dataflow", target, text_db.value_hashes["big-50MB"]]]
    output = run_on_pty(argvs, cwd=tmp_path)
    assert "=== done" in output, output[-2000:]
    assert "Traceback" not in output and "internal error" not in output, output[-3000:]
    # The pty turns \n into \r\n; that \r is the terminal's, not the data's.
    output = output.replace("\r\n", "\n")
    leftover = OWN_SGR.sub("", output)
    found = sorted({repr(sequence) for sequence in DANGEROUS if sequence in leftover})
    assert not found, f"raw sequences from the data reached the terminal: {found}"
    assert "\x1b" not in leftover, repr(leftover[max(0, leftover.index("\x1b") - 80) : leftover.index("\x1b") + 40])
    # And the data is still there, visibly: markup literally, escapes as visible text.
    assert "[bold red]x[/]" in output
    assert "[@click=app.quit]" in output


# -- the store on hostile text -------------------------------------------------------------------


def test_store_on_hostile_text_is_quick_and_bounded(text_db: HostileDb) -> None:
    from redun_tui.store import PREVIEW_LIMIT, Store

    backend = _backend(text_db)
    try:
        store = Store(backend)
        started = time.thread_time()
        coverage = exercise_store(store, searches=list(hostile_texts().values())[:3])
        elapsed = time.thread_time() - started
        big = store.value(text_db.value_hashes["big-50MB"])
        long_line = store.value(text_db.value_hashes["str-long-line"])
        big_text = store.value_text(text_db.value_hashes["big-50MB"])
    finally:
        backend.close()
    assert coverage.calls.get("value", 0) >= len(text_db.value_hashes)
    assert elapsed < 60
    # Previews are bounded; the 50 MB value is described, not loaded into a widget.
    assert LONG_LINE_LENGTH > PREVIEW_LIMIT
    for detail in (big, long_line):
        assert len(detail.preview_text) <= PREVIEW_LIMIT + 100
    # The full text (scrollable view / $PAGER, on request) is capped too.
    from redun_tui.db.values import REPR_HARD_LIMIT

    assert len(big_text) <= REPR_HARD_LIMIT + 100
    assert "size=" in big.preview_text


def test_store_caps_tag_text(text_db: HostileDb) -> None:
    from redun_tui.store import PREVIEW_LIMIT, Store

    backend = _backend(text_db)
    try:
        detail = Store(backend).value(text_db.value_hashes["str-long-line"])
    finally:
        backend.close()
    for tag in detail.tags:
        assert len(tag.key) + len(tag.value) <= PREVIEW_LIMIT + 100


def test_every_store_call_is_fast(text_db: HostileDb) -> None:
    """Responsiveness: no single store call on the hostile database takes long."""
    from redun_tui.store import Store

    backend = _backend(text_db)
    try:
        store = Store(backend)
        slowest = 0.0
        for value_hash in text_db.value_hashes.values():
            for method in (store.value, store.dataflow):
                started = time.thread_time()
                method(value_hash)
                slowest = max(slowest, time.thread_time() - started)
        for job_id in text_db.job_ids:
            started = time.thread_time()
            store.job(job_id)
            slowest = max(slowest, time.thread_time() - started)
    finally:
        backend.close()
    assert slowest < 2.0, slowest
