"""The search language: parsing (errors as values, positions), meaning on the fixtures, fuzzing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redun_tui.db import Execution, Job, RedunBackendDb, Tag, Task
from redun_tui.db.query import ANY_VALUE, CallGraphQuery, prefix_range
from redun_tui.search import SearchQuery, SearchSyntaxError, apply_search, parse_search

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("search")
    opened = {}
    for name in ("seed_example", "failures", "tags"):
        shutil.copy(FIXTURES / f"{name}.db", folder / f"{name}.db")
        backend = RedunBackendDb(str(folder / f"{name}.db"))
        backend.load()
        opened[name] = backend
    yield opened
    for backend in opened.values():
        backend.close()


def search(backend: RedunBackendDb, text: str) -> list[tuple[str, str]]:
    parsed = parse_search(text)
    assert isinstance(parsed, SearchQuery), parsed
    query = apply_search(CallGraphQuery(backend.session).order_by("time"), parsed, backend.session)
    return [(type(r).__name__, getattr(r, CallGraphQuery.MODEL_PKS[type(r)])) for r in query.all()]


def types_of(rows: list[tuple[str, str]]) -> set[str]:
    return {kind for kind, _ in rows}


# -- parsing -----------------------------------------------------------------------------------


def test_short_forms_and_flags_parse_to_the_same_query() -> None:
    short = parse_search("task:align_reads status:failed tag:env=prod file:*.vcf type:redun.File exec:7dfcc758")
    flags = parse_search(
        "--task align_reads --status FAILED --tag env=prod --file '*.vcf' --value-type redun.File --exec-id 7dfcc758"
    )
    assert isinstance(short, SearchQuery) and isinstance(flags, SearchQuery)
    fields = ("task_names", "statuses", "tags", "file_paths", "value_types", "exec_ids")
    assert [getattr(short, f) for f in fields] == [getattr(flags, f) for f in fields]
    assert short.task_names == ("align_reads",)
    assert short.statuses == ("FAILED",)
    assert short.tags == (("env", "prod"),)
    assert short.file_paths == ("*.vcf",)
    assert short.value_types == ("redun.File",)
    assert short.exec_ids == ("7dfcc758",)


@pytest.mark.parametrize(
    "text, field, expected",
    [
        ("status:Done,running", "statuses", ("DONE", "RUNNING")),
        ("--job-status=cached", "job_statuses", ("CACHED",)),
        ("exec-status:failed", "exec_statuses", ("FAILED",)),
        ("is:job,task --exec", "types", ("Job", "Task", "Execution")),
        ("type:job", "types", ("Job",)),
        ("--type Call-Node", "types", ("CallNode",)),
        ("--all", "types", ("Execution", "Job", "CallNode", "Task", "Value")),
        ("--file", "types", ("File",)),
        ("--task", "types", ("Task",)),
        ("--task --job", "types", ("Task", "Job")),
        ('file:"my dir/*.txt"', "file_paths", ("my dir/*.txt",)),
        ("path:'a b' c", "words", ("c",)),
        ('tag:labels=["a","b"]', "tags", (("labels", ["a", "b"]),)),
        ('tag:doc="first run"', "tags", (("doc", "first run"),)),
        ("tag:'doc=first run'", "tags", (("doc", "first run"),)),
        ("tag:n=5 -t flag", "tags", (("n", 5), ("flag", ANY_VALUE))),
        ("exec-tag:user=alice", "exec_tags", (("user", "alice"),)),
        ("hash:abc,def", "task_hashes", ("abc", "def")),
        ("result:ab arg:cd", "results", ("ab",)),
        ("id:9f", "ids", ("9f",)),
        ("align_reads 0c5f ~2 -", "words", ("align_reads", "0c5f", "~2", "-")),
        ("s3://bucket/key.txt", "words", ("s3://bucket/key.txt",)),
        ('"status:failed"', "words", ("status:failed",)),
        ("a\\b", "words", ("a\\b",)),
        ('a"b c"', "words", ("ab c",)),
        ("   ", "words", ()),
    ],
)
def test_parse_fields(text: str, field: str, expected: tuple) -> None:
    parsed = parse_search(text)
    assert isinstance(parsed, SearchQuery), parsed
    assert getattr(parsed, field) == expected


def test_empty_search() -> None:
    parsed = parse_search("  ")
    assert isinstance(parsed, SearchQuery) and parsed.is_empty
    assert not parse_search("x").is_empty  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text, position, words",
    [
        ("status:weird", 7, "unknown status"),
        ("status:done,nope", 12, "unknown status"),
        ("task:align is:bogus", 14, "unknown record type"),
        ("stauts:failed", 0, "unknown filter stauts:"),
        ("x --nope", 2, "unknown flag --nope"),
        ("-x", 0, "unknown flag"),
        ('file:"abc', 5, "unterminated quote"),
        ("task:", 5, "needs a value"),
        ("--task-name", 11, "needs a value"),
        ("--exec=1", 6, "takes no value"),
        ("tag:k=[1,", 4, "bad tag"),
        ("tag:=v", 4, "bad tag"),
        ("type:int", 5, "unknown type"),
    ],
)
def test_errors_are_values_with_positions(text: str, position: int, words: str) -> None:
    error = parse_search(text)
    assert isinstance(error, SearchSyntaxError)
    assert words in error.message
    assert error.position == position
    assert error.text == text
    assert str(error).endswith(f"(at character {position + 1})")
    assert "\n" not in error.message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_parser_never_raises(text: str) -> None:
    parsed = parse_search(text)
    assert isinstance(parsed, (SearchQuery, SearchSyntaxError))
    if isinstance(parsed, SearchSyntaxError):
        assert 0 <= parsed.position <= len(text)
        assert parsed.message


PIECES = st.sampled_from(
    [
        "task:", "status:", "tag:", "file:", "type:", "exec:", "is:", "id:", "hash:", "result:", "arg:",
        "exec-tag:", "--task", "--status", "--file", "--exec", "--job", "--all", "-t", "--type", "--exec-id",
        "=", ",", '"', "'", " ", "*", "-", "~1", "~0", "~999", "done", "FAILED", "running", "cached", "job",
        "exec", "redun.File", "align_reads", "seedex.align_reads", "env=prod", "[1,2]", "{}", "a", "0c", "af59",
        "\\", "\x00", "é", "\udfff", "\U0010ffff", "%", "_",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PIECES, max_size=8).map("".join))
def test_fuzz_search_runs_on_a_database(backends: dict, text: str) -> None:
    parsed = parse_search(text)
    assert isinstance(parsed, (SearchQuery, SearchSyntaxError))
    if isinstance(parsed, SearchQuery):
        session = backends["seed_example"].session
        query = apply_search(CallGraphQuery(session).order_by("time"), parsed, session)
        counts = dict(query.count())
        assert sum(1 for _ in query.page(0, 5)) == min(5, sum(counts.values()))
        session.rollback()


# -- meaning on the fixtures ---------------------------------------------------------------------


def test_task_filter_matches_redun_semantics(backends: dict) -> None:
    backend = backends["seed_example"]
    rows = search(backend, "task:align_reads")
    assert types_of(rows) == {"Job", "Task"}
    jobs = [job_id for kind, job_id in rows if kind == "Job"]
    for job_id in jobs:
        assert backend.session.get(Job, job_id).task.name == "align_reads"
    assert search(backend, "--task-name align_reads") == rows
    assert search(backend, "--task align_reads") == rows
    # Newest first, as the store and `redun log` show them.
    starts = [backend.session.get(Job, job_id).start_time for job_id in jobs]
    assert starts == sorted(starts, reverse=True)


def test_statuses_any_case(backends: dict) -> None:
    backend = backends["failures"]
    failed = search(backend, "status:failed")
    assert failed == search(backend, "--status FAILED") == search(backend, "status:Failed")
    for kind, record_id in failed:
        model = Execution if kind == "Execution" else Job
        assert backend.session.get(model, record_id).status == "FAILED"
    assert types_of(failed) == {"Execution", "Job"}
    assert types_of(search(backend, "status:failed is:job")) == {"Job"}
    cached = search(backend, "status:cached")
    assert cached and types_of(cached) == {"Job"}


def test_bare_words(backends: dict) -> None:
    backend = backends["seed_example"]
    execution = backend.session.query(Execution).order_by(Execution.id).first()
    assert search(backend, execution.id[:6]) == [("Execution", execution.id)]
    assert search(backend, execution.id[:6].upper()) == [("Execution", execution.id)]
    by_name = search(backend, "align_reads")
    assert {"Job", "CallNode", "Task"} <= types_of(by_name)
    assert search(backend, "seedex.align_reads") == by_name
    files = search(backend, "sample1.bam")
    assert [kind for kind, _ in files] == ["Value"]
    assert len(search(backend, "*.vcf")) == len(search(backend, "file:*.vcf"))
    latest = search(backend, "-")
    assert latest == [("Execution", backend.session.query(Execution).join(Job, Job.id == Execution.job_id).order_by(Job.start_time.desc()).first().id)]
    assert search(backend, "~999") == []
    assert search(backend, "no-such-thing") == []
    # Two words: both must match.
    assert search(backend, f"align_reads {execution.id[:4]}") == []


def test_a_bare_word_naming_a_root_task_finds_its_executions(backends: dict) -> None:
    """The root-task part of a bare word (a set of root jobs, built once) finds exactly the
    executions whose root job runs a task of that name, as a per-execution look-up would."""
    for name, backend in backends.items():
        session = backend.session
        roots = session.query(Execution.id, Task.namespace, Task.name).join(Job, Job.id == Execution.job_id).join(
            Task, Task.hash == Job.task_hash).all()
        for _, namespace, task_name in roots:
            for word in {task_name, f"{namespace}.{task_name}" if namespace else task_name}:
                expected = {execution_id for execution_id, ns, tn in roots
                            if tn == word or (ns and f"{ns}.{tn}" == word)}
                found = {record_id for kind, record_id in search(backend, f"is:execution {word}")}
                assert expected <= found, (name, word)
                # Whatever else matched did so by its command line, a tag or its id.
                for execution in session.query(Execution).filter(Execution.id.in_(found - expected)):
                    assert word.lower() in (execution.args or "").lower() or execution.tags or \
                        execution.id.startswith(word.lower()), (name, word, execution.id)


def test_root_task_ids_and_the_per_execution_lookup_agree(backends: dict, monkeypatch) -> None:
    """A word naming a task that starts few executions tests their ids (read once from the root
    jobs); past ROOT_TASK_IDS each execution's root job is looked up: the same records."""
    from redun_tui.db.query import filters

    for name, backend in backends.items():
        session = backend.session
        words = {task_name for (task_name,) in session.query(Task.name).distinct()} | {"no-such-task"}
        with_ids = {word: search(backend, word) for word in sorted(words)}
        with monkeypatch.context() as patch:
            patch.setattr(filters, "ROOT_TASK_IDS", 0)
            for word, rows in with_ids.items():
                assert search(backend, word) == rows, (name, word)


