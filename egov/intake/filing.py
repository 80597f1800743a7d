"""The rules of filing: which procedure a message is for and whether the sender may file it
(registered client, Vertrauensniveau), which case a follow-up belongs to, and what the new case
is opened with (owner, Postfach, the values checked against their columns). Called inside the
intake transaction by `egov.intake.service.Intake`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import NewCase, owns
from egov.cases.store import Case, Procedure, get_procedure_by_leika
from egov.db import max_length, too_long
from egov.errors import Forbidden, Invalid, NotFound
from egov.identity.model import Principal, Vertrauensniveau, qualified
from egov.intake.model import CanonicalApplication


def resolve_procedure(
    session: Session,
    application: CanonicalApplication,
    principal: Principal,
    filed_on: str | None = None,
) -> Procedure:
    """`filed_on`: the procedure key of Fachdaten filed on an existing case (a statement on a
    participation), which are not the procedure's own Fachdaten."""
    procedure = get_procedure_by_leika(session, application.leika_key)
    if procedure is None:
        raise Invalid(
            "Diese Leistung wird hier nicht angeboten.",
            code="unknown-leistung",
            invalid_params=[{"name": "leistung", "reason": application.leika_key}],
        )
    own = procedure.fachdaten_namespace == application.fachdaten_namespace
    if not (own if filed_on is None else procedure.key == filed_on):
        raise Invalid("Die Fachdaten passen nicht zur Leistung.", code="fachdaten-mismatch")
    if (principal.is_client or principal.via) and not principal.may_use_procedure(procedure.key):
        raise Forbidden("Dieser Client darf für diese Leistung nicht einreichen.")
    required = Vertrauensniveau.from_claim(procedure.required_vertrauensniveau)
    if not applicant_level(application, principal) >= required:
        raise assurance_too_low(required)
    return procedure


def assurance_too_low(required: Vertrauensniveau) -> Invalid:
    """The refusal of a login below a procedure's Vertrauensniveau (the intake's, the portal's)."""
    return Invalid(
        f"Für diese Leistung ist das Vertrauensniveau „{required.value}“ nötig. Bitte melden "
        "Sie sich mit einem passenden Nutzerkonto an, z. B. mit der Online-Ausweisfunktion.",
        code="assurance-level-too-low",
    )


def follow_up_case(
    session: Session, reference: str, procedure: Procedure, principal: Principal
) -> Case:
    """The case a follow-up refers to: the citizen's own (else 404), or one of a procedure the
    client may use (else 403); it must belong to the submission's Leistung."""
    case = session.scalars(select(Case).where(Case.reference == reference)).first()
    if case is None or (principal.is_citizen and not owns(principal, case)):
        raise NotFound("Vorgang nicht gefunden.", code="case-not-found")
    if principal.is_client and not principal.may_use_procedure(case.procedure_key):
        raise Forbidden("Dieser Client darf für diesen Vorgang nicht einreichen.")
    if case.procedure_key != procedure.key:
        raise Invalid(
            "Die Nachreichung passt nicht zur Leistung des Vorgangs.", code="follow-up-mismatch"
        )
    return case


def applicant_level(application: CanonicalApplication, principal: Principal) -> Vertrauensniveau:
    """A citizen's level comes from the login; a portal vouches for its applicants' levels."""
    if principal.is_citizen:
        return principal.vertrauensniveau or Vertrauensniveau.LOW
    levels = [Vertrauensniveau.from_claim(a.vertrauensniveau) for a in application.applicants]
    return min(levels, default=Vertrauensniveau.LOW)


def new_case(
    procedure: Procedure, application: CanonicalApplication, principal: Principal
) -> NewCase:
    first = application.applicants[0]
    return NewCase(
        procedure=procedure,
        title=str(application.data.get("title") or procedure.name),
        applicant_name=f"{first.given_name} {first.family_name}".strip(),
        applicant_email=first.email,
        owner_subject=principal.subject if principal.is_citizen else None,
        owner_postfach=principal.postfach
        if principal.is_citizen
        else vouched_postfach(application, principal),
        vertrauensniveau=applicant_level(application, principal).value,
        data=application.data,
    )


def vouched_postfach(application: CanonicalApplication, client: Principal) -> str | None:
    """The reply Postfach a portal names for its applicant, qualified by the namespace of the
    Postfach references the client speaks of (so it matches the citizens of that namespace)."""
    reference, namespace = application.reply_postfach, client.postfach_namespace
    if reference is None or namespace is None:
        return None
    return qualified(namespace, reference)


Text = tuple[str, Any, str | None]  # the name the sender knows, the column, the value


def case_texts(new: NewCase) -> list[Text]:
    return [
        ("titel", Case.title, new.title),
        ("antragsteller", Case.applicant_name, new.applicant_name),
        ("antragsteller.email", Case.applicant_email, new.applicant_email),
        ("antwortkanal.postfach", Case.owner_postfach, new.owner_postfach),
    ]


def refuse_too_long(texts: list[Text]) -> None:
    """Values longer than their column (the XSDs allow some, PostgreSQL refuses them, SQLite
    would store them): 422 `value-too-long` naming each, before anything is stored."""
    problems = [
        {"name": name, "reason": f"höchstens {max_length(column)} Zeichen"}
        for name, column, value in texts
        if too_long(column, value)
    ]
    if problems:
        raise Invalid(
            "Eine Angabe ist länger, als sie gespeichert werden kann.",
            code="value-too-long",
            invalid_params=problems,
        )
