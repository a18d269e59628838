"""Generate deterministic redun-schema databases for benchmarks: sizes S, M and L.

    python benchmarks/make_db.py S /tmp/bench_S.db      # 1,000 executions / ~20,000 jobs
    python benchmarks/make_db.py M /tmp/bench_M.db      # 10,000 / ~200,000, one execution of 20,000 jobs
    python benchmarks/make_db.py L /tmp/bench_L.db      # 50,000 / ~1,000,000, one execution of 100,000 jobs
    python benchmarks/make_db.py L /tmp/bench_Lt.db --twin   # the same plus a re-run of the big one
    python benchmarks/make_db.py L /tmp/bench_L.db --add-wide   # add a File read by 2,000 calls to it

``--twin`` adds a second big execution right after the big one (for ``redun-tui diff``): the same
samples in the same order, with 2% replaced by other samples and 1% dropped, so most jobs are
CACHED and the rest changed, added or removed. It draws from its own random generator, so every
other execution is the same as without it.

Shape (fixed seed): each execution runs ``main(fastqs)`` -> per sample ``process_sample`` ->
``align`` -> ``call_variants`` -> ``qc``, over samples drawn from a shared pool, so re-runs of a
sample reuse call nodes (CACHED jobs); a few samples are bad and fail in ``call_variants``
(FAILED jobs and executions); the newest execution is still RUNNING. File arguments and results,
lists of files with subvalues, tags on executions and jobs. Two special executions hold a value with
600 upstream call nodes (``deep``: a chain of steps) and a result gathered from 2,000 inputs
(``fanout``). The schema comes from the project's migrations, the first execution is written
through the recording API, the rest with bulk inserts; the file passes ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from redun_tui.db import encode
from redun_tui.db.backend import ExecutionSpec, JobSpec, RedunBackendDb, TaskSpec
from redun_tui.db.models import TagEntity

SEED = 20261127
SIZES = {
    # executions, samples per execution (two values alternate), size of the big execution (samples)
    "S": (1_000, (4, 5), 250),
    "M": (10_000, (4, 5), 5_000),
    "L": (50_000, (4, 5), 25_000),
}
POOL = 4_000  # distinct samples; re-runs of the same sample are cache hits
BAD_EVERY = 37  # sample ids divisible by this fail in call_variants
DEEP_STEPS = 600
FANOUT = 2_000
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
PICKLE = "application/python-pickle"

TASK_SOURCES = {
    "main": "def main(fastqs: List[File], ref: File) -> List[File]:\n    return [process_sample(f, ref) for f in fastqs]\n",
    "process_sample": "def process_sample(fastq: File, ref: File) -> File:\n    return qc(call_variants(align(fastq, ref), ref))\n",
    "align": "def align(fastq: File, ref: File) -> File:\n    ...\n",
    "call_variants": "def call_variants(bam: File, ref: File) -> File:\n    ...\n",
    "qc": "def qc(vcf: File) -> File:\n    ...\n",
    "main_deep": "def main_deep(n: int) -> File:\n    ...\n",
    "step": "def step(x: File) -> File:\n    ...\n",
    "main_fanout": "def main_fanout(n: int) -> File:\n    ...\n",
    "make_part": "def make_part(i: int) -> File:\n    ...\n",
    "gather": "def gather(parts: List[File]) -> File:\n    ...\n",
}


def sha(*parts: object) -> str:
    """Deterministic content address."""
    return hashlib.sha1("\0".join(map(str, parts)).encode()).hexdigest()


TASKS = {name: TaskSpec(name=name, namespace="bench", source=src, hash=sha("task", name)) for name, src in TASK_SOURCES.items()}


def ts(seconds: float) -> str:
    """A timestamp as SQLite stores redun's: naive UTC text."""
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Rows:
    """Rows waiting for a bulk insert, per table."""

    tables: dict[str, list[tuple]] = field(default_factory=dict)
    count: int = 0

    def add(self, table: str, row: tuple) -> None:
        self.tables.setdefault(table, []).append(row)
        self.count += 1