def _many_hashes_db(folder: Path) -> Path:
    """seed_example plus root jobs of a task name with several hashes (two namespaces), a root
    job without an execution and a root job two executions share (not what redun writes)."""
    import sqlite3

    path = folder / "many_hashes.db"
    shutil.copy(FIXTURES / "seed_example.db", path)
    con = sqlite3.connect(path)
    tasks = [(f"{index:040x}", "align_reads", "seedex" if index % 2 else "other") for index in range(1, 5)]
    con.executemany("INSERT INTO task (hash, name, namespace, source) VALUES (?, ?, ?, '')", tasks)
    for run, (task_hash, _, _) in enumerate(tasks * 2):
        job_id, execution_id = f"many-root-{run}", f"many-exec-{run}"
        con.execute("INSERT INTO job (id, start_time, task_hash, cached, execution_id) VALUES (?, ?, ?, 0, ?)",
                    (job_id, f"2026-11-28 00:00:{run:02d}", task_hash, execution_id))
        con.execute("INSERT INTO execution (id, args, job_id) VALUES (?, '[]', ?)", (execution_id, job_id))
    con.execute("INSERT INTO job (id, start_time, task_hash, cached, execution_id) "
                "VALUES ('many-orphan', '2026-11-28 00:01:00', ?, 0, 'many-none')", (tasks[0][0],))
    con.execute("INSERT INTO execution (id, args, job_id) VALUES ('many-shared', '[]', 'many-root-3')")
    con.commit()
    con.close()
    return path


