"""Drive every reading path of redun-tui over a database: rows, properties, store, dataflow, CLI.

Used by the read-only proof (the file must be byte-identical afterwards) and the hostile-database
tests (nothing planted in it may run, and nothing from it may reach a terminal unescaped). Each
function returns what it did, so tests can assert that the paths really ran.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

SAMPLE = 8  # records of each kind given the timeline, diff and downstream calls

# Store errors that are answers ("no such record"), not failures.
_EXPECTED_STORE_ERRORS = ("NotFound", "Ambiguous", "SearchSyntaxError")


@dataclass
class Coverage:
    """What an exercise run touched."""

    rows: int = 0
    properties: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)

    def called(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1


def _model_properties(cls: type) -> list[str]:
    """Names of the ``@property`` attributes a model class defines (its own and its bases')."""
    names: list[str] = []
    for klass in cls.__mro__:
        if klass.__module__ != cls.__module__:
            continue
        for name, attr in vars(klass).items():
            if isinstance(attr, property) and not name.startswith("_") and name not in names:
                names.append(name)
    return names


# Tag.entity raises for deletion markers (entity type "Null"), as redun's does: navigation, not data.
SKIP_PROPERTIES = ("entity",)


def read_every_row(
    backend: Any, coverage: Coverage | None = None, skip_properties: Iterable[str] = SKIP_PROPERTIES
) -> Coverage:
    """Loads every row of every mapped table and reads every column and model property."""
    from redun_tui.db.models import Base

    coverage = coverage or Coverage()
    skipped = set(skip_properties)
    with backend.new_session() as session:
        for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__name__):
            cls = mapper.class_
            properties = [name for name in _model_properties(cls) if name not in skipped]
            for obj in session.execute(select(cls)).scalars():
                coverage.rows += 1
                for column in mapper.column_attrs:
                    getattr(obj, column.key)
                for name in properties:
                    result = getattr(obj, name)
                    coverage.properties += 1
                    if name in ("preview", "value_parsed", "args_display"):
                        coverage.texts.append(repr(result) if name != "args_display" else str(result))
    return coverage


def _ids(backend: Any, column: Any, limit: int | None = None) -> list[str]:
    with backend.new_session() as session:
        query = select(column).distinct()
        if limit is not None:
            query = query.limit(limit)
        return [value for value in session.execute(query).scalars() if value is not None]


