"""Fixtures for the hostile-database tests: the databases (built once per run) and, shared with
tests/unit, the PostgreSQL fixtures and the in-process CLI runner."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Reuse tests/unit/conftest.py's fixtures (pg_url, make_pg_db, db_kind, run_cli, …) here.
_spec = importlib.util.spec_from_file_location("_unit_conftest", HERE.parent / "unit" / "conftest.py")
_unit = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(_unit)
globals().update({name: getattr(_unit, name) for name in dir(_unit) if not name.startswith("__")})

from builder import HostileDb, bomb_pickles, build_hostile_pickle_db, build_hostile_text_db  # noqa: E402


@pytest.fixture(scope="session")
def pickle_db(tmp_path_factory: pytest.TempPathFactory) -> HostileDb:
    """A database full of code-running pickles (read-only use only; tests check the marker)."""
    directory = tmp_path_factory.mktemp("hostile-pickles")
    return build_hostile_pickle_db(directory / "pickles.db", directory / "PWNED")


@pytest.fixture(scope="session")
def bomb_db(tmp_path_factory: pytest.TempPathFactory) -> HostileDb:
    """A database of pickles that cost time or memory (billion laughs, 200,000-deep nesting…)."""
    directory = tmp_path_factory.mktemp("hostile-bombs")
    return build_hostile_pickle_db(directory / "bombs.db", directory / "PWNED", pickles=bomb_pickles())


@pytest.fixture(scope="session")
def text_db(tmp_path_factory: pytest.TempPathFactory) -> HostileDb:
    """A database full of markup, escapes, control characters, long lines and a 50 MB value."""
    directory = tmp_path_factory.mktemp("hostile-text")
    return build_hostile_text_db(directory / "text.db")


@pytest.fixture(autouse=True)
def _no_marker(request: pytest.FixtureRequest):
    """After every test: no planted pickle ran (the marker file does not exist)."""
    yield
    for name in ("pickle_db", "bomb_db"):
        if name in request.fixturenames:
            info = request.getfixturevalue(name)
            assert not info.marker.exists(), "a planted pickle ran: the marker file exists"
