"""What services need from a document store, whichever holds the bytes.

`FileSystemStore` (filestore.py) and `WebDavStore` (webdav.py) both satisfy `DocumentStore`:
content-addressed keys `sha256/<2 hex>/<2 hex>/<sha256>`, incoming content spooled to a local
temp file first, placed before the database commit and recorded in a `Placement` for undo.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, Protocol

from egov.documents.filestore import Placement

StoreErrorCode = Literal["store-unavailable", "store-rejected", "store-integrity"]


class DocumentStoreError(Exception):
    """A remote store failed. The code is all a caller learns; details go to the log.

    - `store-unavailable`: the store could not be reached or answered with a server error.
    - `store-rejected`: the store refused the request (credentials, permissions, quota).
    - `store-integrity`: content does not match the hash it was given or stored under.
    """

    def __init__(self, code: StoreErrorCode) -> None:
        super().__init__(code)
        self.code: StoreErrorCode = code


class DocumentStore(Protocol):
    """The document store as services use it.

    `open`, `iter_chunks` and `verify` raise `FileNotFoundError` for a key that is not stored
    and `ValueError` for a string that is not a storage key.
    """

    def temp_file(self) -> tuple[BinaryIO, Path]:
        """A local temp file to stream incoming content into (then `place` it)."""
        ...

    def place(self, temp_path: Path, sha256: str, placement: Placement) -> str:
        """Store a finished temp file under its content key; return the key.

        A key created here is added to `placement.created`; content that was already
        stored is shared and not recorded. The temp file is gone afterwards."""
        ...

    def put_bytes(self, content: bytes, placement: Placement) -> tuple[str, str]:
        """Store small content; return (key, sha256)."""
        ...

    def open(self, key: str) -> BinaryIO: ...

    def iter_chunks(self, key: str) -> Iterator[bytes]: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove a key; a key that is not stored is fine."""
        ...

    def verify(self, key: str, sha256: str) -> bool:
        """Re-hash the stored bytes and compare them with `sha256`."""
        ...


if TYPE_CHECKING:
    from egov.documents.filestore import FileSystemStore

    def _filesystem_store_conforms(store: FileSystemStore) -> DocumentStore:
        return store
