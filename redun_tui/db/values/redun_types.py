"""Stand-ins for redun's other classes: tasks, expressions, tracebacks, errors, handles.

Each is built from the state redun pickled and prints the text redun prints for it.
Expression arguments are pickles inside the pickle: :func:`_nested_value` decodes them
through the same restricted path (``decode._deserialize``), on the same budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from redun_tui.db.values.standins import (
    _BUILTIN_EXCEPTIONS,
    ExceptionStandIn,
    PreviewObject,
    StandIn,
    _budget,
    _Builtin,
    _charge,
    _format_arguments_parts,
    _state_get,
)
from redun_tui.db.values.text import (
    _leaf_repr,
    _leaf_str,
    _render,
    _Repr,
    _short_hash,
    _Str,
    value_repr,
    value_str,
)


def _task_fullname(namespace: Any, name: Any) -> str:
    name_text = name if isinstance(name, str) else _leaf_str(name)
    if namespace:
        ns_text = namespace if isinstance(namespace, str) else _leaf_str(namespace)
        return ns_text + "." + name_text
    return name_text


class Task(StandIn):
    """redun's ``Task`` as recorded: name, namespace, hash and options (no function)."""

    _pickle_name = "redun.task.Task"
    type_name = "redun.Task"

    def __setstate__(self, state: Any) -> None:
        self.name = state["name"]
        self.namespace = state["namespace"]
        self.version = state["version"]
        self.hash = state["hash"]
        self.compat = _state_get(state, "compat", [])
        self.script = _state_get(state, "script", False)
        self.task_options = _state_get(state, "task_options", {})
        self.export_options = _state_get(state, "export_options", set())

    @property
    def fullname(self) -> str:
        """``namespace.name`` (or ``name`` without a namespace)."""
        return _task_fullname(getattr(self, "namespace", None), getattr(self, "name", ""))

    def _repr_parts(self) -> Iterator[Any]:
        yield "Task(fullname="
        yield self.fullname
        yield ", hash="
        yield _Str(_short_hash(getattr(self, "hash", "")))
        yield ")"


class SchedulerTask(Task):
    """redun's ``SchedulerTask`` (a task run inside the scheduler, e.g. ``redun.catch``)."""

    _pickle_name = "redun.task.SchedulerTask"


class PartialTask(Task):
    """redun's ``PartialTask``: a task with some arguments already applied."""

    _pickle_name = "redun.task.PartialTask"
    type_name = "redun.PartialTask"

    def __setstate__(self, state: Any) -> None:
        task = Task.__new__(Task)
        task.__setstate__(state["task"])
        self.task = task
        self.args = state["args"]
        self.kwargs = state["kwargs"]
        super().__setstate__(state)

    def _repr_parts(self) -> Iterator[Any]:
        yield "PartialTask(fullname="
        yield self.fullname
        yield ", hash="
        yield _Str(_short_hash(getattr(self, "hash", "")))
        yield ", args="
        yield _Repr(self.args)
        yield ", kwargs="
        yield _Repr(self.kwargs)
        yield ")"


class _EnumMember(StandIn):
    """A member of one of redun's enums (CacheScope, CacheCheckValid, ...)."""

    def __init__(self, class_name: str, name: str, value: Any) -> None:
        self.class_name = class_name
        self.name = name
        self.value = value

    def _repr_parts(self) -> Iterator[Any]:
        yield f"<{self.class_name}.{self.name}: "
        yield _Repr(self.value)
        yield ">"


def _enum_factory(fullname: str, members: dict[str, str]) -> _Builtin:
    class_name = fullname.rsplit(".", 1)[1]

    def make(value: Any) -> _EnumMember:
        for member_name, member_value in members.items():
            if type(value) is str and value == member_value:
                return _EnumMember(class_name, member_name, member_value)
        raise ValueError(f"{_leaf_repr(value)} is not a valid {class_name}")

    return _Builtin(fullname, make)


class Function(StandIn):
    """redun's wrapper for a plain function passed as a value (``builtins.function``)."""

    _pickle_name = "redun.value.Function"
    type_name = "builtins.function"

    def __setstate__(self, state: Any) -> None:
        self.hash = state["hash"]
        self.module = state["module"]
        self.name = state["name"]
        # redun re-imports the function here; a browser never does.
        self.instance = UnknownFunction(f"{_leaf_str(self.module)}.{_leaf_str(self.name)}")

    @property
    def fullname(self) -> str:
        """``module.name`` of the function."""
        return f"{_leaf_str(self.module)}.{_leaf_str(self.name)}"

    def _repr_parts(self) -> Iterator[Any]:
        yield f"<function {self.fullname}>"


