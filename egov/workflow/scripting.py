"""Restricted script engine for BPMN scripts, conditions, DMN expressions and service params.

SpiffWorkflow's default ``PythonScriptEngine`` runs ``exec`` with full builtins. This module
replaces it with an engine that

* validates the AST before anything runs: no imports, no ``global``/``nonlocal``, no classes,
  no names or attributes starting with ``_``, no reflective builtins (``getattr``, ``eval``,
  ``type``, ``open``, ...) and no ``str.format``-style attribute walking;
* exposes only a whitelist of harmless builtins (plus ``Decimal`` and date helpers);
* rewrites ``**``, ``*`` and ``<<`` into capped helper calls (memory bombs such as
  ``'a' * 10**10`` fail instead of eating the server) and caps ``range``;
* enforces a wall-clock deadline with a line tracer, so ``while True: pass`` fails.

Every violation raises :class:`ScriptError`; the runtime reports it as
``WorkflowError("script-failed")``.
"""

from __future__ import annotations

import ast
import datetime as _dt
import math
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from types import CodeType, FrameType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

SCRIPT_FILENAME = "<egov-script>"
DEFAULT_TIME_LIMIT = 1.0
MAX_SEQUENCE_LENGTH = 1_000_000
MAX_INT_BITS = 4096

FORBIDDEN_NAMES = frozenset(
    {
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "eval",
        "exec",
        "compile",
        "open",
        "globals",
        "locals",
        "vars",
        "type",
        "input",
        "breakpoint",
        "help",
        "memoryview",
        "dir",
        "object",
        "super",
        "classmethod",
        "staticmethod",
        "property",
        "exit",
        "quit",
        "print",
        "id",
        "bytearray",
        "bytes",
        "frozenset",
        "iter",
        "next",
        "callable",
    }
)
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro", "gi_frame", "f_globals"})
FORBIDDEN_NODES: tuple[type[ast.AST], ...] = (
    ast.Import,
    ast.ImportFrom,
    ast.Global,
    ast.Nonlocal,
    ast.ClassDef,
    ast.AsyncFunctionDef,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
    ast.AsyncFor,
    ast.AsyncWith,
    ast.With,
)


class ScriptError(Exception):
    """A script was rejected or failed; the message is German and safe to show."""


def _capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE_LENGTH:
        raise ScriptError(f"range() mit mehr als {MAX_SEQUENCE_LENGTH} Elementen ist nicht erlaubt")
    return result


