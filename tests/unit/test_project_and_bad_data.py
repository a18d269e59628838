"""Discovery of a redun project's database, tags that are not JSON, and newer schema versions.

* redun resolves a relative SQLite ``db_uri`` in ``.redun/redun.ini`` against the ``.redun``
  directory (``redun.scheduler_config.get_abs_db_uri``): so do we, from any subdirectory and for
  every subcommand.
* A tag value that is not valid JSON is bad data: its row is still read, the value kept as the
  stored text and shown marked ``(unparsed)``.
* A newer minor schema version is read (read-only, with a warning), as redun 0.44.1 reads it; a
  newer major version is refused.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES
from sqlalchemy import select

from redun_tui.db import RedunBackendDb, Tag, find_redun_db
from redun_tui.db.backend import SchemaTooNew, find_config_dir, open_backend, resolve_db_uri
from redun_tui.db.models import UnparsedJSON, json_text
from redun_tui.store import Store

BAD = '{"run": unquoted'


# -- discovery -------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project as `redun init` leaves it, with seed_example.db as its database."""
    root = tmp_path / "project"
    (root / ".redun").mkdir(parents=True)
    (root / "a" / "b").mkdir(parents=True)
    (root / ".redun" / "redun.ini").write_text("# redun configuration.\n\n[backend]\ndb_uri = sqlite:///redun.db\n")
    shutil.copyfile(FIXTURES / "seed_example.db", root / ".redun" / "redun.db")
    return root


@pytest.mark.parametrize(
    ("db_uri", "expected"),
    [
        ("sqlite:///redun.db", "sqlite:///{config}/redun.db"),
        ("sqlite:///sub/../other.db", "sqlite:///{config}/other.db"),
        ("sqlite:///.redun/redun.db", "sqlite:///{config}/redun.db"),  # redun's old default
        ("sqlite:////abs/redun.db", "sqlite:////abs/redun.db"),
        ("sqlite:///${config_dir}/x.db", "sqlite:///{config}/x.db"),
        ("redun.db", "{config}/redun.db"),
        ("postgresql://user@host:5432/redun", "postgresql://user@host:5432/redun"),
        ("postgresql+psycopg://host/db", "postgresql+psycopg://host/db"),
    ],
)
def test_db_uri_resolved_as_redun_does(db_uri: str, expected: str, tmp_path: Path) -> None:
    config = str(tmp_path / ".redun")
    assert resolve_db_uri(db_uri, config) == expected.format(config=config)


def test_relative_sqlite_uri_found_from_root_and_subdirectories(project: Path) -> None:
    expected = f"sqlite:///{project}/.redun/redun.db"
    assert find_redun_db(str(project)) == expected
    assert find_redun_db(str(project / "a" / "b")) == expected
    # The path exists: it is the database redun writes, not one relative to the working directory.
    assert RedunBackendDb(expected).is_sqlite


def test_config_dir_without_ini_and_redun_config_variable(project: Path, tmp_path: Path, monkeypatch) -> None:
    (project / ".redun" / "redun.ini").unlink()
    assert find_redun_db(str(project / "a")) == str(project / ".redun" / "redun.db")
    elsewhere = tmp_path / "conf"
    elsewhere.mkdir()
    (elsewhere / "redun.ini").write_text("[backend]\ndb_uri = sqlite:///mine.db\n")
    monkeypatch.setenv("REDUN_CONFIG", str(elsewhere))
    assert find_config_dir(str(project)) == str(elsewhere)
    assert find_redun_db(str(project)) == f"sqlite:///{elsewhere}/mine.db"


