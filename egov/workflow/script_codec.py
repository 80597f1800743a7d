"""The wire format between egov and its sandbox subprocesses: framed JSON, never pickle.

A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON. Values are JSON with
a small tagged encoding for the Python types scripts may produce, so that a subprocess that was
taken over can send nothing but data: decoding builds only ``None``, ``bool``, ``int``,
``float``, ``str``, ``list``, ``dict``, ``tuple``, ``set``, ``Decimal``, ``datetime``, ``date``
and ``timedelta``.

A tagged value is an object ``{"$egov": <tag>, "v": <payload>}``. A dict whose keys are not all
strings, or that has the key ``"$egov"`` itself, travels tagged as ``dict`` with a list of
pairs, so task data can never be mistaken for a tag. Standard library only (the sandbox
subprocess imports this module).
"""

from __future__ import annotations

import datetime as _dt
import json
import struct
from decimal import Decimal
from typing import Any

TAG = "$egov"
HEADER = struct.Struct(">I")
MAX_FRAME_BYTES = 16 * 1024 * 1024


class CodecError(ValueError):
    """A value cannot travel (unknown type), or a received frame is malformed."""


def _tagged(tag: str, payload: Any) -> dict[str, Any]:
    return {TAG: tag, "v": payload}


def encode_value(value: Any) -> Any:
    """A JSON-compatible form of ``value``; :class:`CodecError` for a type that cannot go."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        return _encode_dict(value)
    return _encode_other(value)


def _encode_dict(value: dict[Any, Any]) -> Any:
    if TAG not in value and all(isinstance(k, str) for k in value):
        return {k: encode_value(v) for k, v in value.items()}
    return _tagged("dict", [[encode_value(k), encode_value(v)] for k, v in value.items()])


def _encode_other(value: Any) -> Any:
    if isinstance(value, tuple):
        return _tagged("tuple", [encode_value(v) for v in value])
    if isinstance(value, set | frozenset):
        return _tagged("set", [encode_value(v) for v in value])
    if isinstance(value, Decimal):
        return _tagged("decimal", str(value))
    if isinstance(value, _dt.datetime):
        return _tagged("datetime", value.isoformat())
    if isinstance(value, _dt.date):
        return _tagged("date", value.isoformat())
    if isinstance(value, _dt.timedelta):
        return _tagged("timedelta", [value.days, value.seconds, value.microseconds])
    raise CodecError(f"Typ {type(value).__name__} ist nicht übertragbar")


def decode_value(value: Any) -> Any:
    """The inverse of :func:`encode_value`; :class:`CodecError` for anything unexpected."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if not isinstance(value, dict):
        raise CodecError("Unerwarteter Wert")
    if TAG in value:
        return _decode_tagged(value)
    return {k: decode_value(v) for k, v in value.items()}


def _items(payload: Any) -> list[Any]:
    if not isinstance(payload, list):
        raise CodecError("Unerwarteter Wert")
    return [decode_value(v) for v in payload]


def _text(payload: Any) -> str:
    if not isinstance(payload, str):
        raise CodecError("Unerwarteter Wert")
    return payload


def _decode_pairs(payload: Any) -> dict[Any, Any]:
    pairs = _items(payload)
    if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise CodecError("Unerwarteter Wert")
    try:
        return {key: item for key, item in pairs}
    except TypeError as exc:  # an unhashable key
        raise CodecError("Unerwarteter Wert") from exc


def _decode_timedelta(payload: Any) -> _dt.timedelta:
    parts = _items(payload)
    if len(parts) != 3 or not all(type(p) is int for p in parts):
        raise CodecError("Unerwarteter Wert")
    return _dt.timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2])


def _decode_tagged(value: dict[str, Any]) -> Any:
    if set(value) != {TAG, "v"}:
        raise CodecError("Unerwarteter Wert")
    tag, payload = value[TAG], value["v"]
    try:
        if tag == "dict":
            return _decode_pairs(payload)
        if tag == "tuple":
            return tuple(_items(payload))
        if tag == "set":
            return set(_items(payload))
        if tag == "decimal":
            return Decimal(_text(payload))
        if tag == "datetime":
            return _dt.datetime.fromisoformat(_text(payload))
        if tag == "date":
            return _dt.date.fromisoformat(_text(payload))
        if tag == "timedelta":
            return _decode_timedelta(payload)
    except (ArithmeticError, ValueError, TypeError, OverflowError) as exc:
        raise CodecError("Unerwarteter Wert") from exc
    raise CodecError("Unerwarteter Wert")


def dumps(message: dict[str, Any]) -> bytes:
    """One message as frame body (the values in it already encoded)."""
    return json.dumps(message, separators=(",", ":")).encode("ascii")


def loads(body: bytes) -> dict[str, Any]:
    """One frame body as message; :class:`CodecError` if it is not a JSON object."""
    try:
        message = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise CodecError("Unlesbare Nachricht") from exc
    if not isinstance(message, dict):
        raise CodecError("Unlesbare Nachricht")
    return message


def frame(body: bytes) -> bytes:
    return HEADER.pack(len(body)) + body