def test_root_task_ids_every_plan_agrees(tmp_path: Path, monkeypatch) -> None:
    """The executions a bare word finds by its root task are the same whichever way they are
    read: the merge of two covering indexes (SQLite, few hashes), the walk of the jobs without a
    parent (many hashes), the per-execution look-up (past ROOT_TASK_IDS), and with a cap that
    the task's root jobs cross. Task names with several hashes, a root job without an
    execution and one shared by two executions included."""
    from redun_tui.db.query import filters

    backend = RedunBackendDb(str(_many_hashes_db(tmp_path)))
    backend.load()
    try:
        session = backend.session
        roots = session.query(Execution.id, Task.namespace, Task.name).join(Job, Job.id == Execution.job_id).join(
            Task, Task.hash == Job.task_hash).all()
        words = {name for _, _, name in roots} | {f"{ns}.{name}" for _, ns, name in roots} | {"no-such-task"}
        plans = {"merge": {}, "walk": {"ROOT_MERGE_HASHES": 0}, "each": {"ROOT_TASK_IDS": 0},
                 "merge, cap 2": {"ROOT_TASK_IDS": 2}, "walk, cap 2": {"ROOT_TASK_IDS": 2, "ROOT_MERGE_HASHES": 0},
                 "merge, cap 8": {"ROOT_TASK_IDS": 8}, "merge, one hash": {"ROOT_MERGE_HASHES": 1}}
        found: dict[str, dict[str, list]] = {}
        for plan, settings_ in plans.items():
            with monkeypatch.context() as patch:
                for name, value in settings_.items():
                    patch.setattr(filters, name, value)
                found[plan] = {word: search(backend, f"is:execution {word}") for word in sorted(words)}
        for word in words:
            expected = {execution_id for execution_id, ns, name in roots if word in (name, f"{ns}.{name}")}
            assert {record_id for _, record_id in found["merge"][word]} == expected, word
        assert {record_id for _, record_id in found["merge"]["align_reads"]} >= {"many-shared", "many-exec-0"}
        for plan in plans:
            assert found[plan] == found["merge"], plan
    finally:
        backend.close()