@pytest.mark.parametrize(
    "argv",
    [
        ["query"],
        ["query", "task:align_reads", "--count"],
        ["dataflow", "sample1.bam"],
        ["db", "info"],
        ["export", "-o", "-"],
    ],
)
def test_every_subcommand_finds_the_project_database(argv: list[str], project: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(project / "a" / "b")
    result = run_cli(argv)
    assert result.code == 0 and result.err == "", result
    assert result.out


def test_browse_finds_the_project_database(project: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(project / "a")
    result = run_cli([])
    assert "the Textual app was started" in result.err  # opened, then the (refused) app started


def test_import_without_target_writes_into_the_project(project: Path, tmp_path: Path, monkeypatch, run_cli) -> None:
    exported = tmp_path / "failures.jsonl"
    assert run_cli(["export", str(FIXTURES / "failures.db"), "-o", str(exported)]).code == 0
    monkeypatch.chdir(project / "a")
    result = run_cli(["import", str(exported)])
    assert result.code == 0 and "imported" in result.err, result
    counted = run_cli(["query", "--count"]).out
    assert counted.split() == ["13", "Execution"]


def test_no_project_is_one_line(tmp_path: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(tmp_path)
    for argv in (["query"], ["query", "task:x"], ["dataflow", "abc"], ["db", "info"], []):
        result = run_cli(argv)
        assert result.code == 2 and result.err.startswith("redun-tui: no database given"), (argv, result)


# -- a tag that is not JSON ------------------------------------------------------------------------


@pytest.fixture
def bad_tag_db(tmp_path: Path) -> Path:
    """seed_example.db with one execution tag and one job tag that are not valid JSON."""
    path = tmp_path / "bad.db"
    shutil.copyfile(FIXTURES / "seed_example.db", path)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE tag SET value = ? WHERE entity_type = 'Execution' AND key = 'user' AND entity_id LIKE 'af59d4e0%'",
            (BAD,),
        )
        job_id = connection.execute("SELECT job_id FROM execution WHERE id LIKE 'af59d4e0%'").fetchone()[0]
        connection.execute(
            "INSERT INTO tag (tag_hash, entity_type, entity_id, key, value, is_current) "
            "VALUES ('badbadbadbad', 'Job', ?, 'note', ?, 1)",
            (job_id, "\x1b[2J not json"),
        )
    connection.close()
    return path


def test_json_column_keeps_bad_text_marked(bad_tag_db: Path) -> None:
    backend = open_backend(str(bad_tag_db))
    try:
        values = [tag.value for tag in backend.session.execute(select(Tag)).scalars()]
    finally:
        backend.close()
    bad = [value for value in values if isinstance(value, UnparsedJSON)]
    assert sorted(bad) == sorted([BAD, "\x1b[2J not json"])
    assert json_text(UnparsedJSON(BAD)) == f"(unparsed) {BAD}"
    assert json_text({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_store_keeps_every_row_and_shows_the_bad_value(bad_tag_db: Path) -> None:
    backend = open_backend(str(bad_tag_db))
    store = Store(backend)
    try:
        rows = store.executions().items
        assert len(rows) == 3
        [bad_row] = [row for row in rows if row.id.startswith("af59d4e0")]
        assert ("user", f"(unparsed) {BAD}") in [(tag.key, tag.value) for tag in bad_row.tags]
        assert ("project", '"seedex"') in [(tag.key, tag.value) for tag in bad_row.tags]
        detail = store.execution("af59d4e0")
        assert detail.row.tags == bad_row.tags
        roots = store.job_children(detail.row.id, None).items
        assert [job.id for job in roots] == [detail.root_job_id]
        job = store.job(detail.root_job_id)
        assert ("note", "(unparsed) \x1b[2J not json") in [(tag.key, tag.value) for tag in job.tags]
        assert len(store.executions("tag:project=seedex").items) == 3
    finally:
        backend.close()


def test_export_keeps_the_bad_value_and_warns(bad_tag_db: Path, run_cli) -> None:
    result = run_cli(["export", str(bad_tag_db), "-o", "-"])
    assert result.code == 0, result
    values = [record["value"] for record in map(json.loads, result.out.splitlines()) if record["_type"] == "Tag"]
    assert BAD in values and "\x1b[2J not json" in values
    [warning] = result.err.splitlines()
    assert warning.startswith("redun-tui: warning: 2 tag values not valid JSON")


# -- newer schema versions -------------------------------------------------------------------------


def _stamp(tmp_path: Path, major: int) -> Path:
    path = tmp_path / f"v{major}.db"
    shutil.copyfile(FIXTURES / "seed_example.db", path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeed0042'")
        connection.execute(
            "INSERT INTO redun_version (id, version, timestamp) VALUES ('newer', ?, '2027-01-01 00:00:00')", (major,)
        )
    connection.close()
    return path


def test_newer_minor_version_is_read_with_a_warning(tmp_path: Path) -> None:
    path = _stamp(tmp_path, 3)
    backend = open_backend(str(path))
    try:
        assert str(backend.get_db_version()) == "3.?"
        assert backend.is_db_compatible()  # redun's own rule: >=3.5,<4
        assert "3.?" in backend.schema_warning and "read-only" in backend.schema_warning
        assert len(Store(backend).executions().items) == 3
    finally:
        backend.close()
    with pytest.raises(SchemaTooNew, match="never writes"):
        RedunBackendDb(str(path), read_only=False).load()


def test_newer_major_version_is_refused(tmp_path: Path) -> None:
    path = _stamp(tmp_path, 4)
    with pytest.raises(SchemaTooNew, match=r"4\.\? is newer"):
        open_backend(str(path))


def test_known_version_has_no_warning() -> None:
    backend = open_backend(str(FIXTURES / "seed_example.db"))
    try:
        assert backend.schema_warning is None
    finally:
        backend.close()
