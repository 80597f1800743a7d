"""The `dms.store` outbox handler files a case's documents in the DMS as an archivist browses
it (a folder per case reference, human file names, a metadata sidecar each), on a filesystem
archive and on a real WebDAV server, with verified hashes; a re-delivery stores nothing twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from egov.audit.store import list_events
from egov.container import Container
from egov.documents.archive import ArchiveTarget, FileSystemArchive, WebDavArchive
from egov.documents.filestore import Placement
from egov.documents.store import Document, list_by_case
from egov.documents.webdav import WebDavStore
from egov.integrations import dms
from egov.integrations.dms import build_target, local_date
from egov.outbox.service import enqueue
from egov.outbox.store import Incident, OutboxMessage
from egov.settings import Settings
from tests.builders import proposal
from tests.conftest import Api
from tests.support.webdav import WebDavServer, free_port, serve_or_skip

USER = "egov-dms"
PASSWORD = "dms secret for tests"
PLAN = b"%PDF-1.4\n% Lageplan (fiktiv)\n" + bytes(range(256)) * 64
STATICS = b"%PDF-1.4\n% Standsicherheitsnachweis (fiktiv)\n" + b"x" * 5000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebDavServer]:
    with serve_or_skip(tmp_path / "dav", USER, PASSWORD) as running:
        yield running


def case_with_documents(
    api: Api,
    container: Container,
    attachments: tuple[tuple[str, bytes], ...] = (("lageplan.pdf", PLAN), ("Statik.pdf", STATICS)),
) -> tuple[str, str, list[str]]:
    """A case (filed by erika) with its original message plus two attachments."""
    receipt = api.post("/applications", "erika", json=proposal()).get_json()
    case_id = receipt["case_id"]
    with container.db.transaction() as session:
        for name, content in attachments:
            key, sha256 = container.files.put_bytes(content, Placement(container.files))
            session.add(
                Document(
                    case_id=case_id,
                    kind="attachment",
                    filename=name,
                    media_type="application/pdf",
                    size=len(content),
                    sha256=sha256,
                    sha512=None,
                    storage_key=key,
                    visible_to_applicant=True,
                    created_at=container.clock(),
                    created_by="erika",
                )
            )
    with container.db.reading() as session:
        ids = [d.id for d in list_by_case(session, case_id)]
    return case_id, receipt["case_reference"], ids


def documents(container: Container, case_id: str) -> list[Document]:
    with container.db.reading() as session:
        found = list_by_case(session, case_id)
        session.expunge_all()
        return found


def store_row(container: Container, case_id: str, payload: dict[str, Any]) -> str:
    with container.db.transaction() as session:
        return enqueue(
            session, case_id=case_id, kind=dms.KIND, payload=payload, now=container.clock()
        )


def deliver(container: Container, case_id: str, payload: dict[str, Any]) -> tuple[str, str]:
    row_id = store_row(container, case_id, payload)
    return row_id, container.outbox.deliver(row_id)


def archived_events(container: Container, case_id: str) -> list[dict[str, Any]]:
    with container.db.reading() as session:
        return [e.after or {} for e in list_events(session, case_id) if e.action == "dms.archived"]


def use_target(container: Container, target: ArchiveTarget) -> None:
    dms.register(container.outbox, container.db, container.files, target, container.clock)


def files_in(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def day_of(container: Container, case_id: str) -> str:
    return local_date(documents(container, case_id)[0].created_at).isoformat()


def filed_names(root: Path, reference: str) -> list[str]:
    return sorted(p.name for p in (root / reference).iterdir())


def test_a_case_is_filed_in_its_own_folder_under_human_names_with_metadata_beside(
    api: Api, container: Container
) -> None:
    case_id, reference, _ = case_with_documents(api, container)

    _, outcome = deliver(container, case_id, {"case_reference": reference, "document_ids": None})

    assert outcome == "delivered"
    archive = build_target(container.settings)
    assert isinstance(archive, FileSystemArchive)
    assert archive.root == container.settings.data_dir / "dms"
    day = day_of(container, case_id)
    prefix = f"{day}_Vorschlag-zum-Buergerbudget_"
    names = [f"{prefix}Antragsnachricht.xml", f"{prefix}Lageplan.pdf", f"{prefix}Statik.pdf"]
    assert filed_names(archive.root, reference) == sorted(
        [*names, *(n + ".metadata.json" for n in names)]
    )
    assert (archive.root / reference / f"{prefix}Lageplan.pdf").read_bytes() == PLAN
    plan = next(d for d in documents(container, case_id) if d.filename == "lageplan.pdf")
    sidecar = json.loads(
        (archive.root / reference / f"{prefix}Lageplan.pdf.metadata.json").read_text()
    )
    assert sidecar == {
        "document_id": plan.id,
        "case_reference": reference,
        "document_type": "attachment",
        "title": "Lageplan",
        "date": day,
        "sha256": hashlib.sha256(PLAN).hexdigest(),
        "size": len(PLAN),
        "media_type": "application/pdf",
        "original_filename": "lageplan.pdf",
    }
    [event] = archived_events(container, case_id)
    assert {d["document_id"] for d in event["documents"]} == {
        d.id for d in documents(container, case_id)
    }
    assert {d["dms_key"] for d in event["documents"]} == {f"{reference}/{n}" for n in names}
    assert all(d["newly_stored"] for d in event["documents"])


def test_a_re_delivery_stores_nothing_twice_and_only_re_verifies(
    api: Api, container: Container
) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    payload = {"case_reference": reference}
    assert deliver(container, case_id, payload)[1] == "delivered"
    archive_root = container.settings.data_dir / "dms"
    before = {p: p.stat().st_mtime_ns for p in archive_root.rglob("*") if p.is_file()}

    assert deliver(container, case_id, payload)[1] == "delivered"

    after = {p: p.stat().st_mtime_ns for p in archive_root.rglob("*") if p.is_file()}
    assert after == before
    first, second = archived_events(container, case_id)
    assert [d["dms_key"] for d in first["documents"]] == [d["dms_key"] for d in second["documents"]]
    assert not any(d["newly_stored"] for d in second["documents"])


def test_two_documents_with_the_same_name_get_a_suffix_and_unsafe_names_are_made_safe(
    api: Api, container: Container
) -> None:
    attachments = (
        ("Grundriss.pdf", b"%PDF erster Grundriss"),
        ("Grundriss.pdf", b"%PDF zweiter Grundriss"),
        ("../../etc/Übersicht Straße?.pdf", b"%PDF Lage"),
    )
    case_id, reference, _ = case_with_documents(api, container, attachments)

    assert deliver(container, case_id, {"case_reference": reference})[1] == "delivered"
    assert deliver(container, case_id, {"case_reference": reference})[1] == "delivered"

    root = container.settings.data_dir / "dms"
    prefix = f"{day_of(container, case_id)}_Vorschlag-zum-Buergerbudget_"
    pdfs = [n for n in filed_names(root, reference) if n.endswith(".pdf")]
    assert pdfs == [
        f"{prefix}Grundriss.pdf",
        f"{prefix}Grundriss_2.pdf",
        f"{prefix}Uebersicht-Strasse.pdf",
    ]
    contents = {(root / reference / n).read_bytes() for n in pdfs[:2]}
    assert contents == {b"%PDF erster Grundriss", b"%PDF zweiter Grundriss"}
    assert sorted(p.name for p in root.iterdir()) == [".incoming", reference]


def test_a_document_shared_by_two_cases_is_filed_in_both(api: Api, container: Container) -> None:
    first_id, first_reference, _ = case_with_documents(api, container)
    second_id, second_reference, _ = case_with_documents(api, container)

    assert deliver(container, first_id, {"case_reference": first_reference})[1] == "delivered"
    assert deliver(container, second_id, {"case_reference": second_reference})[1] == "delivered"

    root = container.settings.data_dir / "dms"
    for reference in (first_reference, second_reference):
        [plan] = [n for n in filed_names(root, reference) if n.endswith("Lageplan.pdf")]
        assert (root / reference / plan).read_bytes() == PLAN
        sidecar = json.loads((root / reference / f"{plan}.metadata.json").read_text())
        assert sidecar["case_reference"] == reference


def test_only_the_named_documents_are_archived(api: Api, container: Container) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    plan = next(d for d in documents(container, case_id) if d.filename == "lageplan.pdf")

    _, outcome = deliver(
        container, case_id, {"case_reference": reference, "document_ids": [plan.id]}
    )

    assert outcome == "delivered"
    root = container.settings.data_dir / "dms"
    names = filed_names(root, reference)
    assert len(names) == 2 and names[0].endswith("_Lageplan.pdf")


def test_a_document_of_another_case_is_refused_at_once_as_an_incident(
    api: Api, container: Container
) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    _, _, other_ids = case_with_documents(api, container)

    row_id, outcome = deliver(
        container, case_id, {"case_reference": reference, "document_ids": other_ids[:1]}
    )

    assert outcome == "failed"
    with container.db.reading() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None and row.last_error is not None
        assert row.last_error.startswith("dms-document-unknown")
        incident = session.query(Incident).filter_by(outbox_id=row_id).one()
        assert incident.status == "open"
    assert not (container.settings.data_dir / "dms" / reference).exists()


def test_a_damaged_document_in_egovs_store_is_not_archived(api: Api, container: Container) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    plan = next(d for d in documents(container, case_id) if d.filename == "lageplan.pdf")
    (container.files.root / plan.storage_key).write_bytes(b"manipulated")

    row_id, outcome = deliver(
        container, case_id, {"case_reference": reference, "document_ids": [plan.id]}
    )

    assert outcome == "failed"
    with container.db.reading() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None and (row.last_error or "").startswith("dms-source-integrity")
    archive = FileSystemArchive(container.settings.data_dir / "dms")
    assert not (archive.root / reference).exists()
    assert list(archive.incoming.iterdir()) == []  # no temp file left


def test_a_copy_that_does_not_verify_is_removed_and_uploaded_again_on_retry(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    root = container.settings.data_dir / "dms"
    with monkeypatch.context() as patch:
        patch.setattr(FileSystemArchive, "verify_file", lambda _self, _f, _n, _sha256: False)
        row_id, outcome = deliver(container, case_id, {"case_reference": reference})

    assert outcome == "retry"
    with container.db.reading() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None and row.status == "pending"
        assert (row.last_error or "").startswith("dms-integrity")
    assert filed_names(root, reference) == []
    assert deliver(container, case_id, {"case_reference": reference})[1] == "delivered"
    assert len(filed_names(root, reference)) == 2 * len(documents(container, case_id))


def test_a_case_is_filed_on_a_real_webdav_dms_with_sidecars_properties_and_verified_hashes(
    api: Api, container: Container, server: WebDavServer, tmp_path: Path
) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    settings = replace(
        container.settings, dms_url=server.url, dms_username=USER, dms_password=PASSWORD
    )
    target = build_target(settings)
    assert isinstance(target, WebDavArchive)
    use_target(container, target)

    _, outcome = deliver(container, case_id, {"case_reference": reference})

    assert outcome == "delivered"
    prefix = f"{day_of(container, case_id)}_Vorschlag-zum-Buergerbudget_"
    by_title = {"original-message": "Antragsnachricht.xml", "lageplan.pdf": "Lageplan.pdf"}
    by_title["Statik.pdf"] = "Statik.pdf"
    for document in documents(container, case_id):
        name = prefix + (by_title.get(document.filename) or by_title[document.kind])
        on_server = server.root / reference / name
        assert hashlib.sha256(on_server.read_bytes()).hexdigest() == document.sha256
        sidecar = json.loads((server.root / reference / f"{name}.metadata.json").read_text())
        assert (sidecar["document_id"], sidecar["sha256"]) == (document.id, document.sha256)
        properties = target.file_properties(reference, name)
        assert properties is not None
        assert properties.sha256 == document.sha256
        assert properties.size == document.size
        assert properties.case_reference == reference
        assert properties.document_type == document.kind


def test_a_re_delivery_to_webdav_uploads_nothing(
    api: Api,
    container: Container,
    server: WebDavServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    target = WebDavArchive(server.url, USER, PASSWORD, tmp_path / "incoming", timeout=10)
    use_target(container, target)
    assert deliver(container, case_id, {"case_reference": reference})[1] == "delivered"
    before = files_in(server.root)
    uploads: list[str] = []
    put, put_metadata = WebDavArchive.put, WebDavArchive.put_metadata

    def counting_put(store: WebDavArchive, folder: str, name: str, *rest: Any) -> bool:
        uploads.append(name)
        return put(store, folder, name, *rest)

    def counting_put_metadata(store: WebDavArchive, folder: str, name: str, *rest: Any) -> None:
        uploads.append(name + ".metadata.json")
        put_metadata(store, folder, name, *rest)

    monkeypatch.setattr(WebDavArchive, "put", counting_put)
    monkeypatch.setattr(WebDavArchive, "put_metadata", counting_put_metadata)

    assert deliver(container, case_id, {"case_reference": reference})[1] == "delivered"

    assert uploads == []
    assert files_in(server.root) == before


def test_a_webdav_dms_that_is_down_is_retried_and_one_with_wrong_credentials_is_an_incident(
    api: Api, container: Container, server: WebDavServer, tmp_path: Path
) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    down = WebDavArchive(f"http://127.0.0.1:{free_port()}/", USER, PASSWORD, tmp_path / "i1", 5)
    use_target(container, down)
    assert deliver(container, case_id, {"case_reference": reference})[1] == "retry"

    wrong = WebDavArchive(server.url, USER, "wrong", tmp_path / "i2", timeout=5)
    use_target(container, wrong)
    row_id, outcome = deliver(container, case_id, {"case_reference": reference})

    assert outcome == "failed"
    with container.db.reading() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None and (row.last_error or "").startswith("dms-store-rejected")
    assert PASSWORD not in str(down) and "wrong" not in str(wrong)


def test_the_dms_setting_chooses_a_folder_or_webdav_and_refuses_other_urls(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path)
    folder = build_target(settings)
    webdav = build_target(replace(settings, dms_url="https://dms.example.org/egov/"))
    assert isinstance(folder, FileSystemArchive) and folder.root == tmp_path / "dms"
    assert isinstance(webdav, WebDavArchive) and isinstance(webdav, WebDavStore)
    with pytest.raises(ValueError, match="EGOV_DMS_URL"):
        build_target(replace(settings, dms_url="ftp://dms.example.org/"))
    from_env = Settings.from_env(
        {"EGOV_DMS_URL": "https://dms.example.org/", "EGOV_DMS_USERNAME": "u"}, data_dir=tmp_path
    )
    assert (from_env.dms_url, from_env.dms_username) == ("https://dms.example.org/", "u")


def test_a_share_without_hard_links_still_gets_each_document_once(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, reference, _ = case_with_documents(api, container)

    def no_links(_source: object, _target: object) -> None:
        raise PermissionError("hard links are not supported here")

    monkeypatch.setattr("egov.documents.archive.os.link", no_links)
    assert deliver(container, case_id, {"case_reference": reference})[1] == "delivered"
    assert deliver(container, case_id, {"case_reference": reference})[1] == "delivered"

    root = container.settings.data_dir / "dms"
    names = filed_names(root, reference)
    assert len(names) == 2 * len(documents(container, case_id))
    assert not any(name.endswith(".part") or "_2." in name for name in names)
