"""The citizen's rights as use cases (issue 16, ADR 0041): the data export. Each method opens
its own transaction; the citizen is the principal, never an id from the request."""

from __future__ import annotations

from dataclasses import dataclass

from egov.clock import Clock
from egov.db import Database
from egov.documents.filestore import FileSystemStore
from egov.identity.model import Principal
from egov.rights import export


@dataclass
class Rights:
    db: Database
    clock: Clock
    files: FileSystemStore
    ballot_key: bytes

    def export(self, principal: Principal) -> bytes:
        """The ZIP of everything egov holds about the citizen (GDPR Art. 15)."""
        with self.db.reading() as session:
            package = export.collect(session, self.files, principal, self.ballot_key)
        return package.zip(principal.subject, self.clock())
