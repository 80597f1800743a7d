"""The wiring of one egov process: database, stores, engine, services. Built by create_app,
by the CLI and by each Celery worker process from the same settings; nothing here runs at
import time. Every service a handler or command calls is an attribute of the `Container`."""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from egov.audit import guard
from egov.audit.checkpoints import Checkpoints
from egov.audit.signing import signer
from egov.buergerbudget import vote as buergerbudget_vote
from egov.buergerbudget.implementation import (
    Implementations,
    begin_operator,
    implemented_message,
)
from egov.buergerbudget.results import PublicRounds, result_operator
from egov.buergerbudget.round_chains import RoundChains
from egov.buergerbudget.rounds import RoundService
from egov.buergerbudget.vote import Vote, ballot_key
from egov.buergerbudget.vote_tally import Tallies
from egov.casefile.service import CaseFile
from egov.cases.store import Case
from egov.catalogue.service import Catalogue
from egov.clock import Clock, utcnow
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.http_client import OutboundHttp
from egov.identity.assertions import AssertionVerifier, build_assertion_verifier
from egov.identity.builtin_issuers import dev_clients, dev_issuer, single_issuer
from egov.identity.devidp import DevIdentityProvider, ensure_allowed
from egov.identity.devidp_login import DevWebClient
from egov.identity.directory import Directory
from egov.identity.issuers import Issuers, load_issuers
from egov.identity.jwks import JsonFetcher
from egov.identity.login_store import DatabaseLoginCache
from egov.identity.tokens import KeyPair, TokenSettings
from egov.identity.users import demo_users
from egov.identity.verifier import TokenVerifier, build_verifier
from egov.intake.formats import FormatRegistry, default_registry
from egov.intake.service import Intake
from egov.intake.webform import Applications
from egov.intake.xbeteiligung import AKTUALISIEREN_ROOT, INFORMATION_ROOTS, PROCEDURE_KEY
from egov.intake.xfall import NS_BETEILIGUNG
from egov.intake.xml_guard import Limits
from egov.integrations import dms, email, fachverfahren, stub_fachverfahren, webhooks
from egov.integrations.correlation import discard_inbound, follow_up_correlator, held_releaser
from egov.integrations.inbound import Inbound, planning_update
from egov.integrations.stub_fachverfahren import StubFachverfahren
from egov.opendata.catalogue import Publisher
from egov.opendata.rounds import RoundProposals
from egov.opendata.service import OpenData
from egov.opendata.sources import CaseProposals, ProposalSource
from egov.outbox import mail
from egov.outbox.service import Outbox
from egov.participation import operators as participation_operators
from egov.participation.confirmation import Confirmations
from egov.participation.messages import filing as statement_filing
from egov.participation.moderation import Moderation
from egov.participation.public import PublicParticipations
from egov.participation.report import Reports
from egov.participation.statements import StatementLimits, Statements
from egov.participation.toeb import Invitations
from egov.postfach import letters
from egov.postfach.service import Postfach
from egov.retention.archive import ArchiveExchange
from egov.retention.service import Retention
from egov.retention.xdomea import Authority
from egov.rights.service import Rights
from egov.runtime import dispatch
from egov.runtime.incidents import Incidents
from egov.runtime.monitoring import Monitor
from egov.settings import Settings
from egov.triage import decisions as triage_decisions
from egov.triage.service import OPERATOR as TRIAGE_OPERATOR
from egov.triage.service import TriageDesk, chain_of
from egov.workflow.commands import InstanceCommands
from egov.workflow.deploy import ProcessDefinitions
from egov.workflow.inbox import Inbox
from egov.workflow.instances import Instances
from egov.workflow.migration_service import Migrations
from egov.workflow.operators import OperatorRegistry
from egov.workflow.script_pool import ScriptLimits
from egov.workflow.service import Workflows

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    clock: Clock
    db: Database
    files: FileSystemStore
    registry: FormatRegistry
    # services, each opening its own transactions
    intake: Intake
    applications: Applications
    workflows: Workflows
    migrations: Migrations  # instances moved to another version (issue 12)
    inbox: Inbox
    case_file: CaseFile
    checkpoints: Checkpoints  # signed heads of all audit chains (ADR 0044)
    postfach: Postfach
    outbox: Outbox
    inbound: Inbound
    incidents: Incidents
    instances: Instances
    instance_commands: InstanceCommands
    definitions: ProcessDefinitions
    catalogue: Catalogue  # the procedures portals read (GET /procedures)
    directory: Directory
    monitor: Monitor
    triage: TriageDesk  # suggestions, the clerk's decision, override metrics (issue 13)
    statements: Statements  # statements on participations (issue 14)
    moderation: Moderation  # hiding and weighing them
    confirmations: Confirmations  # anonymous statements confirmed by their e-mail link
    reports: Reports  # the weighing report, published, authors told
    public_participations: PublicParticipations  # the public read side, no personal data
    invitations: Invitations  # the round of public bodies (TöB)
    open_data: OpenData  # the DCAT-AP.de catalogue and its datasets (issue 15)
    retention: Retention  # legal holds (issue 16)
    rights: Rights  # the citizen's rights: export, withdrawal, e-mail, erasure (issue 16)
    archive: ArchiveExchange  # the xdomea Aussonderung (issue 16)
    rounds: RoundService  # Bürgerbudget rounds as data (issue 15)
    vote: Vote  # the citizens' ballots
    tallies: Tallies  # the tally, its verification, offline votes
    implementations: Implementations  # funded proposals: milestones, cost, photos
    public_rounds: PublicRounds  # the public round page, no personal data
    # identity
    token_settings: TokenSettings
    dev_idp: DevIdentityProvider | None
    issuers: Issuers
    verifier: TokenVerifier
    assertions: AssertionVerifier  # portals' applicant assertions (identity/on_behalf.py)
    login_cache: DatabaseLoginCache  # browser login state and logouts, shared by processes
    dev_fachverfahren: StubFachverfahren | None = None  # /dev-fachverfahren (development only)


