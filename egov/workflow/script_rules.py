"""The sandbox's rules for BPMN scripts and expressions: pure Python, standard library only.

Imported by the parent (the static check at deploy time and before every call) and by the
sandbox subprocess (:mod:`egov.workflow.script_child`), which compiles and runs the code. It
must never import SpiffWorkflow, SQLAlchemy or anything else of egov: the subprocess starts
without site-packages.

* :func:`check_source` validates the AST: no imports, no ``global``/``nonlocal``, no classes,
  no decorators, no names or attributes starting with ``_``, no reflective builtins
  (``getattr``, ``eval``, ``type``, ``open``, ...), no ``str.format``-style attribute walks and
  no frame, code, traceback or generator introspection attributes;
* :func:`compile_restricted` additionally rewrites ``**``, ``*`` and ``<<`` into capped helper
  calls, so that ``'a' * 10**10`` fails at once instead of allocating;
* :data:`SAFE_BUILTINS` is the whitelist a script sees (``range`` capped).

Every violation raises :class:`ScriptError` (German message, safe to show to admins).
"""

from __future__ import annotations

import ast
import datetime as _dt
import math
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from types import CodeType
from typing import Any

SCRIPT_FILENAME = "<egov-script>"
MAX_SEQUENCE_LENGTH = 1_000_000
MAX_INT_BITS = 4096
MAX_SOURCE_CHARS = 100_000

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
# attributes that format strings, reach classes, or walk frames, code, tracebacks, generators
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "format",
        "format_map",
        "mro",
        "with_traceback",
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "cr_await",
        "ag_frame",
        "ag_code",
        "ag_await",
        "f_back",
        "f_builtins",
        "f_code",
        "f_globals",
        "f_locals",
        "f_trace",
        "tb_frame",
        "tb_next",
        "co_code",
        "co_consts",
        "co_names",
    }
)
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
_NODE_NAMES = {
    "Import": "import",
    "ImportFrom": "from ... import",
    "Global": "global",
    "Nonlocal": "nonlocal",
    "ClassDef": "class",
    "AsyncFunctionDef": "async def",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield from",
    "AsyncFor": "async for",
    "AsyncWith": "async with",
    "With": "with",
}


class ScriptError(Exception):
    """A script was rejected or failed; the message is German and safe to show.

    ``code`` is the stable error code the runtime reports (``script-failed`` unless a subclass
    says otherwise); ``lineno`` the line within the script, where known.
    """

    code = "script-failed"

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno


class ScriptSyntaxError(ScriptError, SyntaxError):
    """The source does not parse. Also a ``SyntaxError``: SpiffWorkflow's DMN engine tells
    a unary test (``> 5000``) from an expression by catching ``SyntaxError`` from
    ``validate``."""


class ScriptTimeLimit(ScriptError):
    """The script ran longer than the wall-clock or CPU limit."""

    code = "script-time-limit"


class ScriptMemoryLimit(ScriptError):
    """The script allocated more than the memory cap, or its result was too large."""

    code = "script-memory-limit"


MAX_MESSAGE_CHARS = 500


def safe_message(text: str) -> str:
    """A failure message fit for logs, incidents and every database: at most
    :data:`MAX_MESSAGE_CHARS`, control characters (NUL ...) and lone surrogates replaced."""
    text = text[:MAX_MESSAGE_CHARS].encode("utf-8", "replace").decode("utf-8")
    return "".join(c if c >= " " or c in "\n\t" else "\N{REPLACEMENT CHARACTER}" for c in text)


# -- capped operators -------------------------------------------------------------------------


def _capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE_LENGTH:
        raise ScriptError(f"range() mit mehr als {MAX_SEQUENCE_LENGTH} Elementen ist nicht erlaubt")
    return result


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_size(value: Any) -> Any:
    if _is_int(value) and value.bit_length() > MAX_INT_BITS:
        raise ScriptError("Ergebnis ist zu groß (Zahl)")
    if isinstance(value, str | list | tuple | bytes) and len(value) > MAX_SEQUENCE_LENGTH:
        raise ScriptError("Ergebnis ist zu groß (Sequenz)")
    return value


def _safe_pow(base: Any, exponent: Any) -> Any:
    ints = _is_int(base) and _is_int(exponent) and exponent > 0
    if ints and max(abs(base), 2).bit_length() * exponent > MAX_INT_BITS:
        raise ScriptError("Potenz ist zu groß")
    return _check_size(base**exponent)


