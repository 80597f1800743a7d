"""Implementation tracking of a funded Bürgerbudget proposal: milestones, actual cost and
photos by the clerks of the responsible unit only, each change audited, closed when done."""

from __future__ import annotations

import struct
import zlib

import pytest

from egov.buergerbudget.implementation import Photo, begin
from egov.cases.store import get_case
from egov.container import Container
from egov.errors import Conflict, Invalid, NotFound
from egov.identity.model import Principal, Role
from tests.builders import proposal
from tests.conftest import Api

STADTPLANUNG = Principal(
    subject="ben",
    name="Ben",
    roles=frozenset({Role.CLERK}),
    org_units=frozenset({"fachdienst-stadtplanung"}),
)
STADTGRUEN = Principal(
    subject="gerda",
    name="Gerda",
    roles=frozenset({Role.CLERK}),
    org_units=frozenset({"fachdienst-stadtgruen"}),
)
ADMIN = Principal(subject="admin", name="Admin", roles=frozenset({Role.ADMIN}))
EXIF = b"Exif\x00\x00GPS 50.9271 11.5892 Kamera Beispiel"


def jpeg_with_exif() -> bytes:
    app1 = b"\xff\xe1" + struct.pack(">H", len(EXIF) + 2) + EXIF
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + app1 + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Author\x00Erika Mustermann")
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def funded_case(api: Api, container: Container) -> str:
    case_id = str(api.post("/applications", "erika", json=proposal()).get_json()["case_id"])
    with container.db.transaction() as session:
        case = get_case(session, case_id)
        assert case is not None
        now = container.clock()
        begin(session, case, 2026, "fachdienst-stadtplanung", "system:workflow", now)
        begin(session, case, 2026, "fachdienst-stadtplanung", "system:workflow", now)  # once
    return case_id


def actions(api: Api, case_id: str) -> list[str]:
    events = api.get(f"/cases/{case_id}/events", "admin").get_json()["items"]
    return [e["action"] for e in events]


def test_the_responsible_unit_keeps_milestones_cost_and_photos_each_audited(
    api: Api, container: Container, funded_case: str
) -> None:
    work = container.implementations
    milestone = work.add_milestone(
        STADTPLANUNG, funded_case, {"title": "Bügel bestellt", "planned_on": "2027-03-01"}
    )
    work.change_milestone(
        STADTPLANUNG, funded_case, milestone["id"], {"status": "done", "actual_on": "2027-03-04"}
    )
    work.record_cost(STADTPLANUNG, funded_case, 3450.5)
    work.add_photo(STADTPLANUNG, funded_case, Photo("buegel.jpg", "image/jpeg", jpeg_with_exif()))
    shown = work.get(STADTPLANUNG, funded_case)
    assert shown["milestones"] == [
        {
            "id": milestone["id"],
            "title": "Bügel bestellt",
            "planned_on": "2027-03-01",
            "actual_on": "2027-03-04",
            "status": "done",
        }
    ]
    assert shown["actual_cost_eur"] == 3450.5
    assert [p["filename"] for p in shown["photos"]] == ["buegel.jpg"]
    assert actions(api, funded_case)[-5:] == [
        "implementation.started",
        "implementation.milestone_added",
        "implementation.milestone_changed",
        "implementation.cost_recorded",
        "implementation.photo_added",
    ]


def test_a_photo_is_stored_without_its_exif_data(container: Container, funded_case: str) -> None:
    work = container.implementations
    work.add_photo(STADTPLANUNG, funded_case, Photo("a.jpg", "image/jpeg", jpeg_with_exif()))
    work.add_photo(STADTPLANUNG, funded_case, Photo("b.png", "image/png", png()))
    for photo in work.get(STADTPLANUNG, funded_case)["photos"]:
        _document, chunks = container.case_file.content(ADMIN, photo["id"])
        stored = b"".join(chunks)
        assert b"GPS" not in stored and b"Erika" not in stored
        assert stored[:2] in (b"\xff\xd8", b"\x89P")


@pytest.mark.parametrize(
    ("photo", "reason"),
    [
        (Photo("x.pdf", "application/pdf", b"%PDF-1.7"), "nur JPEG oder PNG"),
        (Photo("x.png", "image/png", b"\xff\xd8\xff\xe0"), "nur JPEG oder PNG"),
        (Photo("x.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024)), "Bytes"),
    ],
)
def test_a_photo_must_be_a_jpeg_or_png_within_the_size_limit(
    container: Container, funded_case: str, photo: Photo, reason: str
) -> None:
    with pytest.raises(Invalid) as refused:
        container.implementations.add_photo(STADTPLANUNG, funded_case, photo)
    assert refused.value.code == "implementation-invalid"
    assert reason in refused.value.invalid_params[0]["reason"]


def test_clerks_of_another_unit_do_not_see_the_implementation(
    container: Container, funded_case: str
) -> None:
    with pytest.raises(NotFound) as refused:
        container.implementations.record_cost(STADTGRUEN, funded_case, 10)
    assert refused.value.code == "implementation-not-found"


def test_closing_needs_the_actual_cost_and_then_nothing_changes_any_more(
    api: Api, container: Container, funded_case: str
) -> None:
    work = container.implementations
    with pytest.raises(Invalid):
        work.complete(STADTPLANUNG, funded_case)
    work.record_cost(STADTPLANUNG, funded_case, 3000)
    closed = work.complete(STADTPLANUNG, funded_case)
    assert closed["status"] == "done" and closed["closed_at"] is not None
    assert api.get(f"/cases/{funded_case}", "admin").get_json()["status"] == "implemented"
    assert actions(api, funded_case)[-1] == "implementation.completed"
    with pytest.raises(Conflict) as refused:
        work.add_milestone(STADTPLANUNG, funded_case, {"title": "noch etwas"})
    assert refused.value.code == "implementation-closed"


def test_a_milestone_needs_a_title_and_real_days(container: Container, funded_case: str) -> None:
    work = container.implementations
    for raw in ({"title": " "}, {"title": "x", "planned_on": "1.3.2027"}, {"title": "x", "z": 1}):
        with pytest.raises(Invalid):
            work.add_milestone(STADTPLANUNG, funded_case, raw)
