"""The admin pages of procedures and process definitions: the procedures with their
processing days, one procedure with its retention rules and what it puts under four eyes
(from the `procedure.json` of the active version that registers it); the deployed processes,
one process with its versions, which one is active, making another one active (with a
reason, a recent login, four eyes where the procedure demands them), the trail of activations
and the diagram of a version (a `bpmn-diagram` element that `ui/diagram.js` renders from the BPMN
served here). The same services as `egov.web.api_procedures` and `api_definitions`; admins
only."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Response, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from egov.cases.model import status_label
from egov.errors import Conflict, NotFound
from egov.ui.pages import N_, page_url, see_other
from egov.web.context import container
from egov.web.paging import page_request
from egov.workflow.store import ProcessDefinition
from egov.workflow.task_four_eyes import four_eyes_tasks
from egov.workflow.versions import MAX_REASON_CHARS as MAX_REASON
from egov.workspace.admin_pages import (
    acting_admin,
    admin_page,
    every,
    form_text,
    login_again_unless_recent,
    show,
)
from egov.workspace.views import bp

PROCEDURE_FILE = "procedure.json"
DONE = {
    "aktiviert": N_("Diese Version ist jetzt aktiv: neue Vorgänge starten mit ihr."),
    "beantragt": N_(
        "Die Aktivierung ist beantragt. Eine zweite Person mit Administrationsrechten muss "
        "sie innerhalb von 24 Stunden ebenso auslösen (Vier-Augen-Prinzip)."
    ),
}
DIAGRAM_SCRIPT = Path(__file__).resolve().parents[1] / "ui" / "static" / "ui" / "diagram.js"
# the diagram is fetched by the viewer, never shown as a page of its own
DIAGRAM_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
    "Content-Disposition": "attachment",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, max-age=3600",  # a version never changes
}


@dataclass
class Process:
    """One deployed process: its versions, newest first."""

    process_id: str
    versions: list[ProcessDefinition] = field(default_factory=list)

    @property
    def active(self) -> ProcessDefinition | None:
        return next((v for v in self.versions if v.active), None)

    @property
    def name(self) -> str | None:
        active = self.active or (self.versions[0] if self.versions else None)
        return None if active is None else _procedure_of(active).get("name")


def _processes() -> dict[str, Process]:
    found: dict[str, Process] = {}
    for version in every(container().definitions.versions):
        found.setdefault(version.process_id, Process(version.process_id)).versions.append(version)
    for process in found.values():
        process.versions.sort(key=lambda v: v.version, reverse=True)
    return dict(sorted(found.items()))


def _procedure_of(definition: ProcessDefinition) -> dict[str, Any]:
    """The procedure.json of a version (checked at deploy), or {}."""
    try:
        spec = json.loads(definition.files.get(PROCEDURE_FILE, "{}"))
    except ValueError:
        return {}
    return spec if isinstance(spec, dict) else {}


# -- procedures ---------------------------------------------------------------------------------


@bp.get("/admin/verfahren")
@admin_page
def admin_procedures() -> Response:
    """The procedures, one page."""
    found = container().catalogue.procedures(page_request())
    return show(
        "workspace/admin/procedures.html",
        title=_("Verfahren"),
        procedures=found.items,
        more=page_url(found.next_cursor),
    )


@bp.get("/admin/verfahren/<key>")
@admin_page
def admin_procedure(key: str) -> Response:
    """One procedure: its figures and the rules of its active version's procedure.json."""
    info = container().catalogue.procedure(key)  # 404 `procedure-not-found`
    process, spec = _registering(key, _processes().values())
    active = None if process is None else process.active
    rules = spec.get("retention") or []
    return show(
        "workspace/admin/procedure.html",
        title=info.name,
        procedure=info,
        process=process,
        retention=rules,
        results={rule.get("result"): status_label(str(rule.get("result"))) for rule in rules},
        archive_duty=spec.get("archive_duty", True),
        four_eyes=spec.get("four_eyes") or [],
        four_eyes_tasks={} if active is None else four_eyes_tasks(active.files),
    )


