"""The DMS archive: outbox handlers for kinds ``dms.store`` and ``dms.erase`` (the folder of
an erased case deleted, `egov.retention.erasure`).

A BPMN service task writes ``outbox.send`` with ``kind = "dms.store"`` and the payload
``{case_reference, document_ids}`` (``document_ids`` absent or null: every document of the
case). After commit the outbox calls :class:`DmsArchiver`, which files each document in the
DMS the way an archivist browses it (``egov.documents.archive``): a folder per case reference,
a human file name, the metadata beside it, and re-hashes what the DMS holds afterwards::

    JENA-2026-000123/2026-12-03_Bauantrag_Antragsformular.pdf
    JENA-2026-000123/2026-12-03_Bauantrag_Antragsformular.pdf.metadata.json

The name is ``<date>_<procedure>_<title><ext>`` (``egov.documents.naming``): the local date
(Europe/Berlin) the document came into the case, the procedure's name before any bracket
(``Bauantrag (XBau)`` → ``Bauantrag``), the title (``Antragsnachricht`` for the original
message, else the file name's stem without the case reference), the file name's extension
(else one for the media type); safe characters only; a name another document of the case has
taken gets ``_2``, ``_3``, .... The sidecar ``<name>.metadata.json`` holds ``document_id``,
``case_reference``, ``document_type``, ``title``, ``date``, ``sha256``, ``size``,
``media_type`` and ``original_filename``; on WebDAV the file also carries the properties
``sha256``, ``size``, ``case-reference``, ``document-type`` (namespace ``urn:egov:document``).

The DMS (setting ``EGOV_DMS_URL``): empty: the folder ``<EGOV_DATA_DIR>/dms``
(:class:`FileSystemArchive`); ``http(s)://``: a WebDAV collection (:class:`WebDavArchive`) with
``EGOV_DMS_USERNAME`` / ``EGOV_DMS_PASSWORD``, called through egov's outbound client.

Idempotent: a re-delivery finds each document under the name its sidecar gives it (by
``document_id``), uploads nothing again and only re-verifies the hash. A document whose content
is shared by two cases is filed in the folder of each; egov's own store keeps it once
(content-addressed).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from egov.cases.service import record
from egov.cases.store import Case, Procedure, get_case
from egov.clock import Clock
from egov.db import Database
from egov.documents.archive import ArchiveTarget, FileSystemArchive, FilingMetadata, WebDavArchive
from egov.documents.naming import (
    candidates,
    case_folder,
    extension_of,
    human_name,
    procedure_word,
    title_of,
)
from egov.documents.ports import DocumentStore, DocumentStoreError
from egov.documents.store import Document
from egov.http_client import OutboundHttp
from egov.outbox.service import Delivery, DeliveryError, Outbox
from egov.settings import Settings

__all__ = [
    "KIND",
    "ArchiveTarget",
    "ArchivedDocument",
    "DmsArchiver",
    "FileSystemArchive",
    "WebDavArchive",
    "build_target",
    "register",
]

log = logging.getLogger(__name__)
KIND = "dms.store"
ERASE_KIND = "dms.erase"
CITY_TIME = ZoneInfo("Europe/Berlin")


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
    size: int
    storage_key: str
    filename: str
    media_type: str
    created_at: datetime


@dataclass
class DmsArchiver:
    """The outbox handler of ``dms.store`` (call it with a :class:`Delivery`)."""

    db: Database
    files: DocumentStore
    target: ArchiveTarget
    clock: Clock

    def __call__(self, delivery: Delivery) -> None:
        case_id, reference, procedure, sources = self._sources(delivery)
        archived = [self._archive(reference, procedure, source) for source in sources]
        self._audit(case_id, delivery, archived)

    # -- reading the case -------------------------------------------------------------------

    def _sources(self, delivery: Delivery) -> tuple[str, str, str, list[_Source]]:
        wanted = _document_ids(delivery.payload)
        with self.db.reading() as session:
            case = self._case(session, delivery)
            query = select(Document).where(Document.case_id == case.id)
            if wanted is not None:
                query = query.where(Document.id.in_(wanted))
            documents = list(session.scalars(query.order_by(Document.created_at, Document.id)))
            sources = [
                _Source(
                    d.id,
                    d.kind,
                    d.sha256,
                    d.size,
                    d.storage_key,
                    d.filename,
                    d.media_type,
                    d.created_at,
                )
                for d in documents
            ]
            found = session.get(Procedure, case.procedure_key)
            procedure = procedure_word(found.name if found is not None else case.procedure_key)
            case_id, reference = case.id, case.reference
        missing = sorted(set(wanted or ()) - {s.id for s in sources})
        if missing:
            raise DeliveryError(
                f"Dokumente {missing} gehören nicht zum Vorgang {reference}.",
                code="dms-document-unknown",
                permanent=True,
            )
        return case_id, reference, procedure, sources

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

    # -- filing -----------------------------------------------------------------------------

    def _archive(self, reference: str, procedure: str, source: _Source) -> ArchivedDocument:
        folder = case_folder(reference)
        day = local_date(source.created_at)
        title = title_of(source.kind, source.filename, reference)
        meta = FilingMetadata(
            document_id=source.id,
            case_reference=reference,
            document_type=source.kind,
            title=title,
            date=day.isoformat(),
            sha256=source.sha256,
            size=source.size,
            media_type=source.media_type,
            original_filename=source.filename,
        )
        base = human_name(day, procedure, title, extension_of(source.filename, source.media_type))
        try:
            for name in candidates(base):
                newly = self._file_as(folder, name, source, meta)
                if newly is not None:
                    return ArchivedDocument(source.id, f"{folder}/{name}", source.sha256, newly)
        except DocumentStoreError as exc:
            raise DeliveryError(
                f"DMS: {exc.code}", code=f"dms-{exc.code}", permanent=exc.code == "store-rejected"
            ) from exc
        raise DeliveryError(
            f"Kein freier Dateiname für {base} im DMS.", code="dms-name-exhausted", permanent=True
        )

    def _file_as(
        self, folder: str, name: str, source: _Source, meta: FilingMetadata
    ) -> bool | None:
        """File `source` as `folder/name`: True if uploaded now, False if it was filed there
        before, None if the name belongs to something else."""
        sidecar = self.target.metadata(folder, name)
        if sidecar is not None and sidecar.get("document_id") != source.id:
            return None  # another document's name
        newly = False
        if self.target.has(folder, name):
            if not self.target.verify_file(folder, name, source.sha256):
                if sidecar is None:
                    return None  # a file nobody filed through egov
                self._damaged(folder, name, source)
        else:
            if not self.target.put(folder, name, self._spooled(source), meta):
                return None  # taken meanwhile
            newly = True
            if not self.target.verify_file(folder, name, source.sha256):
                self._damaged(folder, name, source)
        if sidecar != asdict(meta):
            self.target.put_metadata(folder, name, meta)
        return newly

    def _damaged(self, folder: str, name: str, source: _Source) -> None:
        # a damaged copy would block every later attempt (names are never overwritten):
        # remove it, so that the retry uploads the document again
        log.error("dms copy of document %s does not match its hash", source.id)
        self.target.remove(folder, name)
        raise DeliveryError(
            "Die Ablage im DMS stimmt nicht mit dem Hashwert überein.", code="dms-integrity"
        )

    def _spooled(self, source: _Source) -> Path:
        """The document streamed from egov's store into a temp file of the DMS, hash checked."""
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
        except FileNotFoundError as exc:
            temp_path.unlink(missing_ok=True)
            raise DeliveryError(
                "Das Dokument fehlt im Dokumentenspeicher.",
                code="dms-source-missing",
                permanent=True,
            ) from exc
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        return temp_path

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


