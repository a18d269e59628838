"""The store's errors, and the one mapping from database driver errors to user-facing ones.

Two families reach a caller of the store:

- :class:`StoreError` (and :class:`NotFound`, :class:`Ambiguous`): the request cannot be
  answered — an unknown id, a prefix matching several records, a bad cursor or status.
- :class:`redun_tui.db.models.RedunDatabaseError` subclasses: the database is in trouble
  (locked after the retries, vanished, corrupt, unreachable).

Drivers raise their own types (``sqlite3.OperationalError``, psycopg errors, SQLAlchemy's
``OperationalError``/``DBAPIError`` wrapping them). :func:`database_error` is the one place that
recognises them and turns them into a RedunDatabaseError (its one-line message written by
:func:`redun_tui.db.errors.classify_error`); :func:`read` runs a store call with it, and the
app's notifications and the CLI's one-line errors use it for anything else that escapes.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from redun_tui.db.errors import RedunDatabaseError, classify_error

R = TypeVar("R")


class StoreError(Exception):
    """A request the store cannot answer; the message is one line for the user."""


class NotFound(StoreError):
    """No record has that id, hash, prefix or path."""


class Ambiguous(StoreError):
    """A prefix matches several records."""

    def __init__(self, message: str, candidates: tuple[str, ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


def _is_driver_error(error: BaseException) -> bool:
    """True for errors raised by a database driver or by SQLAlchemy about the database."""
    if isinstance(error, sqlite3.Error):
        return True
    # SQLAlchemy's errors, when it is loaded at all: the app paints its first page before
    # importing it (redun_tui.store.first_page), and nothing can raise its errors before that.
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_errors is not None and isinstance(error, sqlalchemy_errors.SQLAlchemyError):
        return True
    # psycopg (optional): its errors derive from its own Error class, seen here by module.
    return any(cls.__module__.split(".")[0] in ("psycopg", "psycopg2") for cls in type(error).__mro__)


def is_locked(error: BaseException) -> bool:
    """True when SQLite reports the database as locked (a writer holds it: worth a retry)."""
    return _is_driver_error(error) and "locked" in str(error).lower()


def database_error(error: BaseException, target: str = "", opening: bool = False) -> RedunDatabaseError | None:
    """``error`` as a RedunDatabaseError with a one-line message, or None if it is not about
    the database (then it is the caller's to report or raise).

    Args:
        error: anything a store call or an open raised.
        target: the database as the user named it, to prefix the message with.
        opening: ``error`` stopped opening the database, so whatever it is (a malformed URL, a
            missing driver) is reported as the database's problem.
    """
    if isinstance(error, RedunDatabaseError):
        return error
    if opening or _is_driver_error(error):
        return classify_error(error, target)
    return None


def read(open_session: Callable[[], AbstractContextManager[Any]], target: str, work: Callable[[Any], R]) -> R:
    """Runs ``work`` in a fresh Session, retrying while SQLite says the database is locked.

    Driver errors become RedunDatabaseError subclasses (one-line messages for the UI); store
    errors and anything else pass through unchanged.
    """
    # Only the store's Sessions come here, so SQLAlchemy is loaded already.
    from sqlalchemy.exc import DBAPIError, OperationalError

    from redun_tui.db.backend import LOCK_RETRIES

    for attempt in range(LOCK_RETRIES + 1):
        try:
            with open_session() as session:
                return work(session)
        except DBAPIError as error:
            if isinstance(error, OperationalError) and is_locked(error) and attempt < LOCK_RETRIES:
                time.sleep(0.05 * (attempt + 1))
                continue
            raise classify_error(error, target) from None
    raise AssertionError("unreachable")
