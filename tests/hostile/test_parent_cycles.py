"""Parent links that loop: redun never writes them, a crafted or damaged database can. Every walk
over ``job.parent_id`` (the job's trail, the trees, the timeline, the critical path, the diff's
pairing) must end, and show each job once where it walks them."""

from __future__ import annotations

import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from exercise import cli_commands_of, exercise_store

from redun_tui.db import RedunBackendDb
from redun_tui.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED_B = "b2ffcd8f-2d42-4fb1-9461-6097e445e101"
BOUND = 120.0  # seconds: generous; a loop never ends


@pytest.fixture(scope="module")
def cycles_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """seed_example.db whose latest root job is its own parent, and one of whose children is the
    child of its own child (a loop of two below the root)."""
    path = tmp_path_factory.mktemp("cycles") / "cycles.db"
    shutil.copy(FIXTURES / "seed_example.db", path)
    with sqlite3.connect(path) as connection:
        root = connection.execute("SELECT job_id FROM execution WHERE id = ?", (SEED_B,)).fetchone()[0]
        child = connection.execute("SELECT id FROM job WHERE parent_id = ? ORDER BY id", (root,)).fetchone()[0]
        grandchild = connection.execute("SELECT id FROM job WHERE parent_id = ? ORDER BY id", (child,)).fetchone()[0]
        connection.execute("UPDATE job SET parent_id = ? WHERE id = ?", (root, root))
        connection.execute("UPDATE job SET parent_id = ? WHERE id = ?", (grandchild, child))
    connection.close()
    return path, {"root": root, "child": child, "grandchild": grandchild}


def test_every_store_call_ends(cycles_db) -> None:
    path, ids = cycles_db
    backend = RedunBackendDb(str(path), read_only=True)
    backend.load()
    try:
        store = Store(backend)
        with ThreadPoolExecutor(1) as pool:
            coverage = pool.submit(exercise_store, store).result(timeout=BOUND)
            for call in ("job", "job_children", "critical_path", "diff"):
                assert coverage.calls.get(call), call
            # The trail names each ancestor once, from the loop's start down to the job.
            trail = pool.submit(store.job, ids["grandchild"]).result(timeout=BOUND).trail
            assert [link.route for link in trail[1:]] == [f"jobs/{ids['child']}", f"jobs/{ids['grandchild']}"]
            root_trail = pool.submit(store.job, ids["root"]).result(timeout=BOUND).trail
            assert [link.route for link in root_trail[1:]] == [f"jobs/{ids['root']}"]
            path_steps = pool.submit(store.critical_path, SEED_B).result(timeout=BOUND)
            assert len({step.job_id for step in path_steps}) == len(path_steps) >= 1
    finally:
        backend.close()


def test_every_command_ends(cycles_db, run_cli, tmp_path: Path) -> None:
    path, ids = cycles_db
    argvs = cli_commands_of(path, out_dir=tmp_path, sample=16)
    argvs += [["show", str(path), f"jobs/{job}"] for job in ids.values()]
    argvs += [["timeline", str(path), SEED_B, "--json"], ["diff", str(path), SEED_B, "--json", "--all"]]
    with ThreadPoolExecutor(1) as pool:
        for argv in argvs:
            result = pool.submit(run_cli, argv).result(timeout=BOUND)
            assert result.code in (0, 2), (argv, result)
            assert "internal error" not in result.err, (argv, result)
