"""Write the query goldens with real redun 0.44.1 (dev tool; see tests/golden/README.md).

Usage (from the repository root)::

    TZ=UTC /work/redun-venv/bin/python scripts/goldens/make_query.py

Outputs tests/golden/query/cases.json, log_cases.json and infer_id.json.
"""

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from goldens_common import DBS, FIXTURES, GOLDEN, dump_json, open_backend, write_text
from redun.backends.db import CallNode, Execution, Job, Task, Value
from redun.backends.db.query import (
    CallGraphQuery,
    find_file,
    infer_id,
    infer_specialty_id,
    parse_callgraph_query,
    setup_query_parser,
)
from redun.tags import ANY_VALUE

TYPE_ORDER = ["Execution", "Job", "CallNode", "Task", "Value"]
PK = {Execution: "id", Job: "id", CallNode: "call_hash", Task: "hash", Value: "value_hash"}


# ---------------------------------------------------------------------------------------------
# Replaying a case on redun


def decode_tags(pairs):
    """JSON tag list -> redun's (key, value) tuples; a one-element list means "any value"."""
    return [(p[0], ANY_VALUE) if len(p) == 1 else (p[0], p[1]) for p in pairs]


def build_query(session, ops):
    query = CallGraphQuery(session)
    for method, args, kwargs in ops:
        if method in ("filter_tags", "filter_execution_tags"):
            args = [decode_tags(args[0])]
        query = getattr(query, method)(*args, **kwargs)
    return query


def record_ref(record):
    """An ORM record (or a row holding one first) as [type_name, primary key]."""
    is_row = not isinstance(record, tuple(PK))
    entity = record[0] if is_row else record
    return [type(entity).__name__, getattr(entity, PK[type(entity)])], is_row


def error_of(exc):
    return {"type": type(exc).__name__, "message": str(exc)}


def run_terminal(session, ops, terminal, targs, tkwargs):
    """Run a case; returns (result, notes) where notes flags rows returned instead of records."""
    query = build_query(session, ops)
    notes = set()
    if terminal == "count":
        return [[t, n] for t, n in query.count()], notes
    if terminal == "select":
        out = []
        for row in query.select(*targs, **tkwargs):
            out.append(list(row) if isinstance(row, tuple) else row)
        return out, notes
    if terminal in ("first", "one_or_none", "one"):
        record = getattr(query, terminal)()
        if record is None:
            return None, notes
        ref, is_row = record_ref(record)
        if is_row:
            notes.add("row")
        return ref, notes
    records = list(getattr(query, terminal)(*targs, **tkwargs))
    out = []
    for record in records:
        ref, is_row = record_ref(record)
        if is_row:
            notes.add("row")
        out.append(ref)
    return out, notes


def all_refs(session, ops):
    return [record_ref(r)[0] for r in build_query(session, ops).all()]


# ---------------------------------------------------------------------------------------------
# Bug checks: compare redun's answer with the documented meaning of the query.

FILTER_METHODS = {
    "filter_types", "filter_ids", "like_id", "filter_execution_ids", "filter_execution_statuses",
    "filter_execution_tags", "filter_job_statuses", "filter_task_names", "filter_task_hashes",
    "filter_value_types", "filter_file_paths", "filter_tags", "filter_arguments",
    "filter_results",
}


def is_ordered(ops):
    """redun orders Executions and Jobs by (root) job start time, newest first, when asked."""
    return any(m == "order_by" or m == "filter_execution_statuses" for m, _, _ in ops)


def reference_all(session, ops):
    """The records every filter agrees on: the intersection of each filter applied alone.

    All of redun's filters are conjunctive, so this is what the combined query should return
    (as a set). Returns None when the case has fewer than two filters (nothing to compare).
    """
    filters = [op for op in ops if op[0] in FILTER_METHODS]
    if len(filters) < 2 or any(op[0] == "empty" for op in ops):
        return None
    sets = []
    for op in filters:
        sets.append({tuple(r) for r in all_refs(session, [op])})
    return set.intersection(*sets)


