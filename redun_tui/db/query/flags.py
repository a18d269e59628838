"""The argparse front end of a query: the record-query flags of ``redun log``."""

from __future__ import annotations

import argparse

from redun_tui.db.query.callgraph import CallGraphQuery
from redun_tui.db.query.terms import parse_tag_key_value


def setup_query_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Adds the record-query flags of ``redun log`` to ``parser`` and returns it."""
    add = parser.add_argument
    add("--all", action="store_true", help="Show every record type (Execution, Job, Task, CallNode, Value).")
    add("--exec", action="store_true", help="Show executions.")
    add("--job", action="store_true", help="Show jobs.")
    add("--call-node", action="store_true", help="Show call nodes.")
    add("--task", action="store_true", help="Show tasks.")
    add("--value", action="store_true", help="Show values.")
    add("--file", action="store_true", help="Show files.")
    add("--exec-status", help="Executions with these statuses (comma separated: RUNNING,FAILED,DONE).")
    add("--job-status", help="Jobs with these statuses (comma separated: RUNNING,FAILED,CACHED,DONE).")
    add("--task-name", action="append", help="Tasks and jobs of this task name (namespace.name or name).")
    add("--task-hash", action="append", help="Tasks and jobs of this task hash.")
    add("--value-type", action="append", help="Values of this type (e.g. redun.File).")
    add("--file-path", action="append", help="Files whose path matches (* is a wildcard).")
    add("--exec-id", help="Records of these executions (comma separated ids).")
    add("--result", action="append", help="Jobs whose result is (or contains) this value hash.")
    add("--arg", action="append", help="Jobs with an argument that is (or contains) this value hash.")
    add("-t", "--tag", action="append", help="Records with this tag (key=value, or key for any value).")
    add("--exec-tag", action="append", help="Records of executions with this tag (key=value or key).")
    return parser


def parse_callgraph_query(query: CallGraphQuery, args: argparse.Namespace) -> CallGraphQuery:
    """Applies the flags parsed by :func:`setup_query_parser` to ``query``.

    Raises:
        ValueError: a malformed tag or an unknown status.
    """
    types: set[str] = set()
    if args.exec_status:
        types.add("Execution")
        query = query.filter_execution_statuses(args.exec_status.split(","))
    if args.job_status:
        types.add("Job")
        query = query.filter_job_statuses(args.job_status.split(","))
    if args.value_type:
        types.add("Value")
        query = query.filter_value_types(args.value_type)
    if args.file_path:
        types.add("Value")
        query = query.filter_file_paths(args.file_path)

    if args.all:
        types.update(CallGraphQuery.MODEL_NAMES)
    for flag, name in (("exec", "Execution"), ("job", "Job"), ("call_node", "CallNode"), ("task", "Task"), ("value", "Value")):
        if getattr(args, flag):
            types.add(name)
    if args.file:
        # --file means "Values that are Files" and nothing else, whatever came before.
        types = {"Value"}
        query = query.filter_value_types(["redun.File"])
    if types:
        query = query.filter_types(types)

    if args.exec_id:
        query = query.filter_execution_ids(args.exec_id.split(","))
    if args.task_name:
        query = query.filter_task_names(args.task_name)
    if args.task_hash:
        query = query.filter_task_hashes(args.task_hash)
    if args.result:
        query = query.filter_results(args.result)
    if args.arg:
        query = query.filter_arguments(args.arg)
    if args.tag:
        query = query.filter_tags([parse_tag_key_value(tag, value_required=False) for tag in args.tag])
    if args.exec_tag:
        query = query.filter_execution_tags(
            [parse_tag_key_value(tag, value_required=False) for tag in args.exec_tag]
        )
    return query


# -- the query ---------------------------------------------------------------------------------
