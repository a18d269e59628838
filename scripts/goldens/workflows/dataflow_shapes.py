"""Workflows covering the shapes redun's dataflow code handles (run by ../build_fixtures.sh).

Each root task below is run as its own execution into ``tests/fixtures/dataflow_shapes.db``;
``derive_main`` is run twice, the second time after ``data/in1.txt`` changed, so some call
nodes have a CACHED job and some values come from an older execution.
"""

from redun import File, script, task

redun_namespace = "shapes"


def _write(path: str, text: str) -> File:
    """Write text to a File and return it (helper, not a task)."""
    out = File(path)
    out.write(text)
    return out


# --- "derives from": a list argument built from several task results ---------------------


@task()
def load(src: File) -> File:
    return _write(src.path.replace("data/", "out/").replace(".txt", ".loaded"), src.read().upper())


@task()
def combine(files: list, sep: str = "\n") -> File:
    return _write("out/combined.txt", sep.join(f.read() for f in files))


@task()
def derive_main(prefix: str = "data/in") -> File:
    return combine([load(File(f"{prefix}{i}.txt")) for i in range(3)])


# --- routing: argument-to-argument and result-to-result through nested tasks -------------


@task()
def leaf(f: File, tag: str) -> File:
    return _write(f.path + f".{tag}", f.read() + tag)


@task()
def inner(f: File, tag: str) -> File:
    return leaf(f, tag)


@task()
def outer(f: File, tag: str = "x") -> File:
    return inner(f, tag)


@task()
def routing_main(path: str = "data/in0.txt") -> File:
    return outer(File(path))


# --- merges: one value fans out to two tasks whose results meet again (``_2`` names) -----


@task()
def prep(x: int) -> int:
    return x * 10


@task()
def left(x: int) -> int:
    return x + 1


@task()
def right(x: int) -> int:
    return x + 2


@task()
def join(a: int, b: int) -> list:
    return [a, b]


@task()
def merge_main(x: int = 7) -> list:
    v = prep(x)
    return join(left(v), right(v))


@task()
def merge_list_main(x: int = 8) -> int:
    v = prep(x)
    return total([left(v), right(v), v])


@task()
def total(values: list) -> int:
    return sum(values)


# --- argument names: unparsable sources (arg0...), kwargs, defaults, variadic keywords ----


mul = task(name="mul")(lambda x, y: x * y)


@task(cache=False)
async def async_double(x: int) -> int:
    return 2 * x


@task()
def kw(a: int, b: int = 2, **extra: int) -> int:
    return a + b + sum(extra.values())


@task()
def names_main(x: int = 3) -> list:
    return [mul(x, 11), async_double(x), kw(x, b=4, c=5, d=6), kw(a=x)]


# --- nout, a value passed straight through, subvalues of dict/tuple results ---------------


@task(nout=2)
def split_two(x: int) -> tuple:
    return (x - 1, x + 1)


@task()
def identity(value):
    return value


@task()
def pair_files(name: str) -> dict:
    return {"main": _write(f"out/{name}.main", name), "log": _write(f"out/{name}.log", "log")}


@task()
def read_file(f: File) -> str:
    return f.read()


@task()
def shapes_main(x: int = 20) -> list:
    lo, hi = split_two(x)
    files = pair_files("sample")
    same = identity(files["main"])
    return [lo, hi, identity(hi), read_file(same), read_file(files["log"]), files]


# --- internal redun tasks (script) are skipped in dataflows --------------------------------


@task()
def script_main(msg: str = "hello") -> File:
    return script(
        f"echo {msg} > out/script.txt",
        outputs=File("out/script.txt"),
    )


# --- no arguments at all, and a task value passed as an argument ---------------------------


@task()
def constant() -> int:
    return 42


@task()
def apply(fn, x: int) -> int:
    return fn(x)


@task()
def misc_main() -> list:
    c = constant()
    return [c, apply(left, c), identity(c)]
