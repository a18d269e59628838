"""``redun-tui export`` and ``redun-tui import``: move slices of provenance between databases.

The file format is redun's (``redun export``/``redun import``): JSON lines, one serialized record
per line (:mod:`redun_tui.db.serializers`), so files move between redun and redun-tui.

- ``export [PATH_OR_URL] [SEARCH…] -o FILE`` writes the records matching SEARCH (default: every
  execution, newest first) and every record they reference -- jobs, call nodes, tasks, values,
  files, tags -- so the file is a self-contained slice. The file is written to a temporary name
  and renamed at the end: an interrupted export leaves no partial file. A device or a pipe
  (``/dev/null``, a FIFO) is written in place: a rename would replace it with a file.
- ``import FILE [PATH_OR_URL]`` checks every line first (a bad line: exit 2 naming its number,
  nothing written), creates the schema when the database is new or empty, and writes all new
  records in one transaction. Records already present are skipped: importing twice is harmless.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import click
import sqlalchemy as sa

from redun_tui.commands import common
from redun_tui.commands.common import CliError, database, database_cli_error, echo, one_line, split_target, warn
from redun_tui.commands.query import build_query, iter_limited, parse_words, search_text
from redun_tui.db.backend import NO_DATABASE_FOUND, RedunBackendDb, find_redun_db, sqlite_path
from redun_tui.db.models import Execution, Job, RedunDatabaseError, UnparsedJSON
from redun_tui.db.query import CallGraphQuery
from redun_tui.db.serializers import RecordFormatError, RecordSerializer
from redun_tui.search import SearchQuery

# Tables a database must lack for import to create the redun schema in it.
_REDUN_MARKER_TABLES = {"redun_version", "execution", "job", "value"}


def root_ids(session: Any, search: SearchQuery | None) -> list[str]:
    """Ids of the records to export: those matching the parsed search, or every execution."""
    if search is None:
        rows = session.execute(
            sa.select(Execution.id).join(Job, Execution.job_id == Job.id).order_by(Job.start_time.desc())
        )
        return [row[0] for row in rows]
    query = build_query(session, search)
    pk = CallGraphQuery.MODEL_PKS
    return [getattr(record, pk[type(record)]) for record in iter_limited(query, None)]


def _open_output(path: str) -> tuple[IO[str], str | None, str]:
    """The stream to write, the temporary file behind it (None: written in place) and the path
    the temporary file replaces at the end."""
    if path == "-":
        return sys.stdout, None, path
    if os.path.isdir(path):
        raise CliError(f"{path}: is a directory")
    if os.path.exists(path) and not os.path.isfile(path):
        # A device or a pipe (/dev/null, /dev/stdout into a pipe, a FIFO): written in place.
        # Renaming a finished file over it would replace the device with that file.
        try:
            return open(path, "w", encoding="utf-8"), None, path
        except OSError as error:
            raise CliError(f"{path}: {error.strerror or error}") from None
    final = os.path.realpath(path)  # through a symlink: the file it names is replaced, not the link
    folder = os.path.dirname(final)
    if not os.path.isdir(folder):
        raise CliError(f"{path}: no such directory")
    handle, temp = tempfile.mkstemp(prefix=".redun-tui-export-", dir=folder)
    # The mode a plain open() would give (mkstemp's is 0600), or the replaced file's own.
    if os.path.exists(final):
        mode = os.stat(final).st_mode & 0o777
    else:
        mask = os.umask(0o022)
        os.umask(mask)
        mode = 0o666 & ~mask
    os.fchmod(handle, mode)
    return os.fdopen(handle, "w", encoding="utf-8"), temp, final


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]})
@click.argument("words", nargs=-1, type=click.UNPROCESSED, metavar="[PATH_OR_URL] [SEARCH]...")
@click.option("-o", "--output", required=True, metavar="FILE", help="File to write (- for standard output).")
def export(words: tuple[str, ...], output: str) -> None:
    """Export matching records and everything they reference as JSON lines (redun's format).

    SEARCH selects the roots (search-bar language, e.g. `exec:7dfcc758` or `status:failed is:job`);
    without it every execution is exported. Without PATH_OR_URL, the redun project's database.
    """
    target, search = split_target(words)
    parsed = parse_words(search) if search else None
    with database(target) as backend:
        ids = root_ids(backend.session, parsed)
        if search and not ids:
            raise CliError(f"nothing in {backend.display_name} matches {search_text(search)!r}")
        out, temp, final = _open_output(output)
        count = 0
        unparsed = 0
        try:
            for record in backend.get_records(backend.iter_record_ids(ids)):
                if record.get("_type") == "Tag" and isinstance(record.get("value"), UnparsedJSON):
                    unparsed += 1  # written as a JSON string of its text (bad data is kept, not fatal)
                out.write(json.dumps(record))
                out.write("\n")
                count += 1
            out.flush()
            if temp is not None:
                out.close()
                os.replace(temp, final)
            elif out is not sys.stdout:
                out.close()
        except BaseException:
            if out is not sys.stdout:
                out.close()
            if temp is not None:
                os.unlink(temp)
            raise
    if unparsed:
        warn(f"{unparsed} tag value{'s' if unparsed > 1 else ''} not valid JSON in the database; "
             "exported as JSON strings of their text")
    if output != "-":
        echo(f"exported {count} records ({len(ids)} roots) to {output}", err=True)


def read_records(path: str) -> list[dict]:
    """Reads and checks every line of an export file.

    Raises:
        CliError: the file cannot be read, or a line is not a record (names the line).
    """
    serializer = RecordSerializer()
    records = []
    try:
        handle: IO[str] = sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as error:
        raise CliError(f"{path}: cannot read: {error.strerror or error}") from None
    name = "<stdin>" if path == "-" else path
    try:
        for number, line in enumerate(_lines(handle, name), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise CliError(f"{name}, line {number}: not JSON ({error})") from None
            try:
                serializer.get_pk(record)
                # Building the model objects checks every field the import will need.
                serializer.deserialize(record)
            except (RecordFormatError, KeyError, TypeError, ValueError, AttributeError) as error:
                message = str(error) if isinstance(error, RecordFormatError) else f"{type(error).__name__}: {error}"
                raise CliError(f"{name}, line {number}: not a redun record: {one_line(message)}") from None
            records.append(record)
    finally:
        if handle is not sys.stdin:
            handle.close()
    return records


def _lines(handle: IO[str], name: str) -> Iterator[str]:
    number = 0
    try:
        for number, line in enumerate(handle, start=1):  # noqa: B007 - number is read on error
            yield line
    except UnicodeDecodeError:
        raise CliError(f"{name}, line {number + 1}: not UTF-8 text") from None
    except OSError as error:
        raise CliError(f"{name}: cannot read: {error.strerror or error}") from None


def _is_new_database(backend: RedunBackendDb) -> bool:
    """True when the target has no tables at all (a new file, or an empty database)."""
    assert backend.engine is not None
    tables = set(sa.inspect(backend.engine).get_table_names())
    if tables & _REDUN_MARKER_TABLES or not tables:
        return not tables
    raise CliError(f"{backend.display_name}: has tables but is not a redun database; not importing into it")


def open_for_import(target: str) -> tuple[RedunBackendDb, bool]:
    """Opens ``target`` for writing, creating the redun schema when it is new.

    Returns:
        The loaded backend and whether the database (file) was created here.
    """
    try:
        path = sqlite_path(target)
    except Exception as error:  # a malformed URL
        raise CliError(f"{target}: not a database path or URL ({one_line(error)})") from None
    created_file = bool(path) and not os.path.exists(path)  # type: ignore[arg-type]
    if path and created_file and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise CliError(f"{target}: no such directory")
    backend = RedunBackendDb(target, read_only=False, busy_timeout=common.CLI_BUSY_TIMEOUT)
    try:
        backend.create_engine()
        if _is_new_database(backend):
            backend.migrate()
        backend.close()
        backend.load()
    except CliError:
        backend.close()
        _remove_new_file(path, created_file)
        raise
    except Exception as error:
        backend.close()
        _remove_new_file(path, created_file)
        raise database_cli_error(error, target, opening=True) from None
    return backend, created_file


def _remove_new_file(path: str | None, created: bool) -> None:
    # A database file this command created must not stay behind half-made.
    if created and path and os.path.exists(path):
        os.unlink(path)


@click.command("import", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("file", metavar="FILE")
@click.argument("target", metavar="[PATH_OR_URL]", required=False)
def import_(file: str, target: str | None) -> None:
    """Import records exported by `redun-tui export` or `redun export` into a database.

    FILE is JSON lines (- reads standard input). PATH_OR_URL may be a new file: the redun schema
    is created; without it, the redun project's database (.redun here or above). Everything is
    written in one transaction; records already present are skipped.
    """
    records = read_records(file)
    if target is None:
        target = find_redun_db()
        if target is None:
            raise CliError(NO_DATABASE_FOUND)
    backend, created = open_for_import(target)
    try:
        try:
            written = backend.put_records(records)
        except RedunDatabaseError as error:
            raise CliError(str(error)) from None
        except Exception as error:
            raise CliError(f"{backend.display_name}: import failed, nothing written: {one_line(error)}") from None
    except CliError:
        backend.close()
        _remove_new_file(sqlite_path(target), created)
        raise
    backend.close()
    echo(
        f"imported {written} new records into {backend.display_name} "
        f"({len(records) - written} already present)",
        err=True,
    )
