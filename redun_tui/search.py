"""The search language: what a user types in the search bar (or after ``redun-tui query DB``).

API (two functions, two types)::

    parsed = parse_search("task:align_reads status:failed")   # SearchQuery or SearchSyntaxError
    if isinstance(parsed, SearchSyntaxError):
        show(parsed.message, parsed.position)                  # never raised by parse_search
    else:
        query = apply_search(CallGraphQuery(session).order_by("time"), parsed, session)

``parse_search`` never raises: bad text gives a :class:`SearchSyntaxError` *value* (an Exception
subclass, so a caller may also ``raise`` it) with a message and the 0-based character position.
``apply_search`` narrows a :class:`~redun_tui.db.query.CallGraphQuery` in SQL; it does not run
the query and does not raise for anything a parsed text can contain.

Syntax: words separated by spaces; ``"…"`` or ``'…'`` group text with spaces (``file:"my dir/*"``).
Every word must match (AND); values of one filter separated by commas, or the same filter
repeated, are alternatives (OR) -- except tags, which must all be present, as in redun.

==========================  =====================================  ============================
short form                  redun-style flag                       meaning
==========================  =====================================  ============================
``task:align_reads``        ``--task-name N`` (``--task N``)       jobs and tasks of that task
                                                                   (``namespace.name`` or name)
``hash:3f2a…``              ``--task-hash H``                      jobs and tasks of a task hash
                                                                   (prefix)
``status:failed``           ``--status S``                         executions and jobs with that
                                                                   status (any case, commas)
``exec-status:done``        ``--exec-status S``                    executions only
``job-status:cached``       ``--job-status S``                     jobs only
``tag:env=prod``            ``-t``/``--tag K=V``                   records with that current tag
                                                                   (``tag:env``: any value)
``exec-tag:user=alice``     ``--exec-tag K=V``                     records of tagged executions
``file:*.vcf``, ``path:``   ``--file-path P`` (``--file P``)       File values by path, ``*``
                                                                   wildcards
``type:redun.File``         ``--value-type T``                     values of that type
``is:job``, ``type:job``    ``--type job``, ``--job`` ``--exec``   only these record types:
                            ``--call-node`` ``--task`` ``--value``   exec(ution), job, call-node,
                            ``--file`` ``--all``                   task, value, file
``exec:7dfcc758``           ``--exec-id ID``                       records of executions (id
                                                                   prefix, ``-`` latest, ``~2``)
``id:ab12``                                                        records whose id starts so
``result:H``, ``arg:H``     ``--result H``, ``--arg H``            jobs whose result/argument is
                                                                   or contains value H (prefix)
==========================  =====================================  ============================

A bare word matches a record whose id starts with it, a task (and its jobs, call nodes and
executions) of that name, a File value of that path (``*`` wildcards), an execution whose
command line contains it, or a record with a current tag value containing it (substring,
case-insensitive, as ``redun console --find``); ``-`` is the latest
execution and ``~N`` the N-th latest. Flags also take ``--flag=value``. ``--task`` and
``--file`` take a value when one follows (redun's are plain switches: alone, they still are).

Types: explicit record types (``is:``, ``--job`` …) plus those implied by ``exec-status``,
``job-status``, ``type:``/``--value-type`` and ``file:`` form the result's type set, as with
``redun log``; ``status:`` implies executions and jobs only when no type is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redun_tui.db.models import Execution, Task, Value
from redun_tui.db.query import (
    CallGraphQuery,
    infer_specialty_id,
    parse_tag_key_value,
    prefix_range,
)
from redun_tui.db.status import EXECUTION_STATUSES, JOB_STATUSES
from redun_tui.search_error import SearchSyntaxError  # noqa: F401 - re-exported

__all__ = ["SearchQuery", "SearchSyntaxError", "apply_search", "parse_search", "RECORD_TYPE_NAMES"]

# What users may call each record type (lower case) -> CallGraphQuery type name. "file" is a
# Value restricted to redun.File.
RECORD_TYPE_NAMES = {
    "exec": "Execution",
    "execs": "Execution",
    "execution": "Execution",
    "executions": "Execution",
    "job": "Job",
    "jobs": "Job",
    "call-node": "CallNode",
    "call-nodes": "CallNode",
    "callnode": "CallNode",
    "callnodes": "CallNode",
    "call_node": "CallNode",
    "task": "Task",
    "tasks": "Task",
    "value": "Value",
    "values": "Value",
    "file": "File",
    "files": "File",
}
MAX_PREFIX_MATCHES = 1000  # ids a prefix may expand to (exec:, hash:, result:, arg:)
FILE_VALUE_TYPE = "redun.File"


@dataclass(frozen=True)
class SearchQuery:
    """Parsed search text. Tuples keep the order the user typed; empty means "no filter"."""

    text: str = ""
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    exec_statuses: tuple[str, ...] = ()
    job_statuses: tuple[str, ...] = ()
    task_names: tuple[str, ...] = ()
    task_hashes: tuple[str, ...] = ()
    value_types: tuple[str, ...] = ()
    file_paths: tuple[str, ...] = ()
    exec_ids: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    tags: tuple[tuple[str, Any], ...] = ()
    exec_tags: tuple[tuple[str, Any], ...] = ()
    ids: tuple[str, ...] = ()
    words: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """True when the text asks for nothing (only spaces)."""
        return not any(getattr(self, name) for name in self.__dataclass_fields__ if name != "text")


# -- tokens ------------------------------------------------------------------------------------


@dataclass
class _Token:
    raw: str  # as typed, quotes included
    start: int


def _tokenize(text: str) -> list[_Token] | SearchSyntaxError:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        quote = None
        quote_start = 0
        while i < n and (quote or not text[i].isspace()):
            char = text[i]
            if quote:
                if char == "\\" and quote == '"' and i + 1 < n:
                    i += 1
                elif char == quote:
                    quote = None
            elif char in "\"'":
                quote, quote_start = char, i
            i += 1
        if quote:
            return SearchSyntaxError(f"unterminated quote {quote}", quote_start, text)
        tokens.append(_Token(text[start:i], start))
    return tokens


def _unquote(raw: str) -> str:
    # Removes quotes as a shell would: 'a b' -> a b, "a \" b" -> a " b, x"y z" -> xy z.
    out = []
    quote = None
    i = 0
    while i < len(raw):
        char = raw[i]
        if quote:
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"' and i + 1 < len(raw) and raw[i + 1] in '"\\':
                i += 1
                out.append(raw[i])
            else:
                out.append(char)
        elif char in "\"'":
            quote = char
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _strip_outer_quotes(raw: str) -> str:
    # Tag values keep inner double quotes (they are JSON strings); only a quoted whole goes.
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return _unquote(raw)
    return raw


# -- parsing -----------------------------------------------------------------------------------

# Canonical filter names, and the short forms and flags that name them.
_SHORT = {
    "task": "task",
    "task-name": "task",
    "hash": "hash",
    "task-hash": "hash",
    "status": "status",
    "exec-status": "exec_status",
    "job-status": "job_status",
    "tag": "tag",
    "exec-tag": "exec_tag",
    "file": "file",
    "path": "file",
    "file-path": "file",
    "type": "type",
    "value-type": "value_type",
    "is": "is",
    "exec": "exec",
    "execution": "exec",
    "exec-id": "exec",
    "id": "id",
    "result": "result",
    "arg": "arg",
}
_VALUE_FLAGS = {
    "--task-name": "task",
    "--task-hash": "hash",
    "--status": "status",
    "--exec-status": "exec_status",
    "--job-status": "job_status",
    "--tag": "tag",
    "-t": "tag",
    "--exec-tag": "exec_tag",
    "--file-path": "file",
    "--value-type": "value_type",
    "--type": "type",
    "--exec-id": "exec",
    "--result": "result",
    "--arg": "arg",
    "--id": "id",
}
# Switches of redun log; --task and --file take a value when one follows.
_SWITCHES = {
    "--all": None,
    "--exec": "Execution",
    "--job": "Job",
    "--call-node": "CallNode",
    "--task": "Task",
    "--value": "Value",
    "--file": "File",
}
_OPTIONAL_VALUE = {"--task": "task", "--file": "file"}
_SHORT_RE = re.compile(r"^([A-Za-z][A-Za-z_-]*):")
_TILDE_RE = re.compile(r"^~\d+$")


class _Builder:
    """Accumulates filters while parsing; becomes a SearchQuery."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.fields: dict[str, list] = {name: [] for name in SearchQuery.__dataclass_fields__ if name != "text"}

    def error(self, message: str, position: int) -> SearchSyntaxError:
        return SearchSyntaxError(message, max(0, min(position, len(self.text))), self.text)

    def add_type(self, name: str, position: int) -> SearchSyntaxError | None:
        canonical = RECORD_TYPE_NAMES.get(name.strip().lower())
        if canonical is None:
            return self.error(
                f"unknown record type {name!r} (use exec, job, call-node, task, value or file)", position
            )
        if canonical not in self.fields["types"]:
            self.fields["types"].append(canonical)
        return None

    def add(self, kind: str, value: str, raw: str, position: int) -> SearchSyntaxError | None:
        """Adds one filter ``kind`` with the (unquoted) ``value``; ``raw`` keeps the quotes."""
        if kind in ("tag", "exec_tag"):
            text = _strip_outer_quotes(raw)
            try:
                pair = parse_tag_key_value(text, value_required=False)
            except ValueError as error:
                return self.error(f"bad tag {text!r}: {error}", position)
            self.fields["tags" if kind == "tag" else "exec_tags"].append(pair)
            return None
        if value == "":
            return self.error(f"{kind.replace('_', '-')}: needs a value", position)
        if kind == "file":
            self.fields["file_paths"].append(value)
            return None
        # The rest take comma-separated lists; find each item's position for errors.
        offset = 0
        for item in value.split(","):
            where = position + offset
            offset += len(item) + 1
            item = item.strip()
            if not item:
                continue
            problem = self._add_item(kind, item, where)
            if problem:
                return problem
        return None

    def _add_item(self, kind: str, item: str, position: int) -> SearchSyntaxError | None:
        if kind in ("status", "exec_status", "job_status"):
            status = item.upper()
            if status not in JOB_STATUSES:
                return self.error(
                    f"unknown status {item!r} (use running, failed, cached or done)", position
                )
            self.fields[{"status": "statuses", "exec_status": "exec_statuses", "job_status": "job_statuses"}[kind]].append(status)
        elif kind == "is":
            return self.add_type(item, position)
        elif kind == "type":
            # type:job names a record type; type:redun.File a value type (they always have a dot).
            if item.lower() in RECORD_TYPE_NAMES:
                return self.add_type(item, position)
            if "." not in item:
                return self.error(
                    f"unknown type {item!r}: record types are exec, job, call-node, task, value, file; "
                    "value types look like builtins.int or redun.File",
                    position,
                )
            self.fields["value_types"].append(item)
        else:
            target = {
                "task": "task_names",
                "hash": "task_hashes",
                "value_type": "value_types",
                "exec": "exec_ids",
                "id": "ids",
                "result": "results",
                "arg": "args",
            }[kind]
            self.fields[target].append(item)
        return None

    def build(self) -> SearchQuery:
        return SearchQuery(text=self.text, **{name: tuple(values) for name, values in self.fields.items()})


