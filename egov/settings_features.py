"""The settings of the features on top of the case backbone (triage, participation, the
Bürgerbudget vote, open data, the audit checkpoints' TSA, the web frontends): the base of
`egov.settings.Settings`, so that each file stays readable. Declared like every other
setting; `docs/configuration.md` lists them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def setting(default: Any, help: str, env: str | None = None) -> Any:
    return field(default=default, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class FeatureSettings:
    rate_limit_erasure: str = setting(
        "3/day",
        "Erasure requests (GDPR Art. 17) per citizen (POST /me/erasure-requests); each also "
        "needs a recent login (EGOV_REAUTH_MAX_AGE_SECONDS) from a browser session.",
    )
    export_sync_max_bytes: int = setting(
        20 * 1024 * 1024,
        "The data export (GET /me/export) of an account whose stored bytes (submissions, "
        "documents) exceed this is made in the background: POST /me/exports, a Postfach letter "
        "links the download.",
    )
    export_lifetime_days: int = setting(
        7, "A data export made in the background can be downloaded this many days, then deleted."
    )
    triage_plugins: str = setting(
        "rules,local-model",
        "Triage plugins in the order they are asked, comma-separated: rules, local-model, llm "
        "(docs/triage.md); empty: no triage (every triaged case goes to Allgemein).",
    )
    triage_timeout_seconds: float = setting(
        2.0, "Time limit of one triage plugin call; a slower plugin is skipped, never waited for."
    )
    triage_model_dir: str = setting(
        "",
        "Directory of the triage model artifact (model.joblib and meta.json, written by "
        "`egov triage train`) the plugin local-model loads. Empty: the model egov ships.",
    )
    triage_duplicate_days: int = setting(
        14,
        "Plugin rules: an open case of the same applicant or location this many days back "
        "with a similar text is flagged as a likely duplicate.",
    )
    triage_llm_url: str = setting(
        "",
        "Plugin llm: base URL of an OpenAI-compatible API (POST <url>/chat/completions), e.g. "
        "https://llm.intern.example/v1. Empty: the plugin cannot be configured. Personal data "
        "is redacted before a request leaves (docs/triage.md).",
    )
    triage_llm_model: str = setting("", "Plugin llm: the model name sent with each request.")
    triage_llm_api_key: str = setting(
        "", "Plugin llm: bearer token of the endpoint; keep it secret (environment only)."
    )
    triage_llm_timeout_seconds: float = setting(
        10.0,
        "Plugin llm: timeout of one request, capped by EGOV_TRIAGE_TIMEOUT_SECONDS (raise "
        "that too when the llm plugin is used).",
    )
    buergerbudget_ballot_key: str = setting(
        "",
        "Key of the voters' pseudonyms in the Bürgerbudget ballots (HMAC of the subject, "
        "ADR 0031; at least 32 random characters; keep it secret, environment only). Required "
        "unless EGOV_ENV is development or test; there, empty: generated once in EGOV_DATA_DIR. "
        "Changing it during a vote gives every voter a second ballot.",
    )
    participation_anonymous: bool = setting(
        False,
        "Whether participations take anonymous statements (each with an e-mail address, "
        "counted once its confirmation link is followed); needs EGOV_SMTP_URL.",
    )
    statement_confirmation_hours: int = setting(
        72,
        "How long the confirmation link of an anonymous statement works (hours after filing); "
        "the link shows a page whose button confirms, once.",
    )
    statement_max_attachment_bytes: int = setting(
        5 * 1024 * 1024, "Largest attachment of a statement (PDF, PNG, JPEG; at most 5 of them)."
    )
    login_entries_per_address: int = setting(
        50,
        "Pending browser logins kept per client address; a further one evicts the oldest, so "
        "a flood of login starts cannot fill the login store.",
    )
    open_data_publisher: str = setting(
        "Stadt Jena",
        "Publisher of the open-data catalogue (dct:publisher foaf:name, the attribution of "
        "dl-by-de/2.0), docs/open-data.md.",
    )
    open_data_publisher_url: str = setting(
        "https://www.jena.de", "The publisher's URI and the catalogue's homepage (open data)."
    )
    open_data_municipality_key: str = setting(
        "16053000",
        "Amtlicher Gemeindeschlüssel of the city: the datasets' dcatde:politicalGeocodingURI "
        "and dct:spatial (http://dcat-ap.de/def/politicalGeocoding/municipalityKey/<key>).",
    )
    open_data_contributor_id: str = setting(
        "",
        "dcatde:contributorID of the datasets: the URI GovData assigned to the city's data "
        "portal (http://dcat-ap.de/def/contributors/...). Empty: not stated.",
    )
    audit_tsa_url: str = setting(
        "",
        "URL of an RFC 3161 time-stamping authority (HTTP POST application/timestamp-query) "
        "that time-stamps every audit checkpoint (ADR 0045); needs EGOV_AUDIT_TSA_CA_FILE. "
        "Empty: checkpoints are not time-stamped.",
    )
    audit_tsa_ca_file: str = setting(
        "",
        "PEM (or DER) file of the CA certificate(s) the TSA's certificate must chain to; "
        "`egov verify-audit --all` checks the time-stamp against it.",
    )
    audit_tsa_retry_seconds: float = setting(
        300.0,
        "A checkpoint the TSA did not time-stamp (unreachable, refused) is tried again by the "
        "sweep after this long, with a warning line each time it fails.",
    )
    audit_tsa_grace_seconds: float = setting(
        86400.0,
        "With a TSA configured, `egov verify-audit --all` fails when the latest checkpoint is "
        "still not time-stamped this long after it was made (a TSA down for a day is a fault "
        "to act on, not a passing failure the sweep retries).",
    )
    city_name: str = setting(
        "Stadt Jena", "The city's name in the header of the web frontends (docs/frontends.md)."
    )
    ui_imprint_url: str = setting(
        "https://www.jena.de/impressum", "The city's Impressum, linked in every page's footer."
    )
    ui_privacy_url: str = setting(
        "https://www.jena.de/datenschutz",
        "The city's Datenschutzerklärung, linked in every page's footer.",
    )
    ui_accessibility_url: str = setting(
        "https://www.jena.de/barrierefreiheit",
        "The Erklärung zur Barrierefreiheit (BITV 2.0), linked in every page's footer.",
    )
