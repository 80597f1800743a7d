"""Deployments as Camunda Modeler's "Deploy to Camunda 7" sends them (ADR 0026).

The Modeler posts the open diagram and the files attached to the deployment ("Include
additional files"), each under its bare file name: it knows no folders of a bundle and no
`procedure.json`. The files are placed in the bundle as egov lays it out, and a new version
of a process that already has an active version takes every file it does not send from that
version, byte for byte as deployed (procedure, forms, letters, decisions). A new process needs
its `procedure.json` attached once; without it the deploy is refused, saying what to attach.

Placement of a sent file: where the active version has a file of that name; a form where the
models name it (`camunda:formKey`, `formJsonSchemaFilename`); else a letter template (`.txt`)
under `letters/`, a form (`.json`, but `procedure.json`) under `forms/`, models and Camunda
Forms (`.form`, found by `camunda:formRef` by their id) at the top, as Camunda names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from sqlalchemy.orm import Session

from egov.errors import Invalid
from egov.workflow import archive, versions
from egov.workflow.bundle import PROCEDURE_FILE
from egov.workflow.bundle_errors import WorkflowError
from egov.workflow.constructs import BPMN
from egov.workflow.encoding import MODEL_SUFFIXES, parse_model
from egov.workflow.store import ProcessDefinition, active_definition

FOLDERS = {".txt": "letters", ".json": "forms"}
_PATH_CHARS = r"[A-Za-z0-9_./-]*"


def process_ids(files: Mapping[str, bytes]) -> list[str]:
    """The executable processes of the sent BPMN files, in file order."""
    found: list[str] = []
    for name in sorted(n for n in files if n.endswith(".bpmn")):
        try:
            root = parse_model(name, files[name])
        except (WorkflowError, UnicodeDecodeError):
            continue  # deploy_bundle names the broken file
        for process in root.iter(f"{{{BPMN}}}process"):
            if process.get("isExecutable") == "true" and process.get("id"):
                found.append(str(process.get("id")))
    return found


def active_version(session: Session, files: Mapping[str, bytes]) -> ProcessDefinition | None:
    """The active version of the first sent process that has one."""
    for process_id in process_ids(files):
        active = active_definition(session, process_id)
        if active is not None:
            return active
    return None


def bundle_for(session: Session, sent: Mapping[str, bytes]) -> dict[str, bytes]:
    """The bundle of what the Modeler sent, over the active version of its process."""
    return bundle_files(sent, active_version(session, sent))


def bundle_files(sent: Mapping[str, bytes], active: ProcessDefinition | None) -> dict[str, bytes]:
    """The bundle to deploy: the active version's files, the sent ones placed over them."""
    base = {}
    if active is not None:
        base = {name: versions.definition_file(active, name).content for name in active.files}
    models = b"\n".join(content for name, content in sent.items() if name.endswith(".bpmn"))
    files = dict(base)
    for name, content in sent.items():
        files[_place(name, base, models)] = content
    if PROCEDURE_FILE not in files:
        raise procedure_missing(process_ids(sent))
    return files


def _place(name: str, base: Mapping[str, bytes], models: bytes) -> str:
    path = PurePosixPath(name)
    if len(path.parts) > 1 or name == PROCEDURE_FILE:
        return name  # sent with its folder (curl, scripts): as sent
    known = sorted(n for n in base if PurePosixPath(n).name == name)
    if known:
        return known[0]
    if path.suffix in MODEL_SUFFIXES:
        return name
    named = re.search(_PATH_CHARS.encode() + re.escape(name.encode()), models)
    if path.suffix in (".json", ".form") and named is not None:
        try:
            return archive.bundle_name(named.group(0).decode().removeprefix("./"))
        except Invalid:
            pass  # a path out of the bundle: the form's usual folder
    folder = FOLDERS.get(path.suffix)
    return f"{folder}/{name}" if folder else name


def procedure_missing(processes: list[str]) -> Invalid:
    which = ", ".join(processes) or "ohne ausführbaren Prozess"
    reason = (
        "Neuer Prozess ohne procedure.json: die procedure.json (Leistung, Organisationseinheit, "
        "Vertrauensniveau, Bearbeitungsfrist, Fachdaten-Namespace) beim ersten Deploy im "
        "Camunda Modeler unter „Include additional files“ anhängen; weitere Versionen "
        "übernehmen sie von der aktiven Version."
    )
    return Invalid(
        f"Prozess {which}: {reason}",
        code="modeler-procedure-missing",
        invalid_params=[{"name": PROCEDURE_FILE, "reason": reason}],
    )