def check_case(session, case):
    """Fill case["redun_bug"] (and the corrected expectation) where redun contradicts its docs."""
    ops, terminal = case["ops"], case["terminal"]
    if "error" in case:
        if case["error"]["type"] in ("InvalidRequestError", "OperationalError"):
            case["redun_bug"] = (
                "SQLAlchemy/SQLite reject the query redun builds: a job-status filter outer-joins "
                "the Execution subquery to CallNode/Value on Job columns without joining Job"
            )
        if terminal == "one_or_none" and case["error"]["type"] == "ValueError":
            case["redun_bug"] = (
                "one_or_none() raises ValueError when several records match; the seed's "
                "documentation says it returns None"
            )
            case["expected_result"] = None
            case["all_result"] = all_refs(session, ops)
        return
    full = all_refs(session, ops)
    bugs = []
    ref_set = reference_all(session, ops)
    if ref_set is not None and {tuple(r) for r in full} != ref_set:
        # Sort like redun groups types, then by primary key (order within a type is unspecified).
        expected = sorted(ref_set, key=lambda r: (TYPE_ORDER.index(r[0]), r[1]))
        differing = {tuple(r) for r in full} ^ ref_set
        if any(m == "like_id" for m, _, _ in ops) and all(r[0] == "Task" for r in differing):
            bugs.append(
                "like_id() builds its Task subquery from the unfiltered query, so Tasks ignore "
                "the other filters (and, when like_id comes first, the execution filter joins "
                "Job as a cartesian product); expected_all is the intersection of the filters"
            )
        else:
            bugs.append("filters are not conjunctive; expected_all is their intersection")
        case["expected_all"] = [list(r) for r in expected]
        full_expected = case["expected_all"]
    else:
        full_expected = full

    if terminal in ("limit", "page", "first", "one_or_none"):
        case["all_result"] = full
    result = case["result"]
    if "row" in case.pop("_notes", set()):
        bugs.append(f"{terminal}() yields (record, start_time) rows for Executions ordered by time")
    if terminal == "limit":
        size = case["terminal_args"][0]
        want = full_expected[:size]
        if not _same_slice(result, want, full_expected, ops):
            bugs.append("limit() drops the filters, joins and order of the query")
            case["expected_size"] = len(want)
    if terminal == "page":
        page, size = case["terminal_args"]
        want = full_expected[page * size:(page + 1) * size]
        if not _same_slice(result, want, full_expected, ops):
            bugs.append("page() returns records outside the filtered, distinct, ordered result")
            case["expected_size"] = len(want)
    if bugs:
        case["redun_bug"] = "; ".join(bugs)
        if terminal in ("limit", "page") and _fully_ordered(ops):
            start = case["terminal_args"][0] * case["terminal_args"][1] if terminal == "page" else 0
            size = case["terminal_args"][-1]
            case["expected_result"] = full_expected[start:start + size]


def _fully_ordered(ops):
    """True when every record type the query can return has a defined order (Execution/Job)."""
    types = set(TYPE_ORDER)
    for method, args, _ in ops:
        if method == "filter_types":
            types &= set(args[0])
        elif method == "filter_execution_statuses":
            types &= {"Execution"}
        elif method in ("filter_job_statuses", "filter_arguments", "filter_results"):
            types &= {"Job"}
    return is_ordered(ops) and types <= {"Execution", "Job"}


def _same_slice(result, want, full, ops):
    """Does `result` match the slice `want` of `full` as far as redun's order is defined?"""
    if len(result) != len(want) or len({tuple(r) for r in result}) != len(result):
        return False
    full_set = {tuple(r) for r in full}
    if any(tuple(r) not in full_set for r in result):
        return False
    if is_ordered(ops):
        ordered = [r for r in result if r[0] in ("Execution", "Job")]
        return ordered == [r for r in want if r[0] in ("Execution", "Job")]
    return True


# ---------------------------------------------------------------------------------------------
# Building the case list from what each database holds.


