"""The DMS archive: outbox handler for kind ``dms.store``.

A BPMN service task writes ``outbox.send`` with ``kind = "dms.store"`` and the payload
``{case_reference, document_ids}`` (``document_ids`` absent or null: every document of the
case). After commit the outbox calls :class:`DmsArchiver`, which copies each document from
egov's document store to the DMS with its metadata (case reference, document type, SHA-256,
size) and re-hashes what the DMS holds afterwards.

The DMS (setting ``EGOV_DMS_URL``):

* empty: a filesystem archive in ``<EGOV_DATA_DIR>/dms`` (:class:`FileSystemArchive`): the
  content under the same keys as egov's store, the metadata beside it in ``<key>.json``;
* ``http(s)://``: a WebDAV collection (:class:`egov.documents.webdav.WebDavStore`, metadata as
  WebDAV properties), with ``EGOV_DMS_USERNAME`` / ``EGOV_DMS_PASSWORD``.

Idempotent: keys are content addresses (``sha256/ab/cd/<sha256>``), so a re-delivery finds
the content stored and uploads nothing again; it only re-verifies the hash. Content shared by
two documents is stored once and keeps the metadata of its first placement.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, get_case
from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore, Placement
from egov.documents.ports import DocumentStore, DocumentStoreError
from egov.documents.store import Document
from egov.documents.webdav import DocumentMetadata, StoredProperties, WebDavStore, key_for
from egov.http_client import OutboundHttp
from egov.outbox.service import Delivery, DeliveryError, Outbox
from egov.settings import Settings

__all__ = [
    "KIND",
    "ArchiveTarget",
    "ArchivedDocument",
    "DmsArchiver",
    "FileSystemArchive",
    "build_target",
    "register",
]

log = logging.getLogger(__name__)
KIND = "dms.store"


class ArchiveTarget(DocumentStore, Protocol):
    """What the archiver needs from a DMS: a document store that keeps metadata."""

    def place(
        self,
        temp_path: Path,
        sha256: str,
        placement: Placement,
        metadata: DocumentMetadata | None = None,
    ) -> str:
        """Store a finished temp file under its content key, with `metadata` if it is new."""
        ...

    def properties(self, key: str) -> StoredProperties | None:
        """The stored metadata of a key, or None if the key is not stored."""
        ...


class FileSystemArchive:
    """A folder as DMS: content-addressed files plus a JSON file of metadata per key."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files = FileSystemStore(root)

    def __repr__(self) -> str:
        return f"FileSystemArchive({self.root})"

    def temp_file(self) -> tuple[BinaryIO, Path]:
        return self._files.temp_file()

    def place(
        self,
        temp_path: Path,
        sha256: str,
        placement: Placement,
        metadata: DocumentMetadata | None = None,
    ) -> str:
        """Move the temp file to its content key; metadata is written with new content only."""
        key = key_for(sha256)
        if self._files.exists(key):
            temp_path.unlink(missing_ok=True)
            return key
        size = temp_path.stat().st_size
        key = self._files.place(temp_path, sha256, placement)
        meta = metadata or DocumentMetadata()
        record_ = StoredProperties(sha256, size, meta.case_reference, meta.document_type)
        sidecar = self._sidecar(key)
        partial = sidecar.with_suffix(".json.part")
        partial.write_text(json.dumps(asdict(record_), ensure_ascii=False), "utf-8")
        os.replace(partial, sidecar)
        return key

    def put_bytes(
        self, content: bytes, placement: Placement, metadata: DocumentMetadata | None = None
    ) -> tuple[str, str]:
        sha256 = hashlib.sha256(content).hexdigest()
        handle, path = self.temp_file()
        with handle:
            handle.write(content)
        return self.place(path, sha256, placement, metadata), sha256

    def open(self, key: str) -> BinaryIO:
        return self._files.open(key)

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        return self._files.iter_chunks(key)

    def exists(self, key: str) -> bool:
        return self._files.exists(key)

    def delete(self, key: str) -> None:
        self._files.delete(key)
        self._sidecar(key).unlink(missing_ok=True)

    def verify(self, key: str, sha256: str) -> bool:
        return self._files.verify(key, sha256)

    def properties(self, key: str) -> StoredProperties | None:
        if not self._files.exists(key):
            return None
        try:
            values = json.loads(self._sidecar(key).read_text("utf-8"))
        except FileNotFoundError:
            return StoredProperties(None, None, None, None)
        return StoredProperties(**values)

    def _sidecar(self, key: str) -> Path:
        if key_for(key.rsplit("/", 1)[-1]) != key:  # key_for raises for a non-digest
            raise ValueError("invalid storage key")
        return self.root / f"{key}.json"


@dataclass(frozen=True)
class ArchivedDocument:
    document_id: str
    key: str
    sha256: str
    newly_stored: bool


@dataclass(frozen=True)
class _Source:
    id: str
    kind: str
    sha256: str
    storage_key: str


