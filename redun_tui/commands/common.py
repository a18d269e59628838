"""Helpers shared by the subcommands: one-line errors with exit code 2, opening databases."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

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


def one_line(text: str) -> str:
    """Collapses a message to a single line (multi-line driver errors would look like tracebacks)."""
    return " ".join(str(text).split())


def open_db(
    target: str | None, read_only: bool = True, migrate: bool = False, busy_timeout: float | None = None
) -> RedunBackendDb:
    """Opens and loads a database, turning every failure into a CliError.

    Args:
        busy_timeout: seconds to wait for a writer's lock (default: the backend's, for the app).
    """
    try:
        if busy_timeout is None:
            backend = RedunBackendDb(target, read_only=read_only)
        else:
            backend = RedunBackendDb(target, read_only=read_only, busy_timeout=busy_timeout)
        backend.load(migrate=migrate)
    except Exception as error:  # whatever stops the open is the database's problem
        raise database_cli_error(error, target, opening=True) from None
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