def _flag_value(token: _Token, name_length: int) -> tuple[str, str, int]:
    raw = token.raw[name_length + 1 :]
    return _unquote(raw), raw, token.start + name_length + 1


def parse_search(text: str) -> SearchQuery | SearchSyntaxError:
    """Parses search-bar text (see the module docstring for the syntax).

    Returns:
        A SearchQuery, or a SearchSyntaxError saying what is wrong and where. Never raises.
    """
    try:
        return _parse(text if isinstance(text, str) else str(text))
    except Exception as error:  # a parser bug must not take the UI down; say where we gave up
        return SearchSyntaxError(f"cannot parse search: {type(error).__name__}: {error}", 0, str(text))


def _is_short_form(raw: str) -> bool:
    match = _SHORT_RE.match(raw)
    return bool(match and match.group(1).lower() in _SHORT)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse(text: str) -> SearchQuery | SearchSyntaxError:
    # Lone surrogates (from a broken paste) cannot reach the database driver; same length kept.
    text = _SURROGATE.sub("\ufffd", text)
    tokens = _tokenize(text)
    if isinstance(tokens, SearchSyntaxError):
        return tokens
    builder = _Builder(text)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        raw = token.raw
        i += 1
        problem: SearchSyntaxError | None = None

        if raw.startswith("-") and raw != "-" and not raw[1:].isdigit():
            name, has_inline, _ = raw.partition("=")
            lowered = name.lower()
            if lowered in _VALUE_FLAGS or (lowered in _OPTIONAL_VALUE and has_inline):
                kind = _VALUE_FLAGS.get(lowered) or _OPTIONAL_VALUE[lowered]
                if has_inline:
                    value, value_raw, position = _flag_value(token, len(name))
                elif i < len(tokens):
                    following = tokens[i]
                    i += 1
                    value, value_raw, position = _unquote(following.raw), following.raw, following.start
                else:
                    return builder.error(f"{name} needs a value", token.start + len(raw))
                problem = builder.add(kind, value, value_raw, position)
            elif lowered in _SWITCHES:
                if has_inline:
                    return builder.error(f"{name} takes no value", token.start + len(name))
                following = tokens[i] if i < len(tokens) else None
                if (
                    lowered in _OPTIONAL_VALUE
                    and following is not None
                    and not following.raw.startswith("-")
                    and not _is_short_form(following.raw)
                ):
                    i += 1
                    problem = builder.add(
                        _OPTIONAL_VALUE[lowered], _unquote(following.raw), following.raw, following.start
                    )
                elif lowered == "--all":
                    for type_name in ("exec", "job", "call-node", "task", "value"):
                        builder.add_type(type_name, token.start)
                else:
                    problem = builder.add_type(_SWITCHES[lowered].lower(), token.start)  # type: ignore[union-attr]
            else:
                known = ", ".join(sorted({*_VALUE_FLAGS, *_SWITCHES} - {"-t"}))
                return builder.error(f"unknown flag {name} (known: {known})", token.start)
        elif match := _SHORT_RE.match(raw):
            prefix = match.group(1)
            kind = _SHORT.get(prefix.lower())
            if kind is None:
                if raw[match.end() :].startswith("//"):  # s3://bucket/key is a path
                    builder.fields["words"].append(_unquote(raw))
                    continue
                return builder.error(
                    f"unknown filter {prefix}: (known: {', '.join(sorted(_SHORT))}; quote the word to search for it)",
                    token.start,
                )
            value, value_raw, position = _flag_value(token, len(prefix))
            problem = builder.add(kind, value, value_raw, position)
        else:
            word = _unquote(raw)
            if word:
                builder.fields["words"].append(word)
        if problem:
            return problem
    return builder.build()


