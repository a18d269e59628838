"""Workflows whose dataflow makes redun 0.44.1 crash (run by ../build_fixtures.sh).

Each root task is run as its own execution into ``tests/fixtures/crash_cases.db``.
What each one triggers in ``redun.backends.db.dataflow`` is documented in
``tests/golden/README.md`` ("Crash cases").
"""

from redun import File, task

redun_namespace = "crash"


def _write(path: str, text: str) -> File:
    """Write text to a File and return it (helper, not a task)."""
    out = File(path)
    out.write(text)
    return out


# --- (a) IndexError: an argument of a walked CallNode is also reached by routing ----------


@task()
def left_file(x: int) -> File:
    return _write(f"out/left{x}.txt", f"left {x}")


@task()
def right_file(x: int) -> File:
    return _write(f"out/right{x}.txt", f"right {x}")


@task()
def make_pair(x: int) -> list:
    return [left_file(x), right_file(x)]


@task()
def consume(whole: list, part: File) -> str:
    return f"{len(whole)} files, first {part.path}"


@task()
def index_main(x: int = 3) -> str:
    # The whole list and one element of it both flow into consume(): the element's
    # file is produced by left_file() *and* is a subvalue of make_pair()'s result.
    pair = make_pair(x)
    return consume(pair, pair[0])


# --- (b) KeyError: an argument both routed from the parent and derived from data ----------


@task()
def get_params(chunk: int) -> dict:
    return {"n": chunk, "label": "params"}


@task()
def work(i: int, n: int) -> int:
    return i * n + 1


@task()
def run_chunks(n: int) -> list:
    return [work(i, n=n) for i in range(3)]


@task()
def chunk_main(chunk: int = 50) -> list:
    # Every work() call gets n=50, which equals the root's chunk=50 and also comes out of
    # get_params()["n"], so the mid-level argument has a "routing" and a "data" edge.
    return run_chunks(get_params(chunk)["n"])


@task()
def make_a() -> File:
    return _write("out/a.txt", "a")


@task()
def make_b() -> File:
    return _write("out/b.txt", "b")


@task()
def read_text(f: File) -> str:
    return f.read()


@task()
def first_of(files: list) -> str:
    return read_text(files[0])


@task()
def files_main() -> str:
    # Same KeyError with Files: files[0] routes to the parent's list argument, which
    # derives from two different tasks.
    return first_of([make_a(), make_b()])


# --- (c) IndexError: variadic positional arguments ---------------------------------------


@task()
def add_all(first: int, *rest: int) -> int:
    return first + sum(rest)


@task()
def variadic_main(x: int = 4) -> int:
    return add_all(x, 5, 6)


# --- (d) One File produced by two different tasks (redun does not crash here) -------------


def _same_file() -> File:
    import os

    path = "out/same.txt"
    _write(path, "same content")
    # Fix the mtime so both tasks return a File with the same hash.
    os.utime(path, (1_700_000_000, 1_700_000_000))
    return File(path)


@task()
def same_a() -> File:
    return _same_file()


@task()
def same_b() -> File:
    return _same_file()


@task()
def count_files(files: list) -> int:
    return len(files)


@task()
def same_main() -> list:
    a = same_a()
    b = same_b()
    return [count_files([a, b]), read_text(a), read_text(b), a, b]