def build(settings: Settings, clock: Clock = utcnow) -> Container:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    guard.install(db.sessions, audited=[Case])
    files = FileSystemStore(settings.documents_dir)
    registry = default_registry(settings.schemas_dir.resolve())
    operators = OperatorRegistry.with_builtins()
    letters.register(
        operators,
        letters.LetterNotice.from_settings(settings),
        letters.BescheidPdf.from_settings(settings),
    )
    outbox = Outbox(
        db=db,
        clock=clock,
        lease_seconds=settings.outbox_lease_seconds,
        max_crashes=settings.task_max_deliveries,
    )
    sender = dispatch.sender_for(settings)  # None: embedded mode, work runs in this process
    http = OutboundHttp.from_settings(settings)  # every outbound HTTP call (egov/http_client.py)
    endpoints = _fachverfahren(settings)
    participation_operators.register(operators, answers=PROCEDURE_KEY in endpoints)
    operators.register("buergerbudget.zulassen", buergerbudget_vote.admit)
    operators.register("buergerbudget.abstimmung", buergerbudget_vote.vote_state)
    operators.register("buergerbudget.ergebnis", result_operator)
    operators.register("buergerbudget.umsetzung", begin_operator)
    adapter = fachverfahren.FachverfahrenAdapter(db, files, endpoints, http=http)
    dev_fachverfahren = stub_fachverfahren.install(adapter, settings)  # development only
    outbox.register(fachverfahren.KIND, adapter)
    dms.register(outbox, db, files, dms.build_target(settings, http), clock)
    email.register(outbox, settings)  # kind `email` if EGOV_SMTP_URL is set
    webhooks.install(outbox, db.sessions, settings, http=http)  # kind `webhook`, EGOV_WEBHOOKS
    workflows = Workflows(
        db=db,
        files=files,
        operators=operators,
        clock=clock,
        script_limits=script_limits(settings),
        on_outbox=dispatch.on_outbox(sender, outbox),
    )
    limits = Limits(
        max_bytes=settings.max_message_bytes,
        max_depth=settings.max_xml_depth,
        max_elements=settings.max_xml_elements,
        max_attributes_per_element=settings.max_xml_attributes_per_element,
        max_attributes=settings.max_xml_attributes,
        max_text_chars=settings.max_xml_text_chars,
    )
    intake = Intake(
        db=db,
        files=files,
        registry=registry,
        limits=limits,
        clock=clock,
        after_commit=dispatch.after_commit(sender, workflows),
        on_follow_up=follow_up_correlator(workflows),
    )
    inbound = Inbound(db, files, workflows, endpoints, limits, settings.schemas_dir.resolve())
    incidents = Incidents(db, workflows, outbox, inbound)
    archive = _archive(settings, db, clock, files)
    if archive.configured:
        inbound.handlers[archive.endpoint] = archive.receive
    for root in (AKTUALISIEREN_ROOT, *INFORMATION_ROOTS):
        intake.updates[root] = planning_update(inbound)
    statements = _statements(settings, db, files, clock)
    public = PublicParticipations(db, files)
    intake.filings[NS_BETEILIGUNG] = statement_filing(statements)  # statements through XFall
    token_settings = TokenSettings(
        issuer=settings.effective_token_issuer, audience=settings.token_audience
    )
    dev_idp = _dev_idp(settings, token_settings)
    issuers = _issuers(settings, token_settings, dev_idp)
    inbox = Inbox(db=db, workflows=workflows, guard=triage_decisions.guard)
    triage = TriageDesk(db, clock, chain_of(settings, db, clock), inbox)
    operators.register(TRIAGE_OPERATOR, triage.operator)
    rounds = RoundService(db, clock)
    instance_commands = InstanceCommands(
        workflows,
        on_resume=held_releaser(workflows),
        on_discard=discard_inbound,
        retry=incidents.retry,
    )
    voters = ballot_key(settings.buergerbudget_ballot_key, settings.env, settings.data_dir)
    public_rounds = PublicRounds(db, clock, rounds, files)
    # start variables: a procedure triaged on intake; a Bürgerbudget proposal's round
    workflows.prepare_start = _start_variables(triage.start_variables, rounds.start_variables)
    migrations = Migrations(
        db, clock, script_limits(settings), max_attempts=settings.migration_max_attempts
    )
    migrations.after_commit = dispatch.on_migration(sender, migrations.run)
    container = Container(
        settings=settings,
        clock=clock,
        db=db,
        files=files,
        registry=registry,
        intake=intake,
        applications=Applications(db, clock, intake),
        workflows=workflows,
        migrations=migrations,
        inbox=inbox,
        case_file=CaseFile(db, files),
        checkpoints=Checkpoints(
            db,
            clock,
            signer(settings.audit_signing_key, settings.env, settings.data_dir),
            sources=(RoundChains(),),
        ),
        postfach=Postfach(db, workflows),
        outbox=outbox,
        inbound=inbound,
        incidents=incidents,
        instances=Instances(db, workflows.script_limits),
        instance_commands=instance_commands,
        definitions=ProcessDefinitions(
            db, clock, operators, outbox.handlers.keys, fachdaten_names(registry)
        ),
        catalogue=Catalogue(db, registry),
        directory=Directory(db, clock, issuers.names()),
        monitor=Monitor(
            db,
            clock,
            settings.stranded_after_seconds,
            broker_url=settings.broker_url,
            gauge_seconds=settings.metrics_gauge_seconds,
        ),
        triage=triage,
        token_settings=token_settings,
        dev_idp=dev_idp,
        issuers=issuers,
        verifier=_verifier(settings, issuers, dev_idp),
        assertions=build_assertion_verifier(
            issuers,
            cooldown=settings.oidc_jwks_cooldown_seconds,
            max_age=settings.oidc_jwks_max_age_seconds,
            fetcher=JsonFetcher(http=http),
        ),
        login_cache=DatabaseLoginCache(db, clock, settings.login_entries_per_address),
        statements=statements,
        moderation=Moderation(db, clock),
        confirmations=Confirmations(
            db, clock, timedelta(hours=settings.statement_confirmation_hours)
        ),
        reports=Reports(db, files, clock, mail=mail.configured(settings)),
        public_participations=public,
        invitations=Invitations(
            db,
            clock,
            answer_url=f"{settings.base_url}/api/v1/toeb-answers/{{token}}",
            mail=mail.configured(settings),
        ),
        open_data=_open_data(
            settings,
            db,
            public,
            RoundProposals(
                CaseProposals(db, workflows.script_limits), rounds, public_rounds, clock
            ),
        ),
        retention=Retention(db, clock, files),
        archive=archive,
        rounds=rounds,
        rights=Rights(db, clock, files, voters, instance_commands),
        vote=Vote(db, clock, voters),
        tallies=Tallies(db, clock),
        public_rounds=public_rounds,
        implementations=Implementations(db, files, clock, on_done=implemented_message(workflows)),
        dev_fachverfahren=dev_fachverfahren,
    )
    load_plugins(container)  # EGOV_PLUGINS: delivery handlers of adapters
    return container


