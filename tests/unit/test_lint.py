"""The layers (import-linter contracts in pyproject.toml) and the ruff configuration hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    done = run("lint-imports", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_bad_import_breaks_a_contract(tmp_path):
    """The contracts bite: a data-layer module importing Textual is reported."""
    bad = ROOT / "redun_tui" / "db" / "_lint_probe.py"
    bad.write_text("import textual  # noqa: F401\n")
    try:
        done = run("lint-imports", "--no-cache")
    finally:
        bad.unlink()
    assert done.returncode != 0
    assert "redun_tui.db._lint_probe -> textual" in done.stdout


def test_ruff_passes():
    done = run("ruff", "check", "redun_tui", "tests", "scripts", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr
