"""One typed settings object. Every variable is declared once, with default and help text.

`docs/configuration.md` is generated from these declarations (`egov config-docs`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def setting(default: Any, help: str, env: str | None = None) -> Any:
    return field(default=default, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class Settings:
    env: str = setting("development", "Deployment environment: development, test or production.")
    data_dir: Path = setting(
        Path("./var"), "Folder for the SQLite database, the document store and the dev IdP key."
    )
    database_url: str = setting(
        "", "SQLAlchemy URL. Empty: SQLite in EGOV_DATA_DIR/egov.sqlite3 (embedded default)."
    )
    host: str = setting("127.0.0.1", "Interface the built-in server listens on.")
    port: int = setting(8000, "Port the built-in server listens on.")
    public_url: str = setting(
        "", "Public base URL of this instance. Empty: http://EGOV_HOST:EGOV_PORT."
    )
    max_message_bytes: int = setting(
        50 * 1024 * 1024, "Largest accepted intake message in bytes (413 above)."
    )
    max_xml_depth: int = setting(64, "Deepest accepted XML nesting of an intake message.")
    max_xml_elements: int = setting(100_000, "Most XML elements accepted in one intake message.")
    token_audience: str = setting("egov-api", "Audience that bearer tokens must name.")
    token_issuer: str = setting(
        "", "Issuer of accepted bearer tokens. Empty: the built-in development IdP."
    )
    jwks_url: str = setting("", "JWKS of the token issuer. Empty: the built-in development IdP.")
    dev_idp: bool = setting(
        True, "Run the built-in development IdP (refused when EGOV_ENV=production)."
    )
    script_time_limit_seconds: float = setting(
        1.0, "Wall-clock limit for one BPMN script or expression."
    )
    bpmn_dir: Path = setting(Path("./bpmn"), "Folder of shipped process definitions.")
    schemas_dir: Path = setting(Path("./schemas"), "Folder of shipped XSDs.")
    log_level: str = setting("INFO", "Python log level.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(env_name(f))
            if raw is not None:
                values[f.name] = _convert(f, raw)
        values.update(overrides)
        return cls(**values)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'egov.sqlite3').resolve()}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def effective_token_issuer(self) -> str:
        return self.token_issuer or f"{self.base_url}/dev-idp"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"


def env_name(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get("env") or f"EGOV_{f.name.upper()}"


def _convert(f: dataclasses.Field[Any], raw: str) -> Any:
    kind: Any = type(f.default)
    if kind is bool:
        if raw.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise ValueError(f"{env_name(f)}: expected a boolean, got {raw!r}")
        return raw.lower() in {"1", "true", "yes", "on"}
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"{env_name(f)}: expected a number, got {raw!r}") from None
    if isinstance(f.default, Path):
        return Path(raw)
    return raw


def configuration_markdown() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from `egov/settings.py` by `egov config-docs`; do not edit by hand.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for f in dataclasses.fields(Settings):
        lines.append(f"| `{env_name(f)}` | `{f.default}` | {f.metadata['help']} |")
    return "\n".join(lines) + "\n"
