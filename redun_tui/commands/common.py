"""Helpers shared by the subcommands: one-line errors with exit code 2, opening databases."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from redun_tui.formatting import safe_text

if TYPE_CHECKING:
    # Imported where a database is opened: the backend loads SQLAlchemy (~0.2 s), which
    # `--help` and the launch path's first page do without.
    from redun_tui.db.backend import RedunBackendDb

EXIT_BAD_INPUT = 2
# A command line is not interactive, so it can wait longer than the app's workers for a running
# redun's commit lock (with 5 s, no read failed while polling real runs; see shared NOTES).
CLI_BUSY_TIMEOUT = 5.0


class CliError(click.ClickException):
    """A user-facing error: printed as one line ``redun-tui: …`` on stderr, exit code 2."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file=None) -> None:  # noqa: D102 - click API
        click.echo(f"redun-tui: {one_line(self.format_message())}", err=True, file=file or sys.stderr)


def one_line(text: object) -> str:
    """A message as one safe line: control characters escaped visibly, whitespace collapsed.

    Messages quote paths, ids and search text from the user or the database; they pass through
    :func:`redun_tui.formatting.safe_text` (the one escaping function) before the collapse, so a
    CR or a form feed shows as ``\\r``/``\\f`` instead of being eaten as whitespace. Multi-line
    driver errors become one line (several would look like a traceback).
    """
    return " ".join(safe_text(text).split())


def echo(text: object = "", err: bool = False) -> None:
    """Prints one line of human-readable output with control characters escaped visibly.

    Every command's text output goes through here (or :func:`one_line`), piped or not; only
    ``--json`` and export files are written exactly.
    """
    click.echo(safe_text(text), err=err)


def warn(message: str) -> None:
    """One line ``redun-tui: warning: …`` on stderr (the command goes on)."""
    click.echo(f"redun-tui: warning: {one_line(message)}", err=True)


# File names that say "database" even before the file exists (so a typo gets "no such file").
DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".redun")


def looks_like_database(word: str) -> bool:
    """True when a command-line word names a database: a URL, an existing path, or a ``*.db`` name."""
    return "://" in word or os.path.exists(word) or word.lower().endswith(DATABASE_SUFFIXES)


def split_target(words: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """``[PATH_OR_URL] REST…`` -> (PATH_OR_URL or None, REST).

    The first word is the database when :func:`looks_like_database` says so; otherwise there is
    none and the database is the redun project's (found as redun finds it, here or above).
    """
    if words and looks_like_database(words[0]):
        return words[0], words[1:]
    return None, words


def open_db(
    target: str | None, read_only: bool = True, migrate: bool = False, busy_timeout: float | None = None
) -> RedunBackendDb:
    """Opens and loads a database, turning every failure into a CliError.

    Args:
        busy_timeout: seconds to wait for a writer's lock (default: the backend's, for the app).
    """
    from redun_tui.db.backend import RedunBackendDb

    try:
        if busy_timeout is None:
            backend = RedunBackendDb(target, read_only=read_only)
        else:
            backend = RedunBackendDb(target, read_only=read_only, busy_timeout=busy_timeout)
        backend.load(migrate=migrate)
    except Exception as error:  # whatever stops the open is the database's problem
        raise database_cli_error(error, target, opening=True) from None
    if backend.schema_warning:
        warn(backend.schema_warning)
    return backend


@contextmanager
def database(target: str | None, read_only: bool = True) -> Iterator[RedunBackendDb]:
    """``with database(path) as backend:`` opens, yields, and always closes; DB errors become CliErrors."""
    backend = open_db(target, read_only=read_only, busy_timeout=CLI_BUSY_TIMEOUT)
    try:
        yield backend
    except (CliError, click.exceptions.Exit):
        raise
    except Exception as error:
        problem = database_cli_error(error, target)
        if problem is None:
            raise
        raise problem from None
    finally:
        backend.close()


def database_cli_error(error: BaseException, target: str | None, opening: bool = False) -> CliError | None:
    """A database error as a one-line CliError, or None when ``error`` is not about the database.

    The mapping is the store's one mapping of driver errors
    (:func:`redun_tui.store.errors.database_error`); ``opening`` as there: any error that
    stopped opening the database is reported as its problem.
    """
    # Imported on the error path only: the store package is not needed for `--help` or
    # for subcommands that succeed without it.
    from redun_tui.store.errors import database_error

    problem = database_error(error, target or "", opening=opening)
    return None if problem is None else CliError(str(problem))
