"""Time redun_tui.db.values on large and hostile values (not a test: timings vary by machine).

    .venv/bin/python benchmarks/values_bench.py [--runs N] [--profile]

Prints, per value, the best of N runs of: the memo pre-scan alone, a cold decode (cache
cleared) and a warm decode (cached; from a fresh copy of the bytes, as a database read gives),
each followed by ``value_repr`` (200 characters) as a screen does. ``--profile`` also runs
the cold decodes under cProfile, to compare with profiled measurements (a profiler inflates
per-opcode Python work most).
"""

from __future__ import annotations

import argparse
import cProfile
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "hostile")]

from builder import bomb_pickles  # noqa: E402  (tests/hostile/builder.py)

from redun_tui.db import encode  # noqa: E402
from redun_tui.db import values as V  # noqa: E402


def samples() -> dict[str, bytes]:
    files = [encode.file_instance(f"out/sample{i}.vcf") for i in range(5000)]
    plain = [{"path": f"out/sample{i}.vcf", "n": i, "f": i / 3} for i in range(20_000)]
    found = {
        "5,000 Files (redun encode)": encode.dumps(files),
        "20,000 dicts, protocol 5": pickle.dumps(plain, protocol=5),
        "50,000 tuples, protocol 4": pickle.dumps(
            [(f"s{i}", i) for i in range(50_000)], protocol=4
        ),
        "20,000 dicts, protocol 2": pickle.dumps(plain, protocol=2),
    }
    for depth in (50_000, 200_000):
        deep_list = b"\x80\x03" + b"]" * depth + b"a" * (depth - 1) + b"."
        found[f"list nested {depth:,} deep"] = deep_list
        found[f"tuple nested {depth:,} deep"] = b"\x80\x03" + b"(" * depth + b"t" * depth + b"."
    for name, data in bomb_pickles().items():
        found[f"bomb {name}"] = data
    return found


def best(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"{'value':32} {'bytes':>9} {'scan ms':>8} {'cold ms':>8} {'warm ms':>8}")
    for name, data in samples().items():

        def cold(data: bytes = data) -> None:
            V.clear_decode_cache()
            V.value_repr(V.decode_value("builtins.list", V.MIME_TYPE_PICKLE, data))

        def warm(data: bytes = data) -> None:
            # A fresh bytes object, as each database read gives (its hash is not cached yet).
            fresh = bytes(bytearray(data))
            V.value_repr(V.decode_value("builtins.list", V.MIME_TYPE_PICKLE, fresh))

        scan = best(lambda: V._memo_bomb(data), args.runs)
        cold_time = best(cold, args.runs)
        warm()
        warm_time = best(warm, args.runs)
        times = f"{scan * 1e3:>8.1f} {cold_time * 1e3:>8.1f} {warm_time * 1e3:>8.1f}"
        line = f"{name:32} {len(data):>9,} {times}"
        if args.profile:
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.runcall(cold)
            line += f"  (cold under cProfile {(time.perf_counter() - started) * 1e3:.1f})"
        print(line)


if __name__ == "__main__":
    main()