@dataclass
class DmsArchiver:
    """The outbox handler of ``dms.store`` (call it with a :class:`Delivery`)."""

    db: Database
    files: DocumentStore
    target: ArchiveTarget
    clock: Clock

    def __call__(self, delivery: Delivery) -> None:
        case_id, reference, sources = self._sources(delivery)
        archived = [self._archive(reference, source) for source in sources]
        self._audit(case_id, delivery, archived)

    # -- reading the case -------------------------------------------------------------------

    def _sources(self, delivery: Delivery) -> tuple[str, str, list[_Source]]:
        wanted = _document_ids(delivery.payload)
        with self.db.reading() as session:
            case = self._case(session, delivery)
            query = select(Document).where(Document.case_id == case.id)
            if wanted is not None:
                query = query.where(Document.id.in_(wanted))
            documents = list(session.scalars(query.order_by(Document.created_at, Document.id)))
            sources = [_Source(d.id, d.kind, d.sha256, d.storage_key) for d in documents]
            case_id, reference = case.id, case.reference
        missing = sorted(set(wanted or ()) - {s.id for s in sources})
        if missing:
            raise DeliveryError(
                f"Dokumente {missing} gehören nicht zum Vorgang {reference}.",
                code="dms-document-unknown",
                permanent=True,
            )
        return case_id, reference, sources

    @staticmethod
    def _case(session: Session, delivery: Delivery) -> Case:
        case = get_case(session, delivery.case_id) if delivery.case_id else None
        reference = delivery.payload.get("case_reference")
        if case is None and isinstance(reference, str):
            case = session.scalars(select(Case).where(Case.reference == reference)).first()
        if case is None or (isinstance(reference, str) and reference != case.reference):
            raise DeliveryError(
                "Der Vorgang der DMS-Ablage ist unbekannt.", code="dms-case-unknown", permanent=True
            )
        return case

    # -- copying ----------------------------------------------------------------------------

    def _archive(self, reference: str, source: _Source) -> ArchivedDocument:
        key = key_for(source.sha256)
        try:
            newly = not self.target.exists(key)
            if newly:
                key = self._copy(reference, source)
            if not self.target.verify(key, source.sha256):
                # a damaged copy would block every later attempt (keys are never overwritten):
                # remove it, so that the retry uploads the document again
                log.error("dms copy of document %s does not match its hash", source.id)
                self.target.delete(key)
                raise DeliveryError(
                    "Die Ablage im DMS stimmt nicht mit dem Hashwert überein.",
                    code="dms-integrity",
                )
        except DocumentStoreError as exc:
            raise DeliveryError(
                f"DMS: {exc.code}", code=f"dms-{exc.code}", permanent=exc.code == "store-rejected"
            ) from exc
        return ArchivedDocument(source.id, key, source.sha256, newly)

    def _copy(self, reference: str, source: _Source) -> str:
        """Stream the document into a temp file of the DMS (hash checked), then place it."""
        handle, temp_path = self.target.temp_file()
        try:
            digest = hashlib.sha256()
            with handle:
                for chunk in self.files.iter_chunks(source.storage_key):
                    digest.update(chunk)
                    handle.write(chunk)
            if digest.hexdigest() != source.sha256:
                log.error("document %s in egov's store does not match its hash", source.id)
                raise DeliveryError(
                    "Das Dokument im Dokumentenspeicher ist beschädigt.",
                    code="dms-source-integrity",
                    permanent=True,
                )
            placement = Placement(self.target)
            metadata = DocumentMetadata(case_reference=reference, document_type=source.kind)
            return self.target.place(temp_path, source.sha256, placement, metadata)
        except FileNotFoundError as exc:
            raise DeliveryError(
                "Das Dokument fehlt im Dokumentenspeicher.",
                code="dms-source-missing",
                permanent=True,
            ) from exc
        finally:
            temp_path.unlink(missing_ok=True)

    def _audit(
        self, case_id: str, delivery: Delivery, archived: Sequence[ArchivedDocument]
    ) -> None:
        with self.db.transaction() as session:
            case = get_case(session, case_id)
            if case is None:
                return
            record(
                session,
                case,
                actor="system:dms",
                action="dms.archived",
                now=self.clock(),
                details={
                    "outbox_id": delivery.id,
                    "documents": [
                        {
                            "document_id": a.document_id,
                            "sha256": a.sha256,
                            "dms_key": a.key,
                            "newly_stored": a.newly_stored,
                        }
                        for a in archived
                    ],
                },
            )


def _document_ids(payload: dict[str, Any]) -> list[str] | None:
    ids = payload.get("document_ids")
    if ids is None:
        return None
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise DeliveryError(
            "document_ids muss eine Liste von Dokument-IDs sein.",
            code="dms-payload-invalid",
            permanent=True,
        )
    return list(dict.fromkeys(ids))


def build_target(settings: Settings, http: OutboundHttp | None = None) -> ArchiveTarget:
    """The configured DMS: a WebDAV collection for an http(s) URL, else a local folder."""
    url = settings.dms_url.strip()
    if not url:
        return FileSystemArchive(settings.data_dir / "dms")
    if not url.startswith(("http://", "https://")):
        raise ValueError("EGOV_DMS_URL must be empty or an http(s) URL")
    return WebDavStore(
        url,
        settings.dms_username,
        settings.dms_password,
        settings.data_dir / "dms-incoming",
        timeout=settings.dms_timeout_seconds,
        http=http or OutboundHttp.from_settings(settings),
    )


def register(
    outbox: Outbox, db: Database, files: DocumentStore, target: ArchiveTarget, clock: Clock
) -> DmsArchiver:
    archiver = DmsArchiver(db=db, files=files, target=target, clock=clock)
    outbox.register(KIND, archiver)
    return archiver
