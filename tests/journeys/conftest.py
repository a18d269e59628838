"""Journey fixtures: a private copy of a fixture database and a pty running the installed program.

    term = terminal("failures.db", "jobs/ff72ff9e", size=(80, 24))

starts ``redun-tui failures.db jobs/ff72ff9e`` in ``tmp_path`` (the database named relatively, as
a user types it) and closes it at the end of the test. ``SIZES`` are the two sizes every journey
runs at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness import FIXTURES_DIR, Terminal

SIZES = [(80, 24), (160, 48)]
SIZE_IDS = ["80x24", "160x48"]


@pytest.fixture(params=SIZES, ids=SIZE_IDS)
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """Each journey runs at 80x24 and at 160x48."""
    return request.param


@pytest.fixture
def terminal(tmp_path: Path, fixture_db: Callable[[str], Path]) -> Iterator[Callable[..., Terminal]]:
    """Starts the installed ``redun-tui`` in a pty; every terminal is closed after the test."""
    started: list[Terminal] = []

    def start(*args: str, size: tuple[int, int] = (80, 24), db: str | None = None,
              cwd: Path | None = None, env: dict[str, str] | None = None) -> Terminal:
        if db is not None:
            fixture_db(db)
        elif args and args[0].endswith(".db") and (FIXTURES_DIR / args[0]).exists():
            fixture_db(args[0])
        term = Terminal(list(args), cols=size[0], rows=size[1], cwd=cwd or tmp_path, env=env)
        started.append(term)
        return term

    yield start
    for term in started:
        term.close()
