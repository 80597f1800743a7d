"""Store a process definition without the deploy-time script check, as definitions deployed
before the check were, so tests can show what the runtime does with hostile code."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from egov.container import Container
from egov.workflow.deploy import upsert_procedure
from egov.workflow.engine import compile_bundle
from egov.workflow.store import ProcessDefinition
from egov.workflow.versions import activate


def store_unchecked(container: Container, bundle: dict[str, str]) -> ProcessDefinition:
    """The bundle as the newest, active version of its process, skipping only the script check."""
    compiled = compile_bundle({n: t.encode() for n, t in bundle.items()}, check_scripts=False)
    with container.db.transaction() as session:
        last = session.scalar(
            select(func.max(ProcessDefinition.version)).where(
                ProcessDefinition.process_id == compiled.process_id
            )
        )
        definition = ProcessDefinition(
            process_id=compiled.process_id,
            version=(last or 0) + 1,
            content_hash=compiled.content_hash,
            files=bundle,
            spec_json=compiled.spec_json,
            forms=compiled.forms,
            deployed_at=container.clock(),
            deployed_by="tests:unchecked",
        )
        session.add(definition)
        session.flush()
        activate(
            session, definition, actor="tests:unchecked", reason="tests", now=container.clock()
        )
        if "procedure.json" in bundle:
            spec = json.loads(bundle["procedure.json"])
            now = container.clock()
            upsert_procedure(session, spec, compiled.process_id, actor="tests:unchecked", now=now)
    return definition
