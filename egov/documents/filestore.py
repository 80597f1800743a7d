"""The filesystem document store: content-addressed by SHA-256, written durably.

Files are placed before the database commit that references them. A failed transaction
removes the files it placed (`Placement.undo`), so no orphan is left behind; a file whose
content was already stored is shared and never removed by such an undo.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from egov.documents.ports import DocumentStore

CHUNK = 1024 * 1024
STALE_TEMP_SECONDS = 3600.0  # an upload being spooled for longer than this was cut off


@dataclass
class Placement:
    """The files one unit of work placed in the store, for undo on rollback."""

    store: DocumentStore
    created: list[str] = field(default_factory=list)
    still_referenced: Callable[[str], bool] = lambda _key: False

    def undo(self) -> None:
        """Remove the files this unit placed, unless a committed row refers to one meanwhile
        (an identical upload by a concurrent transaction shares the content key)."""
        for key in self.created:
            if not self.still_referenced(key):
                self.store.delete(key)
        self.created.clear()


class FileSystemStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / "incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)

    def temp_file(self) -> tuple[BinaryIO, Path]:
        handle, name = tempfile.mkstemp(dir=self.incoming)
        return os.fdopen(handle, "w+b"), Path(name)

    def remove_stale_temp_files(self, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Delete spool files last written more than `older_than` seconds ago: what a process
        killed in the middle of an upload left behind (a finished upload is moved or deleted
        at once). Returns how many were removed."""
        cutoff = time.time() - older_than
        removed = 0
        with os.scandir(self.incoming) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    Path(entry.path).unlink(missing_ok=True)
                    removed += 1
        return removed

    def place(self, temp_path: Path, sha256: str, placement: Placement) -> str:
        """Move a finished temp file to its content key (fsynced); return the key."""
        key = f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"
        target = self.root / key
        if target.exists():
            temp_path.unlink(missing_ok=True)
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(temp_path, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp_path, target)
        _fsync_dir(target.parent)
        placement.created.append(key)
        return key

    def put_bytes(self, content: bytes, placement: Placement) -> tuple[str, str]:
        sha256 = hashlib.sha256(content).hexdigest()
        handle, path = self.temp_file()
        with handle:
            handle.write(content)
        return self.place(path, sha256, placement), sha256

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        with self.open(key) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def verify(self, key: str, sha256: str) -> bool:
        digest = hashlib.sha256()
        for chunk in self.iter_chunks(key):
            digest.update(chunk)
        return digest.hexdigest() == sha256

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or not key.startswith("sha256/"):
            raise ValueError("invalid storage key")
        return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
