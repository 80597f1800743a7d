"""Known ways out of Python sandboxes, as data for the sandbox tests.

Each entry is a script task's script. ``static``: the deploy-time check refuses it (422
`script-invalid`); ``code``: the incident's code when it runs anyway (a definition deployed
before the check, or one that passes it). Statically refused code that reaches the runtime is
refused again before it runs (`script-failed`); the rest ends by a cap of the rewritten
operators (`script-failed`) or by the operating system's limits (`script-time-limit`,
`script-memory-limit`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Escape:
    name: str
    script: str
    static: bool
    code: str
    # a memory bomb of many small allocations may meet the wall clock first on a loaded machine
    or_code: str | None = None

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c for c in (self.code, self.or_code) if c is not None)


def _refused(name: str, script: str) -> Escape:
    return Escape(name, script, static=True, code="script-failed")


def _runs(name: str, script: str, code: str, or_code: str | None = None) -> Escape:
    return Escape(name, script, static=False, code=code, or_code=or_code)


TIME = "script-time-limit"
MEMORY = "script-memory-limit"
FAILED = "script-failed"

CORPUS: list[Escape] = [
    # -- attribute walks to classes, globals and builtins ------------------------------------
    _refused("subclasses", "x = ().__class__.__base__.__subclasses__()"),
    _refused("mro-walk", "x = [c for c in ().__class__.__mro__]"),
    _refused("mro-method", "x = ValueError.mro()"),
    _refused("function-globals", "x = (lambda: 1).__globals__"),
    _refused("function-builtins", "def f():\n    return 1\nx = f.__builtins__['eval']"),
    _refused("builtin-self", "x = len.__self__"),
    _refused("builtins-name", "x = __builtins__"),
    # -- via exceptions and tracebacks -------------------------------------------------------
    _refused(
        "traceback-globals",
        "try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__.tb_frame.f_globals",
    ),
    _refused(
        "with-traceback", "try:\n    1 / 0\nexcept Exception as e:\n    x = e.with_traceback(None)"
    ),
    # -- format strings ----------------------------------------------------------------------
    _refused("format-attribute", 'x = "{0.__class__}".format(1)'),
    _refused("format-map", 'x = "{a.__class__.__base__}".format_map({"a": 1})'),
    _refused("format-unbound", 'x = str.format("{0.__class__}", 1)'),
    _refused("format-plain-attr", 'x = "{0.real}".format(1)'),
    _refused("fstring-attribute", 'x = f"{().__class__.__base__}"'),
    _refused("fstring-format-spec", 'x = f"{1:{().__class__}}"'),
    # -- generators and frames ---------------------------------------------------------------
    _refused("generator-frame", "g = (i for i in [1])\nx = g.gi_frame.f_back.f_globals"),
    _refused("generator-code", "g = (i for i in [1])\nx = g.gi_code.co_consts"),
    _refused("generator-yield", "def f():\n    yield 1\nx = list(f())"),
    # -- decorators, lambdas, keywords -------------------------------------------------------
    _refused("decorator-globals", "@(lambda f: f.__globals__)\ndef g():\n    return 1"),
    _refused("decorator-builtin", "@sorted\ndef g():\n    return 1"),
    _refused("lambda-default", "f = lambda x=().__class__: x\ny = f()"),
    _refused("lambda-underscore-arg", "f = lambda __x=1: __x\ny = f()"),
    _refused("keyword-underscore", "x = dict(__class__=1)"),
    # -- reflective builtins -----------------------------------------------------------------
    _refused("vars", "x = vars()"),
    _refused("globals", "x = globals()['__builtins__']"),
    _refused("locals", "x = locals()"),
    _refused("dir", "x = dir()"),
    _refused("type-three-args", "T = type('T', (), {'f': lambda self: 1})"),
    _refused("getattr-concat", "x = getattr((), '__cl' + 'ass__')"),
    _refused("getattr-mro", "x = getattr(getattr((), 'mro'), 'x')"),
    _refused("object-subclasses", "x = object.__subclasses__()"),
    _refused("super", "x = super()"),
    _refused("iter-sentinel", "x = [0 for i in iter(int, 1)]"),
    # -- imports, code, files, statements ----------------------------------------------------
    _refused("import", "import os"),
    _refused("import-from", "from os import system"),
    _refused("dunder-import", "__import__('os').system('id')"),
    _refused("eval", "x = eval('1 + 1')"),
    _refused("exec", "exec('x = 1')"),
    _refused("compile", "x = compile('1', 'f', 'eval')"),
    _refused("open", "x = open('/etc/passwd').read()"),
    _refused("print", "print('x')"),
    _refused("class", "class A:\n    pass"),
    _refused("global", "global y\ny = 1"),
    _refused("with", "with x:\n    pass"),
    _refused("deeply-nested-source", "x = " + "-" * 50_000 + "1"),
    # -- huge allocations ----------------------------------------------------------------------
    _refused("bytearray", "x = bytearray(10**10)"),
    _refused("bytes", "x = bytes(10**10)"),
    _refused("memoryview", "x = memoryview(b'x')"),
    _runs("str-times", "x = 'a' * 10**10", FAILED),  # capped operator
    _runs("list-times", "x = [0] * 10**10", FAILED),
    _runs("power-tower", "x = 10**10**10", FAILED),
    _runs("shift", "x = 1 << 10**8", FAILED),
    _runs("big-int-product", "x = 2**4000\ny = x * x", FAILED),
    _runs("ljust", "x = 'x'.ljust(10**10)", MEMORY),  # operating system: RLIMIT_AS
    _runs("center", "x = 'x'.center(10**9)", MEMORY),
    _runs("percent-format", "x = '%0999999999d' % 1", MEMORY),
    _runs("replace", "x = 'a' * 10**6\ny = x.replace('a', x)", MEMORY),
    _runs("list-of-lists", "x = [[0] * 10**6 for i in range(10**3)]", MEMORY, or_code=TIME),
    # -- CPU burners inside builtins -----------------------------------------------------------
    _runs("sum-range", "x = sum(range(10**12))", FAILED),  # capped range
    _runs("sorted-range", "x = sorted(range(10**9))", FAILED),
    _runs("sum-lists", "x = sum([[0] * 10] * 10**5, [])", TIME),  # operating system / kill
    _runs("max-key", "x = max(range(10**6), key=lambda i: sum(range(10**6)))", TIME),
    _runs("sorted-many", "x = sorted(sorted(range(10**6), key=str) for i in range(10**3))", TIME),
    _runs("any-generator", "x = any(i < 0 for i in range(10**6) for j in range(10**6))", TIME),
    _runs("string-compare", "y = 'a' * 10**6\nz = 'a' * 999999 + 'b'\nx = z in [y] * 10**6", TIME),
    # -- infinite loops ------------------------------------------------------------------------
    _runs("while-true", "while True: pass", TIME),
    _runs("while-counter", "x = 0\nwhile True:\n    x = x + 1", TIME),
    _runs("loop-in-function", "def f():\n    while True:\n        pass\nf()", TIME),
    # -- deep recursion ------------------------------------------------------------------------
    _runs("recursion", "def f(n):\n    return f(n + 1)\nf(0)", FAILED),
    _runs("lambda-recursion", "f = lambda g: g(g)\nf(f)", FAILED),
    _runs("nested-result", "x = []\nfor i in range(10**5):\n    x = [x]", FAILED),
    # -- the failure report itself ---------------------------------------------------------------
    _runs("nul-in-message", "raise ValueError('a\\x00b')", FAILED),
    _runs("surrogate-in-message", "raise ValueError('a\\ud800b')", FAILED),
    _runs("huge-message", "raise ValueError('x' * 10**6)", FAILED),
]

BY_NAME = {escape.name: escape for escape in CORPUS}
assert len(BY_NAME) == len(CORPUS), "corpus names must be unique"
