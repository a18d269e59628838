"""Two pipelines that read one reference File, run into ``tests/fixtures/downstream.db`` (by
``../build_diff_downstream.sh``) for the downstream walk (what a value fed, transitively).

``align_main`` takes the reference as a File argument from the command line: ``index_ref(ref)``,
then ``align(reads, ref, index)`` per sample (a fan-out), ``merge_bams(bams)`` (a list of derived
Files), ``count_variants(merged)`` and ``report(counts)``: a chain ref -> bam -> merged.bam ->
counts -> report text. ``derive_main`` builds the reference File itself and passes it inside
containers: ``make_bundle({"ref": ref, ...}, [ref, extra])`` returns a dict holding derived Files
(one of them nested in a list), whose items feed ``gc_report``, ``kmer_table`` and ``final``.
"""

from redun import File, task

redun_namespace = "downex"


def _write(path: str, text: str) -> File:
    """Write text to a File and return it (helper, not a task)."""
    out = File(path)
    out.write(text)
    return out


# --- align_main: fan-out and merge, then a chain --------------------------------------------


@task()
def index_ref(ref: File) -> File:
    return _write("out/ref.idx", f"index of {ref.path}: {len(ref.read())} bytes\n")


@task()
def align(reads: File, ref: File, index: File) -> File:
    name = reads.path.split("/")[-1].replace(".fq", "")
    text = f"{name} aligned to {ref.read().strip()} ({index.read().strip()})\n{reads.read()}"
    return _write(f"out/{name}.bam", text)


@task()
def merge_bams(bams: list) -> File:
    return _write("out/merged.bam", "".join(bam.read() for bam in bams))


@task()
def count_variants(merged: File, min_depth: int = 2) -> dict:
    lines = merged.read().splitlines()
    return {"source": merged.path, "lines": len(lines), "min_depth": min_depth}


@task()
def report(counts: dict) -> str:
    return f"report: {counts['lines']} lines in {counts['source']}"


@task()
def align_main(ref: File, samples: str = "s1,s2,s3") -> str:
    index = index_ref(ref)
    bams = [align(File(f"data/{name}.fq"), ref, index) for name in samples.split(",")]
    return report(count_variants(merge_bams(bams)))


# --- derive_main: the reference inside containers; derived Files as subvalues ----------------


@task()
def make_bundle(inputs: dict, extras: list) -> dict:
    ref = inputs["ref"]
    text = ref.read() + "".join(extra.read() for extra in extras)
    return {
        "gc": _write("out/gc.txt", f"gc {sum(c in 'GC' for c in text)}\n"),
        "kmers": _write("out/kmers.txt", f"kmers of {inputs['label']}: {len(text)}\n"),
        "stats": {"files": [_write("out/stats.txt", f"{len(extras)} extras\n")], "label": inputs["label"]},
    }


@task()
def gc_report(gc: File) -> File:
    return _write("out/gc_report.txt", "GC report: " + gc.read())


@task()
def kmer_table(kmers: File, k: int = 3) -> File:
    return _write(f"out/kmers_k{k}.tsv", f"k={k}\t{kmers.read()}")


@task()
def final(parts: list) -> dict:
    gc, kmers, stats = parts
    return {"report": _write("out/final.txt", gc.read() + kmers.read()), "stats": stats}


@task()
def derive_main(ref_path: str = "data/ref.txt") -> dict:
    ref = File(ref_path)
    bundle = make_bundle({"ref": ref, "label": "v2"}, [ref, File("data/extra.txt")])
    return final([gc_report(bundle["gc"]), kmer_table(bundle["kmers"], k=4), bundle["stats"]])