def _open_data(
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


def _start_variables(
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


def _statements(
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


def load_plugins(container: Container) -> None:
    """Call `register(container)` of every module named in EGOV_PLUGINS."""
    for name in filter(None, (n.strip() for n in container.settings.plugins.split(","))):
        module: Any = importlib.import_module(name)
        module.register(container)
        log.info("plugin_loaded module=%s", name)


def _fachverfahren(settings: Settings) -> dict[str, fachverfahren.Endpoint]:
    if not settings.fachverfahren_config:
        return {}
    return fachverfahren.load_config(settings.fachverfahren_config)


def _dev_idp(settings: Settings, token_settings: TokenSettings) -> DevIdentityProvider | None:
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


def _issuers(
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


def _verifier(
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


def _archive(
    settings: Settings, db: Database, clock: Clock, files: FileSystemStore
) -> ArchiveExchange:
    """The xdomea exchange with the archive of EGOV_ARCHIVE_ENDPOINT (none when empty)."""
    sender, recipient = (
        Authority(*[*value.split("|", 1), ""][:2])
        for value in (settings.archive_sender, settings.archive_recipient)
    )
    schemas = settings.schemas_dir.resolve()
    return ArchiveExchange(db, clock, files, schemas, settings.archive_endpoint, sender, recipient)
