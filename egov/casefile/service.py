"""The case file as people read it: lists, the detail of one case, its documents and audit
trail. Every method opens its own read-only session and applies the object-level checks of
`egov.access`; handlers and commands call these, never the database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from egov.access import readable_document
from egov.audit.chain import ChainVerdict
from egov.audit.store import AuditEvent, verify_case_trail
from egov.casefile import reading
from egov.casefile.queries import CaseFilter, list_cases
from egov.cases.store import Case
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.documents.store import Document
from egov.errors import NotFound
from egov.identity.model import Principal
from egov.paging import FIRST_PAGE, Page, PageRequest


@dataclass(frozen=True)
class Verification:
    reference: str
    verdict: ChainVerdict


@dataclass
class CaseFile:
    db: Database
    files: FileSystemStore

    def cases(
        self, principal: Principal, flt: CaseFilter, page: PageRequest = FIRST_PAGE
    ) -> Page[Case]:
        """The cases the principal may see, filtered, newest first, one page."""
        with self.db.reading() as session:
            return list_cases(session, principal, flt, page)

    def detail(self, principal: Principal, case_id: str) -> reading.CaseParts:
        with self.db.reading() as session:
            return reading.case_parts(session, principal, case_id)

    def events(
        self, principal: Principal, case_id: str, page: PageRequest = FIRST_PAGE
    ) -> tuple[Page[AuditEvent], ChainVerdict]:
        """One page of the audit trail with the verification of its whole hash chain."""
        with self.db.reading() as session:
            return reading.audit_trail(session, principal, case_id, page)

    def documents(
        self, principal: Principal, case_id: str, page: PageRequest = FIRST_PAGE
    ) -> Page[Document]:
        with self.db.reading() as session:
            return reading.case_documents(session, principal, case_id, page)

    def content(self, principal: Principal, document_id: str) -> tuple[Document, Iterator[bytes]]:
        """A readable document and its bytes, exactly as stored, in chunks."""
        with self.db.reading() as session:
            document = readable_document(session, principal, document_id)
        return document, self.files.iter_chunks(document.storage_key)

    def verify(self, case: str) -> Verification:
        """Verify the audit chain of a case by id or reference (operators, `verify-audit`)."""
        with self.db.reading() as session:
            query = select(Case).where((Case.id == case) | (Case.reference == case))
            found = session.scalars(query).first()
            if found is None:
                raise NotFound(f"Kein Vorgang {case}.", code="case-not-found")
            return Verification(found.reference, verify_case_trail(session, found.id))
