"""A small fan-out workflow run nine times into ``tests/fixtures/diff_cases.db`` (by
``../build_diff_downstream.sh``) so that every reason a run differs from the previous one happens.

``main`` maps ``count_reads`` (positional arguments: a sample name and the File ``data/<s>.txt``)
and ``score`` (a positional count and the keyword ``threshold=``) over the samples, then merges
the scores with ``summarize(scores, title=...)`` (``sep`` left to its default). The build script
rewrites the body of ``score`` between runs (the ``SCALE`` line below) to change its task hash,
rewrites ``data/s2.txt`` to change a File's content at the same path, and sets ``DIFFEX_FAIL`` to
a sample name to make that sample's ``count_reads`` raise.
"""

import os

from redun import File, task

redun_namespace = "diffex"


@task()
def count_reads(sample: str, reads: File) -> int:
    if os.environ.get("DIFFEX_FAIL") == sample:
        raise ValueError(f"sample {sample}: reads file is truncated")
    return len(reads.read().split())


@task()
def score(count: int, threshold: int = 1) -> tuple:
    # A tuple of numbers, not a dict: pickle shares equal dict keys within one list, so a list of
    # freshly computed dicts and the same list read back from the cache would hash differently.
    scale = 1  # SCALE: the build script edits this line (code change)
    return (count, count * scale, count * scale >= threshold)


@task()
def summarize(scores: list, title: str, sep: str = "; ") -> File:
    out = File(f"out/{title}.txt")
    out.write(sep.join(f"{count}:{value}:{passed}" for count, value, passed in scores))
    return out


@task()
def main(samples: str = "s1,s2,s3", threshold: int = 3) -> File:
    scores = [
        score(count_reads(name, File(f"data/{name}.txt")), threshold=threshold)
        for name in samples.split(",")
    ]
    return summarize(scores, title="summary")