def _registering(key: str, processes: Iterable[Process]) -> tuple[Process | None, dict[str, Any]]:
    """The process whose active version registers the procedure `key`, and its spec."""
    for process in processes:
        if process.active is not None:
            spec = _procedure_of(process.active)
            if spec.get("key") == key:
                return process, spec
    return None, {}


# -- process definitions ------------------------------------------------------------------------


@bp.get("/admin/prozesse")
@admin_page
def admin_processes() -> Response:
    """The deployed processes with their number of versions and the active one."""
    return show(
        "workspace/admin/processes.html",
        title=_("Prozessdefinitionen"),
        processes=list(_processes().values()),
    )


@bp.get("/admin/prozesse/<process_id>")
@admin_page
def admin_process(process_id: str) -> Response:
    """One process: its versions, the active one, the trail, and the diagram of the version
    `?version=<id>` (default: the active one) with the form that makes it active."""
    return _process_page(process_id, request.args.get("version"))


def _process_page(
    process_id: str, asked: str | None, errors: dict[str, str] | None = None, **form: str
) -> Response:
    process = _processes().get(process_id)
    if process is None:
        raise NotFound("Keine Prozessdefinition mit dieser ID.", code="definition-not-found")
    shown = next((v for v in process.versions if v.id == asked), None)
    shown = shown or process.active or process.versions[0]
    done = request.args.get("erledigt")
    return show(
        "workspace/admin/process.html",
        title=_("Prozess %(process)s", process=process_id),
        process=process,
        shown=shown,
        trail=container().definitions.trail(shown.id),
        numbers={v.id: v.version for v in process.versions},
        diagram=_diagram_name(shown),
        diagram_script=DIAGRAM_SCRIPT.exists(),  # written elsewhere (the case page's viewer)
        done=_(DONE[done]) if done in DONE else None,
        errors=errors or {},
        reason=form.get("reason", ""),
        refusal=form.get("refusal"),
        max_reason=MAX_REASON,
    )


@bp.post("/admin/prozessversionen/<definition_id>/aktivieren")
@admin_page
def admin_activate(definition_id: str) -> Response | BaseResponse:
    """Make this version the active one (new cases start on it), with a reason; where four
    eyes are demanded, the first admin's activation is a request for a second admin."""
    definitions = container().definitions
    version = definitions.version(definition_id)  # 404 `definition-not-found`
    back = url_for("workspace.admin_process", process_id=version.process_id, version=version.id)
    again = login_again_unless_recent(back)
    if again is not None:
        return again
    reason = form_text("reason")
    if not reason or len(reason) > MAX_REASON:
        message = _("Bitte nennen Sie den Grund, höchstens %(max)s Zeichen.", max=MAX_REASON)
        return _process_page(version.process_id, version.id, {"reason": message}, reason=reason)
    try:
        _found, pending = definitions.activate(
            definition_id, actor=acting_admin().subject, reason=reason
        )
    except Conflict as refused:  # four eyes: the same admin asked already
        return _process_page(version.process_id, version.id, refusal=refused.message)
    return see_other(f"{back}&erledigt={'beantragt' if pending else 'aktiviert'}")


def _diagram_name(definition: ProcessDefinition) -> str | None:
    """The BPMN file of a version that holds its process (the first one otherwise)."""
    models = sorted(name for name in definition.files if name.lower().endswith(".bpmn"))
    marker = f'id="{definition.process_id}"'
    return next((n for n in models if marker in definition.files[n]), models[0] if models else None)


@bp.get("/admin/prozessversionen/<definition_id>/diagramm.bpmn")
@admin_page
def admin_diagram(definition_id: str) -> Response:
    """The BPMN XML of a version's diagram, byte for byte as deployed, for the viewer."""
    definitions = container().definitions
    name = _diagram_name(definitions.version(definition_id))  # 404 `definition-not-found`
    if name is None:
        raise NotFound("Diese Version hat kein BPMN-Modell.", code="definition-file-not-found")
    found = definitions.file(definition_id, name)
    response = Response(found.content, mimetype="application/xml")
    response.headers.update(DIAGRAM_HEADERS)
    return response