# -- applying ----------------------------------------------------------------------------------


def _expand_prefixes(session: Session, column: Any, prefixes: tuple[str, ...]) -> list[str]:
    # Full ids stay as typed; shorter ones become every id they start (a bounded number).
    found: list[str] = []
    for prefix in prefixes:
        if len(prefix) >= 36:
            found.append(prefix)
            continue
        low, high = prefix_range(prefix.lower())
        matches = session.execute(
            select(column).where(column >= low, column < high).limit(MAX_PREFIX_MATCHES)
        ).scalars().all()
        # Nothing matched: keep the prefix, which then matches nothing either.
        found.extend(matches or [prefix])
    return found


def _execution_ids(session: Session, values: tuple[str, ...]) -> list[str]:
    ids: list[str] = []
    for value in values:
        if value == "-" or _TILDE_RE.match(value):
            try:
                execution = infer_specialty_id(session, value, include_files=False)
            except ValueError:
                execution = None
            ids.append(execution.id if execution is not None else value)
        else:
            ids.extend(_expand_prefixes(session, Execution.id, (value,)))
    return ids


def apply_search(query: CallGraphQuery, parsed: SearchQuery, session: Session | None = None) -> CallGraphQuery:
    """Narrows ``query`` by a parsed search (nothing runs yet; ordering is the caller's).

    Args:
        query: usually ``CallGraphQuery(session).order_by("time")``.
        parsed: from :func:`parse_search`.
        session: for resolving id prefixes, ``-`` and ``~N`` (the query's own by default).
    """
    session = session if session is not None else query._session
    types: set[str] = set()
    explicit = set(parsed.types)
    if "File" in explicit:
        explicit.discard("File")
        explicit.add("Value")
        query = query.filter_value_types([FILE_VALUE_TYPE])

    if parsed.exec_statuses:
        types.add("Execution")
        query = query.filter_execution_statuses(parsed.exec_statuses)
    if parsed.job_statuses:
        types.add("Job")
        query = query.filter_job_statuses(parsed.job_statuses)
    if parsed.statuses:
        as_execution = [status for status in parsed.statuses if status in EXECUTION_STATUSES]
        if as_execution:
            query = query.filter_execution_statuses(as_execution)
        query = query.filter_job_statuses(parsed.statuses)
        if not explicit:
            types.update({"Execution", "Job"} if as_execution else {"Job"})
    if parsed.value_types:
        types.add("Value")
        query = query.filter_value_types(parsed.value_types)
    if parsed.file_paths:
        types.add("Value")
        query = query.filter_file_paths(parsed.file_paths)
    types |= explicit
    if types:
        query = query.filter_types(types)

    if parsed.exec_ids:
        query = query.filter_execution_ids(_execution_ids(session, parsed.exec_ids))
    if parsed.task_names:
        query = query.filter_task_names(parsed.task_names)
    if parsed.task_hashes:
        query = query.filter_task_hashes(_expand_prefixes(session, Task.hash, parsed.task_hashes))
    if parsed.results:
        query = query.filter_results(_expand_prefixes(session, Value.value_hash, parsed.results))
    if parsed.args:
        query = query.filter_arguments(_expand_prefixes(session, Value.value_hash, parsed.args))
    if parsed.tags:
        query = query.filter_tags(parsed.tags)
    if parsed.exec_tags:
        query = query.filter_execution_tags(parsed.exec_tags)
    for prefix in parsed.ids:
        query = query.filter_text(prefix, names=False, paths=False, substrings=False)
    for word in parsed.words:
        if word == "-" or _TILDE_RE.match(word):
            query = query.filter_ids(_execution_ids(session, (word,)))
        else:
            query = query.filter_text(word)
    return query

