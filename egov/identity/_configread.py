"""Strict reading of a JSON configuration object, with errors that name the bad key.

Used by ``egov.identity.issuers``; every error message starts with the dotted path of the
offending key (``issuers[0].claims.roles.map``). Keys starting with ``_`` are comments.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit


class OidcConfigError(ValueError):
    """The OIDC configuration file is missing, not JSON, or does not follow the schema."""


class ConfigObject:
    """One JSON object at ``path``; only ``allowed`` keys (and ``_comments``) are accepted."""

    def __init__(self, data: object, path: str, allowed: Collection[str]) -> None:
        if not isinstance(data, Mapping):
            raise OidcConfigError(f"{path}: expected an object, got {_kind(data)}")
        unknown = sorted(key for key in data if key not in allowed and not str(key).startswith("_"))
        if unknown:
            expected = ", ".join(sorted(allowed))
            raise OidcConfigError(
                f"{self._at(path, unknown[0])}: unknown key (expected {expected})"
            )
        self.data: Mapping[str, Any] = data
        self.path = path

    @staticmethod
    def _at(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def at(self, key: str) -> str:
        return self._at(self.path, key)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            raise OidcConfigError(f"{self.at(key)}: required")
        return text_value(value, self.at(key))

    def optional_text(self, key: str, default: str | None = None) -> str | None:
        if key not in self.data:
            return default
        value = self.data[key]
        return None if value is None else text_value(value, self.at(key))

    def url(self, key: str, required: bool = True) -> str | None:
        value = self.text(key) if required else self.optional_text(key)
        if value is not None:
            check_url(value, self.at(key))
        return value

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, list):
            raise OidcConfigError(f"{self.at(key)}: expected a list of strings, got {_kind(value)}")
        return tuple(text_value(item, f"{self.at(key)}[{i}]") for i, item in enumerate(value))

    def number(self, key: str, default: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise OidcConfigError(f"{self.at(key)}: expected a non-negative integer")
        return value

    def child(self, key: str, allowed: Collection[str]) -> ConfigObject | None:
        value = self.data.get(key)
        return None if value is None else ConfigObject(value, self.at(key), allowed)


def text_value(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OidcConfigError(f"{path}: expected a non-empty string, got {_kind(value)}")
    return value


def check_url(value: str, path: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OidcConfigError(f"{path}: expected an http(s) URL, got {value!r}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
