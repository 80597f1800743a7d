"""How `egov.container.build` makes some of its parts from the settings: the identity
providers and verifiers, the Fachverfahren endpoints, the statements, the open data, the
archive exchange, the start variables and the script limits."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from egov.audit.timestamps import Timestamper, load_trust_roots
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.http_client import OutboundHttp
from egov.identity.builtin_issuers import dev_clients, dev_issuer, single_issuer
from egov.identity.devidp import DevIdentityProvider, ensure_allowed
from egov.identity.devidp_login import DevWebClient
from egov.identity.issuers import Issuers, load_issuers
from egov.identity.jwks import JsonFetcher
from egov.identity.tokens import KeyPair, TokenSettings
from egov.identity.users import demo_users
from egov.identity.verifier import TokenVerifier, build_verifier
from egov.intake.formats import FormatRegistry
from egov.integrations import fachverfahren
from egov.opendata.catalogue import Publisher
from egov.opendata.service import OpenData
from egov.opendata.sources import ProposalSource
from egov.outbox import mail
from egov.participation.public import PublicParticipations
from egov.participation.statements import StatementLimits, Statements
from egov.retention.archive import ArchiveExchange
from egov.retention.xdomea import Authority
from egov.rights.exports import Exports
from egov.settings import Settings
from egov.workflow.script_pool import ScriptLimits

log = logging.getLogger(__name__)


def open_data(
    settings: Settings, db: Database, public: PublicParticipations, proposals: ProposalSource
) -> OpenData:
    publisher = Publisher(
        settings.open_data_publisher,
        settings.open_data_publisher_url,
        settings.open_data_municipality_key,
        settings.open_data_contributor_id,
    )
    return OpenData(
        db,
        f"{settings.base_url}/api/v1",
        publisher,
        proposals,
        public,
    )


def exports(
    db: Database, clock: Clock, files: FileSystemStore, ballot_key: bytes, settings: Settings
) -> Exports:
    return Exports(
        db,
        clock,
        files,
        ballot_key,
        settings.export_sync_max_bytes,
        timedelta(days=settings.export_lifetime_days),
    )


def start_variables(
    *sources: Callable[[str], dict[str, Any]],
) -> Callable[[str], dict[str, Any]]:
    def merged(case_id: str) -> dict[str, Any]:
        return {key: value for source in sources for key, value in source(case_id).items()}

    return merged


def fachdaten_names(registry: FormatRegistry) -> Callable[[str], frozenset[str]]:
    """The process variables the applications of a Fachdaten namespace bring (none if
    unknown: intake refuses such applications)."""

    def names(namespace: str) -> frozenset[str]:
        found = registry.fachdaten_for(namespace)
        return found.data_names() if found is not None else frozenset()

    return names


def statements(
    settings: Settings, db: Database, files: FileSystemStore, clock: Clock
) -> Statements:
    return Statements(
        db,
        files,
        clock,
        confirm_url=f"{settings.base_url}/api/v1/statement-confirmations/{{token}}",
        anonymous=settings.participation_anonymous and mail.configured(settings),
        limits=StatementLimits(max_attachment_bytes=settings.statement_max_attachment_bytes),
    )


def script_limits(settings: Settings) -> ScriptLimits:
    """The sandbox limits of BPMN scripts and expressions (EGOV_SCRIPT_*)."""
    return ScriptLimits(
        time_seconds=settings.script_time_limit_seconds,
        pool_size=settings.script_pool_size,
        memory_mb=settings.script_memory_limit_mb,
        cpu_seconds=settings.script_cpu_limit_seconds,
    )


def endpoints(settings: Settings) -> dict[str, fachverfahren.Endpoint]:
    if not settings.fachverfahren_config:
        return {}
    return fachverfahren.load_config(settings.fachverfahren_config)


def dev_idp(settings: Settings, token_settings: TokenSettings) -> DevIdentityProvider | None:
    if not settings.dev_idp:
        return None
    ensure_allowed(settings.env)
    key = KeyPair.load_or_create(Path(settings.data_dir) / "dev-idp-key.pem")
    web = DevWebClient(
        client_id="egov-web",
        redirect_uri=f"{settings.base_url}/auth/callback/dev",
        post_logout_redirect_uri=f"{settings.base_url}/",
    )
    return DevIdentityProvider(key, token_settings, demo_users(), web)


def issuers(
    settings: Settings, token_settings: TokenSettings, dev_idp: DevIdentityProvider | None
) -> Issuers:
    """The configured issuers, plus the dev IdP (or the single EGOV_TOKEN_ISSUER/JWKS_URL)."""
    issuers = load_issuers(settings.oidc_config) if settings.oidc_config else Issuers((), {})
    if dev_idp is not None:
        dev = dev_issuer(token_settings)
        if dev_idp.web_client is not None:  # browser login at the dev IdP (issuer `dev`)
            dev = dataclasses.replace(dev, browser=dev_idp.web_client.browser_client())
        return issuers.with_issuer(dev, dev_clients(dev_idp.users))
    if (
        settings.token_issuer
        and settings.jwks_url
        and issuers.for_iss(settings.token_issuer) is None
    ):
        legacy = single_issuer(settings.token_issuer, settings.token_audience, settings.jwks_url)
        return issuers.with_issuer(legacy, {})
    return issuers


def verifier(
    settings: Settings, issuers: Issuers, dev_idp: DevIdentityProvider | None
) -> TokenVerifier:
    local = {dev_issuer(dev_idp.settings).name: dev_idp.jwks} if dev_idp is not None else {}
    return build_verifier(
        issuers,
        local,
        cooldown=settings.oidc_jwks_cooldown_seconds,
        max_age=settings.oidc_jwks_max_age_seconds,
        fetcher=JsonFetcher(http=OutboundHttp.from_settings(settings)),
    )


def archive(
    settings: Settings, db: Database, clock: Clock, files: FileSystemStore
) -> ArchiveExchange:
    """The xdomea exchange with the archive of EGOV_ARCHIVE_ENDPOINT (none when empty)."""
    sender, recipient = (
        Authority(*[*value.split("|", 1), ""][:2])
        for value in (settings.archive_sender, settings.archive_recipient)
    )
    schemas = settings.schemas_dir.resolve()
    return ArchiveExchange(db, clock, files, schemas, settings.archive_endpoint, sender, recipient)


def timestamper(settings: Settings, http: OutboundHttp) -> Timestamper | None:
    """The RFC 3161 TSA of the audit checkpoints (ADR 0045), if EGOV_AUDIT_TSA_URL is set."""
    if not settings.audit_tsa_url:
        return None
    if not settings.audit_tsa_ca_file:
        raise RuntimeError("EGOV_AUDIT_TSA_URL needs EGOV_AUDIT_TSA_CA_FILE (the TSA's CA)")
    return Timestamper(
        settings.audit_tsa_url,
        load_trust_roots(settings.audit_tsa_ca_file),
        http,
        settings.audit_tsa_retry_seconds,
        settings.audit_tsa_grace_seconds,
    )
