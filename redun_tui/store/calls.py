"""Row texts of calls and values: ``align_reads(File(path=s1.fastq, hash=…), ref=…)``.

A job row (tree, flat list, search results) shows its call so that 2,000 fan-out jobs of one
task differ by more than an id. Texts are bounded: a few arguments, each a short preview, the
whole cut at CALL_LIMIT; only values of at most ROW_VALUE_BYTES are decoded (through the
restricted unpickler, as every preview), bigger ones print as redun prints them unread
(``builtins.str(hash=8167c0df, size=1000110)``). One statement per page of rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redun_tui.db.models import Argument, CallNode, Value
from redun_tui.store.previews import cut, ref_text
from redun_tui.store.sql import Alias, value_columns

CALL_LIMIT = 160  # characters of a call's argument list in a row
CALL_ARGS = 8  # arguments shown in a row (then "…")
ARG_LIMIT = 48  # characters of one argument's preview in a row
ROW_VALUE_BYTES = 16 * 1024  # values decoded for a row's preview

ROW_VALUE = Alias(Value, "row_value")


def row_preview(value_hash: str, type_name: str | None, fmt: str | None, size: int | None, data: bytes | None,
                limit: int = ARG_LIMIT) -> str:
    """A value's short preview for a list row (the columns of ``value_columns(…, ROW_VALUE_BYTES)``)."""
    return ref_text(value_hash, type_name or "", fmt or "", size, data, limit)


def call_args(session: Session, call_hashes: Iterable[str | None]) -> dict[str, str]:
    """The argument list of each call, ``17, key=File(path=a.txt, hash=…)`` (one statement).

    Positional arguments by position, then keywords by name, as redun logs a call. A call
    without arguments maps to ``""``; a call whose node was never recorded is absent.
    """
    hashes = sorted({call_hash for call_hash in call_hashes if call_hash})
    if not hashes:
        return {}
    value = ROW_VALUE
    rank = func.row_number().over(
        partition_by=CallNode.call_hash,
        order_by=(Argument.arg_position.is_(None), Argument.arg_position, Argument.arg_key),
    )
    # From the call node: a call whose node was never recorded (a job killed before it
    # finished) has no argument list at all, which is not the same as "no arguments".
    ranked = (
        select(
            CallNode.call_hash.label("call_hash"),
            Argument.arg_hash.label("arg_hash"),
            Argument.arg_key.label("arg_key"),
            rank.label("rank"),
            *value_columns(value, ROW_VALUE_BYTES),
        )
        .select_from(
            CallNode.__table__.outerjoin(Argument, Argument.call_hash == CallNode.call_hash).outerjoin(
                value.table, value.value_hash == Argument.value_hash
            )
        )
        .where(CallNode.call_hash.in_(hashes))
        .subquery("ranked_args")
    )
    rows = session.execute(
        select(ranked).where(ranked.c.rank <= CALL_ARGS + 1).order_by(ranked.c.call_hash, ranked.c.rank)
    ).all()
    parts: dict[str, list[str]] = {}
    for call_hash, arg_hash, key, rank_number, value_hash, type_name, fmt, size, data in rows:
        texts = parts.setdefault(call_hash, [])
        if arg_hash is None:
            continue
        if rank_number > CALL_ARGS:
            texts.append("…")
            continue
        text = "<missing value>" if value_hash is None else row_preview(value_hash, type_name, fmt, size, data)
        texts.append(f"{key}={text}" if key is not None else text)
    return {call_hash: cut(", ".join(texts), CALL_LIMIT) for call_hash, texts in parts.items()}
