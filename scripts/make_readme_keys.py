"""Rewrites the README's key tables from the bindings (the same rows the `?` help screen shows).

    python scripts/make_readme_keys.py          # rewrite README.md
    python scripts/make_readme_keys.py --check  # exit 1 if README.md is out of date

tests/tui/test_readme_sync.py checks that every generated row is in the README.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from redun_tui.tui.app import RedunTuiApp  # noqa: E402
from redun_tui.tui.screens.help import help_sections  # noqa: E402

README = ROOT / "README.md"
# The tables sit between the Keys section's introduction (ending at its first blank line after
# the heading's paragraph) and the next second-level heading.
SECTION = re.compile(r"(## Keys\n\n(?:[^\n]+\n)+\n)(.*?)(?=^## )", re.S | re.M)


def tables() -> str:
    """Every help section as a Markdown table."""
    parts = []
    for where, rows in help_sections(RedunTuiApp):
        lines = [f"| {where} | does |", "|---|---|"]
        lines += [f"| `{keys}` | {text.replace('|', chr(92) + '|')} |" for keys, text in rows]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts) + "\n"


def main() -> int:
    text = README.read_text()
    match = SECTION.search(text)
    if match is None:
        print("README.md has no '## Keys' section", file=sys.stderr)
        return 2
    new = text[: match.start(2)] + tables() + text[match.end(2):]
    if "--check" in sys.argv:
        return 0 if new == text else 1
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