def _safe_mul(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        sized = isinstance(seq, str | list | tuple | bytes) and _is_int(count)
        if sized and len(seq) * count > MAX_SEQUENCE_LENGTH:
            raise ScriptError("Sequenz-Vervielfachung ist zu groß")
    if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise ScriptError("Ergebnis ist zu groß (Zahl)")
    return _check_size(left * right)


def _safe_lshift(left: Any, right: Any) -> Any:
    if _is_int(right) and right > MAX_INT_BITS:
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


# -- the AST check ------------------------------------------------------------------------------


def _refuse(message: str, node: ast.AST) -> ScriptError:
    return ScriptError(message, getattr(node, "lineno", None))


def _argument_names(node: ast.FunctionDef | ast.Lambda) -> list[str]:
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    if isinstance(node, ast.FunctionDef):
        names.append(node.name)
    return names


def _check_node(node: ast.AST) -> None:
    if isinstance(node, FORBIDDEN_NODES):
        statement = _NODE_NAMES[type(node).__name__]
        raise _refuse(f"Nicht erlaubte Anweisung: {statement}", node)
    if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
        raise _refuse(f"Nicht erlaubter Name: {node.id}", node)
    if isinstance(node, ast.Attribute) and (
        node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES
    ):
        raise _refuse(f"Nicht erlaubtes Attribut: {node.attr}", node)
    if isinstance(node, ast.FunctionDef | ast.Lambda):
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            raise _refuse("Dekoratoren sind nicht erlaubt", node)
        if any(n.startswith("_") for n in _argument_names(node)):
            raise _refuse("Nicht erlaubter Name mit Unterstrich", node)
    if isinstance(node, ast.keyword) and node.arg is not None and node.arg.startswith("_"):
        raise _refuse(f"Nicht erlaubter Name: {node.arg}", node)
    capped = isinstance(node, ast.AugAssign) and type(node.op) in _OPERATOR_HELPERS
    if capped and not isinstance(node.target, ast.Name):  # type: ignore[attr-defined]
        raise _refuse("Erweiterte Zuweisung mit *, ** oder << nur auf Variablen erlaubt", node)


def parse_script(source: str) -> ast.AST:
    """The AST of a script (exec mode), or :class:`ScriptError` as the sandbox refuses it
    (too long, too deep, not Python)."""
    return _parse(source, "exec")


def _parse(source: str, mode: str) -> ast.AST:
    if len(source) > MAX_SOURCE_CHARS:
        raise ScriptError(f"Skript ist länger als {MAX_SOURCE_CHARS} Zeichen")
    try:
        return ast.parse(source, filename=SCRIPT_FILENAME, mode=mode)
    except SyntaxError as exc:
        message = f"Syntaxfehler in Zeile {exc.lineno}: {exc.msg}"
        raise ScriptSyntaxError(message, exc.lineno) from exc
    except ValueError as exc:  # a NUL character, on interpreters that do not say SyntaxError
        raise ScriptError("Skript enthält ein Nullzeichen") from exc
    except (MemoryError, RecursionError) as exc:
        raise ScriptError("Skript ist zu tief verschachtelt") from exc


def check_tree(source: str, mode: str) -> ast.AST:
    """Parses ``source`` (``mode`` ``"exec"`` or ``"eval"``) and applies every rule."""
    tree = _parse(source, mode)
    for node in ast.walk(tree):
        _check_node(node)
    return tree


def check_source(source: str, mode: str) -> None:
    """The static check of the sandbox: raises :class:`ScriptError` if ``source`` breaks a
    rule. The same check runs at deploy time, in the parent before every call and in the
    sandbox subprocess before it compiles."""
    check_tree(source, mode)


@lru_cache(maxsize=2048)
def referenced_names(source: str, mode: str) -> frozenset[str]:
    """The variable names ``source`` can reach (it passed :func:`check_source`).

    Scripts reach task data only through names (no ``globals()``, ``vars()`` or frames), so
    these are all the variables a call needs to see, and all it can change or delete.
    """
    tree = check_tree(source, mode)
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


def validate_source(source: str) -> None:
    """``validate`` of the script engine: the check in exec mode; a parse error is also a
    ``SyntaxError`` (see :class:`ScriptSyntaxError`)."""
    check_source(source, "exec")


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
    """Checks and rewrites ``source``; ``mode`` is ``"exec"`` or ``"eval"``."""
    tree = check_tree(source, mode)
    try:
        rewritten = ast.fix_missing_locations(_CapOperators().visit(tree))
        code: CodeType = compile(rewritten, SCRIPT_FILENAME, mode)
    except (MemoryError, RecursionError) as exc:
        raise ScriptError("Skript ist zu tief verschachtelt") from exc
    return code
