"""RedunBackendDb: open a redun database (SQLite or PostgreSQL), check its version, read and record.

Browsing never writes: the default is ``read_only=True``, which opens SQLite with ``mode=ro`` and
``PRAGMA query_only`` and makes every PostgreSQL transaction read-only. Only an explicit
``read_only=False`` (tests, ``import``, ``db upgrade``) can write.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from redun_tui.db import sqlite_open, versions
from redun_tui.db import values as _values
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
from redun_tui.db.models import (
    REDUN_DB_MAX_VERSION,
    REDUN_DB_MIN_VERSION,
    REDUN_DB_UNKNOWN_VERSION,
    REDUN_DB_VERSIONS,
    CallNode,
    DBVersionInfo,
    Evaluation,
    Execution,
    Job,
    RedunDatabaseError,
    RedunVersion,
    Tag,
    Value,
    utcnow,
)
from redun_tui.db.record_graph import (  # noqa: F401 - re-exported: export/import's historical home
    RECORD_BATCH,
    RecordTransfer,
    chunks,
    get_call_node_child_edges,
    get_execution_child_edges,
    get_job_child_edges,
    get_tag_child_edges,
    get_tag_entity_child_edges,
    get_value_child_edges,
)
from redun_tui.db.recording import (  # noqa: F401 - re-exported: the recording API's historical home
    MIME_TYPE_PICKLE,
    ExecutionSpec,
    JobSpec,
    Recorder,
    TaskSpec,
    hash_struct,
)

BUSY_TIMEOUT = sqlite_open.BUSY_TIMEOUT  # seconds a reader waits for a writer's lock
LOCK_RETRIES = 3
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



class RedunBackendDb(RecordTransfer, Recorder):
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


def _own_copy(row: Value) -> Any:
    # Callers of the reading API may modify what they get: never hand out the decoder's cached object.
    return _values.decode_value(row.type, row.format, row.value, shared=False)




def open_backend(target: str | None, read_only: bool = True, migrate: bool = False) -> RedunBackendDb:
    """Opens and loads a database; raises RedunDatabaseError with a one-line message."""
    backend = RedunBackendDb(target, read_only=read_only)
    backend.load(migrate=migrate)
    return backend
