"""FEEL simple unary tests in DMN input entries, as the sandbox's Python with ``?``.

SpiffWorkflow 3.2.0 reads an input entry as Python: ``> 100`` becomes ``input > 100`` and
anything else ``(input) == (entry)``. So a FEEL list ``"a","b"`` compared a value with a tuple
and never matched, ``not(5)`` compared with ``False``, and an interval ``[1..10]`` did not
parse. :func:`python_entry` rewrites the FEEL forms (DMN 1.3, "simple unary tests") into
Python over ``?`` (SpiffWorkflow's placeholder for the input value) before the DMN file is
parsed; the stored file stays as deployed:

* ``"a","b"`` -> ``(? == "a") or (? == "b")``; ``< 3, > 10`` -> ``(? < 3) or (? > 10)``
* ``[1..10]`` -> ``(1 <= ? <= 10)``, ``]1..10[`` / ``(1..10)`` -> ``(1 < ? < 10)``
* ``not(...)`` -> ``not (...)`` of the tests inside
* ``-`` (any value) stays; a single value, a single comparison or Python with ``?`` stays as
  SpiffWorkflow reads it.
"""

from __future__ import annotations

import re

ANY = "-"
_INTERVAL = re.compile(r"^([\[\]\(])\s*(.+?)\s*\.\.\s*(.+?)\s*([\[\]\)])$", re.DOTALL)
_COMPARISON = re.compile(r"^(<=|>=|<|>)\s*(.+)$", re.DOTALL)
_NOT = re.compile(r"^not\s*\((.*)\)$", re.DOTALL)


def split_top_level(text: str) -> list[str]:
    """The comma-separated parts of `text`, not splitting inside quotes or brackets."""
    parts, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def _interval(text: str) -> str | None:
    match = _INTERVAL.match(text)
    if match is None:
        return None
    opening, low, high, closing = match.groups()
    lower = "<=" if opening == "[" else "<"
    upper = "<=" if closing == "]" else "<"
    return f"({low} {lower} ? {upper} {high})"


def _test(part: str) -> str:
    """One simple positive unary test as Python over ``?``."""
    if part == ANY:
        return "True"
    interval = _interval(part)
    if interval is not None:
        return interval
    comparison = _COMPARISON.match(part)
    if comparison is not None:
        return f"(? {comparison.group(1)} {comparison.group(2)})"
    return f"(? == {part})"


def _is_feel(text: str, parts: list[str]) -> bool:
    return len(parts) > 1 or _interval(text) is not None or _NOT.match(text) is not None


def python_entry(text: str) -> str:
    """The input entry as SpiffWorkflow should read it (unchanged unless it is FEEL only)."""
    stripped = text.strip()
    if not stripped or stripped == ANY or "?" in _unquoted(stripped):
        return text
    parts = split_top_level(stripped)
    if not _is_feel(stripped, parts):
        return text
    negated = _NOT.match(stripped)
    if negated is not None:
        inner = split_top_level(negated.group(1).strip())
        return f"not ({' or '.join(_test(p) for p in inner)})"
    return " or ".join(_test(p) for p in parts)


def _unquoted(text: str) -> str:
    """`text` without its string literals (a ``?`` inside quotes is no placeholder)."""
    return re.sub(r"\"[^\"]*\"|'[^']*'", "", text)


__all__ = ["python_entry", "split_top_level"]