class UnknownFunction(StandIn):
    """A function value that is not loaded (redun's ``make_unknown_function`` stub)."""

    def __init__(self, fullname: str) -> None:
        self.fullname = fullname

    def _repr_parts(self) -> Iterator[Any]:
        yield f"<function {self.fullname}>"


def _nested_value(type_name: Any, data: Any) -> Any:
    """Decode a pickle stored inside a pickle (redun serializes expression args this way)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        # The same memoized bytes can be referenced any number of times: decode each bytes
        # object once per value (the stand-ins are read-only, so sharing them is safe).
        cache = getattr(_budget, "nested", None)
        key = (id(data), type_name)
        if cache is not None and key in cache:
            return cache[key][1]
        _charge(len(data))
        result = _deserialize(type_name if isinstance(type_name, str) else "", bytes(data))
        if cache is not None:
            cache[key] = (data, result)  # keeps data alive, so its id stays unique
        return result
    return data


class Expression(StandIn):
    """Base of redun's lazy expressions."""

    _pickle_name = "redun.expression.Expression"

    def __setstate__(self, state: Any) -> None:
        self._hash = None


class ApplyExpression(Expression):
    """redun's ``ApplyExpression``."""

    _pickle_name = "redun.expression.ApplyExpression"


class TaskExpression(ApplyExpression):
    """redun's ``TaskExpression``: a call of a task, printed ``task_name(args, k=v)``."""

    _pickle_name = "redun.expression.TaskExpression"

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        self.task_name = state["task_name"]
        self.args = _nested_value("builtins.tuple", state["args"])
        self.kwargs = _nested_value("builtins.dict", state["kwargs"])
        self.task_options = _state_get(state, "task_options", {})
        self.export_options = _state_get(state, "export_options", set())
        self.length = _state_get(state, "length", None)
        self.call_hash = None

    def _repr_parts(self) -> Iterator[Any]:
        yield _Str(self.task_name)
        yield "("
        yield from _format_arguments_parts(self.args, self.kwargs)
        yield ")"


class SchedulerExpression(TaskExpression):
    """redun's ``SchedulerExpression`` (e.g. ``redun.catch(...)``)."""

    _pickle_name = "redun.expression.SchedulerExpression"


_OPERATOR_SYMBOLS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "add": "+",
    "radd": "+",
    "sub": "-",
    "rsub": "-",
    "mul": "*",
    "rmul": "*",
    "div": "/",
    "rdiv": "/",
    "and": "&",
    "rand": "&",
    "or": "|",
    "ror": "|",
}
_REVERSED_OPERATORS = {"radd", "rsub", "rmul", "rdiv", "rand", "ror"}


class SimpleExpression(ApplyExpression):
    """redun's ``SimpleExpression`` (getattr, getitem, call and operators on expressions)."""

    _pickle_name = "redun.expression.SimpleExpression"

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        self.func_name = state["func_name"]
        self.args = _nested_value("builtins.tuple", state["args"])
        self.kwargs = _nested_value("builtins.dict", state["kwargs"])

    def _repr_parts(self) -> Iterator[Any]:
        func, args = self.func_name, self.args
        pair = isinstance(args, tuple) and len(args) == 2
        if isinstance(func, str) and func in _OPERATOR_SYMBOLS and pair:
            left, right = args
            if func in _REVERSED_OPERATORS:
                left, right = right, left
            yield "("
            yield _Repr(left)
            yield f" {_OPERATOR_SYMBOLS[func]} "
            yield _Repr(right)
            yield ")"
        elif func == "getitem" and pair:
            yield _Repr(args[0])
            yield "["
            yield _Repr(args[1])
            yield "]"
        elif func == "getattr" and pair:
            yield _Repr(args[0])
            yield "."
            yield _Str(args[1])
        elif func == "call" and isinstance(args, tuple) and len(args) == 3:
            this, call_args, call_kwargs = args
            yield _Repr(this)
            yield "("
            yield from _format_arguments_parts(call_args, call_kwargs)
            yield ")"
        else:
            yield "SimpleExpression('"
            yield _Str(func)
            yield "', "
            yield _Repr(args)
            yield ", "
            yield _Repr(self.kwargs)
            yield ")"


