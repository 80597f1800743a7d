"""WebDavStore against a real WebDAV server (wsgidav on loopback, basic auth)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from egov.documents.filestore import Placement
from egov.documents.webdav import (
    CHUNK,
    DocumentMetadata,
    DocumentStoreError,
    StoredProperties,
    WebDavStore,
)
from tests.support.webdav import WebDavServer, free_port, serve_or_skip

USER = "egov-store"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebDavServer]:
    with serve_or_skip(tmp_path / "dav", USER, PASSWORD) as running:
        yield running


@pytest.fixture
def store(server: WebDavServer, tmp_path: Path) -> WebDavStore:
    return WebDavStore(server.url, USER, PASSWORD, tmp_path / "incoming", timeout=10)


def placement(store: WebDavStore) -> Placement:
    # Placement.store is typed FileSystemStore; undo only needs DocumentStore.delete
    return Placement(store)


def stored_files(server: WebDavServer) -> list[Path]:
    return sorted(path for path in (server.root / "sha256").rglob("*") if path.is_file())


def spool(store: WebDavStore, size: int) -> tuple[Path, str, bytes]:
    """Stream random content into a temp file of the store, as intake does."""
    handle, path = store.temp_file()
    digest = hashlib.sha256()
    written = bytearray()
    with handle:
        for offset in range(0, size, 256 * 1024):
            chunk = os.urandom(min(256 * 1024, size - offset))
            digest.update(chunk)
            handle.write(chunk)
            written += chunk
    return path, digest.hexdigest(), bytes(written)


def test_a_five_megabyte_file_streams_up_and_comes_back_unchanged(
    store: WebDavStore, server: WebDavServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp_path, sha256, content = spool(store, 5 * 1024 * 1024 + 123)
    unit = placement(store)
    sent: list[int] = []
    send = http.client.HTTPConnection.send

    def counting_send(connection: http.client.HTTPConnection, data: Any) -> None:
        sent.append(len(data))
        send(connection, data)

    monkeypatch.setattr(http.client.HTTPConnection, "send", counting_send)

    key = store.place(temp_path, sha256, unit)

    assert sum(sent) > len(content) and max(sent) <= CHUNK  # sent in blocks, not whole
    assert key == f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"
    assert unit.created == [key]
    assert not temp_path.exists()
    assert (server.root / key).read_bytes() == content
    chunks = list(store.iter_chunks(key))
    assert len(chunks) > 1 and all(len(chunk) <= CHUNK for chunk in chunks)
    assert b"".join(chunks) == content
    with store.open(key) as handle:
        assert handle.read(10) == content[:10]
    assert store.exists(key)
    assert store.verify(key, sha256)


def test_identical_content_placed_twice_is_stored_once(
    store: WebDavStore, server: WebDavServer
) -> None:
    first, second = placement(store), placement(store)

    key, _ = store.put_bytes(b"Bescheid vom 1. April", first)
    again, _ = store.put_bytes(b"Bescheid vom 1. April", second)

    assert again == key
    assert first.created == [key] and second.created == []
    assert stored_files(server) == [server.root / key]
    assert list(store.incoming.iterdir()) == []


def test_metadata_placed_with_a_document_is_readable_back(store: WebDavStore) -> None:
    content = "Antrag <Gewerbe> & Anlage für Müller".encode()
    metadata = DocumentMetadata(case_reference="AZ 32.1/2024-0815", document_type="antrag")

    key, sha256 = store.put_bytes(content, placement(store), metadata)

    assert store.properties(key) == StoredProperties(
        sha256=sha256,
        size=len(content),
        case_reference="AZ 32.1/2024-0815",
        document_type="antrag",
    )


def test_a_document_placed_without_metadata_still_records_its_hash_and_size(
    store: WebDavStore,
) -> None:
    key, sha256 = store.put_bytes(b"letter", placement(store))

    assert store.properties(key) == StoredProperties(sha256, 6, None, None)
    assert store.properties("sha256/00/00/" + "00" * 32) is None


def test_a_deleted_document_is_gone_and_deleting_it_again_is_fine(
    store: WebDavStore, server: WebDavServer
) -> None:
    key, _ = store.put_bytes(b"to be deleted", placement(store))

    store.delete(key)
    store.delete(key)

    assert not store.exists(key)
    assert not (server.root / key).exists()
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_verify_is_false_after_the_file_was_tampered_with_on_the_server(
    store: WebDavStore, server: WebDavServer
) -> None:
    key, sha256 = store.put_bytes(b"original bytes", placement(store))
    assert store.verify(key, sha256)

    (server.root / key).write_bytes(b"original bytez")

    assert not store.verify(key, sha256)


def test_reverify_all_reports_the_tampered_and_the_missing_keys(
    store: WebDavStore, server: WebDavServer
) -> None:
    unit = placement(store)
    intact, tampered, missing = (store.put_bytes(text, unit) for text in (b"a", b"b", b"c"))
    (server.root / tampered[0]).write_bytes(b"B")
    (server.root / missing[0]).unlink()

    failed = store.reverify_all([intact, tampered, missing, ("not-a-key", intact[1])])

    assert failed == [tampered[0], missing[0], "not-a-key"]


def test_a_wrong_password_is_reported_as_store_rejected_without_the_server_answer(
    server: WebDavServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = WebDavStore(server.url, USER, "wrong password", tmp_path / "incoming", timeout=10)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(DocumentStoreError) as raised:
        wrong.put_bytes(b"content", placement(wrong))

    assert raised.value.code == "store-rejected"
    assert str(raised.value) == "store-rejected"
    assert raised.value.__cause__ is None and raised.value.__context__ is None
    assert "401" in caplog.text  # the server's answer is logged ...
    assert "wrong password" not in caplog.text  # ... the credentials are not
    assert base64.b64encode(f"{USER}:wrong password".encode()).decode() not in caplog.text
    assert list((tmp_path / "incoming").iterdir()) == []


def test_a_server_that_is_down_is_reported_as_store_unavailable(
    store: WebDavStore, server: WebDavServer, tmp_path: Path
) -> None:
    key, sha256 = store.put_bytes(b"stored before the outage", placement(store))
    nobody = WebDavStore(
        f"http://127.0.0.1:{free_port()}/", USER, PASSWORD, tmp_path / "in2", timeout=5
    )
    server.stop()

    for attempt in (
        lambda: store.exists(key),
        lambda: store.verify(key, sha256),
        lambda: store.put_bytes(b"new", placement(store)),
        lambda: nobody.delete(key),
    ):
        with pytest.raises(DocumentStoreError) as raised:
            attempt()
        assert raised.value.code == "store-unavailable"


def test_undoing_a_placement_removes_the_uploaded_files_but_not_shared_content(
    store: WebDavStore, server: WebDavServer
) -> None:
    shared, _ = store.put_bytes(b"committed earlier", placement(store))
    unit = placement(store)
    again, _ = store.put_bytes(b"committed earlier", unit)
    new, _ = store.put_bytes(b"only in this unit", unit)
    spooled, sha256, _ = spool(store, 300_000)
    big = store.place(spooled, sha256, unit)

    unit.undo()

    assert again == shared
    assert store.exists(shared)
    assert not store.exists(new) and not store.exists(big)
    assert stored_files(server) == [server.root / shared]


def test_content_that_does_not_match_its_hash_is_refused_as_store_integrity(
    store: WebDavStore, server: WebDavServer
) -> None:
    temp_path, _, _ = spool(store, 1000)
    unit = placement(store)

    with pytest.raises(DocumentStoreError) as raised:
        store.place(temp_path, hashlib.sha256(b"something else").hexdigest(), unit)

    assert raised.value.code == "store-integrity"
    assert unit.created == []
    assert not (server.root / "sha256").exists()


def test_keys_that_are_not_content_keys_are_refused(store: WebDavStore) -> None:
    for key in ("sha256/../../etc/passwd", "sha256/ab/cd/" + "ef" * 32, "other/ab/cd/x"):
        with pytest.raises(ValueError):
            store.exists(key)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/dav/",
        "file:///srv/dav",
        "127.0.0.1:8080/dav",
        "https://user:secret@dav.example/remote.php/dav/",
        "https://dav.example/dav?token=1",
    ],
)
def test_only_plain_http_or_https_urls_without_credentials_are_accepted(
    url: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError) as raised:
        WebDavStore(url, USER, PASSWORD, tmp_path / "incoming")
    assert "secret" not in str(raised.value)


def test_the_store_shows_no_credentials_in_its_repr(store: WebDavStore) -> None:
    assert PASSWORD not in repr(store) and "Basic" not in repr(store)
