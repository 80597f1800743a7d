"""The wiring of one egov process: database, stores, engine, services. Built by create_app,
by the CLI and by each Celery worker process from the same settings; nothing here runs at
import time. Every service a handler or command calls is an attribute of the `Container`."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from egov import wiring
from egov.audit import guard
from egov.audit.checkpoints import Checkpoints
from egov.audit.signing import signer
from egov.buergerbudget import vote as buergerbudget_vote
from egov.buergerbudget.implementation import (
    Implementations,
    begin_operator,
    implemented_message,
)
from egov.buergerbudget.result_confirmation import ResultConfirmation, vote_state
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
from egov.identity.devidp import DevIdentityProvider
from egov.identity.directory import Directory
from egov.identity.issuers import Issuers
from egov.identity.jwks import JsonFetcher
from egov.identity.login_store import DatabaseLoginCache
from egov.identity.tokens import TokenSettings
from egov.identity.verifier import TokenVerifier
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
from egov.opendata.rounds import RoundProposals
from egov.opendata.service import OpenData
from egov.opendata.sources import CaseProposals
from egov.outbox import mail
from egov.outbox.service import Outbox
from egov.participation import operators as participation_operators
from egov.participation.confirmation import Confirmations
from egov.participation.messages import filing as statement_filing
from egov.participation.moderation import Moderation
from egov.participation.public import PublicParticipations
from egov.participation.report import Reports
from egov.participation.statements import Statements
from egov.participation.toeb import Invitations
from egov.postfach import letters
from egov.postfach.service import Postfach
from egov.retention.archive import ArchiveExchange
from egov.retention.service import Retention
from egov.rights.exports import KIND as exports_kind
from egov.rights.exports import Exports
from egov.rights.service import Rights
from egov.rights.withdrawal import WithdrawalNotice
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
    exports: Exports  # the data export of a large account, packed in the background
    archive: ArchiveExchange  # the xdomea Aussonderung (issue 16)
    rounds: RoundService  # Bürgerbudget rounds as data (issue 15)
    vote: Vote  # the citizens' ballots
    tallies: Tallies  # the tally, its verification, offline votes
    round_results: ResultConfirmation  # the round's result under four eyes
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
    endpoints = wiring.endpoints(settings)
    participation_operators.register(operators, answers=PROCEDURE_KEY in endpoints)
    operators.register("buergerbudget.zulassen", buergerbudget_vote.admit)
    operators.register("buergerbudget.abstimmung", vote_state)
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
        script_limits=wiring.script_limits(settings),
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
    archive = wiring.archive(settings, db, clock, files)
    if archive.configured:
        inbound.handlers[archive.endpoint] = archive.receive
    for root in (AKTUALISIEREN_ROOT, *INFORMATION_ROOTS):
        intake.updates[root] = planning_update(inbound)
    statements = wiring.statements(settings, db, files, clock)
    public = PublicParticipations(db, files)
    intake.filings[NS_BETEILIGUNG] = statement_filing(statements)  # statements through XFall
    token_settings = TokenSettings(
        issuer=settings.effective_token_issuer, audience=settings.token_audience
    )
    dev_idp = wiring.dev_idp(settings, token_settings)
    issuers = wiring.issuers(settings, token_settings, dev_idp)
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
    exports = wiring.exports(db, clock, files, voters, settings)
    outbox.register(exports_kind, exports.pack)  # a large account's data export, packed later
    public_rounds = PublicRounds(db, clock, rounds, files)
    # start variables: a procedure triaged on intake; a Bürgerbudget proposal's round
    workflows.prepare_start = wiring.start_variables(triage.start_variables, rounds.start_variables)
    migrations = Migrations(
        db, clock, wiring.script_limits(settings), max_attempts=settings.migration_max_attempts
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
            timestamper=wiring.timestamper(settings, http),
        ),
        postfach=Postfach(db, workflows, files),
        outbox=outbox,
        inbound=inbound,
        incidents=incidents,
        instances=Instances(db, workflows.script_limits),
        instance_commands=instance_commands,
        definitions=ProcessDefinitions(
            db, clock, operators, outbox.handlers.keys, wiring.fachdaten_names(registry)
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
        verifier=wiring.verifier(settings, issuers, dev_idp),
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
        open_data=wiring.open_data(
            settings,
            db,
            public,
            RoundProposals(
                CaseProposals(db, workflows.script_limits), rounds, public_rounds, clock
            ),
        ),
        retention=Retention(db, clock, files, archive.configured),
        archive=archive,
        rounds=rounds,
        rights=Rights(
            db,
            clock,
            files,
            voters,
            instance_commands,
            WithdrawalNotice(
                letters.LetterNotice.from_settings(settings), mail.configured(settings)
            ),
        ),
        exports=exports,
        vote=Vote(db, clock, voters),
        tallies=Tallies(db, clock),
        round_results=ResultConfirmation(db, clock),
        public_rounds=public_rounds,
        implementations=Implementations(db, files, clock, on_done=implemented_message(workflows)),
        dev_fachverfahren=dev_fachverfahren,
    )
    load_plugins(container)  # EGOV_PLUGINS: delivery handlers of adapters
    return container


def load_plugins(container: Container) -> None:
    """Call `register(container)` of every module named in EGOV_PLUGINS."""
    for name in filter(None, (n.strip() for n in container.settings.plugins.split(","))):
        module: Any = importlib.import_module(name)
        module.register(container)
        log.info("plugin_loaded module=%s", name)
