"""The JSON web-form path: build the canonical XFall-profile message, then the same intake.

Identity comes from the token, never from the body.
"""

from __future__ import annotations

import base64
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
from egov.intake.idempotency import check_key
from egov.intake.jsonform import build_xfall_message
from egov.intake.model import Applicant, filename_problem, media_type_problem
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
        check_key(idempotency_key)  # before the form is built; Intake.submit scopes it
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
    """`attachments: [{filename, media_type, content_base64}]`; a bad field is named
    (`attachments[1].filename`), never a 500."""
    if not isinstance(items, list) or len(items) > MAX_ATTACHMENTS:
        raise Invalid(
            f"'attachments' muss eine Liste sein (höchstens {MAX_ATTACHMENTS}).",
            code="form-data-invalid",
            invalid_params=[{"name": "attachments", "reason": "Liste erwartet"}],
        )
    return [_attachment(item, f"attachments[{index}]") for index, item in enumerate(items)]


def _attachment(item: Any, name: str) -> tuple[str, str, bytes]:
    if not isinstance(item, dict):
        raise _bad_attachment(name, "Objekt mit filename, media_type und content_base64 erwartet")
    filename = _text_field(item, "filename", name)
    media_type = _text_field(item, "media_type", name)
    if (problem := filename_problem(filename)) is not None:
        raise _bad_attachment(f"{name}.filename", problem)
    if (problem := media_type_problem(media_type)) is not None:
        raise _bad_attachment(f"{name}.media_type", problem)
    return filename, media_type, _content(item, f"{name}.content_base64")


def _text_field(item: dict[str, Any], key: str, name: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise _bad_attachment(f"{name}.{key}", "Text erwartet")
    return value


def _content(item: dict[str, Any], name: str) -> bytes:
    encoded = item.get("content_base64")
    if not isinstance(encoded, str) or not encoded.isascii():
        raise _bad_attachment(name, "Base64-Text erwartet")
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError:  # binascii.Error
        raise _bad_attachment(name, "ungültige Base64-Kodierung") from None


def _bad_attachment(name: str, reason: str) -> Invalid:
    return Invalid(
        "Ein Anhang ist unlesbar oder unzulässig.",
        code="form-data-invalid",
        invalid_params=[{"name": name, "reason": reason}],
    )
