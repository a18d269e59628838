"""Re-run command lines: what to paste into a shell to run a recorded execution or job again.

An execution's command is exactly what redun recorded (``execution.args``). A job's command is
built from its recorded arguments as ``redun run [the execution's options] SCRIPT TASK --name
value …`` when redun's own command line can express every argument, else a one-line reason why
not. No Textual here: :mod:`redun_tui.report` (``show``, ``M``) and the app's ``R`` use it alike.

redun parses a task option by the parameter's annotation (``redun.cli.add_value_arg_parser``):
no annotation means text, ``int``/``float`` call the type, ``bool`` takes ``true``/``false``,
``File`` takes a path. So a value has a command-line form only when its parameter's annotation
turns the text back into the same value; the source of the task (recorded with it) says which
annotation each parameter has. Values come from the store's bounded preview (their repr), parsed
with :func:`ast.literal_eval`, never by executing anything.
"""

from __future__ import annotations

import ast
import shlex
from dataclasses import dataclass
from typing import Any

from redun_tui.views import ArgumentView, ExecutionDetail, JobDetail, ValueDetail

# Annotation text (as written in the task's source) -> the value type it parses into.
_ANNOTATIONS = {
    "str": "builtins.str",
    "int": "builtins.int",
    "float": "builtins.float",
    "bool": "builtins.bool",
    "File": "redun.File",
    "redun.File": "redun.File",
    "redun.file.File": "redun.File",
}
# Value types a command line can carry, and what an unannotated parameter parses into.
CLI_TYPES = ("builtins.str", "builtins.int", "builtins.float", "builtins.bool", "redun.File")
UNANNOTATED = "builtins.str"
# A command line longer than this is not a command anyone pastes (and argv has limits too).
MAX_COMMAND = 100_000


@dataclass(frozen=True)
class Rerun:
    """A re-run command line, or the reason there is none (exactly one of them is set)."""

    command: str | None = None
    reason: str | None = None

    @property
    def text(self) -> str:
        """The command, or ``cannot re-run: reason``."""
        return self.command if self.command is not None else f"cannot re-run: {self.reason}"


def execution_command(detail: ExecutionDetail) -> Rerun:
    """The command line redun recorded for an execution, shell-quoted."""
    if not detail.args_list:
        return Rerun(reason="no command line was recorded for this execution")
    return Rerun(command=shlex.join(detail.args_list))


def script_prefix(args_list: tuple[str, ...]) -> tuple[str, ...] | None:
    """The recorded command up to and including the workflow script (``redun … run … wf.py``).

    None when the command is not ``redun … run … SCRIPT.py`` (a module run, ``redun launch``…).
    """
    if "run" not in args_list:
        return None
    start = args_list.index("run") + 1
    for index in range(start, len(args_list)):
        word = args_list[index]
        if word.endswith(".py") and not word.startswith("-"):
            return args_list[: index + 1]
    return None


def parameters(source: str) -> dict[str, str | None] | None:
    """The task's parameters that redun's command line accepts: name -> annotation text.

    Ordinary and keyword-only parameters (redun adds an option for each); None when the source
    is not one function definition.
    """
    try:
        tree = ast.parse(source.strip() + "\n")
    except (SyntaxError, ValueError):
        return None
    functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not functions:
        return None
    args = functions[0].args
    return {
        arg.arg: (ast.unparse(arg.annotation) if arg.annotation is not None else None)
        for arg in (*args.args, *args.kwonlyargs)
    }


def cli_name(name: str) -> str:
    """redun's option for a parameter (``redun.cli.arg_name2cli_name``): ``--kebab-case``."""
    return "--" + name.lower().replace("_", "-")


def cli_text(type_name: str, value: Any) -> str:
    """The option text redun parses back into ``value`` for a parameter of ``type_name``."""
    if type_name == "builtins.bool":
        return "true" if value else "false"
    if type_name == "builtins.float":
        return repr(value)  # repr round-trips exactly; float('nan'), float('inf') parse too
    return str(value)