COLUMNS = {
    "value": "value_hash, type, format, value",
    "file": "value_hash, path",
    "subvalue": "value_hash, parent_value_hash",
    "call_node": "call_hash, task_name, task_hash, args_hash, value_hash, timestamp",
    "argument": "arg_hash, call_hash, value_hash, arg_position, arg_key",
    "argument_result": "arg_hash, result_call_hash",
    "call_edge": "parent_id, child_id, call_order",
    "call_subtree_task": "call_hash, task_hash",
    "execution": "id, args, job_id, updated_time",
    "job": "id, start_time, end_time, task_hash, cached, call_hash, parent_id, execution_id",
    "tag": "tag_hash, entity_type, entity_id, key, value, is_current",
}


class Generator:
    """Builds the rows of one database deterministically."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rng = random.Random(SEED)
        self.rows = Rows()
        self.seen_calls: set[str] = set()
        self.seen_values: set[str] = set()
        self.clock = 0.0

    # -- values --------------------------------------------------------------------------------
    def file_value(self, path: str) -> str:
        value_hash = sha("file", path)
        if value_hash not in self.seen_values:
            self.seen_values.add(value_hash)
            data = encode.dumps(encode.file_instance(path, sha("content", path)))
            self.rows.add("value", (value_hash, "redun.File", PICKLE, data))
            self.rows.add("file", (value_hash, path))
        return value_hash

    def list_value(self, items: list[str], paths: list[str]) -> str:
        value_hash = sha("list", *items)
        if value_hash not in self.seen_values:
            self.seen_values.add(value_hash)
            data = encode.dumps([encode.file_instance(p, sha("content", p)) for p in paths])
            self.rows.add("value", (value_hash, "builtins.list", PICKLE, data))
            for item in set(items):
                self.rows.add("subvalue", (item, value_hash))
        return value_hash

    def int_value(self, number: int) -> str:
        value_hash = sha("int", number)
        if value_hash not in self.seen_values:
            self.seen_values.add(value_hash)
            self.rows.add("value", (value_hash, "builtins.int", PICKLE, encode.dumps(number)))
        return value_hash

    def error_value(self, sample: int) -> str:
        value_hash = sha("error", sample)
        if value_hash not in self.seen_values:
            self.seen_values.add(value_hash)
            err = encode.error_instance(
                "builtins.ValueError",
                f"low coverage in sample{sample}",
                [("workflow.py", 42, "call_variants", "raise ValueError(msg)")],
            )
            self.rows.add("value", (value_hash, "redun.ErrorValue", PICKLE, encode.dumps(err)))
        return value_hash

    # -- calls and jobs ----------------------------------------------------------------------------
    def call(self, task: str, args: list[tuple[int | None, str | None, str, str | None]], result: str, children: list[str]) -> tuple[str, bool]:
        """Records a call node (once); returns (call_hash, was_seen_before).

        ``args`` are (position, key, value_hash, upstream_call_hash) tuples.
        """
        args_hash = sha("args", *[a[2] for a in args])
        call_hash = sha("call", task, args_hash, result, *children)
        if call_hash in self.seen_calls:
            return call_hash, True
        self.seen_calls.add(call_hash)
        spec = TASKS[task]
        self.rows.add("call_node", (call_hash, spec.fullname, spec.hash, args_hash, result, ts(self.clock)))
        for position, key, value_hash, upstream in args:
            arg_hash = sha("arg", call_hash, position, key)
            self.rows.add("argument", (arg_hash, call_hash, value_hash, position, key))
            if upstream:
                self.rows.add("argument_result", (arg_hash, upstream))
        for order, child in enumerate(children):
            self.rows.add("call_edge", (call_hash, child, order))
        self.rows.add("call_subtree_task", (call_hash, spec.hash))
        return call_hash, False

    def tag(self, entity_type: str, entity_id: str, key: str, value: object) -> None:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        self.rows.add("tag", (sha("tag", entity_id, key, text), entity_type, entity_id, key, text, 1))

    # -- executions ------------------------------------------------------------------------------
    def sample_run(self, index: int, samples: list[int], running: bool = False) -> None:
        """One execution of main over ``samples``; job ids are assigned in start order."""
        exec_id = sha("exec", index)
        start = self.clock
        ref = self.file_value("ref/genome.fa")
        fastqs = [self.file_value(f"data/sample{s}.fastq") for s in samples]
        fastq_list = self.list_value(fastqs, [f"data/sample{s}.fastq" for s in samples])
        main_job = sha("job", exec_id, "root")
        job_rows: list[tuple] = []
        results, child_calls, failed = [], [], False
        t = start + 0.01
        last = len(samples) - 1
        for i, sample in enumerate(samples):
            stop_here = running and i == last
            bad = sample % BAD_EVERY == 0
            fq = fastqs[i]
            bam = self.file_value(f"out/sample{sample}.bam")
            align, seen_a = self.call("align", [(0, None, fq, None), (1, None, ref, None)], bam, [])
            if bad:
                vcf = self.error_value(sample)
                cv, seen_c = self.call("call_variants", [(0, None, bam, align), (1, None, ref, None)], vcf, [])
                seen_c = False  # errors are never cached
                qc = None
                out = vcf
            else:
                vcf = self.file_value(f"out/sample{sample}.vcf")
                cv, seen_c = self.call("call_variants", [(0, None, bam, align), (1, None, ref, None)], vcf, [])
                out = self.file_value(f"out/sample{sample}.qc.vcf")
                qc, seen_q = self.call("qc", [(0, None, vcf, cv)], out, [])
            children = [align, cv] + ([qc] if qc else [])
            proc, seen_p = self.call("process_sample", [(0, None, fq, None), (1, None, ref, None)], out, children)
            ps_job = sha("job", exec_id, "ps", i)
            dur = 0.5 if seen_p else 3.0
            job_rows.append((ps_job, "process_sample", None if stop_here else proc, main_job, seen_p and not bad, t, None if stop_here else t + dur))
            job_rows.append((sha("job", exec_id, "al", i), "align", align, ps_job, seen_a, t + 0.01, t + 0.01 + dur / 3))
            job_rows.append((sha("job", exec_id, "cv", i), "call_variants", None if stop_here else cv, ps_job, seen_c and not bad, t + dur / 3, None if stop_here else t + 2 * dur / 3))
            if qc:
                job_rows.append((sha("job", exec_id, "qc", i), "qc", None if stop_here else qc, ps_job, seen_q, t + 2 * dur / 3, None if stop_here else t + dur))
            t += 0.02
            failed = failed or bad
            results.append(out)
            child_calls.append(proc)
        if failed:
            main_result = self.error_value(-index)
        else:
            main_result = self.list_value(results, [f"out/sample{s}.qc.vcf" for s in samples])
        main_call, seen_m = self.call("main", [(0, None, fastq_list, None), (1, None, ref, None)], main_result, child_calls)
        end = t + 3.0
        job_rows.insert(0, (main_job, "main", None if running else main_call, None, seen_m and not failed, start, None if running else end))
        for job_id, task, call_hash, parent, cached, st, en in job_rows:
            self.rows.add("job", (job_id, ts(st), ts(en) if en is not None else None, TASKS[task].hash, int(cached), call_hash, parent, exec_id))
        args = ["redun", "run", "workflow.py", "main", "--fastqs", *[f"data/sample{s}.fastq" for s in samples[:8]]]
        self.rows.add("execution", (exec_id, json.dumps(args), main_job, ts(end)))
        self.tag("Execution", exec_id, "env", "prod" if index % 3 else "dev")
        self.tag("Execution", exec_id, "user", f"user{index % 7}")
        if index % 10 == 0:
            self.tag("Job", main_job, "priority", index % 5)
        self.clock = end + 60.0

    def deep_run(self, index: int) -> None:
        """A chain of DEEP_STEPS steps: the final File has DEEP_STEPS upstream call nodes."""
        exec_id = sha("exec", index)
        start = self.clock
        n = self.int_value(DEEP_STEPS)
        previous_value, previous_call = self.file_value("deep/seed.txt"), None
        calls, job_rows = [], []
        main_job = sha("job", exec_id, "root")
        for i in range(DEEP_STEPS):
            out = self.file_value(f"deep/step{i}.txt")
            call, _ = self.call("step", [(0, None, previous_value, previous_call)], out, [])
            job_rows.append((sha("job", exec_id, "step", i), "step", call, main_job, False, start + i * 0.01, start + i * 0.01 + 0.005))
            calls.append(call)
            previous_value, previous_call = out, call
        main_call, _ = self.call("main_deep", [(0, None, n, None)], previous_value, calls)
        end = start + DEEP_STEPS * 0.01 + 1
        job_rows.insert(0, (main_job, "main_deep", main_call, None, False, start, end))
        for job_id, task, call_hash, parent, cached, st, en in job_rows:
            self.rows.add("job", (job_id, ts(st), ts(en), TASKS[task].hash, int(cached), call_hash, parent, exec_id))
        self.rows.add("execution", (exec_id, json.dumps(["redun", "run", "workflow.py", "main_deep"]), main_job, ts(end)))
        self.tag("Execution", exec_id, "benchmark", "deep")
        self.clock = end + 60.0

    def fanout_run(self, index: int) -> None:
        """make_part x FANOUT, then gather(parts): a result derived from FANOUT inputs."""
        exec_id = sha("exec", index)
        start = self.clock
        main_job = sha("job", exec_id, "root")
        parts, part_paths, calls, job_rows = [], [], [], []
        for i in range(FANOUT):
            path = f"fan/part{i}.txt"
            out = self.file_value(path)
            call, _ = self.call("make_part", [(0, None, self.int_value(i), None)], out, [])
            parts.append(out)
            part_paths.append(path)
            calls.append(call)
            job_rows.append((sha("job", exec_id, "part", i), "make_part", call, main_job, False, start + i * 0.001, start + i * 0.001 + 0.5))
        parts_list = self.list_value(parts, part_paths)
        result = self.file_value("fan/gathered.txt")
        gather, _ = self.call("gather", [(0, None, parts_list, None)], result, [])
        # argument_result rows: the gathered list came from every make_part call.
        arg_hash = sha("arg", gather, 0, None)
        for call in calls:
            self.rows.add("argument_result", (arg_hash, call))
        calls.append(gather)
        end = start + FANOUT * 0.001 + 2
        job_rows.append((sha("job", exec_id, "gather"), "gather", gather, main_job, False, end - 1, end - 0.5))
        main_call, _ = self.call("main_fanout", [(0, None, self.int_value(FANOUT), None)], result, calls)
        job_rows.insert(0, (main_job, "main_fanout", main_call, None, False, start, end))
        for job_id, task, call_hash, parent, cached, st, en in job_rows:
            self.rows.add("job", (job_id, ts(st), ts(en), TASKS[task].hash, int(cached), call_hash, parent, exec_id))
        self.rows.add("execution", (exec_id, json.dumps(["redun", "run", "workflow.py", "main_fanout"]), main_job, ts(end)))
        self.tag("Execution", exec_id, "benchmark", "fanout")
        self.clock = end + 60.0

    def flush(self) -> None:
        for table, rows in self.rows.tables.items():
            marks = ", ".join("?" * len(COLUMNS[table].split(",")))
            self.conn.executemany(f"INSERT OR IGNORE INTO {table} ({COLUMNS[table]}) VALUES ({marks})", rows)
        self.rows = Rows()


def seed_with_recording_api(path: str) -> None:
    """The first execution goes through RedunBackendDb's recording API (and creates the schema)."""
    backend = RedunBackendDb(path, read_only=False)
    backend.migrate()
    backend.load()
    now = EPOCH - timedelta(hours=1)
    execution = ExecutionSpec(id=sha("exec", "seed"))
    backend.record_execution(execution.id, ["redun", "run", "workflow.py", "align", "--fastq", "data/seed.fastq"])
    task = TASKS["align"]
    job = JobSpec(id=sha("job", "seed"), task=task, execution=execution)
    backend.record_job_start(job, now=now)
    fastq = backend.record_value(encode.file_instance("data/seed.fastq"))
    ref = backend.record_value(encode.file_instance("ref/genome.fa", sha("content", "ref/genome.fa")))
    bam = backend.record_value(encode.file_instance("out/seed.bam"))
    job.call_hash = backend.record_call_node(task.fullname, task.hash, sha("args", fastq, ref), ((), {}), ((fastq, ref), {}), bam, [])
    backend.record_job_end(job, now=now + timedelta(seconds=2))
    backend.record_tags(TagEntity.Execution, execution.id, [("env", "seed")])
    backend.close()