class ValueExpression(Expression):
    """redun's ``ValueExpression``: a concrete value lifted into an expression."""

    _pickle_name = "redun.expression.ValueExpression"

    def __setstate__(self, state: Any) -> None:
        super().__setstate__(state)
        self.value_type = state["value_type"]
        self.value = _nested_value(self.value_type, state["value"])

    def _repr_parts(self) -> Iterator[Any]:
        yield "ValueExpression("
        yield _Repr(self.value)
        yield ")"


class QuotedExpression(StandIn):
    """redun's ``QuotedExpression`` (its pickled state is the plain ``_expr`` attribute)."""

    _pickle_name = "redun.expression.QuotedExpression"

    @property
    def expr(self) -> Any:
        """The quoted expression."""
        return self.__dict__.get("_expr")

    def _repr_parts(self) -> Iterator[Any]:
        yield "QuotedExpression("
        yield _Repr(self.expr)
        yield ")"


class FrameSummary(StandIn):
    """A traceback frame (``traceback.FrameSummary``) recorded with a redun error."""

    _pickle_name = "traceback.FrameSummary"

    filename: Any = None
    lineno: Any = None
    end_lineno: Any = None
    colno: Any = None
    end_colno: Any = None
    name: Any = None
    _line: Any = None
    locals: Any = None

    @property
    def line(self) -> str:
        """The source line, stripped ('' when it was not recorded)."""
        text = self._line
        return text.strip() if isinstance(text, str) else ""

    def _repr_parts(self) -> Iterator[Any]:
        yield "<FrameSummary file "
        yield _Str(self.filename)
        yield ", line "
        yield _Str(self.lineno)
        yield " in "
        yield _Str(self.name)
        yield ">"


class Frame(FrameSummary):
    """redun's ``Frame``: a FrameSummary of a job's task, with its locals as text."""

    _pickle_name = "redun.scheduler.Frame"
    job: Any = None

    def __setstate__(self, state: Any) -> None:
        self.filename = state["filename"]
        self.lineno = state["lineno"]
        self.name = state["name"]
        self._line = state["_line"]
        self.locals = state["locals"]
        self.job = state["job"]


class Traceback(StandIn):
    """redun's ``Traceback``: the error, its frames and the job's latest log lines."""

    _pickle_name = "redun.scheduler.Traceback"

    error: Any = None
    frames: Any = ()
    logs: Any = ()

    def __setstate__(self, state: Any) -> None:
        self.error = state["error"]
        self.frames = state["frames"]
        self.logs = state["logs"]

    def format(self) -> Iterator[str]:
        """Yield the traceback as text lines, laid out like redun's ``Traceback.format``."""
        frames = self.frames if isinstance(self.frames, (list, tuple)) else []
        for frame in frames:
            if isinstance(frame, Frame) and frame.job is not None:
                job_id = _short_hash(getattr(frame.job, "id", ""))
                yield (
                    f'  Job {job_id}: File "{_leaf_str(frame.filename)}", '
                    f"line {_leaf_str(frame.lineno)}, in {_leaf_str(frame.name)}\n"
                )
            elif isinstance(frame, FrameSummary):
                yield (
                    f'  File "{_leaf_str(frame.filename)}", line {_leaf_str(frame.lineno)}, '
                    f"in {_leaf_str(frame.name)}\n"
                )
            else:
                yield f"  {value_repr(frame)}\n"
                continue
            yield f"    {frame.line}\n"
            if isinstance(frame.locals, dict) and frame.locals:
                width = max(len(_leaf_str(key)) for key in frame.locals)
                for key, value in sorted(frame.locals.items(), key=lambda kv: _leaf_str(kv[0])):
                    yield f"    {_leaf_str(key).ljust(width)} = {_leaf_str(value)}\n"
        error = self.error
        error_name = _error_type_name(error)
        yield f"{error_name}: {_error_message(error)}"
        if self.logs:
            yield "\n"
            yield "Latest logs:\n"
            logs = self.logs if isinstance(self.logs, (list, tuple)) else [self.logs]
            for line in logs:
                yield _leaf_str(line)


def _error_type_name(error: Any) -> str:
    if isinstance(error, PreviewObject):
        return _leaf_str(type(error)._name)
    return type(error).__name__


