from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest

from egov.intake import xfall
from egov.intake.errors import IntakeError
from egov.intake.model import Applicant, CanonicalApplication

from .conftest import ERIKA, PROPOSAL, message

Parse = Callable[..., CanonicalApplication]


def form_error(**overrides: Any) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        message(**overrides)
    return caught.value


def names(error: IntakeError) -> set[str]:
    return {param["name"] for param in error.invalid_params}


def test_a_web_form_proposal_round_trips_through_the_xml_parser(parse: Parse) -> None:
    raw = message(
        attachments=[("plan.pdf", "application/pdf", b"%PDF-1.4 demo")],
        follow_up_case_reference="JENA-2025-000042",
    )
    application = parse(raw)
    assert application.data == {
        **PROPOSAL,
        "estimated_cost_eur": 1200.5,
        "follow_up_cost_eur": 300.0,
    }
    assert application.applicants == (ERIKA,)
    assert application.message_type == "antrag.einreichen"
    assert application.format_key == "egov-xfall-profil-1.0"
    assert application.follow_up_case_reference == "JENA-2025-000042"
    assert application.attachments[0].path.read_bytes() == b"%PDF-1.4 demo"
    assert application.created_at.utcoffset() is not None


def test_a_statement_without_its_optional_fields_maps_them_to_none(parse: Parse) -> None:
    data = {"participation": "JENA-2026-000047", "text": "Gute Idee."}
    raw = message(
        fachdaten_namespace=xfall.NS_BETEILIGUNG, data=data, leika_key=xfall.LEIKA_BETEILIGUNG
    )
    assert parse(raw).data == {**data, "variant_id": None, "location": None, "named": None}


def test_a_cost_that_is_not_a_number_names_the_json_field() -> None:
    error = form_error(data={**PROPOSAL, "estimated_cost_eur": "viel"})
    assert error.code == "fachdaten-invalid"
    assert names(error) == {"data.estimated_cost_eur"}


def test_a_negative_cost_with_three_decimals_is_rejected_by_the_fachdaten_xsd() -> None:
    error = form_error(data={**PROPOSAL, "follow_up_cost_eur": "-1.005"})
    assert error.code == "fachdaten-invalid"
    assert names(error) == {"data.follow_up_cost_eur"}


def test_an_unknown_category_names_the_category_field() -> None:
    assert names(form_error(data={**PROPOSAL, "category": "raumfahrt"})) == {"data.category"}


def test_missing_and_unknown_fields_and_wrong_booleans_are_all_reported_together() -> None:
    data = {**PROPOSAL, "extra": 1, "public_space": "ja"}
    del data["title"]
    error = form_error(data=data)
    assert names(error) == {"data.title", "data.extra", "data.public_space"}


def test_an_invalid_email_of_the_applicant_names_the_applicant_field() -> None:
    applicant = Applicant("Erika", "Mustermann", "keine-adresse", "bundid", "low")
    error = form_error(applicant=applicant)
    assert error.code == "schema-invalid"
    assert names(error) == {"applicant.email"}


def test_an_unknown_vertrauensniveau_is_rejected() -> None:
    applicant = Applicant("Erika", "Mustermann", None, "bundid", "mittel")
    assert names(form_error(applicant=applicant)) == {"applicant.vertrauensniveau"}


def test_a_bad_leika_key_names_the_leika_field() -> None:
    assert names(form_error(leika_key="99107004000000")) == {"leika_key"}


def test_unknown_fachdaten_namespace_is_rejected() -> None:
    assert form_error(fachdaten_namespace="urn:x").code == "unknown-fachdaten"


def test_a_naive_creation_time_is_written_as_utc(parse: Parse) -> None:
    from datetime import datetime

    raw = message(created_at=datetime(2025, 1, 2, 3, 4, 5))
    assert parse(raw).created_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
