"""The dataflow pane shows, and ``c`` copies, exactly the text ``redun-tui dataflow`` prints.

Before the fix the pane dropped the first line (``value = [File(path=…)…]``) and its blank line,
and ``c`` copied the text without them.
"""

from __future__ import annotations

import base64
import re

from harness import run_piped


def test_dataflow_pane_and_copy_match_the_cli(terminal, size, fixture_db, tmp_path):
    fixture_db("seed_example.db")
    code, out, _ = run_piped(["dataflow", "seed_example.db", "5ace4f46"], cwd=tmp_path)
    assert code == 0
    cli = out.decode()
    first = cli.splitlines()[0]
    assert first.startswith("value = [File(path=sample1.vcf")
    term = terminal("seed_example.db", "dataflow/5ace4f46", size=size)
    screen = term.wait_for("value <-- <6a82d5cd>")
    # The value's line, cut at the screen's edge, then a blank line, then the first section.
    lines = screen.splitlines()
    top = next(number for number, line in enumerate(lines) if line.startswith("value = "))
    assert first.startswith(lines[top].rstrip()) and len(lines[top].rstrip()) >= min(len(first), size[0] - 4)
    assert lines[top + 1].strip() == "" and lines[top + 2].startswith("value <-- <6a82d5cd>")
    # c copies through the terminal (OSC 52): exactly the CLI's text.
    term.press("c")
    term.wait_for("Copied the dataflow text")
    match = re.search(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)(\x07|\x1b\\)", bytes(term.raw))
    assert match, "no OSC 52 clipboard write"
    assert base64.b64decode(match.group(1)).decode().rstrip("\n") == cli.rstrip("\n")
