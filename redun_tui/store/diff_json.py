"""The ``redun-tui diff --json`` document, whole (:func:`diff_json`) or streamed (:func:`json_chunks`).

Both give the same bytes through ``json.dumps(..., indent=None)``: the streamed form writes the
document's keys in the same order with the same separators, one pair at a time, so a diff of two
100,000-job executions never holds its 200,000 pair dicts (nor its frozen pairs) at once.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redun_tui.views import DiffPair, DiffSide, DiffView

# Pairs joined into one chunk: few writes, little held.
CHUNK_PAIRS = 1_000
# Objects left young by a pause above which they are moved to the oldest generation (see collection_paused).
SETTLE_OBJECTS = 100_000


@contextmanager
def collection_paused(settle: bool = False) -> Iterator[None]:
    """Pauses the cyclic garbage collector while many objects that live on are made.

    Each collection walks every tracked object: with two 100,000-job executions it ran dozens of
    times and took about half of the pairing time. Nothing built under it is garbage until the
    view is dropped; the previous state is restored.

    Args:
        settle: after a pause that left more than SETTLE_OBJECTS young objects, move them to
            the oldest generation. Otherwise the young, middle and full collections each walk
            them in turn, on whichever thread allocates next (the UI's, while it paints the
            diff). ``gc.freeze()`` then ``gc.unfreeze()`` moves every tracked object to the
            oldest generation without walking any (a full collection did the same in one walk:
            0.1-0.3 s of CPU at L); garbage among them waits for the next full collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if settle and gc.get_count()[0] > SETTLE_OBJECTS:
                gc.freeze()
                gc.unfreeze()


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _side_json(side: DiffSide) -> dict[str, Any]:
    return {"id": side.id, "task": side.task, "status": side.status, "start": _iso(side.start)}


def _pair_json(pair: DiffPair) -> dict[str, Any]:
    """A pair's record from the frozen pair (the store's :meth:`DiffPairs.record` gives the same
    without building it)."""
    return {
        "change": pair.change,
        "task": pair.task,
        "a_job": pair.a_job,
        "b_job": pair.b_job,
        "a_call_hash": pair.a_call_hash,
        "b_call_hash": pair.b_call_hash,
        "reasons": list(pair.reasons),
        "args": [{"name": arg.name, "a": arg.a, "b": arg.b} for arg in pair.args],
        "a_status": pair.a_status,
        "b_status": pair.b_status,
        "a_duration": pair.a_duration,
        "b_duration": pair.b_duration,
    }


def _head(view: DiffView) -> dict[str, Any]:
    """The document without its pairs (key order is the output's)."""
    summary = view.summary
    return {
        "a": _side_json(view.a),
        "b": _side_json(view.b),
        "summary": {"same": summary.same, "cached": summary.cached, "changed": summary.changed,
                    "added": summary.added, "removed": summary.removed},
    }


def _records(view: DiffView, all_pairs: bool) -> Iterator[dict[str, Any]]:
    """The document's pair records in order: every pair with ``all_pairs``, else the non-same.

    Without ``all_pairs`` only the pairs on a path to a change are read (the rest are same).
    Records are made as they are written; no frozen pair is built or kept.
    """
    pairs = view.pairs
    for index in range(len(pairs)):
        if all_pairs or pairs.has_changes(index):
            record = pairs.record(index)
            if record is None:
                record = _pair_json(pairs.peek(index))
            if all_pairs or record["change"] != "same":
                yield record


def diff_json(view: DiffView, all_pairs: bool = False) -> dict[str, Any]:
    """The ``redun-tui diff --json`` document: every pair with ``all_pairs``, else the non-same."""
    # The collector is paused while the document's dicts are made (see collection_paused).
    with collection_paused():
        return {**_head(view), "pairs": list(_records(view, all_pairs))}


def json_chunks(view: DiffView, all_pairs: bool = False) -> Iterator[str]:
    """``json.dumps(diff_json(view, all_pairs), indent=None)`` in pieces, built as written.

    The head is dumped whole without its closing brace, then ``"pairs": [``, the pairs
    separated by ``", "`` (json's own item separator), and ``]}``.
    """
    head = json.dumps(_head(view), indent=None)
    yield head[:-1] + ', "pairs": ['
    batch: list[dict[str, Any]] = []
    first = True
    with collection_paused():
        for record in _records(view, all_pairs):
            batch.append(record)
            if len(batch) == CHUNK_PAIRS:
                # A list dumped whole, brackets cut: its items joined by ", " (one encoder call).
                yield ("" if first else ", ") + json.dumps(batch, indent=None)[1:-1]
                first, batch = False, []
        if batch:
            yield ("" if first else ", ") + json.dumps(batch, indent=None)[1:-1]
    yield "]}"