def parse_value(detail: ValueDetail) -> tuple[bool, Any]:
    """``(True, value)`` for a str/int/float/bool/File value read from its preview, else ``(False, why)``."""
    type_name = detail.ref.type
    if type_name == "redun.File":
        if detail.file_path is None:
            return False, "its File path is not recorded"
        return True, detail.file_path
    if detail.preview_truncated:
        return False, f"it is too large to put on a command line ({detail.size:,} bytes)"
    text = detail.preview_text
    if type_name == "builtins.float" and text in ("nan", "inf", "-inf"):
        return True, float(text)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False, "its recorded form does not read back as a plain value"
    expected = {"builtins.str": str, "builtins.int": int, "builtins.float": float, "builtins.bool": bool}[type_name]
    if type(value) is not expected:
        return False, "its recorded form does not read back as a plain value"
    return True, value


def _unsafe_for_shell(text: str) -> bool:
    """Text a pasted command must not carry: control characters (a terminal would act on them)."""
    return any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in text)


def job_command(detail: JobDetail, execution: ExecutionDetail, values: dict[str, ValueDetail]) -> Rerun:
    """``redun run … SCRIPT TASK --name value …`` for a job, or why there is none.

    Args:
        detail: the job.
        execution: its execution (the recorded command gives the script and redun's options).
        values: the ValueDetail of each argument's value hash (see :func:`argument_hashes`).
    """
    prefix = script_prefix(execution.args_list)
    if prefix is None:
        return Rerun(reason="the execution's command line names no workflow script (.py)")
    if not detail.task.fullname:
        return Rerun(reason="the job's task is not recorded")
    if not detail.call_hash:
        return Rerun(reason="the job's call (its arguments) is not recorded")
    params = parameters(detail.source)
    if params is None:
        return Rerun(reason="the task's source is not a function definition, so its parameters are unknown")
    words = [*prefix, detail.task.fullname]
    for argument in detail.arguments:
        problem = _argument_words(argument, params, values, words)
        if problem:
            return Rerun(reason=f"argument {argument.name!r}: {problem}")
    command = shlex.join(words)
    if len(command) > MAX_COMMAND:
        return Rerun(reason=f"the command line would be {len(command):,} characters long")
    return Rerun(command=command)


def _argument_words(argument: ArgumentView, params: dict[str, str | None], values: dict[str, ValueDetail],
                    words: list[str]) -> str | None:
    """Appends ``--name text`` for one argument; returns why it cannot be done instead."""
    name = argument.name
    if name not in params:
        return "not a named parameter of the task (*args or **kwargs)"
    type_name = argument.value.type
    if type_name not in CLI_TYPES:
        return f"a {type_name or 'missing'} value has no command-line form"
    annotation = params[name]
    parses_to = UNANNOTATED if annotation is None else _ANNOTATIONS.get(annotation.removeprefix("Optional[").removesuffix("]"))
    if parses_to != type_name:
        shown = f"annotated {annotation}" if annotation else "not annotated (redun would pass text)"
        return f"a {type_name} value, but the parameter is {shown}"
    detail = values.get(argument.value.value_hash)
    if detail is None:
        return "no recorded value"
    ok, value = parse_value(detail)
    if not ok:
        return value
    text = cli_text(type_name, value)
    if _unsafe_for_shell(text):
        return "it contains control characters (unsafe to paste into a shell)"
    words.extend((cli_name(name), text))
    return None


def argument_hashes(detail: JobDetail) -> list[str]:
    """The value hashes whose ValueDetail :func:`job_command` needs (CLI-typed arguments only)."""
    return [arg.value.value_hash for arg in detail.arguments if arg.value.type in CLI_TYPES and arg.value.value_hash]


def job_rerun(store: Any, detail: JobDetail) -> Rerun:
    """Fetches what :func:`job_command` needs through the store and builds the line (call it in a worker)."""
    execution = store.execution(detail.row.execution_id)
    values = {value_hash: store.value(value_hash) for value_hash in dict.fromkeys(argument_hashes(detail))}
    return job_command(detail, execution, values)



def rerun_for_route(store: Any, route: str) -> Rerun:
    """The re-run line of the record a (resolved) route shows: an execution or a job (call it in a worker)."""
    kind, _, arg = route.partition("/")
    if kind == "executions" and arg:
        return execution_command(store.execution(arg))
    if kind == "jobs" and arg:
        return job_rerun(store, store.job(arg))
    return Rerun(reason="open an execution or a job: only they can be re-run")
