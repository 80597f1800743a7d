"""The wiring of one egov process: database, stores, engine, services. Built by create_app
and by the CLI from the same settings; nothing here runs at import time."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egov.audit import guard
from egov.cases import operators as case_operators
from egov.clock import Clock, utcnow
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.identity.devidp import DevIdentityProvider, ensure_allowed
from egov.identity.tokens import KeyPair, TokenSettings
from egov.identity.users import demo_users
from egov.intake.formats import FormatRegistry, default_registry
from egov.intake.parsing import Limits
from egov.intake.service import Intake
from egov.postfach import letters
from egov.settings import Settings
from egov.workflow.operators import OperatorRegistry
from egov.workflow.service import Workflows
from egov.workflow.tasks import Inbox


@dataclass
class Container:
    settings: Settings
    db: Database
    files: FileSystemStore
    registry: FormatRegistry
    workflows: Workflows
    intake: Intake
    inbox: Inbox
    token_settings: TokenSettings
    dev_idp: DevIdentityProvider | None
    clock: Clock
    _remote_jwks: dict[str, Any] | None = None

    def jwks(self) -> dict[str, Any]:
        """Keys that sign accepted tokens: the dev IdP's, or the configured issuer's JWKS."""
        if self.dev_idp is not None:
            return self.dev_idp.jwks()
        if self._remote_jwks is None:
            with urllib.request.urlopen(self.settings.jwks_url, timeout=10) as response:
                self._remote_jwks = json.load(response)
        return self._remote_jwks


def build(settings: Settings, clock: Clock = utcnow) -> Container:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    guard.install(db.sessions)
    files = FileSystemStore(settings.documents_dir)
    registry = default_registry(settings.schemas_dir.resolve())
    operators = OperatorRegistry()
    case_operators.register(operators)
    letters.register(operators)
    workflows = Workflows(
        db=db,
        files=files,
        operators=operators,
        clock=clock,
        script_time_limit=settings.script_time_limit_seconds,
    )
    limits = Limits(
        max_bytes=settings.max_message_bytes,
        max_depth=settings.max_xml_depth,
        max_elements=settings.max_xml_elements,
    )
    intake = Intake(
        db=db,
        files=files,
        registry=registry,
        limits=limits,
        clock=clock,
        after_commit=workflows.start,
    )
    token_settings = TokenSettings(
        issuer=settings.effective_token_issuer, audience=settings.token_audience
    )
    return Container(
        settings=settings,
        db=db,
        files=files,
        registry=registry,
        workflows=workflows,
        intake=intake,
        inbox=Inbox(db=db, workflows=workflows),
        token_settings=token_settings,
        dev_idp=_dev_idp(settings, token_settings),
        clock=clock,
    )


def _dev_idp(settings: Settings, token_settings: TokenSettings) -> DevIdentityProvider | None:
    if not settings.dev_idp:
        return None
    ensure_allowed(settings.env)
    key = KeyPair.load_or_create(Path(settings.data_dir) / "dev-idp-key.pem")
    return DevIdentityProvider(key, token_settings, demo_users())
