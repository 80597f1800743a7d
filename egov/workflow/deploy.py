"""Deploying process definitions: every version is kept, identified by its content hash.

A bundle is a folder of text files (BPMN, DMN, forms, letter templates) plus an optional
`procedure.json` that registers the Leistung (procedure) served by the process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from egov.cases import retention_service
from egov.cases.store import Procedure
from egov.clock import Clock
from egov.db import Database, max_length, too_long
from egov.errors import Conflict, Invalid
from egov.identity.model import Vertrauensniveau
from egov.identity.store import get_org_unit
from egov.jsoninput import JsonRefused, loads
from egov.paging import FIRST_PAGE, Page, PageRequest
from egov.workflow import bescheide, four_eyes, modeler, triage_config, versions
from egov.workflow.bundle import PROCEDURE_FILE as PROCEDURE_FILE  # re-exported
from egov.workflow.bundle import read_bundle as read_bundle  # re-exported
from egov.workflow.compiling import CompiledDefinition
from egov.workflow.encoding import MODEL_SUFFIXES, model_text, parse_model
from egov.workflow.engine import WorkflowError, compile_bundle
from egov.workflow.four_eyes import Pending
from egov.workflow.operators import OperatorRegistry
from egov.workflow.store import (
    DefinitionActivation,
    ProcessDefinition,
    active_definition,
    page_definitions,
)
from egov.workflow.task_four_eyes import model_problems
from egov.workflow.validation import Registered
from egov.workflow.variables import check_letters, known_variables
from egov.workflow.versions import DefinitionFile

log = logging.getLogger(__name__)
# the text fields of procedure.json and the columns they are stored in
PROCEDURE_TEXTS = {
    "key": Procedure.key,
    "leika_key": Procedure.leika_key,
    "name": Procedure.name,
    "org_unit": Procedure.org_unit_key,
    "fachdaten_namespace": Procedure.fachdaten_namespace,
}
PROCEDURE_FIELDS = {*PROCEDURE_TEXTS, "required_vertrauensniveau", "processing_days"}
MAX_PROCESSING_DAYS = 3650
MAX_DESCRIPTION_CHARS = 2000
PROCEDURE_DEPTH = 4
RACE_ATTEMPTS = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Deployment:
    definition: ProcessDefinition
    created: bool
    activated: bool = False  # made the active version by this deploy


@dataclass
class ProcessDefinitions:
    """Deploying and listing process definitions; each call is its own transaction."""

    db: Database
    clock: Clock
    operators: OperatorRegistry | None = None  # the names service tasks may call (None: any)
    # the outbox's delivery kinds when a bundle is deployed (plugins register theirs late)
    delivery_kinds: Callable[[], Collection[str]] | None = None
    fachdaten: Callable[[str], Collection[str]] | None = None  # names by namespace

    def versions(self, page: PageRequest = FIRST_PAGE) -> Page[ProcessDefinition]:
        """Every deployed version of every process definition, one page."""
        with self.db.reading() as session:
            return page_definitions(session, page)

    def deploy(
        self, files: dict[str, bytes], actor: str, *, activate: bool | None = None
    ) -> Deployment:
        """Deploy a bundle; content equal to a deployed version answers that version.
        `activate`: None activates new content only, True also an equal earlier version
        (`egov deploy`), False activates nothing (unless the process has no active version)."""
        return self._deploy(lambda _session: files, actor, activate)

    def deploy_from_modeler(self, sent: dict[str, bytes], actor: str) -> Deployment:
        """Deploy what Camunda Modeler sends (egov.workflow.modeler): the files it does not
        send come from the process's active version; new content becomes active."""
        return self._deploy(lambda session: modeler.bundle_for(session, sent), actor, None)

    def _deploy(
        self, files_of: Callable[[Session], dict[str, bytes]], actor: str, activate: bool | None
    ) -> Deployment:
        known = Registered(
            set(self.operators.operators) if self.operators is not None else None,
            set(self.delivery_kinds()) if self.delivery_kinds is not None else None,
            self.fachdaten,
        )
        return self._retried(
            lambda session: deploy_bundle(
                session,
                files_of(session),
                actor=actor,
                now=self.clock(),
                activate=activate,
                known=known,
            )
        )

    def version(self, definition_id: str) -> ProcessDefinition:
        with self.db.reading() as session:
            return versions.get_definition(session, definition_id)

    def file(self, definition_id: str, name: str) -> DefinitionFile:
        with self.db.reading() as session:
            return versions.definition_file(versions.get_definition(session, definition_id), name)

    def activate(
        self, definition_id: str, *, actor: str, reason: object
    ) -> tuple[ProcessDefinition, Pending | None]:
        """Make a version active again (rollback) with who and why in the trail; where four
        eyes are demanded, the first admin's activation is only the pending request."""
        why = versions.check_reason(reason)

        def change(session: Session) -> tuple[ProcessDefinition, Pending | None]:
            definition = versions.get_definition(session, definition_id)
            gate = _activation_gate(session, definition, actor=actor, reason=why, now=self.clock())
            if not gate.go:
                return definition, gate.pending
            versions.activate(session, definition, actor=actor, reason=why, now=self.clock())
            if PROCEDURE_FILE in definition.files:  # the procedure as this version registers it
                spec = read_procedure(definition.files[PROCEDURE_FILE])
                upsert_procedure(
                    session, spec, definition.process_id, actor=actor, now=self.clock()
                )
            return definition, None

        return self._retried(change)

    def _retried(self, change: Callable[[Session], T]) -> T:
        """Two deploys or activations of one process racing collide on a unique constraint
        (version number, the one active version): the loser runs again on the new state."""
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                with self.db.transaction() as session:
                    return change(session)
            except IntegrityError as exc:
                if attempt == RACE_ATTEMPTS:
                    raise Conflict(
                        "Die Prozessdefinition wurde gleichzeitig geändert; bitte noch einmal.",
                        code="definition-changed-concurrently",
                    ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def trail(self, definition_id: str) -> list[DefinitionActivation]:
        with self.db.reading() as session:
            definition = versions.get_definition(session, definition_id)
            return versions.activations(session, definition.process_id)


def _activation_gate(
    session: Session, definition: ProcessDefinition, *, actor: str, reason: str, now: datetime
) -> four_eyes.Gate:
    """Four eyes where the version to activate or the active one demands `activate`."""
    if definition.active:
        return four_eyes.OPEN
    active = active_definition(session, definition.process_id)
    concerned = [definition] if active is None else [definition, active]
    return four_eyes.gate_activation(
        session, concerned, definition, actor=actor, reason=reason, now=now
    )


def deploy_bundle(
    session: Session,
    files: dict[str, bytes],
    *,
    actor: str,
    now: datetime,
    activate: bool | None = None,
    known: Registered | None = None,
) -> Deployment:
    """Deploy a bundle checked whole (egov.workflow.validation): a refusal names file, element
    and line of every problem; the org units the models name must be in the directory; with
    `known.fachdaten` every letter's placeholders are variables of the process
    (egov.workflow.variables)."""
    known = known or Registered()
    try:
        texts = _as_text(files)
        procedure = read_procedure(texts[PROCEDURE_FILE]) if PROCEDURE_FILE in texts else None
        compiled = compile_bundle(files, operators=known.operators, kinds=known.kinds)
        _check_org_units(session, compiled)
        _check_tasks(procedure, files)
        bescheide.check(procedure, texts)  # 422 bescheid-incomplete naming the file
        if known.fachdaten is not None:
            check_letters(texts, known_variables(procedure, compiled.variables, known.fachdaten))
    except WorkflowError as exc:  # bpmn-*, or script-invalid naming every refusal
        raise Invalid(
            exc.message,
            code=exc.code,
            invalid_params=exc.invalid_params or [{"name": "bundle", "reason": exc.message}],
        ) from exc
    if too_long(ProcessDefinition.process_id, compiled.process_id):
        limit = max_length(ProcessDefinition.process_id)
        raise Invalid(
            f"Die Prozess-ID ist länger als {limit} Zeichen.",
            code="bpmn-invalid",
            invalid_params=[{"name": "process_id", "reason": f"höchstens {limit} Zeichen"}],
        )
    existing = session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == compiled.process_id,
            ProcessDefinition.content_hash == compiled.content_hash,
        )
    ).first()
    if existing is None:
        existing = _add_version(session, compiled, files, texts, actor=actor, now=now)
        created = True
    else:
        created = False
    wanted = created if activate is None else activate
    if not wanted and active_definition(session, existing.process_id) is None:
        wanted = True  # a process always has an active version once deployed
    elif wanted and not created:  # an earlier version made active again: a rollback
        reason = versions.DEPLOY_REASON
        wanted = _activation_gate(session, existing, actor=actor, reason=reason, now=now).go
    activated = wanted and versions.activate(
        session, existing, actor=actor, reason=versions.DEPLOY_REASON, now=now
    )
    if procedure is not None and existing.active:  # the active version registers it
        upsert_procedure(session, procedure, compiled.process_id, actor=actor, now=now)
    return Deployment(existing, created, activated)