def test_tag_matches_read_once_or_per_type_agree(backends: dict, monkeypatch) -> None:
    """A bare word's tag part finds the same records whether the matching tags are read once for
    every type (at most TAGGED_IDS of them) or tested by a subquery in each type's statement."""
    from redun_tui.db.query import filters

    for name, backend in backends.items():
        values = {str(value) for (value,) in backend.session.query(Tag.value)}
        words = {"prod", "prepare", "input", "s1", "0.44", "true", "first run", "a", "1", "no-such-tag"}
        words |= {value.strip('"[]')[:6] for value in values if value.strip('"[]')}
        for word in sorted(words):
            if not isinstance(parse_search(word), SearchQuery) or not parse_search(word).words:
                continue
            once = search(backend, word)
            with monkeypatch.context() as patch:
                patch.setattr(filters, "TAGGED_IDS", -1)  # never few enough: a subquery per type
                assert search(backend, word) == once, (name, word)
                patch.setattr(filters, "TAGGED_IDS", 1)  # the cap crossed by words matching 2+ tags
                assert search(backend, word) == once, (name, word)
        assert types_of(search(backends["tags"], "prepare")) >= {"Job", "Task"}


def test_a_tag_of_an_unknown_entity_type_fails_no_search(backends: dict, tmp_path: Path, monkeypatch) -> None:
    """A current tag whose entity type is none of redun's (bad data) matches no record, whether
    the tags are read once (as text) or by a subquery per type; the search does not fail."""
    import sqlite3

    from redun_tui.db.query import filters

    path = tmp_path / "bad_tag.db"
    shutil.copy(FIXTURES / "tags.db", path)
    con = sqlite3.connect(path)
    con.execute("INSERT INTO tag (tag_hash, entity_type, entity_id, key, value, is_current) "
                "SELECT 'bad' || tag_hash, 'Bogus', entity_id, key, value, 1 FROM tag WHERE value LIKE '%prod%'")
    con.commit()
    con.close()
    bad = RedunBackendDb(str(path))
    bad.load()
    try:
        for word in ("prod", "prepare", "1"):
            expected = search(backends["tags"], word)
            assert search(bad, word) == expected, word
            with monkeypatch.context() as patch:
                patch.setattr(filters, "TAGGED_IDS", -1)
                assert search(bad, word) == expected, word
    finally:
        bad.close()


