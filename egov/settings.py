"""One typed settings object. Every variable is declared once, with default and help text.

`docs/configuration.md` is generated from these declarations (`egov config-docs`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egov.settings_features import FeatureSettings, setting

__all__ = ["Settings", "setting"]


@dataclass(frozen=True)
class Settings(FeatureSettings):
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
    cors_origins: str = setting(
        "",
        "Comma-separated exact origins (scheme://host[:port], e.g. https://portal.jena.de) "
        "whose browser pages may call /api/v1 across origins, with credentials; no wildcard. "
        "Empty: none (egov/web/cors.py).",
    )
    proxy_hops: int = setting(
        0,
        "Reverse proxies in front of the web processes whose X-Forwarded-For/-Proto/-Host "
        "headers are trusted (the client address in logs). 0: none; the headers are ignored, "
        "so a client cannot forge its address.",
    )
    max_message_bytes: int = setting(
        50 * 1024 * 1024, "Largest accepted intake message in bytes (413 above)."
    )
    max_xml_depth: int = setting(64, "Deepest accepted XML nesting of an intake message.")
    max_xml_elements: int = setting(100_000, "Most XML elements accepted in one intake message.")
    max_json_bytes: int = setting(
        1024 * 1024,
        "Largest accepted request body in bytes (413 above, before it is parsed), except for "
        "the intake of whole messages (`/submissions`, `/applications` with its attachments, "
        "`/inbound`), which take up to EGOV_MAX_MESSAGE_BYTES.",
    )
    max_json_depth: int = setting(
        32, "Deepest accepted nesting of arrays and objects in a JSON body (400 deeper)."
    )
    max_url_bytes: int = setting(
        8000,
        "Longest accepted request target (path and query) in bytes; longer: 414. gunicorn "
        "itself refuses request lines over 8190 bytes, the embedded server over 65536.",
    )
    max_header_bytes: int = setting(
        32 * 1024,
        "Largest accepted size of all request header fields together (names and values) in "
        "bytes; larger: 431.",
    )
    max_header_fields: int = setting(
        64,
        "Most request header fields accepted (431 above); below the fixed 100 of the "
        "embedded server and the 128 egov/gunicorn.conf.py allows gunicorn.",
    )
    hsts_max_age_seconds: int = setting(
        365 * 24 * 3600,
        "max-age of the Strict-Transport-Security header sent on requests that came over "
        "HTTPS (directly or via the proxies of EGOV_PROXY_HOPS). 0: no header.",
    )
    max_xml_attributes_per_element: int = setting(
        64,
        "Most attributes (namespace declarations included) on one XML element of an intake or "
        "inbound message (400 xml-too-many-attributes above).",
    )
    max_xml_attributes: int = setting(
        20_000,
        "Most attributes (namespace declarations included) in one intake or inbound message.",
    )
    max_xml_text_chars: int = setting(
        1024 * 1024,
        "Longest text node (in characters) of an intake or inbound message, and longest "
        "field of a web form (400 xml-text-too-long, 422 on the form path); base64 attachment "
        "content is streamed and bound by EGOV_MAX_MESSAGE_BYTES only.",
    )
    token_audience: str = setting("egov-api", "Audience that bearer tokens must name.")
    token_issuer: str = setting(
        "", "Issuer of accepted bearer tokens. Empty: the built-in development IdP."
    )
    jwks_url: str = setting("", "JWKS of the token issuer. Empty: the built-in development IdP.")
    dev_idp: bool = setting(
        True,
        "Run the built-in development IdP. Unset with EGOV_ENV=production: off; set to true "
        "there, egov refuses to start.",
    )
    oidc_config: str = setting(
        "",
        "JSON file of accepted OIDC issuers and technical clients (schema in "
        "egov/identity/issuers.py). Empty: only the dev IdP or EGOV_TOKEN_ISSUER/EGOV_JWKS_URL.",
    )
    oidc_jwks_cooldown_seconds: float = setting(
        60.0, "After a JWKS fetch, tokens with an unknown kid cause no refetch for this long."
    )
    oidc_jwks_max_age_seconds: float = setting(
        3600.0, "A cached JWKS older than this is fetched again on next use."
    )
    secret_key: str = setting(
        "",
        "Key that signs the browser session cookies (at least 32 random characters). Required "
        "unless EGOV_ENV is development or test; there, empty: generated once in EGOV_DATA_DIR.",
    )
    secret_key_fallbacks: str = setting(
        "",
        "Earlier session keys, comma-separated, still accepted (never used to sign) while "
        "EGOV_SECRET_KEY is rotated; remove them once the longest session has ended.",
    )
    session_lifetime_seconds: int = setting(
        8 * 3600, "A browser session ends this long after the login, whatever happens in it."
    )
    reauth_max_age_seconds: int = setting(
        900, "Sensitive actions (e.g. deploying a process) need a login at most this old."
    )
    script_time_limit_seconds: float = setting(
        1.0,
        "Wall-clock limit for one BPMN script or expression (script task, condition, DMN "
        "entry, service-task parameter). Past it the sandbox subprocess running it is killed "
        "and replaced; the step ends as an incident `script-time-limit`.",
    )
    script_pool_size: int = setting(
        2,
        "Sandbox subprocesses per egov process (web process or Celery worker) that run BPMN "
        "scripts and expressions; started on first use, more calls at once wait for a free one.",
    )
    script_memory_limit_mb: int = setting(
        256,
        "Memory cap (RLIMIT_AS, address space) of one sandbox subprocess in MiB; a script "
        "allocating beyond it ends as an incident `script-memory-limit`.",
    )
    script_cpu_limit_seconds: int = setting(
        2,
        "CPU-time cap (RLIMIT_CPU) of one script call in whole seconds, enforced by the kernel "
        "in the sandbox subprocess even inside one builtin call (`script-time-limit`).",
    )
    dms_url: str = setting(
        "",
        "DMS that `dms.store` deliveries archive documents in: an http(s) WebDAV collection, or "
        "empty for the folder EGOV_DATA_DIR/dms.",
    )
    dms_username: str = setting("", "User name for the WebDAV DMS (basic auth).")
    dms_password: str = setting("", "Password for the WebDAV DMS (basic auth); keep it secret.")
    dms_timeout_seconds: float = setting(30.0, "Network timeout of one WebDAV DMS request.")
    broker_url: str = setting(
        "",
        "Redis URL of the Celery broker (production mode: `egov worker`, `egov scheduler`). "
        "Empty: embedded mode, work runs in-process after commit plus a sweep every second.",
    )
    worker_concurrency: int = setting(2, "Processes per `egov worker` (Celery prefork pool).")
    task_max_deliveries: int = setting(
        5,
        "A task or outbox row whose worker died this many times ends as an incident "
        "instead of being delivered again.",
    )
    outbox_lease_seconds: float = setting(
        300.0,
        "How long a worker holds an outbox row it delivers; after that a sweep counts the "
        "attempt as crashed and delivers again. Longer than any handler's timeout.",
    )
    sweep_interval_seconds: float = setting(
        1.0, "How often the sweep looks for due outbox rows, timers and stranded cases."
    )
    audit_checkpoint_interval_seconds: float = setting(
        3600.0,
        "How often the sweep signs a checkpoint of the heads of all audit chains (ADR 0044); "
        "0: never (then `egov verify-audit --all` cannot see deleted newest events).",
    )
    audit_signing_key: str = setting(
        "",
        "Ed25519 private key that signs the audit checkpoints: base64 of its 32 bytes or a "
        "PKCS #8 PEM (`egov audit-key` makes one); keep it secret, environment only. Required "
        "unless EGOV_ENV is development or test; there, empty: generated once in EGOV_DATA_DIR.",
    )
    stranded_after_seconds: float = setting(
        60.0,
        "A case without a process instance, or an instance whose engine was not run on after "
        "an input, is started or advanced by the sweep once it is this old (its worker died "
        "or its broker message was lost).",
    )
    migration_stall_seconds: float = setting(
        300.0,
        "A migration batch that is pending and has migrated no instance for this long is run "
        "again by the sweep (its worker died or its broker message was lost); instances "
        "already done are not done again. Longer than the slowest single instance takes.",
    )
    migration_max_attempts: int = setting(
        3,
        "How many runs may start on one instance of a migration batch; a run that dies with "
        "its worker (crash, killed) counts. The next run marks the instance failed "
        "(`migration-attempts-exhausted`), opens an incident and goes on with the rest, so a "
        "batch that kills its worker is not re-sent after every stall period for ever.",
    )
    retention_batch_size: int = setting(
        50,
        "How many due cases (retention ended, no hold, no archive duty) one sweep erases, each "
        'in its own transaction (`docs/operations.md` "Aufbewahrung"); 0 turns the erasure '
        "by the sweep off (`egov retention run --execute` still erases).",
    )
    plugins: str = setting(
        "",
        "Comma-separated modules whose `register(container)` runs when a process is built "
        "(delivery handlers of adapters).",
    )
    fachverfahren_config: str = setting(
        "",
        'JSON file of Fachverfahren endpoints per procedure: {"<procedure>": {"url", '
        '"secret_env", "timeout_seconds"}} (egov/integrations/fachverfahren.py); the '
        "HMAC secrets come from the named environment variables. Empty: none.",
    )
    archive_endpoint: str = setting(
        "",
        "The public archive's key in EGOV_FACHVERFAHREN_CONFIG (its URL and HMAC secret): where "
        "the xdomea Aussonderung goes (the Anbieteverzeichnis 0501), and the `procedure` under "
        "which the archive posts its answers to /api/v1/inbound (egov/retention/archive.py, "
        "docs/retention.md). Empty: no archive; cases with archive duty wait.",
    )
    archive_sender: str = setting(
        "stadt|Stadtverwaltung",
        "The city as sender of xdomea messages: `Behördenschlüssel|Name`.",
    )
    archive_recipient: str = setting(
        "archiv|Archiv",
        "The archive as their recipient: `Behördenschlüssel|Name`.",
    )
    smtp_url: str = setting(
        "",
        "SMTP server for notification e-mails (kind `email`): smtp://host[:port] (port 25, "
        "STARTTLS per EGOV_SMTP_STARTTLS) or smtps://host[:port] (port 465, TLS from the "
        "start); no user or password in the URL. Empty: no e-mail is sent, and an escalation "
        "is audited as `escalation.unnotified`.",
    )
    smtp_starttls: bool = setting(
        True, "Require STARTTLS on an smtp:// server (turn off only for a relay on loopback)."
    )
    smtp_from: str = setting(
        "", "Sender address of notification e-mails (required with EGOV_SMTP_URL)."
    )
    smtp_username: str = setting(
        "", "SMTP AUTH user; empty: no login. Set it in the environment only."
    )
    smtp_password: str = setting("", "SMTP AUTH password; keep it secret (environment only).")
    smtp_timeout_seconds: float = setting(30.0, "Network timeout of one SMTP conversation.")
    email_case_url: str = setting(
        "",
        "Link to a case in notification e-mails, a template with {case_id} and {reference} "
        "(e.g. the clerk UI). Empty: EGOV_PUBLIC_URL/api/v1/cases/{case_id}.",
    )
    email_postfach_url: str = setting(
        "",
        "Link to the citizen portal's Postfach in the e-mail that tells an applicant of a new "
        "letter, a template with {reference}. Empty: the e-mail names the case reference only.",
    )
    letter_font: str = setting(
        "",
        "TrueType font embedded in the PDF/A of a Bescheid (egov/postfach/bescheid_pdf.py). "
        "Empty: DejaVu Sans, shipped in egov/postfach/fonts/ (its licence is next to it).",
    )
    letter_seal_pkcs12: str = setting(
        "",
        "PKCS#12 file with the key and certificate that seal a Bescheid's PDF/A (PAdES, "
        "egov/postfach/seal.py). Empty: Bescheide are not sealed.",
    )
    letter_seal_password: str = setting(
        "", "Password of EGOV_LETTER_SEAL_PKCS12; keep it secret (environment only)."
    )
    webhooks: str = setting(
        "",
        'Webhook subscribers as a JSON list: [{"url", "events": [...], "secret_env", '
        '"timeout_seconds"?}] (docs/integrations.md); the HMAC secret comes from the '
        "environment variable named by secret_env. Empty: no webhooks.",
    )
    dev_fachverfahren: bool = setting(
        True,
        "With EGOV_ENV=development: serve a stub Fachverfahren at /dev-fachverfahren/<procedure> "
        "that verifies the signed call and answers 200, and send every procedure that "
        "EGOV_FACHVERFAHREN_CONFIG does not name there (so `make run` passes the Bauantrag's "
        "Fachverfahren step). Ignored in any other environment.",
    )
    ca_bundle: str = setting(
        "",
        "CA bundle (PEM file or folder) that outbound HTTPS calls (Fachverfahren, webhooks, "
        "JWKS, WebDAV DMS) verify servers against, e.g. with the city's own CA. Empty: the "
        "bundle of certifi. Verification cannot be turned off. The proxy of outbound calls "
        "comes from HTTPS_PROXY, HTTP_PROXY and NO_PROXY (egov/http_client.py).",
    )
    http_connect_timeout_seconds: float = setting(
        5.0, "Connect timeout of every outbound HTTP call (capped by the call's own timeout)."
    )
    http_timeout_seconds: float = setting(
        10.0, "Read timeout of outbound HTTP calls that have none of their own (JWKS, discovery)."
    )
    rate_limit_storage_url: str = setting(
        "",
        "Where rate-limit counters live: memory:// (one process) or a redis:// URL shared by "
        "every web process. Empty: EGOV_BROKER_URL in production mode, else memory://.",
    )
    rate_limit_login: str = setting(
        "20/minute",
        "Login attempts per client address (browser login, dev IdP login and token endpoint).",
    )
    rate_limit_token_failures: str = setting(
        "30/minute",
        "Refused tokens (401) per client address; past it, that address gets 429 on the API "
        "until the window has passed.",
    )
    rate_limit_intake: str = setting(
        "120/minute",
        "Submissions and web-form applications per citizen or client (POST /submissions, "
        "POST /applications).",
    )
    rate_limit_statements: str = setting(
        "10/hour",
        "Statements on a participation per citizen, and per client address for anonymous ones "
        "(POST /participations/{id}/statements).",
    )
    bpmn_dir: Path = setting(Path("./bpmn"), "Folder of shipped process definitions.")
    schemas_dir: Path = setting(Path("./schemas"), "Folder of shipped XSDs.")
    log_level: str = setting("INFO", "Python log level.")
    metrics_gauge_seconds: float = setting(
        15.0,
        "How long a process serves the domain gauges of /metrics (cases, tasks, incidents, "
        "outbox rows, instances awaiting an advance) from its cache before counting again.",
    )
    log_format: str = setting(
        "",
        "Log lines as `json` (one JSON object per line) or `text`. Empty: json when "
        "EGOV_ENV=production, text otherwise (`make run`, tests). Every line carries the "
        "correlation id of its request.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(env_name(f))
            if raw is not None:
                values[f.name] = _convert(f, raw)
        values.update(overrides)
        if values.get("env") == "production" and "dev_idp" not in values:
            values["dev_idp"] = False  # production never runs it; only an explicit true asks
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
