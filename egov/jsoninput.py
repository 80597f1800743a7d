"""JSON from clients, parsed with limits: nesting no deeper than a limit (counted before the
parse, so a hostile body never reaches the recursion of `json.loads`), finite numbers only,
and no NUL character and no lone surrogate (`"\\ud800"`) in any string or key: PostgreSQL's
text and JSONB cannot hold a NUL, and a lone surrogate is no character UTF-8 can store.

Used for request bodies (egov/web), the `cursor` of case lists and the JSON files of process
bundles. A refusal is a `JsonRefused`, shaped like a domain error (code, German message,
invalid_params naming where it is), which callers answer or translate.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")
# a JSON string (skipped whole), or one bracket
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")


class JsonRefused(Exception):
    """JSON that egov does not parse or store: `code` json-too-deep or input-nul-byte."""

    def __init__(self, code: str, message: str, name: str, reason: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.name = name
        self.invalid_params = [{"name": name, "reason": reason}]


def loads(data: bytes | str, *, max_depth: int, name: str = "body") -> Any:
    """Parse `data`; `name` is what the caller calls it (the root of the paths in refusals).
    Malformed JSON and numbers that are not finite raise `ValueError`, as `json.loads` does."""
    text = data if isinstance(data, str) else data.decode(json.detect_encoding(data), "replace")
    check_depth(text, max_depth, name)
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError as exc:  # cannot happen below the limit; never a 500 anyway
        raise too_deep(name, max_depth) from exc
    refuse_nul(value, name)
    refuse_surrogates(value, name)
    return value


def check_depth(text: str, max_depth: int, name: str) -> None:
    """Brackets outside strings, counted without parsing: deeper than `max_depth` is refused."""
    depth = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > max_depth:
                raise too_deep(name, max_depth)
        elif token in _CLOSING:
            depth -= 1


def too_deep(name: str, max_depth: int) -> JsonRefused:
    return JsonRefused(
        "json-too-deep",
        "Das JSON ist zu tief verschachtelt.",
        name,
        f"höchstens {max_depth} Ebenen",
    )


def refuse_nul(value: Any, name: str) -> None:
    """Refuse a NUL character in any string or key of a parsed JSON value."""
    where = nul_at(value)
    if where is not None:
        path = name if not where else (f"{name}{where}" if where[0] == "[" else where)
        raise nul_refused(path)


def nul_refused(name: str) -> JsonRefused:
    return JsonRefused(
        "input-nul-byte",
        "Die Anfrage enthält ein NUL-Zeichen.",
        name.replace(NUL, "\\u0000"),
        "NUL-Zeichen (U+0000) sind nicht erlaubt",
    )


def refuse_surrogates(value: Any, name: str) -> None:
    """Refuse a lone surrogate in any string or key of a parsed JSON value."""
    where = text_at(value, _SURROGATE.search)
    if where is not None:
        path = name if not where else (f"{name}{where}" if where[0] == "[" else where)
        raise JsonRefused(
            "input-not-unicode",
            "Die Anfrage enthält einen Text, der kein gültiges Unicode ist.",
            _SURROGATE.sub("?", path),
            "einzelne Ersatzzeichen (U+D800 bis U+DFFF) sind nicht erlaubt",
        )


def nul_at(value: Any) -> str | None:
    """The path (`data.title`, `attachments[0].filename`) of the first string or key that
    holds a NUL character; "" for the value itself; None if there is none."""
    return text_at(value, lambda text: NUL in text)


def text_at(value: Any, found: Any) -> str | None:
    """The path of the first string or key of `value` for which `found(text)` is true."""
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if found(item):
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if found(key):
                    return child_path
                pending.append((child_path, child))
        elif isinstance(item, list):
            pending.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


def _no_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:20]} is out of range")
    return number
