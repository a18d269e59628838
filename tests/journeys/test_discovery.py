"""A redun project made as ``redun init`` makes it: ``redun-tui`` with no database finds it.

redun writes ``.redun/redun.ini`` with ``db_uri = sqlite:///redun.db``, a path relative to the
``.redun`` directory. From the project root and from any subdirectory, the browser and every
subcommand open ``.redun/redun.db``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from harness import FIXTURES_DIR, run_piped

# What `redun init` (0.44.1) writes, verbatim up to the executors section.
REDUN_INI = """\
# redun configuration.

[backend]
db_uri = sqlite:///redun.db

[executors.default]
type = local
max_workers = 20
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``project/.redun/{redun.ini,redun.db}`` (seed_example.db) and ``project/src/deep``."""
    root = tmp_path / "project"
    (root / ".redun").mkdir(parents=True)
    (root / "src" / "deep").mkdir(parents=True)
    (root / ".redun" / "redun.ini").write_text(REDUN_INI)
    shutil.copyfile(FIXTURES_DIR / "seed_example.db", root / ".redun" / "redun.db")
    return root


@pytest.mark.parametrize("where", [".", "src/deep"])
def test_browser_opens_the_project_database(terminal, size, project: Path, where: str) -> None:
    term = terminal(size=size, cwd=project / where)
    # seed_example.db's three executions.
    screen = term.wait_for("af59d4e0")
    assert "00eeef5f" in screen and "b2ffcd8f" in screen
    assert "no such file" not in screen
    term.press("q")
    assert term.wait_exit() == 0


def test_subcommands_use_the_project_database(project: Path) -> None:
    deep = project / "src" / "deep"
    code, out, err = run_piped(["query", "--json"], cwd=deep)
    assert (code, err) == (0, b"")
    assert {json.loads(line)["id"][:8] for line in out.splitlines()} == {"af59d4e0", "00eeef5f", "b2ffcd8f"}
    code, out, err = run_piped(["dataflow", "sample1.bam"], cwd=deep)
    assert code == 0, err
    assert out.startswith(b"result = File(path=sample1.bam")
    code, out, err = run_piped(["db", "info"], cwd=project)
    assert code == 0, err
    assert str(project / ".redun" / "redun.db").encode() in out
    code, out, err = run_piped(["export", "-o", "-"], cwd=project)
    assert code == 0, err
    assert len(out.splitlines()) > 30