TWIN_REPLACED = 0.02  # samples of the big execution replaced in its twin
TWIN_DROPPED = 0.01  # and dropped


def twin_samples(samples: list[int]) -> list[int]:
    """The big execution's samples as its re-run uses them (own generator: see --twin)."""
    rng = random.Random(SEED + 1)
    found = []
    for sample in samples:
        draw = rng.random()
        if draw < TWIN_DROPPED:
            continue
        found.append(rng.randrange(POOL) if draw < TWIN_DROPPED + TWIN_REPLACED else sample)
    return found


def build(size: str, path: str, twin: bool = False) -> dict:
    """Builds the database at ``path`` (replacing it) and returns figures."""
    executions, per_exec, big = SIZES[size]
    if os.path.exists(path):
        os.remove(path)
    started = time.perf_counter()
    seed_with_recording_api(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    gen = Generator(conn)
    for spec in TASKS.values():
        conn.execute("INSERT OR IGNORE INTO task (hash, name, namespace, source) VALUES (?, ?, ?, ?)", (spec.hash, spec.name, spec.namespace, spec.source))
        conn.execute("INSERT OR IGNORE INTO value (value_hash, type, format, value) VALUES (?, ?, ?, ?)", (spec.hash, "redun.Task", PICKLE, encode.task_pickle(spec.fullname, spec.hash)))
    rng = gen.rng
    special = {executions // 3: "big", executions // 2: "deep", (2 * executions) // 3: "fanout"}
    for index in range(executions):
        kind = special.get(index)
        if kind == "deep":
            gen.deep_run(index)
        elif kind == "fanout":
            gen.fanout_run(index)
        else:
            count = big if kind == "big" else per_exec[index % 2]
            samples = [rng.randrange(POOL) for _ in range(count)]
            gen.sample_run(index, samples, running=index == executions - 1)
            if twin and kind == "big":
                gen.sample_run(executions, twin_samples(samples))  # an index the loop never uses
        if gen.rows.count > 200_000:
            gen.flush()
    gen.flush()
    # No ANALYZE: databases written by redun have no planner statistics, and neither should ours.
    conn.commit()
    built = time.perf_counter() - started
    check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("execution", "job", "call_node", "value")}
    conn.close()
    return {"size": size, "path": path, "seconds": round(built, 1), "integrity": check, **counts, "bytes": os.path.getsize(path)}


WIDE_CALLS = 2_000  # calls reading the file that --add-wide adds (issue 14's first-screen case)


def add_wide(path: str, calls: int = WIDE_CALLS) -> dict:
    """Adds to a built database a File read by ``calls`` calls: ``wide/panel.bed``.

    Each call is ``align(fastq, panel)`` on its own sample file with its own result, the root job
    of its own execution (tag ``benchmark: wide``), so the downstream screen of the panel lists
    ``calls`` calls, as many derived values and executions. Deterministic; the rest of the
    database is unchanged.
    """
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    gen = Generator(conn)
    gen.clock = conn.execute("SELECT CAST(strftime('%s', max(start_time)) AS REAL) - ? FROM job",
                             (EPOCH.timestamp(),)).fetchone()[0] + 3600.0
    panel = gen.file_value("wide/panel.bed")
    for i in range(calls):
        exec_id = sha("exec", "wide", i)
        fastq = gen.file_value(f"wide/sample{i}.fastq")
        bam = gen.file_value(f"wide/sample{i}.bam")
        call, _ = gen.call("align", [(0, None, fastq, None), (1, None, panel, None)], bam, [])
        job_id, start = sha("job", exec_id, "root"), gen.clock
        gen.rows.add("job", (job_id, ts(start), ts(start + 2.0), TASKS["align"].hash, 0, call, None, exec_id))
        gen.rows.add("execution", (exec_id, json.dumps(["redun", "run", "workflow.py", "align"]), job_id, ts(start + 2.0)))
        gen.tag("Execution", exec_id, "benchmark", "wide")
        gen.clock += 60.0
    gen.flush()
    conn.commit()
    check = conn.execute("PRAGMA quick_check").fetchone()[0]
    conn.close()
    return {"path": path, "wide_calls": calls, "integrity": check}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("path")
    parser.add_argument("--twin", action="store_true", help="add a re-run of the big execution (diff benchmarks)")
    parser.add_argument("--add-wide", action="store_true",
                        help=f"only add a File read by {WIDE_CALLS:,} calls to the existing database at PATH")
    args = parser.parse_args(argv)
    if args.add_wide:
        figures = add_wide(args.path)
        print(json.dumps(figures))
        sys.exit(0 if figures["integrity"] == "ok" else 1)
    figures = build(args.size, args.path, args.twin)
    print(json.dumps(figures))
    if figures["integrity"] != "ok":
        sys.exit(1)


if __name__ == "__main__":
    main()
