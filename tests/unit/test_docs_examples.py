"""docs/examples/ is exactly what scripts/make_docs_examples.py writes (never edited by hand)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_examples_are_generated():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_docs_examples.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