def _error_message(error: Any) -> str:
    """``str(error)`` for real exceptions and stand-ins; never raises."""
    if isinstance(error, ExceptionStandIn) or type(error) in _BUILTIN_EXCEPTIONS:
        args = error.args
        if isinstance(args, tuple):
            if not args:
                return ""
            if len(args) == 1:
                if isinstance(error, KeyError):  # KeyError's str is the key's repr
                    return value_repr(args[0], None)
                return value_str(args[0], None)
        return value_repr(args, None)
    if isinstance(error, ScriptError):
        # redun's ScriptError prints its own message ("Last line: ..."), not its arguments.
        return ScriptError.__str__(error)
    if isinstance(error, PreviewObject):
        args = error.__dict__.get("_preview_args", ())
        if isinstance(args, tuple) and len(args) == 1:
            return _leaf_str(args[0])
        return value_repr(args, None)
    return _leaf_str(error)


class ErrorValue(StandIn):
    """redun's ``ErrorValue``: the exception a task raised and its :class:`Traceback`."""

    _pickle_name = "redun.scheduler.ErrorValue"
    type_name = "redun.ErrorValue"

    error: Any = None
    traceback: Any = None

    def __setstate__(self, state: Any) -> None:
        self.error = state["error"]
        self.traceback = state["traceback"]

    @property
    def error_type(self) -> str:
        """Class name of the error (``ValueError``, ``WorkflowError``...)."""
        return _error_type_name(self.error)

    @property
    def error_message(self) -> str:
        """The error's message, like ``str(error)``."""
        return _error_message(self.error)

    @property
    def frames(self) -> list[Any]:
        """The traceback's frames (empty if none were recorded)."""
        frames = getattr(self.traceback, "frames", None)
        return list(frames) if isinstance(frames, (list, tuple)) else []

    def _repr_parts(self) -> Iterator[Any]:
        yield "ErrorValue("
        yield _Repr(self.error)
        yield ")"


class ScriptError(Exception, StandIn):
    """redun's ``ScriptError`` (a failed ``script()`` task), printed with its last line."""

    _pickle_name = "redun.scripting.ScriptError"

    def __init__(self, stderr: Any = b"", *args: Any) -> None:
        _charge(len(args) + 1)
        Exception.__init__(self, stderr, *args)
        if isinstance(stderr, (bytes, bytearray)):
            try:
                self.message = bytes(stderr).decode("utf8")
            except UnicodeDecodeError:
                self.message = bytes(stderr)
        else:
            self.message = stderr

    def __str__(self) -> str:
        # NEWOBJ builds an instance without __init__: there may be no message at all.
        message = self.__dict__.get("message")
        if isinstance(message, str):
            return "Last line: " + message.rstrip("\n").rsplit("\n")[-1]
        return ""

    def __repr__(self) -> str:
        return _render(self)

    def _repr_parts(self) -> Iterator[Any]:
        yield f"ScriptError('{self}')"


class HandleInfo(StandIn):
    """The identity of a redun ``Handle`` (name, namespace, constructor args, hash)."""

    _pickle_name = "redun.handle.Handle.HandleInfo"

    def __init__(
        self,
        name: Any = None,
        args: Any = (),
        kwargs: Any = None,
        class_name: Any = None,
        namespace: Any = None,
        call_hash: Any = "",
        hash: Any = None,
        key: Any = "",
    ) -> None:
        self.name = name
        self.namespace = namespace
        self.fullname = _task_fullname(namespace, name)
        self.args = args
        self.kwargs = kwargs if kwargs is not None else {}
        self.class_name = class_name
        self.call_hash = call_hash
        self.key = key
        self.hash = hash


class Handle(StandIn):
    """redun's ``Handle`` (a reference to external state), printed ``Handle(fullname=..)``."""

    _pickle_name = "redun.handle.Handle"
    type_name = "redun.Handle"

    def __new__(cls, *args: Any, **kwargs: Any) -> Handle:
        _charge(len(args) + len(kwargs) + 1)
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        _charge(len(state) if isinstance(state, dict) else 1)
        self.__handle__ = HandleInfo(**state)

    def _repr_parts(self) -> Iterator[Any]:
        info = self.__dict__.get("__handle__")
        yield _Str(getattr(info, "class_name", None))
        yield "(fullname="
        yield _Str(getattr(info, "fullname", None))
        yield ", hash="
        yield _Str(_short_hash(getattr(info, "hash", None) or ""))
        yield ")"


# Nested pickles are decoded by the decoder built on top of these classes: bound once its
# names exist (the package imports ``text`` first, which imports this module).
from redun_tui.db.values.decode import _deserialize  # noqa: E402
