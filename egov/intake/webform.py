"""The JSON web-form path: build the canonical XFall-profile message, then the same intake.

Identity comes from the token, never from the body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

from egov.cases.store import get_procedure
from egov.clock import Clock
from egov.db import Database
from egov.errors import Invalid
from egov.identity.model import Principal, Vertrauensniveau
from egov.intake.errors import IntakeError
from egov.intake.jsonform import build_xfall_message
from egov.intake.model import Applicant
from egov.intake.service import Intake, IntakeOutcome

JENA_ARS = "160530000000"
MAX_ATTACHMENTS = 20


@dataclass
class Applications:
    """`POST /applications`: a citizen's JSON form becomes an XFall-profile message."""

    db: Database
    clock: Clock
    intake: Intake

    def submit(
        self, principal: Principal, body: dict[str, Any], idempotency_key: str | None
    ) -> IntakeOutcome:
        procedure_key = body.get("procedure")
        data = body.get("data")
        if not isinstance(procedure_key, str) or not isinstance(data, dict):
            raise Invalid(
                "Erwartet werden 'procedure' (Text) und 'data' (Objekt).",
                code="form-data-invalid",
                invalid_params=[{"name": "procedure|data", "reason": "fehlt oder falsch"}],
            )
        with self.db.reading() as session:
            procedure = get_procedure(session, procedure_key)
            if procedure is None:
                raise Invalid(
                    "Unbekanntes Verfahren.",
                    code="unknown-procedure",
                    invalid_params=[{"name": "procedure", "reason": "unbekannt"}],
                )
            leika_key, namespace = procedure.leika_key, procedure.fachdaten_namespace
        try:
            message = self._build(principal, leika_key, namespace, data, body)
        except IntakeError as exc:  # the form's fields are wrong: a 422 naming the JSON fields
            raise Invalid(
                exc.message, code="form-data-invalid", invalid_params=exc.invalid_params
            ) from exc
        fingerprint = hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        return self.intake.submit(io.BytesIO(message), principal, idempotency_key, fingerprint)

    def _build(
        self,
        principal: Principal,
        leika_key: str,
        namespace: str,
        data: dict[str, Any],
        body: dict[str, Any],
    ) -> bytes:
        return build_xfall_message(
            message_id=str(uuid.uuid4()),
            leika_key=leika_key,
            authority_ars=JENA_ARS,
            applicant=applicant_of(principal),
            reply_postfach=principal.postfach,
            fachdaten_namespace=namespace,
            data=data,
            attachments=decode_attachments(body.get("attachments", [])),
            created_at=self.clock(),
            max_text_chars=self.intake.limits.max_text_chars,
        )


def applicant_of(principal: Principal) -> Applicant:
    given, _, family = principal.name.rpartition(" ")
    level = principal.vertrauensniveau or Vertrauensniveau.LOW
    return Applicant(
        given_name=given or principal.name,
        family_name=family or principal.name,
        email=principal.email,
        authentication="oidc",
        vertrauensniveau=level.value,
    )


def decode_attachments(items: Any) -> list[tuple[str, str, bytes]]:
    if not isinstance(items, list) or len(items) > MAX_ATTACHMENTS:
        raise Invalid(
            "'attachments' muss eine Liste sein (höchstens 20).",
            code="form-data-invalid",
            invalid_params=[{"name": "attachments", "reason": "Liste erwartet"}],
        )
    decoded = []
    for index, item in enumerate(items):
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
            decoded.append((str(item["filename"]), str(item["media_type"]), content))
        except (KeyError, TypeError, binascii.Error) as exc:
            raise Invalid(
                "Anhang unlesbar.",
                code="form-data-invalid",
                invalid_params=[
                    {
                        "name": f"attachments[{index}]",
                        "reason": "filename, media_type und content_base64 (Base64) erwartet",
                    }
                ],
            ) from exc
    return decoded
