"""RedunBackendDb: open a redun database (SQLite or PostgreSQL), check its version, read and record.

Browsing never writes: the default is ``read_only=True``, which opens SQLite with ``mode=ro`` and
``PRAGMA query_only`` and makes every PostgreSQL transaction read-only. Only an explicit
``read_only=False`` (tests, ``import``, ``db upgrade``) can write.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from itertools import chain
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, inspect, or_, select, text
from sqlalchemy import update as sql_update
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from redun_tui.db.models import (
    REDUN_DB_MAX_VERSION,
    REDUN_DB_MIN_VERSION,
    REDUN_DB_UNKNOWN_VERSION,
    REDUN_DB_VERSIONS,
    NULL_DB_VERSION,
    Argument,
    ArgumentResult,
    Base,
    CallEdge,
    CallNode,
    CallSubtreeTask,
    DBVersionInfo,
    Evaluation,
    Execution,
    File,
    Job,
    RedunDatabaseError,
    RedunVersion,
    RedunVersionError,
    Subvalue,
    Tag,
    TagEdit,
    TagEntity,
    Task,
    Value,
    json_dumps,
    utcnow,
)
from redun_tui.db import encode, sqlite_open, versions
from redun_tui.db.locate import (  # noqa: F401 - re-exported: finding the database as redun does
    DEFAULT_DB_URI,
    NO_DATABASE_FOUND,
    REDUN_CONFIG_DIR,
    REDUN_CONFIG_ENV,
    find_config_dir,
    find_redun_db,
    is_url,
    resolve_db_uri,
)
from redun_tui.db.errors import (  # noqa: F401 - re-exported: the errors' historical home
    CorruptDatabase,
    DatabaseLocked,
    DatabaseNotFound,
    DatabaseUnreachable,
    NotADatabase,
    NotRedunDatabase,
    SchemaTooNew,
    SchemaTooOld,
    classify_error,
)
from redun_tui.db import values as _values

BUSY_TIMEOUT = sqlite_open.BUSY_TIMEOUT  # seconds a reader waits for a writer's lock
LOCK_RETRIES = 3
MIME_TYPE_PICKLE = "application/python-pickle"
RECORD_BATCH = 100  # ids per query in get_records (redun's size; see there)
SQLITE_CACHE_KIB = sqlite_open.SQLITE_CACHE_KIB  # page cache per read-only SQLite connection

REDUN_TABLES = versions.REDUN_TABLES  # tables whose presence says "this is a redun database"


def sqlite_path(db_uri: str) -> str | None:
    """The filesystem path of a SQLite URL or plain path, or None for other databases."""
    if not is_url(db_uri):
        return os.path.abspath(os.path.expanduser(db_uri))
    url = make_url(db_uri)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    database = url.database
    if database.startswith("file:"):
        from urllib.parse import unquote

        database = unquote(database[len("file:") :].split("?", 1)[0])
    return os.path.abspath(database)


def build_url(db_uri: str, read_only: bool) -> URL:
    """The SQLAlchemy URL for a path or URL.

    SQLite URLs are rebuilt with ``URL.create`` from the absolute path (string concatenation
    mis-parses paths containing ``#`` or ``?``); read-only ones use ``mode=ro`` so a missing file
    fails instead of being created. PostgreSQL URLs get the psycopg 3 driver.
    """
    path = sqlite_path(db_uri)
    if path is not None:
        if read_only:
            return URL.create(
                "sqlite", database="file:" + quote(path), query={"uri": "true", "mode": "ro"}
            )
        return URL.create("sqlite", database=path)
    url = make_url(db_uri)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def retry_locked(func: Callable) -> Callable:
    """Retries a backend method a few times when SQLite reports the database as locked."""

    @wraps(func)
    def wrapper(self: RedunBackendDb, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(LOCK_RETRIES + 1):
            try:
                return func(self, *args, **kwargs)
            except OperationalError as error:
                if "locked" not in str(error) or attempt == LOCK_RETRIES:
                    raise
                if self.session is not None:
                    self.session.rollback()
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    return wrapper


def hash_struct(*parts: Any) -> str:
    """A sha1 hex digest of a JSON-able structure (our records' content addresses)."""
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class TaskSpec:
    """A task to record (what the recording API needs of redun's Task)."""

    name: str
    namespace: str = ""
    source: str = ""
    hash: str = ""

    def __post_init__(self) -> None:
        if not self.hash:
            self.hash = hash_struct("task", self.namespace, self.name, self.source)

    @property
    def fullname(self) -> str:
        """``namespace.name`` or the bare name."""
        return f"{self.namespace}.{self.name}" if self.namespace else self.name


@dataclass
class ExecutionSpec:
    """An execution to record."""

    id: str


@dataclass
class JobSpec:
    """A job to record (what the recording API needs of redun's Job)."""

    id: str
    task: TaskSpec
    execution: ExecutionSpec
    parent_job: JobSpec | None = None
    call_hash: str | None = None
    was_cached: bool = False
    extra: dict = field(default_factory=dict)


# redun's type names for the classes encode.Instance can stand for.
_REDUN_TYPE_NAMES = {
    ("redun.file", "File"): "redun.File",
    ("redun.file", "Dir"): "redun.Dir",
    ("redun.scheduler", "ErrorValue"): "redun.ErrorValue",
    ("redun.task", "Task"): "redun.Task",
}


def _redun_type_name(value: Any) -> str:
    if isinstance(value, encode.Instance):
        return _REDUN_TYPE_NAMES.get((value.module, value.name), f"{value.module}.{value.name}")
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


class RedunBackendDb:
    """A redun database: engine, sessions, version checks, reads, records and migrations.

    Args:
        db_uri: a path to a SQLite file, or a URL (``sqlite:///…``, ``postgresql://…``). None uses
            the database redun would use from the current directory.
        config: accepted for signature compatibility with redun; ``db_uri`` may be given in it.
        logger: accepted for signature compatibility.
        read_only: browse without writing a byte (the default).
        busy_timeout: seconds SQLite waits for a writer's lock.
    """

    def __init__(
        self,
        db_uri: str | None = None,
        config: Any = None,
        logger: Any = None,
        *args: Any,
        read_only: bool = True,
        busy_timeout: float = BUSY_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        if db_uri is None and config is not None:
            db_uri = config.get("db_uri") if hasattr(config, "get") else None
        if db_uri is None:
            db_uri = find_redun_db()
        if db_uri is None:
            raise DatabaseNotFound(NO_DATABASE_FOUND)
        if is_url(db_uri):
            # Fail here, as a RedunDatabaseError, rather than with a ValueError from the first
            # property that parses it (e.g. a non-numeric port).
            try:
                make_url(db_uri)
            except (ArgumentError, ValueError) as error:
                raise RedunDatabaseError(f"{db_uri}: not a database path or URL ({error})") from None
        self.db_uri = db_uri
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self.logger = logger
        self.engine: Engine | None = None
        self.Session: sessionmaker | None = None
        self.session: Session | None = None
        self._database_loaded = False
        self._executions: dict[str, Execution] = {}
        self._db_version: DBVersionInfo | None = None
        self._serializer: Any = None
        # One line for the user when the schema is readable but not fully known (a newer minor).
        self.schema_warning: str | None = None

    # -- connecting ---------------------------------------------------------------------------

    @property
    def is_sqlite(self) -> bool:
        """True for SQLite databases."""
        return sqlite_path(self.db_uri) is not None

    @property
    def display_name(self) -> str:
        """The path or URL as the user would type it (passwords hidden)."""
        if not is_url(self.db_uri):
            return self.db_uri
        return make_url(self.db_uri).render_as_string(hide_password=True)

    def _check_path(self) -> None:
        path = sqlite_path(self.db_uri)
        if path is not None:
            sqlite_open.check_sqlite_file(path, self.display_name, self.read_only)

    def create_engine(self) -> Engine:
        """Creates the engine and the session factory (no query is run)."""
        try:
            url = build_url(self.db_uri, self.read_only)
        except (ArgumentError, ValueError) as error:
            raise RedunDatabaseError(f"{self.db_uri}: not a database path or URL ({error})") from None
        connect_args: dict[str, Any] = {}
        backend = url.get_backend_name()
        if backend == "sqlite":
            connect_args = {"check_same_thread": False, "timeout": self.busy_timeout}
        elif backend == "postgresql":
            connect_args = {"connect_timeout": 5}
            if self.read_only:
                connect_args["options"] = "-c default_transaction_read_only=on"
        try:
            self.engine = create_engine(url, connect_args=connect_args)
        except ModuleNotFoundError as error:
            raise DatabaseUnreachable(
                f"{self.display_name}: database driver missing ({error.name}); "
                "install redun-tui[postgres] for PostgreSQL"
            ) from None
        except (ArgumentError, SQLAlchemyError) as error:
            raise classify_error(error, self.display_name) from None

        read_only = self.read_only

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            if backend != "sqlite":
                return
            cursor = dbapi_connection.cursor()
            if read_only:
                # A second guard besides mode=ro, and bounded memory (see READ_ONLY_PRAGMAS).
                for pragma in sqlite_open.READ_ONLY_PRAGMAS:
                    cursor.execute(pragma)
            else:
                cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        self.Session = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.session = self.Session()
        return self.engine

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A fresh Session for one unit of work (one per worker call), always closed."""
        assert self.Session is not None, "call load() first"
        session = self.Session()
        try:
            yield session
        finally:
            session.close()

    def close(self) -> None:
        """Closes the session and disposes of the engine's connections."""
        if self.session is not None:
            self.session.close()
        if self.engine is not None:
            self.engine.dispose()

    def clone(self, session: Session | None = None) -> RedunBackendDb:
        """A copy sharing the engine, with its own session."""
        if not self._database_loaded:
            raise RedunDatabaseError("RedunBackendDb can be cloned only after the database has been loaded")
        other = object.__new__(RedunBackendDb)
        other.__dict__.update(self.__dict__)
        other.session = session or self.Session()
        return other

    # -- versions -----------------------------------------------------------------------------

    @staticmethod
    def get_db_version_required() -> tuple[DBVersionInfo, DBVersionInfo]:
        """The range of schema versions this code reads."""
        return REDUN_DB_MIN_VERSION, REDUN_DB_MAX_VERSION

    @staticmethod
    def get_all_db_versions() -> list[DBVersionInfo]:
        """Every known schema version, oldest first."""
        return list(REDUN_DB_VERSIONS)

    def get_db_version(self) -> DBVersionInfo:
        """The schema version of the database (NULL_DB_VERSION when there is no redun schema)."""
        assert self.engine is not None and self.session is not None
        session = self.session
        return versions.read_db_version(
            set(inspect(self.engine).get_table_names()), lambda sql: session.execute(text(sql)).all()
        )

    def is_db_compatible(self) -> bool:
        """True when the schema version is one this code reads."""
        low, high = self.get_db_version_required()
        return low <= self.get_db_version() <= high

    def _check_version(self) -> DBVersionInfo:
        version = self.get_db_version()
        warning = versions.check_version(
            version, lambda: set(inspect(self.engine).get_table_names()), self.display_name, self.read_only
        )
        if warning:
            self.schema_warning = warning
        return version

    def load(self, migrate: bool | None = None) -> None:
        """Connects and checks the schema version.

        Args:
            migrate: True upgrades an old schema first (only allowed when not read-only).
                None or False never migrates: redun-tui changes a database only when asked.

        Raises:
            RedunDatabaseError: (a subclass naming the problem) for anything that is not a
                readable redun database of a supported version.
        """
        self._check_path()
        self.create_engine()
        try:
            if migrate:
                if self.read_only:
                    raise RedunDatabaseError("cannot migrate a database opened read-only")
                self.migrate(upgrade_only=True)
            version = self._check_version()
        except RedunDatabaseError:
            self.close()
            raise
        except (DatabaseError, OperationalError, sqlite3.Error, OSError) as error:
            self.close()
            raise classify_error(error, self.display_name) from None
        except SQLAlchemyError as error:
            self.close()
            raise classify_error(error, self.display_name) from None
        self._database_loaded = True
        self._db_version = version

    def migrate(self, desired_version: DBVersionInfo | None = None, upgrade_only: bool = False) -> None:
        """Upgrades (or, unless ``upgrade_only``, downgrades) the schema to ``desired_version``.

        Records a ``redun_version`` row afterwards, as redun does.
        """
        if self.read_only:
            raise RedunDatabaseError("cannot migrate a database opened read-only")
        if self.engine is None:
            self._check_path()
            self.create_engine()
        from redun_tui.db import migrations

        version = self.get_db_version()
        if version > REDUN_DB_MAX_VERSION or version.minor == REDUN_DB_UNKNOWN_VERSION:
            raise SchemaTooNew(f"redun database is too new for this program: {version} > {REDUN_DB_MAX_VERSION}")
        desired = desired_version or REDUN_DB_VERSIONS[-1]
        # The version query left a transaction open on the session: on PostgreSQL its locks
        # would block the migration's ALTER/DROP (run on another connection) forever.
        assert self.session is not None
        self.session.close()
        if desired > version:
            migrations.upgrade(self.engine, desired.migration_id)
        elif desired < version and not upgrade_only:
            migrations.downgrade(self.engine, desired.migration_id)
        else:
            return
        with self.new_session() as session:
            session.add(RedunVersion(id=str(uuid.uuid4()), version=desired.major, timestamp=utcnow()))
            session.commit()
        self._db_version = desired
        self._serializer = None

    def create_schema(self) -> None:
        """Creates the latest schema in an empty database (through the migrations)."""
        self.migrate()

    # -- reading ------------------------------------------------------------------------------

    @retry_locked
    def get_value(self, value_hash: str) -> tuple[Any, bool]:
        """The decoded value (inert stand-ins, never real code) and whether it was found."""
        assert self.session is not None
        row = self.session.get(Value, value_hash)
        if row is None or row.in_value_store:
            return None, False
        return _own_copy(row), True

    @retry_locked
    def get_tags(self, entity_ids: list[str]) -> dict[str, dict[str, list[Any]]]:
        """Current tags per entity id: ``{entity_id: {key: [values…]}}``."""
        assert self.session is not None
        found: dict[str, dict[str, list[Any]]] = {}
        rows = self.session.execute(
            select(Tag.entity_id, Tag.key, Tag.value).where(
                Tag.entity_id.in_(list(entity_ids)), Tag.is_current.is_(True)
            )
        )
        for entity_id, key, value in rows:
            found.setdefault(entity_id, {}).setdefault(key, []).append(value)
        return found

    @retry_locked
    def get_job(self, job_id: str) -> dict | None:
        """``{"job_id", "parent_id", "execution_id"}`` for a job, or None."""
        assert self.session is not None
        job = self.session.get(Job, job_id)
        if job is None:
            return None
        return {"job_id": job.id, "parent_id": job.parent_id, "execution_id": job.execution_id}

    @retry_locked
    def get_call_cache(self, call_hash: str) -> tuple[Any, bool]:
        """The result of a recorded call node, and whether it was found."""
        assert self.session is not None
        node = self.session.get(CallNode, call_hash)
        if node is None or node.value is None:
            return None, False
        return _own_copy(node.value), True

    @retry_locked
    def get_eval_cache(self, eval_hash: str) -> tuple[Any, bool]:
        """The cached result of an evaluation, and whether it was found."""
        assert self.session is not None
        evaluation = self.session.get(Evaluation, eval_hash)
        if evaluation is None or evaluation.value is None:
            return None, False
        return _own_copy(evaluation.value), True

    # -- records (export / import) ------------------------------------------------------------

    @property
    def _record_serializer(self) -> Any:
        # Built on first use: browsing never needs it.
        if self._serializer is None:
            from redun_tui.db.serializers import RecordSerializer

            self._serializer = RecordSerializer(self._db_version)
        return self._serializer

    _model_pks = [
        (Execution, Execution.id),
        (Job, Job.id),
        (CallNode, CallNode.call_hash),
        (Value, Value.value_hash),
        (Tag, Tag.tag_hash),
    ]

    def get_records(self, ids: Iterable[str], sorted: bool = True) -> Iterator[dict]:
        """Serialized records for the given ids (in the order of ``ids`` when ``sorted``)."""
        assert self.session is not None
        ids = list(ids)
        if sorted:
            by_id = {self._record_serializer.get_pk(rec): rec for rec in self.get_records(ids, sorted=False)}
            yield from (by_id[record_id] for record_id in ids if record_id in by_id)
            return
        for model, pk in self._model_pks:
            # Batches of 100 ids, as redun's: a Job record lists as children only the jobs
            # serialized in the same batch, so the batch size shows in the output.
            for chunk in chunks(ids, RECORD_BATCH):
                query = self.session.query(model).filter(pk.in_(chunk))
                yield from self._record_serializer.serialize_query(query)

    def has_records(self, record_ids: Iterable[str]) -> list[str]:
        """The given ids that exist as records, in the given order."""
        assert self.session is not None
        record_ids = list(record_ids)
        existing: set[str] = set()
        for _model, pk in self._model_pks:
            for chunk in chunks(record_ids):
                existing.update(self.session.execute(select(pk).where(pk.in_(chunk))).scalars())
        return [record_id for record_id in record_ids if record_id in existing]

    def _get_record_types(self, record_ids: Iterable[str]) -> Iterator[tuple[Any, str]]:
        assert self.session is not None
        record_ids = list(record_ids)
        for model, pk in self._model_pks:
            for chunk in chunks(record_ids):
                for record_id in self.session.execute(select(pk).where(pk.in_(chunk))).scalars():
                    yield model, record_id

    def get_child_record_ids(self, model_ids: Iterable[tuple[Any, str]]) -> Iterator[tuple[str, Any, str]]:
        """Ownership edges ``(edge_name, model, child_id)`` from the given records, for export."""
        assert self.session is not None
        by_model: dict[Any, list[str]] = defaultdict(list)
        for model, record_id in model_ids:
            by_model[model].append(record_id)
        walkers = {
            Execution: get_execution_child_edges,
            Job: get_job_child_edges,
            CallNode: get_call_node_child_edges,
            Value: get_value_child_edges,
            Tag: get_tag_child_edges,
        }
        for model, walker in walkers.items():
            if by_model.get(model):
                yield from walker(self.session, by_model[model])
        all_ids = [record_id for ids in by_model.values() for record_id in ids]
        if all_ids:
            yield from get_tag_entity_child_edges(self.session, all_ids)

    def iter_record_ids(self, root_ids: Iterable[str]) -> Iterator[str]:
        """Every record id reachable from ``root_ids`` by ownership edges, a layer at a time."""
        seen: set[str] = set()
        edges: Iterable[tuple[str, Any, str]] = [("", model, rid) for model, rid in self._get_record_types(root_ids)]
        while True:
            frontier = set()
            for _name, model, record_id in edges:
                if record_id not in seen:
                    seen.add(record_id)
                    frontier.add((model, record_id))
                    yield record_id
            if not frontier:
                return
            edges = list(self.get_child_record_ids(frontier))

    def put_records(self, records: Iterable[dict]) -> int:
        """Writes serialized records (skipping ones already present); returns how many were new.

        Everything happens in one transaction: on error nothing is written.
        """
        self._require_writable()
        records = list(records)
        ids = [self._record_serializer.get_pk(record) for record in records]
        existing = set(self.has_records(ids))
        fresh = []
        for record_id, record in zip(ids, records):
            if record_id not in existing:
                existing.add(record_id)
                fresh.append(record)
        with self.new_session() as session:
            # A slice of provenance references records outside it (a job's execution, a
            # parent job) and an Execution and its root Job reference each other: like redun,
            # check no foreign keys while importing (SQLite; the pragma only acts outside a
            # transaction, hence before the first write, and is restored afterwards).
            sqlite = session.get_bind().dialect.name == "sqlite"
            if sqlite:
                session.execute(text("PRAGMA foreign_keys = OFF"))
            try:
                session.add_all(chain.from_iterable(map(self._record_serializer.deserialize, fresh)))
                session.flush()
                # Only leaf tags are current: a tag with an edit child has been superseded.
                session.execute(
                    sql_update(Tag)
                    .where(Tag.tag_hash.in_(select(TagEdit.parent_id)))
                    .values(is_current=False)
                    .execution_options(synchronize_session=False)
                )
                session.commit()
            except Exception:
                session.rollback()
                raise
            finally:
                if sqlite:
                    session.execute(text("PRAGMA foreign_keys = ON"))
                    session.commit()
        return len(fresh)

    # -- recording (tests, benchmarks, import) ------------------------------------------------

    def _require_writable(self) -> None:
        if self.read_only:
            raise RedunDatabaseError("this database is open read-only")

    def _commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def _defer_constraints(self, session: Session) -> None:
        # An execution and its root job reference each other: check foreign keys at commit.
        if self.is_sqlite:
            session.execute(text("PRAGMA defer_foreign_keys = ON"))
        else:
            session.execute(text("SET CONSTRAINTS ALL DEFERRED"))

    def record_execution(self, exec_id: str, args: list[str]) -> None:
        """Starts recording an execution; it is written with its root job."""
        self._require_writable()
        self._executions[exec_id] = Execution(id=exec_id, args=json.dumps(args))

    def record_updated_time(self, execution_id: str | None = None) -> None:
        """Writes the execution's heartbeat (``updated_time``)."""
        self._require_writable()
        now = utcnow()
        if execution_id in self._executions:
            self._executions[execution_id].updated_time = now
            return
        assert self.session is not None
        query = sql_update(Execution).values(updated_time=now)
        if execution_id is not None:
            query = query.where(Execution.id == execution_id)
        self.session.execute(query)
        self._commit()

    def record_task(self, task: Any) -> str:
        """Writes a task row (and its ``redun.Task`` value row) if missing; returns its hash."""
        self._require_writable()
        assert self.session is not None
        if self.session.get(Task, task.hash) is None:
            self.session.add(Task(hash=task.hash, name=task.name, namespace=task.namespace or "", source=task.source or ""))
            if self.session.get(Value, task.hash) is None:
                data = encode.task_pickle(task.fullname, task.hash)
                self.session.add(Value(value_hash=task.hash, type="redun.Task", format=MIME_TYPE_PICKLE, value=data))
            self.session.flush()
        return task.hash

    def record_job_start(self, job: Any, now: datetime | None = None) -> Job:
        """Writes a started job (and, for a root job, its pending execution)."""
        self._require_writable()
        assert self.session is not None
        self.record_task(job.task)
        self._defer_constraints(self.session)
        if job.parent_job is None:
            execution = self._executions.pop(job.execution.id)
            execution.job_id = job.id
            self.session.add(execution)
        db_job = Job(
            id=job.id,
            start_time=now or utcnow(),
            task_hash=job.task.hash,
            parent_id=job.parent_job.id if job.parent_job else None,
            execution_id=job.execution.id,
            cached=False,
        )
        self.session.add(db_job)
        self._commit()
        return db_job

    def record_job_end(self, job: Any, now: datetime | None = None, status: str | None = None) -> None:
        """Writes a job's end: time, cached flag and call node (starting it first if needed)."""
        self._require_writable()
        assert self.session is not None
        now = now or utcnow()
        db_job = self.session.get(Job, job.id)
        if db_job is None:
            db_job = self.record_job_start(job, now=now)
        db_job.cached = bool(getattr(job, "was_cached", False))
        db_job.end_time = now
        db_job.call_hash = job.call_hash
        self._commit()

    def record_value(self, value: Any, data: bytes | None = None, type_name: str | None = None) -> str:
        """Writes a value row and returns its hash.

        Args:
            value: plain data, possibly holding :class:`redun_tui.db.encode.Instance` objects
                (``encode.file_instance(path)`` for a redun File), pickled as redun would.
            data: the bytes to store instead of pickling ``value``.
            type_name: redun's type name (derived from ``value`` when omitted).

        A File gets a ``file`` row too. Hashes are content addresses of the type and bytes.
        """
        self._require_writable()
        assert self.session is not None
        if data is None:
            data = encode.dumps(value)
        type_name = type_name or _redun_type_name(value)
        value_hash = hashlib.sha1(type_name.encode() + b"\0" + data).hexdigest()
        if self.session.get(Value, value_hash) is None:
            self.session.add(Value(value_hash=value_hash, type=type_name, format=MIME_TYPE_PICKLE, value=data))
            if type_name == "redun.File" and isinstance(value, encode.Instance):
                self.session.add(File(value_hash=value_hash, path=value.state["path"]))
            self._commit()
        return value_hash

    def record_subvalues(self, parent_value_hash: str, value_hashes: Iterable[str]) -> None:
        """Writes subvalue edges from a container value to the values inside it."""
        self._require_writable()
        assert self.session is not None
        for value_hash in set(value_hashes):
            if self.session.get(Subvalue, (value_hash, parent_value_hash)) is None:
                self.session.add(Subvalue(value_hash=value_hash, parent_value_hash=parent_value_hash))
        self._commit()

    def record_call_node(
        self,
        task_name: str,
        task_hash: str,
        args_hash: str,
        expr_args: tuple[tuple, dict],
        eval_args: tuple[tuple, dict],
        result_hash: str,
        child_call_hashes: list[str],
    ) -> str:
        """Writes a call node, its arguments and child edges; returns the call hash.

        Unlike redun, which takes live expressions, ``eval_args`` here holds the argument value
        hashes (``((hash, …), {key: hash})``) and ``expr_args`` the upstream call hashes of each
        argument in the same shape (a list of call hashes, or None), which become
        ``argument_result`` rows.
        """
        self._require_writable()
        assert self.session is not None
        call_hash = hash_struct("call", task_hash, args_hash, result_hash, child_call_hashes)
        if self.session.get(CallNode, call_hash) is not None:
            return call_hash
        self.session.add(
            CallNode(
                call_hash=call_hash,
                task_name=task_name,
                task_hash=task_hash,
                args_hash=args_hash,
                value_hash=result_hash,
                timestamp=utcnow(),
            )
        )
        positional, keyword = eval_args
        upstream_pos, upstream_key = expr_args if expr_args else ((), {})
        arguments = [(i, None, h, upstream_pos[i] if i < len(upstream_pos) else None) for i, h in enumerate(positional)]
        arguments += [(None, k, h, upstream_key.get(k)) for k, h in keyword.items()]
        for position, key, value_hash, upstream in arguments:
            arg_hash = hash_struct("arg", call_hash, position, key, value_hash)
            self.session.add(
                Argument(arg_hash=arg_hash, call_hash=call_hash, value_hash=value_hash, arg_position=position, arg_key=key)
            )
            for upstream_hash in upstream or ():
                self.session.add(ArgumentResult(arg_hash=arg_hash, result_call_hash=upstream_hash))
        for order, child in enumerate(child_call_hashes):
            self.session.add(CallEdge(parent_id=call_hash, child_id=child, call_order=order))
        subtree = {task_hash}
        if child_call_hashes:
            subtree.update(
                self.session.execute(
                    select(CallSubtreeTask.task_hash).where(CallSubtreeTask.call_hash.in_(child_call_hashes))
                ).scalars()
            )
        for subtree_task in subtree:
            self.session.add(CallSubtreeTask(call_hash=call_hash, task_hash=subtree_task))
        self._commit()
        return call_hash

    def set_eval_cache(self, eval_hash: str, task_hash: str, args_hash: str, value: Any, value_hash: str | None = None) -> None:
        """Writes (or replaces) an evaluation cache entry."""
        self._require_writable()
        assert self.session is not None
        value_hash = value_hash or self.record_value(value)
        row = self.session.get(Evaluation, eval_hash)
        if row is None:
            self.session.add(Evaluation(eval_hash=eval_hash, task_hash=task_hash, args_hash=args_hash, value_hash=value_hash))
        else:
            row.value_hash = value_hash
        self._commit()

    def record_tags(
        self,
        entity_type: TagEntity,
        entity_id: str,
        tags: Iterable[tuple[str, Any]],
        parents: Iterable[str] = (),
        update: bool = False,
        new: bool = False,
    ) -> list[tuple[str, str, str, Any]]:
        """Writes tags on an entity, superseding ``parents`` (or, with ``update``, same-key tags).

        Returns ``[(tag_hash, entity_id, key, value)]`` of the written tags.
        """
        self._require_writable()
        assert self.session is not None
        tags = list(tags)
        if not tags:
            return []
        parents = list(parents)
        if update:
            keys = [key for key, _ in tags]
            parents += list(
                self.session.execute(
                    select(Tag.tag_hash).where(Tag.is_current.is_(True), Tag.entity_id == entity_id, Tag.key.in_(keys))
                ).scalars()
            )
            new = True
        parents = sorted(set(parents))
        written = []
        for key, value in tags:
            tag_parents = parents
            tag_hash = hash_struct("tag", entity_id, key, json_dumps(value), tag_parents)
            # "new": a tag identical to a superseded one must become a fresh current leaf.
            while new and self.session.execute(select(TagEdit.parent_id).where(TagEdit.parent_id == tag_hash)).first():
                tag_parents = [tag_hash]
                tag_hash = hash_struct("tag", entity_id, key, json_dumps(value), tag_parents)
            if self.session.get(Tag, tag_hash) is None:
                self.session.add(
                    Tag(tag_hash=tag_hash, entity_type=entity_type, entity_id=entity_id, key=key, value=value, is_current=True)
                )
            for parent in tag_parents:
                if self.session.get(TagEdit, (parent, tag_hash)) is None:
                    self.session.add(TagEdit(parent_id=parent, child_id=tag_hash))
            written.append((tag_hash, entity_id, key, value))
            if tag_parents:
                self.session.execute(
                    sql_update(Tag).where(Tag.tag_hash.in_(tag_parents)).values(is_current=False)
                    .execution_options(synchronize_session=False)
                )
        self._commit()
        return written

    def delete_tags(self, entity_id: str, tags: Iterable[tuple[str, Any]], keys: Iterable[str] = ()) -> list[tuple[str, str, str, Any]]:
        """Marks matching current tags deleted by superseding them with a Null tag."""
        self._require_writable()
        assert self.session is not None
        conditions = [(Tag.key == key) & (Tag.value == value) for key, value in tags]
        keys = list(keys)
        if keys:
            conditions.append(Tag.key.in_(keys))
        if not conditions:
            return []
        parents = list(
            self.session.execute(
                select(Tag.tag_hash).where(Tag.is_current.is_(True), Tag.entity_id == entity_id, or_(*conditions))
            ).scalars()
        )
        return self.record_tags(TagEntity.Null, "", [("", None)], parents=parents)


def _own_copy(row: Value) -> Any:
    # Callers of the reading API may modify what they get: never hand out the decoder's cached object.
    return _values.decode_value(row.type, row.format, row.value, shared=False)


def chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    """Splits ids into lists short enough for one IN (...) on every database."""
    # SQLite limits bound parameters per statement; keep IN lists well below it.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _select_in(session: Session, columns: tuple, key: Any, ids: Iterable[str]) -> Iterator[tuple]:
    ids = list(ids)
    for chunk in chunks(ids):
        yield from session.execute(select(*columns).where(key.in_(chunk)))


def get_execution_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """An execution owns its root job."""
    for (job_id,) in _select_in(session, (Execution.job_id,), Execution.id, ids):
        yield "Execution.job", Job, job_id


def get_job_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """A job owns its task, its call node and its child jobs."""
    ids = list(ids)
    for task_hash, call_hash in _select_in(session, (Job.task_hash, Job.call_hash), Job.id, ids):
        yield "Job.task", Task, task_hash
        yield "Job.call_hash", CallNode, call_hash
    for (job_id,) in _select_in(session, (Job.id,), Job.parent_id, ids):
        yield "Job.child_job", Job, job_id


def get_call_node_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """A call node owns its task, result, argument values, upstream call nodes and children."""
    ids = list(ids)
    for task_hash, value_hash in _select_in(session, (CallNode.task_hash, CallNode.value_hash), CallNode.call_hash, ids):
        yield "CallNode.task", Task, task_hash
        yield "CallNode.result", Value, value_hash
    seen_args: set[str] = set()
    for chunk in chunks(ids):
        rows = session.execute(
            select(Argument.arg_hash, Argument.value_hash, ArgumentResult.result_call_hash)
            .outerjoin(ArgumentResult, ArgumentResult.arg_hash == Argument.arg_hash)
            .where(Argument.call_hash.in_(chunk))
        )
        for arg_hash, value_hash, upstream in rows:
            if arg_hash not in seen_args:
                seen_args.add(arg_hash)
                yield "CallNode.arg", Value, value_hash
            if upstream:
                yield "CallNode.upstream", CallNode, upstream
    for (child_id,) in _select_in(session, (CallEdge.child_id,), CallEdge.parent_id, ids):
        yield "CallNode.child_call_node", CallNode, child_id


def get_value_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """A value owns its subvalues."""
    for (child,) in _select_in(session, (Subvalue.value_hash,), Subvalue.parent_value_hash, ids):
        yield "Value.subvalue", Value, child


def get_tag_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """A tag links to the tags it superseded and the tags that superseded it."""
    ids = list(ids)
    for (parent,) in _select_in(session, (TagEdit.parent_id,), TagEdit.child_id, ids):
        yield "Tag.parent", Tag, parent
    for (child,) in _select_in(session, (TagEdit.child_id,), TagEdit.parent_id, ids):
        yield "Tag.child", Tag, child


def get_tag_entity_child_edges(session: Session, ids: Iterable[str]) -> Iterator[tuple[str, Any, str]]:
    """Every record owns the tags attached to it."""
    for (tag_hash,) in _select_in(session, (Tag.tag_hash,), Tag.entity_id, ids):
        yield "Entity.tag", Tag, tag_hash


def open_backend(target: str | None, read_only: bool = True, migrate: bool = False) -> RedunBackendDb:
    """Opens and loads a database; raises RedunDatabaseError with a one-line message."""
    backend = RedunBackendDb(target, read_only=read_only)
    backend.load(migrate=migrate)
    return backend