def read_procedure(text: str) -> dict[str, Any]:
    """procedure.json, checked field by field (422 `procedure-invalid` naming the fields)."""
    try:
        spec = loads(text, max_depth=PROCEDURE_DEPTH, name=PROCEDURE_FILE)
    except JsonRefused as exc:
        where = PROCEDURE_FILE if exc.name == PROCEDURE_FILE else f"{PROCEDURE_FILE}/{exc.name}"
        raise _procedure_invalid([(where, exc.invalid_params[0]["reason"])]) from exc
    except ValueError as exc:
        raise _procedure_invalid([(PROCEDURE_FILE, "kein gültiges JSON")]) from exc
    if not isinstance(spec, dict):
        raise _procedure_invalid([(PROCEDURE_FILE, "ein JSON-Objekt erwartet")])
    problems = [
        (f"{PROCEDURE_FILE}/{name}", "fehlt") for name in sorted(PROCEDURE_FIELDS - spec.keys())
    ]
    problems += [
        (f"{PROCEDURE_FILE}/{name}", reason)
        for name, reason in _procedure_problems(spec)
        if name.split("/")[0] in spec
    ]
    if problems:
        raise _procedure_invalid(problems)
    level = Vertrauensniveau.from_claim(spec["required_vertrauensniveau"])
    return {**spec, "required_vertrauensniveau": level.value}