def test_executions_by_prefix_and_shorthand(backends: dict) -> None:
    backend = backends["seed_example"]
    execution = backend.session.query(Execution).order_by(Execution.id).first()
    rows = search(backend, f"exec:{execution.id[:8]} is:job")
    assert rows and all(backend.session.get(Job, job_id).execution_id == execution.id for _, job_id in rows)
    assert search(backend, f"--exec-id {execution.id} --job") == rows
    assert search(backend, "exec:zzzz is:job") == []
    latest = search(backend, "exec:- is:exec")
    assert latest == search(backend, "-")


def test_tags_and_types(backends: dict) -> None:
    backend = backends["tags"]
    assert search(backend, "tag:env=prod") == search(backend, "-t env=prod")
    assert types_of(search(backend, "tag:env=prod")) == {"Execution"}
    assert len(search(backend, "tag:env")) >= len(search(backend, "tag:env=prod"))
    assert types_of(search(backend, "exec-tag:env=prod is:job")) == {"Job"}
    files = search(backends["seed_example"], "is:file")
    assert files == search(backends["seed_example"], "type:redun.File") == search(backends["seed_example"], "--file")
    assert types_of(search(backends["seed_example"], "is:task")) == {"Task"}
    task = backends["seed_example"].session.query(Task).first()
    assert ("Task", task.hash) in search(backends["seed_example"], f"hash:{task.hash[:6]}")


def test_prefix_range() -> None:
    low, high = prefix_range("af59")
    assert low == "af59" and high == "af5:"
    for text in ("af59", "af59d4e0", "af59\U0010ffff"):
        assert low <= text < high or not text.startswith("af59")
    assert not ("af5:" < high)
    low, high = prefix_range("a\ud7ff")
    assert high == "a\ue000"


SEARCHES = [
    "", "task:make_input", "status:failed", "status:FAILED is:job", "status:running", "exec-status:done",
    "job-status:cached", "is:file", "file:*.txt", "type:redun.File", "-", "~2", "exec:- is:job", "1", "a",
    "failures.make_input", "count_chars 0", "is:task,value", "hash:0", "result:0", "arg:1",
]


def test_search_on_postgresql_equals_sqlite(backends: dict, make_pg_db: Any) -> None:
    pg = RedunBackendDb(make_pg_db("failures.db"))
    pg.load()
    for text in SEARCHES:
        on_sqlite, on_pg = search(backends["failures"], text), search(pg, text)
        assert sorted(on_pg) == sorted(on_sqlite), text
        timed = ("Execution", "Job")
        assert [r for r in on_pg if r[0] in timed] == [r for r in on_sqlite if r[0] in timed], text
    pg.close()


def test_bare_words_on_postgresql_equal_sqlite(backends: dict, make_pg_db: Any, monkeypatch) -> None:
    """Bare words naming tasks and tag values: the same records on PostgreSQL (the root-task
    walk, tags read once or by subquery) as on SQLite (the index merge)."""
    from redun_tui.db.query import filters

    for fixture in ("seed_example", "tags"):
        pg = RedunBackendDb(make_pg_db(f"{fixture}.db"))
        pg.load()
        try:
            words = {name for (name,) in pg.session.query(Task.name).distinct()}
            words |= {"seedex.main", "prod", "prepare", "input", "s1", "first", "a", "no-such-task"}
            for word in sorted(words):
                on_sqlite = search(backends[fixture], word)
                assert sorted(search(pg, word)) == sorted(on_sqlite), (fixture, word)
                with monkeypatch.context() as patch:
                    patch.setattr(filters, "TAGGED_IDS", -1)
                    patch.setattr(filters, "ROOT_TASK_IDS", 0)
                    assert sorted(search(pg, word)) == sorted(on_sqlite), (fixture, word)
        finally:
            pg.close()