def _check_size(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise ScriptError("Ergebnis ist zu groß (Zahl)")
    if isinstance(value, str | list | tuple | bytes) and len(value) > MAX_SEQUENCE_LENGTH:
        raise ScriptError("Ergebnis ist zu groß (Sequenz)")
    return value


def _safe_pow(base: Any, exponent: Any) -> Any:
    ints = isinstance(base, int) and isinstance(exponent, int) and exponent > 0
    if ints and max(abs(base), 2).bit_length() * exponent > MAX_INT_BITS:
        raise ScriptError("Potenz ist zu groß")
    return _check_size(base**exponent)


def _safe_mul(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        sized = isinstance(seq, str | list | tuple | bytes) and isinstance(count, int)
        if sized and len(seq) * count > MAX_SEQUENCE_LENGTH:
            raise ScriptError("Sequenz-Vervielfachung ist zu groß")
    return _check_size(left * right)


def _safe_lshift(left: Any, right: Any) -> Any:
    if isinstance(right, int) and right > MAX_INT_BITS:
        raise ScriptError("Bit-Verschiebung ist zu groß")
    return _check_size(left << right)


HELPERS: dict[str, Callable[..., Any]] = {
    "_egov_pow": _safe_pow,
    "_egov_mul": _safe_mul,
    "_egov_lshift": _safe_lshift,
}
_OPERATOR_HELPERS: dict[type[ast.operator], str] = {
    ast.Pow: "_egov_pow",
    ast.Mult: "_egov_mul",
    ast.LShift: "_egov_lshift",
}

SAFE_BUILTINS: dict[str, Any] = {
    "len": len,
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "sorted": sorted,
    "reversed": reversed,
    "range": _capped_range,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
    "any": any,
    "all": all,
    "enumerate": enumerate,
    "zip": zip,
    "map": map,
    "filter": filter,
    "isinstance": isinstance,
    "divmod": divmod,
    "pow": _safe_pow,
    "repr": repr,
    "Decimal": Decimal,
    "datetime": _dt.datetime,
    "date": _dt.date,
    "timedelta": _dt.timedelta,
    "ceil": math.ceil,
    "floor": math.floor,
    "None": None,
    "True": True,
    "False": False,
    "ValueError": ValueError,
    "KeyError": KeyError,
    "Exception": Exception,
}


def _check_node(node: ast.AST) -> None:
    if isinstance(node, FORBIDDEN_NODES):
        raise ScriptError(f"Nicht erlaubte Anweisung: {type(node).__name__}")
    if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
        raise ScriptError(f"Nicht erlaubter Name: {node.id}")
    if isinstance(node, ast.Attribute) and (
        node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES
    ):
        raise ScriptError(f"Nicht erlaubtes Attribut: {node.attr}")
    if isinstance(node, ast.FunctionDef | ast.Lambda):
        names = [a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs]
        if node.args.vararg:
            names.append(node.args.vararg.arg)
        if node.args.kwarg:
            names.append(node.args.kwarg.arg)
        if isinstance(node, ast.FunctionDef):
            names.append(node.name)
        if any(n.startswith("_") for n in names):
            raise ScriptError("Nicht erlaubter Name mit Unterstrich")
    if isinstance(node, ast.keyword) and node.arg is not None and node.arg.startswith("_"):
        raise ScriptError(f"Nicht erlaubter Name: {node.arg}")
    capped = isinstance(node, ast.AugAssign) and type(node.op) in _OPERATOR_HELPERS
    if capped and not isinstance(node.target, ast.Name):  # type: ignore[attr-defined]
        raise ScriptError("Erweiterte Zuweisung mit *, ** oder << nur auf Variablen erlaubt")


class _CapOperators(ast.NodeTransformer):
    """Rewrites ``a ** b``, ``a * b``, ``a << b`` (and ``x *= y`` ...) into capped helpers."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        helper = _OPERATOR_HELPERS.get(type(node.op))
        if helper is None:
            return node
        call = ast.Call(ast.Name(helper, ast.Load()), [node.left, node.right], [])
        return ast.copy_location(call, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        helper = _OPERATOR_HELPERS.get(type(node.op))
        if helper is None or not isinstance(node.target, ast.Name):
            return node
        load = ast.Name(node.target.id, ast.Load())
        call = ast.Call(ast.Name(helper, ast.Load()), [load, node.value], [])
        return ast.copy_location(ast.Assign([node.target], call), node)


def compile_restricted(source: str, mode: str) -> CodeType:
    """Parses, validates and rewrites ``source``; ``mode`` is ``"exec"`` or ``"eval"``."""
    try:
        tree = ast.parse(source, filename=SCRIPT_FILENAME, mode=mode)
    except SyntaxError as exc:
        raise ScriptError(f"Syntaxfehler in Zeile {exc.lineno}: {exc.msg}") from exc
    for node in ast.walk(tree):
        _check_node(node)
    tree = ast.fix_missing_locations(_CapOperators().visit(tree))
    code: CodeType = compile(tree, SCRIPT_FILENAME, mode)
    return code


class _Deadline:
    """A ``sys.settrace`` hook that aborts script frames after ``limit`` seconds."""

    def __init__(self, limit: float) -> None:
        self.deadline = time.monotonic() + limit
        self.limit = limit

    def global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != SCRIPT_FILENAME:
            return None
        # Line events alone are not enough: `while True: pass` on one line emits none.
        frame.f_trace_opcodes = True
        self._check()
        return self.local_trace

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event in ("line", "opcode"):
            self._check()
        return self.local_trace

    def _check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ScriptError(f"Zeitlimit von {self.limit:g} s überschritten")


def run_limited(code: CodeType, namespace: dict[str, Any], limit: float) -> Any:
    """Runs compiled script code under the deadline tracer; returns eval's value."""
    previous = sys.gettrace()
    tracer = _Deadline(limit)
    sys.settrace(tracer.global_trace)
    try:
        return eval(code, namespace)  # code was validated by compile_restricted
    except ScriptError:
        raise
    except RecursionError as exc:
        raise ScriptError("Rekursionstiefe überschritten") from exc
    except MemoryError as exc:
        raise ScriptError("Speicherlimit überschritten") from exc
    except Exception as exc:
        raise ScriptError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        sys.settrace(previous)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Task data environment executing validated code with safe builtins and a deadline."""

    def __init__(self, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
        super().__init__({})
        self.time_limit = time_limit
        self._cache: dict[tuple[str, str], CodeType] = {}

    def _compile(self, source: str, mode: str) -> CodeType:
        key = (source, mode)
        if key not in self._cache:
            self._cache[key] = compile_restricted(source, mode)
        return self._cache[key]

    def _namespace(
        self, context: dict[str, Any], external: dict[str, Any] | None
    ) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__builtins__": SAFE_BUILTINS, **HELPERS}
        namespace.update(external or {})
        namespace.update(context)
        return namespace

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        code = self._compile(expression.strip(), "eval")
        return run_limited(code, self._namespace(context, external_context), self.time_limit)

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> bool:
        code = self._compile(script, "exec")
        namespace = self._namespace(context, external_context)
        run_limited(code, namespace, self.time_limit)
        skip = set(HELPERS) | set(external_context or {}) | {"__builtins__"}
        result = {k: v for k, v in namespace.items() if k not in skip and not callable(v)}
        for key in [k for k in context if k not in result]:
            del context[key]
        context.update(result)
        return True


class RestrictedScriptEngine(PythonScriptEngine):
    """Spiff script engine using :class:`RestrictedEnvironment`; service calls are delegated."""

    def __init__(self, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
        super().__init__(environment=RestrictedEnvironment(time_limit))
        self.service_caller: Callable[[Any, str, dict[str, Any]], Any] | None = None

    def validate(self, expression: str) -> None:
        compile_restricted(expression, "exec")

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        if self.service_caller is None:
            raise ScriptError("Kein Service-Handler konfiguriert")
        return self.service_caller(task, kwargs["operation_name"], kwargs["operation_params"])
