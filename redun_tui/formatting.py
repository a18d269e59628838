"""Pure display helpers: safe text, short ids, UTC times, durations, sizes. No Textual here.

:func:`safe_text` is the one place where text from a database becomes text for a terminal: every
widget and every CLI line that reaches a TTY goes through it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# C0 controls except \t and \n, DEL, C1 controls, and the bidi overrides/isolates that can make
# text read differently from what it is (U+202A–U+202E, U+2066–U+2069).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\x1b": "\\e", "\r": "\\r", "\x00": "\\0", "\x07": "\\a", "\x08": "\\b", "\x0b": "\\v", "\x0c": "\\f"}

SHORT_ID = 8


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: object, keep_newlines: bool = True) -> str:
    """Text with control, escape and bidi-override characters replaced by visible escapes.

    Args:
        text: anything; non-strings are converted with ``str``.
        keep_newlines: keep ``\\n`` (multi-line views); False turns it into ``\\n`` too (one-line cells).
    """
    result = _UNSAFE.sub(_escape, str(text))
    if not keep_newlines:
        result = result.replace("\n", "\\n")
    return result


def one_line(text: object, limit: int | None = None) -> str:
    """Safe text on one line (newlines and tabs escaped), trimmed to ``limit`` characters."""
    result = safe_text(text, keep_newlines=False).replace("\t", " ")
    if limit is not None and len(result) > limit:
        result = result[: max(limit - 1, 0)] + "…"
    return result


def short_id(record_id: str | None, length: int = SHORT_ID) -> str:
    """The first ``length`` characters of an id or hash ("" for None)."""
    return (record_id or "")[:length]


def format_time(moment: datetime | None) -> str:
    """An absolute UTC time ``YYYY-mm-dd HH:MM:SS`` (naive times are taken as UTC)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(duration: timedelta | float | None) -> str:
    """A compact duration: ``0.45s``, ``12.3s``, ``4m05s``, ``2h03m``, ``3d04h``; "" for None."""
    if duration is None:
        return ""
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
    if seconds < 0:
        seconds = 0.0
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


# redun's scheduler records the execution's updated_time every `job_status_interval` (20 s by
# default) while it waits: a RUNNING execution silent for much longer has most likely died.
HEARTBEAT_STALE = timedelta(minutes=5)


def is_stale(status: str, updated: datetime | None, start: datetime | None, now: datetime) -> bool:
    """True when a RUNNING execution has been silent too long to be alive."""
    last = updated or start
    if status != "RUNNING" or last is None:
        return False
    if last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    return now - last >= HEARTBEAT_STALE


def heartbeat_note(status: str, updated: datetime | None, start: datetime | None, now: datetime) -> str:
    """How long a RUNNING execution has been silent, and whether it is likely dead ("" otherwise).

    Args:
        status: the execution's status.
        updated: its ``updated_time`` (redun's heartbeat; None before schema 3.5).
        start: its start time (the heartbeat's stand-in when there is no updated_time).
        now: the current time (aware UTC).
    """
    if status != "RUNNING":
        return ""
    last = updated or start
    if last is None:
        return "no heartbeat recorded"
    if last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    silent = format_duration(now - last)
    if now - last < HEARTBEAT_STALE:
        return f"last heartbeat {silent} ago"
    return f"no heartbeat for {silent}: likely killed"


def format_size(size: int | None) -> str:
    """Bytes as ``512 B``, ``1.5 KiB``, ``3.0 MiB``…; "" for None."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def command_summary(command: str) -> str:
    """The telling part of ``redun run …`` for a list column: from the workflow script on.

    ``run --exclude-user aws wf.py main --n 3`` becomes ``wf.py main --n 3``. Without a ``.py``
    script (``redun run`` of a module), only the leading ``run`` is dropped.
    """
    words = command.split(" ")
    if words and words[0] == "run":
        words = words[1:]
    for index, word in enumerate(words):
        if word.endswith(".py") and not word.startswith("-"):
            return " ".join(words[index:])
    return " ".join(words)