def local_date(moment: datetime) -> date:
    """The city's calendar day of a naive-UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(CITY_TIME).date()


def build_target(settings: Settings, http: OutboundHttp | None = None) -> ArchiveTarget:
    """The configured DMS: a WebDAV collection for an http(s) URL, else a local folder."""
    url = settings.dms_url.strip()
    if not url:
        return FileSystemArchive(settings.data_dir / "dms")
    if not url.startswith(("http://", "https://")):
        raise ValueError("EGOV_DMS_URL must be empty or an http(s) URL")
    return WebDavArchive(
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
    outbox.register(ERASE_KIND, lambda delivery: erase_folder(target, delivery))
    return archiver


def erase_folder(target: ArchiveTarget, delivery: Delivery) -> None:
    """The outbox handler of ``dms.erase`` (an erased case, issue 16): the case's folder goes
    with every file and sidecar in it; a folder already gone is fine (a re-delivery)."""
    reference = delivery.payload.get("case_reference")
    if not isinstance(reference, str) or not reference:
        raise DeliveryError("case_reference fehlt.", code="dms-payload-invalid", permanent=True)
    try:
        target.remove_folder(case_folder(reference))
    except DocumentStoreError as exc:
        raise DeliveryError(
            f"DMS: {exc.code}", code=f"dms-{exc.code}", permanent=exc.code == "store-rejected"
        ) from exc