def _procedure_problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for name, column in PROCEDURE_TEXTS.items():
        value = spec.get(name)
        limit = max_length(column)
        if not isinstance(value, str) or not value.strip():
            problems.append((name, "Text erwartet"))
        elif too_long(column, value):
            problems.append((name, f"höchstens {limit} Zeichen"))
    try:
        Vertrauensniveau.from_claim(spec.get("required_vertrauensniveau"))
    except ValueError:
        problems.append(("required_vertrauensniveau", "low, substantial oder high"))
    description = spec.get("description")  # optional: for portals (GET /procedures)
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_DESCRIPTION_CHARS
    ):
        problems.append(("description", f"Text mit höchstens {MAX_DESCRIPTION_CHARS} Zeichen"))
    if "four_eyes" in spec and (refused := four_eyes.problem(spec["four_eyes"])) is not None:
        problems.append(("four_eyes", refused))
    if "triage" in spec:  # optional: who routes the case (docs/triage.md)
        problems += triage_config.problems(spec["triage"])
    problems += bescheide.problems(spec["bescheide"]) if "bescheide" in spec else []
    problems += retention_service.spec_problems(spec)  # optional: how long cases are kept
    days = spec.get("processing_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_PROCESSING_DAYS:
        problems.append(("processing_days", f"ganze Zahl von 0 bis {MAX_PROCESSING_DAYS}"))
    return problems


def _procedure_invalid(problems: list[tuple[str, str]]) -> Invalid:
    return Invalid(
        f"{PROCEDURE_FILE} ist ungültig: {', '.join(name for name, _ in problems)}",
        code="procedure-invalid",
        invalid_params=[{"name": name, "reason": reason} for name, reason in problems],
    )


def _add_version(
    session: Session,
    compiled: Any,
    files: dict[str, bytes],
    texts: dict[str, str],
    *,
    actor: str,
    now: datetime,
) -> ProcessDefinition:
    last = session.scalar(
        select(func.max(ProcessDefinition.version)).where(
            ProcessDefinition.process_id == compiled.process_id
        )
    )
    definition = ProcessDefinition(
        process_id=compiled.process_id,
        version=(last or 0) + 1,
        content_hash=compiled.content_hash,
        files=texts,
        originals=versions.originals(files, texts),
        spec_json=compiled.spec_json,
        forms=compiled.forms,
        deployed_at=now,
        deployed_by=actor,
    )
    session.add(definition)
    session.flush()
    log.info(
        "definition_deployed process_id=%s version=%s hash=%s actor=%s",
        definition.process_id,
        definition.version,
        definition.content_hash[:12],
        actor,
    )
    return definition


def upsert_procedure(
    session: Session, spec: dict[str, Any], process_id: str, *, actor: str, now: datetime
) -> Procedure:
    """Register the procedure of a bundle; `spec` as `read_procedure` checked it."""
    if get_org_unit(session, spec["org_unit"]) is None:
        raise Invalid(
            f"Organisationseinheit {spec['org_unit']!r} unbekannt.", code="org-unit-unknown"
        )
    procedure = session.get(Procedure, spec["key"]) or Procedure(key=spec["key"])
    procedure.leika_key = spec["leika_key"]
    procedure.name = spec["name"]
    procedure.process_id = process_id
    procedure.org_unit_key = spec["org_unit"]
    procedure.required_vertrauensniveau = spec["required_vertrauensniveau"]
    procedure.processing_days = spec["processing_days"]
    procedure.fachdaten_namespace = spec["fachdaten_namespace"]
    session.add(procedure)
    retention_service.apply_rules(session, procedure, spec, actor=actor, now=now)
    return procedure


def _check_org_units(session: Session, compiled: CompiledDefinition) -> None:
    unknown = [r for r in compiled.org_units if get_org_unit(session, r.key) is None]
    if unknown:
        raise WorkflowError(
            "org-unit-unknown",
            "Das Prozessmodell nennt Organisationseinheiten, die das Verzeichnis nicht kennt: "
            + ", ".join(sorted({r.key for r in unknown})),
            invalid_params=[r.as_param() for r in unknown],
        )


def _check_tasks(procedure: dict[str, Any] | None, files: dict[str, bytes]) -> None:
    """A procedure's triage must find its review task (and its operator) in the models, its
    four-eyes tasks must be user tasks of them (egov.workflow.task_four_eyes)."""
    config = None if procedure is None else triage_config.parse(procedure)
    trees = [parse_model(name, data) for name, data in files.items() if name.endswith(".bpmn")]
    problems = [] if config is None else triage_config.model_problems(config, trees)
    problems += model_problems(procedure, trees, None if config is None else config.review_task)
    if problems:
        raise _procedure_invalid([(f"{PROCEDURE_FILE}/{name}", why) for name, why in problems])


def _as_text(files: dict[str, bytes]) -> dict[str, str]:
    """The files as stored: models in their declared encoding (egov.workflow.encoding)."""
    try:
        return {
            name: model_text(name, content)
            if name.endswith(MODEL_SUFFIXES)
            else content.decode("utf-8")
            for name, content in files.items()
        }
    except UnicodeDecodeError as exc:
        raise Invalid(
            "Alle Dateien eines Bündels müssen UTF-8-Text sein.", code="bundle-not-text"
        ) from exc
