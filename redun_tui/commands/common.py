"""Helpers shared by the subcommands: one-line errors with exit code 2, opening databases."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from redun_tui.db.backend import RedunBackendDb, classify_error
from redun_tui.db.models import RedunDatabaseError

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
    except RedunDatabaseError as error:
        raise CliError(str(error)) from None
    except Exception as error:  # driver errors not classified by the backend
        raise CliError(str(classify_error(error, target or ""))) from None
    return backend


@contextmanager
def database(target: str | None, read_only: bool = True) -> Iterator[RedunBackendDb]:
    """``with database(path) as backend:`` opens, yields, and always closes; DB errors become CliErrors."""
    backend = open_db(target, read_only=read_only, busy_timeout=CLI_BUSY_TIMEOUT)
    try:
        yield backend
    except RedunDatabaseError as error:
        raise CliError(str(error)) from None
    except CliError:
        raise
    except click.exceptions.Exit:
        raise
    except Exception as error:
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(error, SQLAlchemyError):
            raise CliError(str(classify_error(error, target or ""))) from None
        raise
    finally:
        backend.close()