class Ids:
    """Ids of one fixture database, read with sqlite3 (read-only)."""

    def __init__(self, db_name):
        path = FIXTURES / f"{db_name}.db"
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def col(self, sql, *params):
        return [row[0] for row in self.conn.execute(sql, params)]

    def rows(self, sql, *params):
        return list(self.conn.execute(sql, params))


def make_cases(db):
    ids = Ids(db)
    execs = ids.col(
        "select e.id from execution e join job j on j.id = e.job_id order by j.start_time"
    )
    jobs = ids.col("select id from job order by start_time")
    calls = ids.col("select call_hash from call_node order by call_hash")
    tasks = ids.col("select hash from task order by hash")
    task_names = ids.col("select distinct name from task order by name")
    task_full = ids.col("select distinct namespace || '.' || name from task where namespace != '' order by 1")
    values = ids.col("select value_hash from value order by value_hash")
    value_types = ids.col("select type from value group by type order by count(*) desc, type")
    files = ids.rows("select path, value_hash from file order by path, value_hash")
    arg_values = ids.col("select distinct value_hash from argument order by value_hash")
    result_values = ids.col(
        "select distinct value_hash from call_node where value_hash is not null order by value_hash"
    )
    sub_children = ids.col("select distinct value_hash from subvalue order by value_hash")
    tags = ids.rows(
        "select distinct key, value, is_current from tag where key != '' order by key, value"
    )
    exec_tags = ids.rows(
        "select distinct key, value from tag where entity_type = 'Execution' and is_current = 1"
        " order by key, value"
    )

    cases = []

    def add(ops, terminal="all", terminal_args=(), terminal_kwargs=None):
        cases.append(
            {
                "db": db,
                "ops": [list(op) for op in ops],
                "terminal": terminal,
                "terminal_args": list(terminal_args),
                "terminal_kwargs": terminal_kwargs or {},
            }
        )

    def op(method, *args, **kwargs):
        return [method, list(args), kwargs]

    import json

    # Whole graph.
    add([])
    add([], "count")
    add([op("order_by", "time")])
    add([op("order_by", "time")], "first")
    add([op("empty")])
    add([op("empty")], "count")
    add([op("filter_types", ["Execution"]), op("empty")], "first")

    # Types.
    for t in TYPE_ORDER:
        add([op("filter_types", [t])])
    add([op("filter_types", ["Job", "Value"])], "count")
    add([op("filter_types", [])], "count")
    add([op("filter_types", ["Execution", "Job"]), op("order_by", "time")])

    # Ids and prefixes.
    picks = [execs[0], jobs[len(jobs) // 2], calls[0], tasks[-1], values[1]]
    add([op("filter_ids", picks)])
    add([op("filter_ids", [execs[-1], "0" * 40])], "count")
    add([op("filter_ids", ["no-such-id"])])
    for full_id in [execs[-1], jobs[0], calls[-1], tasks[0], values[-1]]:
        for n in (1, 2, 8):
            add([op("like_id", full_id[:n])])
    add([op("like_id", task_names[0])])  # like_id also matches Task.name exactly
    add([op("like_id", "zzz")])
    add([op("like_id", "")], "count")

    # Executions.
    add([op("filter_execution_ids", [execs[0]])], "count")
    add([op("filter_execution_ids", [execs[0]])])
    add([op("filter_execution_ids", execs[:2]), op("filter_types", ["Value"])])
    add([op("filter_execution_ids", [execs[-1]]), op("filter_types", ["Job"]), op("order_by", "time")])
    add([op("filter_execution_ids", ["nope"])], "count")
    for statuses in (["DONE"], ["FAILED"], ["RUNNING"], ["DONE", "FAILED"], ["CACHED"]):
        add([op("filter_execution_statuses", statuses)])
    add([op("filter_execution_statuses", ["DONE"])], "count")

    # Jobs by status.
    for statuses in (["DONE"], ["CACHED"], ["FAILED"], ["RUNNING"], ["DONE", "CACHED"],
                     ["FAILED", "RUNNING"]):
        add([op("filter_job_statuses", statuses)])
    add([op("filter_job_statuses", ["FAILED"]), op("order_by", "time")])
    add([op("filter_job_statuses", ["DONE"])], "count")
    add([op("filter_job_statuses", ["BOGUS"])])
    add([op("filter_job_statuses", ["DONE"]), op("filter_types", ["Execution"]),
         op("order_by", "time")])
    add([op("filter_job_statuses", ["DONE"]), op("filter_types", ["Job", "Execution"])], "count")

    # Tasks.
    for name in task_names[:3]:
        add([op("filter_task_names", [name])])
    if task_full:
        add([op("filter_task_names", [task_full[0]])])
        add([op("filter_task_names", [task_full[-1], task_names[0]])], "count")
    add([op("filter_task_names", ["no_such_task"])])
    add([op("filter_task_hashes", [tasks[0]])])
    add([op("filter_task_hashes", tasks[:2])], "count")
    add([op("filter_task_hashes", [tasks[0][:8]])])

    # Values.
    for vt in value_types[:4] + ["redun.ErrorValue", "no.such.Type"]:
        add([op("filter_value_types", [vt])], "count")
    add([op("filter_value_types", value_types[:2])])
    paths = [p for p, _ in files]
    patterns = ["*", "no-such-file"]
    if paths:
        first = paths[0]
        stem, dot, ext = first.rpartition(".")
        patterns += [first, first.upper(), f"*.{ext}" if dot else f"{first}*", f"{first[:3]}*",
                     f"*{first[-3:]}", "*/*", "*_*", first.replace(first[1], "_", 1) if len(first) > 1 else first]
    for pattern in patterns:
        add([op("filter_file_paths", [pattern])])
    if len(paths) > 2:
        add([op("filter_file_paths", [paths[1], paths[-1]])], "count")
    add([op("filter_types", ["Value"]), op("filter_file_paths", ["*"])], "select", ["id"], {"flat": True})

    # Arguments and results.
    for h in arg_values[:2] + result_values[:2] + sub_children[:2]:
        add([op("filter_arguments", [h])])
        add([op("filter_results", [h])])
    add([op("filter_arguments", ["0" * 40])])
    add([op("filter_results", result_values[:3])], "count")

    # Tags.
    seen_keys = []
    for key, value, _current in tags:
        parsed = json.loads(value)
        add([op("filter_tags", [[key, parsed]])])
        if key not in seen_keys:
            seen_keys.append(key)
            add([op("filter_tags", [[key]])], "count")
    add([op("filter_tags", [["no-such-key"]])])
    if len(seen_keys) > 1:
        k0, k1 = seen_keys[0], seen_keys[1]
        add([op("filter_tags", [[k0], [k1]])])
    for key, value in exec_tags[:6]:
        add([op("filter_execution_tags", [[key, json.loads(value)]])], "count")
    if exec_tags:
        key, value = exec_tags[0]
        add([op("filter_execution_tags", [[key]]), op("filter_types", ["Job"])])
        add([op("filter_execution_tags", [[key, json.loads(value)]]), op("filter_types", ["Value"])])

    # Combinations.
    add([op("filter_execution_ids", [execs[-1]]), op("filter_task_names", [task_names[0]])])
    add([op("filter_execution_ids", [execs[0]]), op("filter_job_statuses", ["DONE", "CACHED"])],
        "count")
    add([op("filter_execution_ids", [execs[0]]), op("like_id", tasks[0][:2])])
    add([op("like_id", tasks[0][:1]), op("filter_execution_ids", [execs[0]])])
    add([op("filter_task_names", [task_names[-1]]), op("filter_job_statuses", ["DONE"])])
    add([op("filter_types", ["Job", "Task"]), op("filter_task_hashes", [tasks[-1]]),
         op("order_by", "time")])
    if paths:
        add([op("filter_execution_ids", [execs[-1]]), op("filter_file_paths", ["*"])])
    if tags:
        key, value, _ = tags[0]
        add([op("filter_tags", [[key]]), op("filter_types", ["Job"]),
             op("filter_execution_ids", execs[:1])])
    add([op("filter_value_types", ["redun.File"]), op("filter_execution_ids", [execs[0]])],
        "count")

    # Terminals.
    ordered_jobs = [op("filter_types", ["Job"]), op("order_by", "time")]
    add(ordered_jobs, "limit", [3])
    add(ordered_jobs, "limit", [0])
    add([op("filter_types", ["Execution"]), op("order_by", "time")], "limit", [2])
    add([op("filter_task_names", [task_names[0]])], "limit", [2])
    add([op("filter_execution_ids", [execs[0]]), op("filter_types", ["Job"])], "limit", [1000])
    add([op("filter_job_statuses", ["CACHED"])], "limit", [5])
    add([], "limit", [7])
    add(ordered_jobs, "page", [0, 5])
    add(ordered_jobs, "page", [1, 5])
    add(ordered_jobs, "page", [100, 5])
    add([op("filter_types", ["Execution"]), op("order_by", "time")], "page", [0, 2])
    add([op("filter_types", ["Execution", "Job"]), op("order_by", "time")], "page", [1, 3])
    add([op("filter_execution_ids", [execs[0]])], "page", [0, 4])
    add([op("filter_types", ["Job"]), op("order_by", "time")], "first")
    add([op("filter_types", ["Execution"]), op("order_by", "time")], "first")
    add([op("filter_ids", [jobs[0]])], "one_or_none")
    add([op("filter_ids", ["nope"])], "one_or_none")
    add([op("filter_types", ["Job"])], "one_or_none")
    add([op("filter_ids", [calls[0]])], "one")
    add([op("filter_types", ["Execution"]), op("order_by", "time")], "select", ["id"])
    add([op("filter_types", ["Execution"]), op("order_by", "time")], "select", ["id"], {"flat": True})
    add([op("filter_ids", picks)], "select", ["type", "id"])
    add([op("filter_ids", picks)], "select", ["bogus"])
    add([op("filter_types", ["Task"])], "select", ["type"], {"flat": True})
    return cases


def run_cases(cases):
    by_db = {}
    for case in cases:
        by_db.setdefault(case["db"], []).append(case)
    for db, db_cases in by_db.items():
        session = open_backend(db).session
        for case in db_cases:
            try:
                result, notes = run_terminal(
                    session, case["ops"], case["terminal"], case["terminal_args"],
                    case["terminal_kwargs"],
                )
                case["result"] = result
                case["_notes"] = notes
            except Exception as exc:  # noqa: BLE001 -- redun's error is the golden
                session.rollback()
                case["error"] = error_of(exc)
            try:
                check_case(session, case)
            except Exception as exc:  # noqa: BLE001
                session.rollback()
                case.pop("_notes", None)
                case["check_error"] = error_of(exc)
            case["ordered"] = is_ordered(case["ops"])
    return cases


# ---------------------------------------------------------------------------------------------
# `redun log` argv


def log_parser():
    """The flags of `redun log` (redun/cli.py builds it the same way)."""
    parser = argparse.ArgumentParser(prog="redun log", exit_on_error=False)
    parser.add_argument("--no-pager", action="store_true")
    setup_query_parser(parser)
    parser.add_argument("--count", action="store_true")
    parser.add_argument("--format", default="text", choices=["text", "json"])
    parser.add_argument("--detail", action="store_true", default=False)
    return parser


def run_log_case(session, argv):
    """Parse argv as `redun log` does and build the query the way its log command does."""
    out = {}
    try:
        args, extra = log_parser().parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit) as exc:
        return {"error": {"type": type(exc).__name__, "message": str(exc)}}
    try:
        parsed = parse_callgraph_query(CallGraphQuery(session), args)
        out["parsed_count"] = [[t, n] for t, n in parsed.count()]
        out["parsed_result"] = [record_ref(r)[0] for r in parsed.all()]

        query = parse_callgraph_query(CallGraphQuery(session).order_by("time"), args)
        has_type_filters = (
            args.all or args.exec or args.job or args.call_node or args.task or args.value
            or args.file or args.file_path
        )
        if extra:
            unknown = [a for a in extra if a != "-" and a.startswith("-")]
            if unknown:
                out["log_error"] = {"type": "RedunClientError", "message": f"Unknown filter: {unknown[0]}"}
                return out
            record = infer_specialty_id(session, extra[0])
            if record is not None:
                out["log_specialty"] = describe_infer(record)
                return out
            query = query.like_id(extra[0])
        elif not has_type_filters:
            query = query.filter_types({"Execution"})
        if args.count:
            out["log_count"] = [[t, n] for t, n in query.count()]
        else:
            out["log_result"] = [record_ref(r)[0] for r in query.all()]
    except Exception as exc:  # noqa: BLE001
        session.rollback()
        out["error"] = error_of(exc)
    return out


def make_log_cases():
    cases = []
    for db in DBS:
        ids = Ids(db)
        execs = ids.col("select e.id from execution e join job j on j.id = e.job_id order by j.start_time")
        task_names = ids.col("select distinct name from task order by name")
        values = ids.col("select value_hash from value order by value_hash")
        paths = ids.col("select distinct path from file order by path")
        tags = ids.rows("select distinct key, value from tag where key != '' and is_current = 1 order by key, value")
        argvs = [
            [],
            ["--all", "--count"],
            ["--exec"],
            ["--job"],
            ["--call-node"],
            ["--task"],
            ["--value"],
            ["--file"],
            ["--exec", "--job", "--count"],
            ["--exec-status", "DONE"],
            ["--exec-status", "FAILED,RUNNING"],
            ["--job-status", "CACHED"],
            ["--job-status", "FAILED"],
            ["--job-status", "DONE,RUNNING", "--count"],
            ["--task-name", task_names[0]],
            ["--task-name", task_names[0], "--task-name", task_names[-1], "--job"],
            ["--value-type", "redun.File"],
            ["--value-type", "builtins.int", "--value-type", "builtins.str", "--count"],
            ["--file-path", "*"],
            ["--exec-id", execs[0]],
            ["--exec-id", ",".join(e[:8] for e in execs[:2]), "--job"],
            ["--exec-id", execs[-1], "--value"],
            ["--result", values[0]],
            ["--arg", values[-1]],
            ["-t", "no-such-tag"],
            ["--exec-tag", "redun.version=0.44.1"],
            ["--exec-tag", "redun.version", "--job", "--count"],
            [execs[0][:6]],
            [execs[0][:1], "--count"],
            [task_names[0]],
            ["-"],
            ["~1"],
            ["--unknown-flag"],
            ["--exec-status"],
            ["--format", "xml"],
        ]
        if paths:
            argvs.append(["--file-path", f"*{paths[0][-4:]}"])
            argvs.append(["--file", "--file-path", paths[0]])
        for key, value in tags[:4]:
            argvs.append(["--tag", f"{key}={value}"])
            argvs.append(["-t", key, "--count"])
        for argv in argvs:
            cases.append({"db": db, "argv": argv})
    by_db = {}
    for case in cases:
        by_db.setdefault(case["db"], []).append(case)
    for db, db_cases in by_db.items():
        session = open_backend(db).session
        for case in db_cases:
            case.update(run_log_case(session, case["argv"]))
            if case.get("error", {}).get("type") == "InvalidRequestError" and "--job-status" in case["argv"]:
                # `redun log --job-status S` does not count --job-status as a type filter, so it
                # adds filter_types({"Execution"}) and SQLAlchemy rejects the Execution subquery
                # (outer-joined to CallNode/Value on Job columns without joining Job).
                case["redun_bug"] = (
                    "redun log --job-status crashes (InvalidRequestError); expected_* is what it "
                    "returns with --job added"
                )
                fixed = run_log_case(session, case["argv"] + ["--job"])
                for key in ("log_result", "log_count"):
                    if key in fixed:
                        case["expected_" + key] = fixed[key]
    return cases


# ---------------------------------------------------------------------------------------------
# infer_id / infer_specialty_id / find_file


def describe_infer(record):
    if record is None:
        return None
    if isinstance(record, tuple) and len(record) == 3:
        file, job, kind = record
        return ["File", file.value_hash, job.id, kind]
    return record_ref(record)[0]


def make_infer_cases():
    out = []
    created = {}
    cwd = Path(tempfile.mkdtemp(prefix="redun-infer-"))
    for db in DBS:
        ids = Ids(db)
        session = open_backend(db).session
        execs = ids.col("select e.id from execution e join job j on j.id = e.job_id order by j.start_time")
        jobs = ids.col("select id from job order by start_time")
        calls = ids.col("select call_hash from call_node order by call_hash")
        tasks = ids.col("select hash from task order by hash")
        values = ids.col("select value_hash from value order by value_hash")
        names = ids.col("select distinct name from task order by name")
        paths = ids.col("select distinct path from file order by path")

        prefixes = []
        for full in [execs[0], execs[-1], jobs[0], jobs[-1], calls[0], tasks[0], values[0], values[-1]]:
            prefixes += [full[:n] for n in range(1, 9)] + [full]
        prefixes += [c for c in "0123456789abcdef"]
        prefixes += ["zz", "-", "~1", "~2", f"~{len(execs)}", f"~{len(execs) + 1}", "~0", "~x",
                     names[0], names[-1], "", "0" * 40]
        prefixes = list(dict.fromkeys(prefixes))

        # Files: create some recorded paths under a scratch cwd so os.path.exists() is True.
        os.chdir(cwd)
        existing = set()
        for i, path in enumerate(paths):
            if i % 2 == 0 and not os.path.isabs(path):
                target = cwd / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("")
                existing.add(path)
        file_ids = paths + ["./" + paths[0] if paths else "./x", "no/such/file.txt",
                            str(cwd / paths[0]) if paths else "/abs/x", "s3://bucket/no-such-key"]
        for id in prefixes + file_ids:
            shown = id.replace(str(cwd), "<CWD>")
            entry = {"db": db, "id": shown, "path_exists": os.path.exists(id)}
            for fn_name, fn in [("infer_id", infer_id), ("infer_specialty_id", infer_specialty_id)]:
                try:
                    entry[fn_name] = describe_infer(fn(session, id))
                except Exception as exc:  # noqa: BLE001
                    session.rollback()
                    entry[fn_name] = {"error": error_of(exc)}
            try:
                entry["infer_id_required"] = describe_infer(infer_id(session, id, required=True))
            except Exception as exc:  # noqa: BLE001
                session.rollback()
                entry["infer_id_required"] = {"error": error_of(exc)}
            try:
                entry["infer_id_no_files"] = describe_infer(infer_id(session, id, include_files=False))
            except Exception as exc:  # noqa: BLE001
                session.rollback()
                entry["infer_id_no_files"] = {"error": error_of(exc)}
            try:
                entry["find_file"] = describe_infer(find_file(session, id))
            except Exception as exc:  # noqa: BLE001
                session.rollback()
                entry["find_file"] = {"error": error_of(exc)}
            out.append(entry)
        created[db] = sorted(existing)
        # Clean the scratch files of this db before the next one.
        for path in existing:
            (cwd / path).unlink()
    return {"created_files": created, "cases": out}


def main():
    folder = GOLDEN / "query"
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for db in DBS:
        cases += make_cases(db)
    cases = run_cases(cases)
    write_text(folder / "cases.json", dump_json(cases))
    n_bug = sum("redun_bug" in c for c in cases)
    n_err = sum("error" in c for c in cases)
    print(f"cases.json: {len(cases)} cases, {n_bug} flagged redun_bug, {n_err} errors")

    log_cases = make_log_cases()
    write_text(folder / "log_cases.json", dump_json(log_cases))
    print(f"log_cases.json: {len(log_cases)} cases")

    infer = make_infer_cases()
    write_text(folder / "infer_id.json", dump_json(infer))
    print(f"infer_id.json: {len(infer['cases'])} cases")


if __name__ == "__main__":
    main()