def _call(coverage: Coverage, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        result = func(*args, **kwargs)
    except NotImplementedError:
        coverage.missing.add(name)
        return None
    except Exception as error:  # noqa: BLE001 - only "not found"-style answers are accepted
        if type(error).__name__ == "StoreError" and "not available" in str(error):
            coverage.missing.add(name)
            return None
        if type(error).__name__ in _EXPECTED_STORE_ERRORS:
            coverage.called(name)
            return None
        raise
    coverage.called(name)
    coverage.texts.append(repr(result))
    return result


def exercise_store(
    store: Any, coverage: Coverage | None = None, searches: Iterable[str] = (), limit: int | None = None
) -> Coverage:
    """Calls every public Store method on every record of the database (or ``limit`` of each kind)."""
    from redun_tui.db.models import Execution, File, Job, Task, Value

    coverage = coverage or Coverage()
    backend = store.backend
    _call(coverage, "name", lambda: store.name)
    _call(coverage, "heartbeat", store.heartbeat)
    for text in ("", "status:failed", "task:main", "[bold]x[/]", "\x1b[2J", *searches):
        _call(coverage, "executions", store.executions, search=text)
        _call(coverage, "search", store.search, text)
        _call(coverage, "tasks", store.tasks, search=text)
        _call(coverage, "files", store.files, search=text)
    page = _call(coverage, "executions", store.executions, limit=1)
    if page is not None and page.next_cursor:
        _call(coverage, "executions", store.executions, cursor=page.next_cursor, limit=1)
    for exec_id in _ids(backend, Execution.id, limit):
        _call(coverage, "execution", store.execution, exec_id)
        _call(coverage, "execution", store.execution, exec_id[:8])
        _call(coverage, "status_counts", store.status_counts, exec_id)
        _call(coverage, "heartbeat", store.heartbeat, exec_id)
        children = _call(coverage, "job_children", store.job_children, exec_id, None)
        for row in getattr(children, "items", ()):
            _call(coverage, "job_children", store.job_children, exec_id, row.id)
        for status in (None, "FAILED", "DONE", "RUNNING", "CACHED"):
            _call(coverage, "jobs", store.jobs, exec_id, status=status)
            _call(coverage, "job_children", store.job_children, exec_id, None, status=status)
        _call(coverage, "resolve", store.resolve, f"executions/{exec_id[:8]}")
    for exec_id in _ids(backend, Execution.id, min(limit or SAMPLE, SAMPLE)):
        span = _call(coverage, "timeline_span", store.timeline_span, exec_id)
        _call(coverage, "critical_path", store.critical_path, exec_id, span)
        _call(coverage, "task_stats", store.task_stats, exec_id)
        _call(coverage, "diff", store.diff, None, exec_id)
    for job_id in _ids(backend, Job.id, limit):
        _call(coverage, "job", store.job, job_id)
        _call(coverage, "resolve", store.resolve, f"jobs/{job_id}")
    for value_hash in _ids(backend, Value.value_hash, limit):
        _call(coverage, "value", store.value, value_hash)
        _call(coverage, "value_text", store.value_text, value_hash)
        _call(coverage, "dataflow", store.dataflow, value_hash)
    # The walks and comparisons of the later issues read the same rows again: a sample of each.
    for value_hash in _ids(backend, Value.value_hash, min(limit or SAMPLE, SAMPLE)):
        _call(coverage, "downstream", store.downstream, value_hash)
        _call(coverage, "resolve", store.resolve, f"values/{value_hash}")
    for task_hash in _ids(backend, Task.hash, limit):
        _call(coverage, "task", store.task, task_hash)
        _call(coverage, "task_history", store.task_history, task_hash)
    for path in _ids(backend, File.path, limit):
        _call(coverage, "file", store.file, path)
    for route in ("executions", "tasks", "files", "nonsense/route", "jobs/zzzz"):
        _call(coverage, "resolve", store.resolve, route)
    return coverage


def exercise_dataflow(backend: Any, coverage: Coverage | None = None, limit: int | None = None) -> Coverage:
    """Walks, lays out, prints and serializes the dataflow of every value (or the first ``limit``)."""
    from redun_tui.db.models import Value

    coverage = coverage or Coverage()
    if importlib.util.find_spec("redun_tui.db.dataflow") is None:
        coverage.missing.add("dataflow module")
        return coverage
    from redun_tui.db import dataflow

    session = backend.session
    for value in session.execute(select(Value).limit(limit)).scalars():
        edges = list(dataflow.walk_dataflow(backend, value))
        dom = list(dataflow.make_dataflow_dom(edges))
        coverage.texts.extend(dataflow.display_dataflow(dom))
        coverage.texts.append(repr(list(dataflow.serialize_dataflow(dom))))
        coverage.called("dataflow")
    session.rollback()
    return coverage


def cli_commands(target: str, backend: Any, out_dir: Any = None, sample: int = 40) -> list[list[str]]:
    """The CLI invocations that read ``target`` (subcommands that do not exist yet are left out).

    ``sample`` values (and a quarter as many jobs and files) get a ``dataflow`` call.
    """
    from redun_tui.db.models import Execution, File, Job, Value

    argvs: list[list[str]] = [["db", "info", target], ["db", "versions", target]]
    if importlib.util.find_spec("redun_tui.commands.query") is not None:
        argvs += [
            ["query", target],
            ["query", target, "--json"],
            ["query", target, "--limit", "5"],
            ["query", target, "status:failed"],
        ]
    if importlib.util.find_spec("redun_tui.commands.dataflow") is not None:
        for value_hash in _ids(backend, Value.value_hash, limit=sample):
            argvs.append(["dataflow", target, value_hash])
        for job_id in _ids(backend, Job.id, limit=max(1, sample // 4)):
            argvs.append(["dataflow", target, job_id, "--json"])
        for path in _ids(backend, File.path, limit=max(1, sample // 4)):
            argvs.append(["dataflow", target, path])
    for execution_id in _ids(backend, Execution.id, limit=max(1, sample // 8)):
        argvs += [["timeline", target, execution_id], ["timeline", target, execution_id, "--json"],
                  ["diff", target, execution_id], ["diff", target, execution_id, "--json", "--all"]]
    for value_hash in _ids(backend, Value.value_hash, limit=max(1, sample // 8)):
        argvs += [["downstream", target, value_hash], ["downstream", target, value_hash, "--json"]]
    if importlib.util.find_spec("redun_tui.commands.export") is not None and out_dir is not None:
        argvs.append(["export", target, "-o", str(out_dir / "export.jsonl")])
    return argvs


def cli_commands_of(path: Any, out_dir: Any = None, sample: int = 40) -> list[list[str]]:
    """:func:`cli_commands` for the SQLite file ``path`` (opened read-only for the ids, then closed)."""
    from redun_tui.db import RedunBackendDb

    backend = RedunBackendDb(str(path), read_only=True)
    backend.load()
    try:
        return cli_commands(str(path), backend, out_dir=out_dir, sample=sample)
    finally:
        backend.close()


def missing_cli_subcommands() -> list[str]:
    """The database-reading subcommands whose modules do not exist yet."""
    modules = {"query": "query", "dataflow": "dataflow", "export": "export", "browse": "browse"}
    return [name for name, module in modules.items() if importlib.util.find_spec(f"redun_tui.commands.{module}") is None]
