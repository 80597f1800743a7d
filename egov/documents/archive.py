"""The DMS as an archivist browses it: a folder per case, documents under human names, each
with its metadata beside it (``<name>.metadata.json``), on a local folder or a WebDAV server.

```
JENA-2026-000123/
  2026-12-03_Bauantrag_Antragsnachricht.xml
  2026-12-03_Bauantrag_Antragsnachricht.xml.metadata.json
  2026-12-03_Bauantrag_Antragsformular.pdf
  2026-12-03_Bauantrag_Antragsformular.pdf.metadata.json
  2026-12-03_Bauantrag_Antragsformular_2.pdf          (another document, the same name)
```

Names come from `egov.documents.naming`. Content is never overwritten: a name that is taken
stays with its document (``put`` answers False), the other document takes the next suffix.
On WebDAV the content also carries the properties of `urn:egov:document` (sha256, size,
case-reference, document-type), as in :class:`WebDavStore`. Which document a name belongs to
is in its sidecar (``document_id``), which is how a re-delivery finds what it filed before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import requests
import urllib3

from egov.documents.naming import checked_path, metadata_name
from egov.documents.ports import DocumentStoreError
from egov.documents.webdav import CHUNK, StoredProperties, WebDavStore

__all__ = ["ArchiveTarget", "FileSystemArchive", "FilingMetadata", "WebDavArchive"]

MAX_METADATA = 64 * 1024  # a sidecar is read up to this many bytes


@dataclass(frozen=True)
class FilingMetadata:
    """What the sidecar of a filed document says (and the WebDAV properties repeat)."""

    document_id: str
    case_reference: str
    document_type: str
    title: str
    date: str  # ISO date the document came into the case
    sha256: str
    size: int
    media_type: str
    original_filename: str

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True).encode()


def parse_metadata(raw: bytes) -> dict[str, Any]:
    """A sidecar's content; {} for one that is not ours (unreadable, not an object)."""
    try:
        value = json.loads(raw[:MAX_METADATA])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class ArchiveTarget(Protocol):
    """What the DMS archiver needs from a DMS."""

    def temp_file(self) -> tuple[BinaryIO, Path]:
        """A local temp file to stream a document into before `put`."""
        ...

    def metadata(self, folder: str, name: str) -> dict[str, Any] | None:
        """The sidecar of `folder/name` (None: there is none)."""
        ...

    def has(self, folder: str, name: str) -> bool:
        """Is there content under `folder/name`?"""
        ...

    def put(self, folder: str, name: str, temp_path: Path, meta: FilingMetadata) -> bool:
        """File the temp file as `folder/name` unless the name is taken (then False). The temp
        file is gone afterwards either way."""
        ...

    def put_metadata(self, folder: str, name: str, meta: FilingMetadata) -> None:
        """Write (or replace) the sidecar of `folder/name`."""
        ...

    def verify_file(self, folder: str, name: str, sha256: str) -> bool:
        """Re-hash `folder/name` (FileNotFoundError if it is not there)."""
        ...

    def remove(self, folder: str, name: str) -> None:
        """Remove `folder/name` and its sidecar (missing is fine)."""
        ...

    def remove_folder(self, folder: str) -> None:
        """Remove `folder` with everything in it (missing is fine)."""
        ...


class FileSystemArchive:
    """A local folder as DMS (EGOV_DATA_DIR/dms unless EGOV_DMS_URL is set)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / ".incoming"  # the leading dot: no case folder is named so
        self.incoming.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"FileSystemArchive({self.root})"

    def temp_file(self) -> tuple[BinaryIO, Path]:
        handle, name = tempfile.mkstemp(dir=self.incoming)
        return os.fdopen(handle, "w+b"), Path(name)

    def _file(self, folder: str, name: str) -> Path:
        return self.root / checked_path(folder, name)

    def metadata(self, folder: str, name: str) -> dict[str, Any] | None:
        try:
            return parse_metadata(self._file(folder, metadata_name(name)).read_bytes())
        except FileNotFoundError:
            return None

    def has(self, folder: str, name: str) -> bool:
        return self._file(folder, name).is_file()

    def put(self, folder: str, name: str, temp_path: Path, meta: FilingMetadata) -> bool:
        target = self._file(folder, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(temp_path, target)  # atomic, and never replaces an existing file
        except FileExistsError:
            return False
        except OSError:  # a share without hard links: copy beside it, then move if still free
            return _copy_unless_taken(temp_path, target)
        finally:
            temp_path.unlink(missing_ok=True)
        return True

    def put_metadata(self, folder: str, name: str, meta: FilingMetadata) -> None:
        sidecar = self._file(folder, metadata_name(name))
        partial = sidecar.with_name(sidecar.name + ".part")
        partial.write_bytes(meta.to_json())
        os.replace(partial, sidecar)

    def verify_file(self, folder: str, name: str, sha256: str) -> bool:
        digest = hashlib.sha256()
        with open(self._file(folder, name), "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    def remove(self, folder: str, name: str) -> None:
        self._file(folder, name).unlink(missing_ok=True)
        self._file(folder, metadata_name(name)).unlink(missing_ok=True)

    def remove_folder(self, folder: str) -> None:
        shutil.rmtree(self._file(folder, "x").parent, ignore_errors=True)


def _copy_unless_taken(source: Path, target: Path) -> bool:
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    if target.exists():
        partial.unlink(missing_ok=True)
        return False
    os.replace(partial, target)
    return True


class WebDavArchive(WebDavStore):
    """A WebDAV collection as DMS (EGOV_DMS_URL), the same layout as :class:`FileSystemArchive`."""

    def _at(self, folder: str, name: str) -> str:
        return self._base_path + checked_path(folder, name)

    def metadata(self, folder: str, name: str) -> dict[str, Any] | None:
        path = self._at(folder, metadata_name(name))
        status, payload = self._call("GET", path, ok={200, 404})
        return None if status == 404 else parse_metadata(payload)

    def has(self, folder: str, name: str) -> bool:
        status, _ = self._call("HEAD", self._at(folder, name), ok={200, 204, 404})
        return status != 404

    def put(self, folder: str, name: str, temp_path: Path, meta: FilingMetadata) -> bool:
        path = self._at(folder, name)
        try:
            self._ensure_collections(checked_path(folder, name))
            headers = {
                "Content-Length": str(temp_path.stat().st_size),
                "Content-Type": meta.media_type or "application/octet-stream",
                "If-None-Match": "*",  # never overwrite: a taken name answers 412
            }
            with open(temp_path, "rb") as body:
                status, _ = self._call(
                    "PUT", path, ok={200, 201, 204, 409, 412}, body=body, headers=headers
                )
            if status == 409:  # the case folder was removed since this store created it
                self._collections.clear()
                raise DocumentStoreError("store-unavailable")
        finally:
            temp_path.unlink(missing_ok=True)
        if status == 412:
            return False
        self._patch_properties(
            path,
            {
                "sha256": meta.sha256,
                "size": str(meta.size),
                "case-reference": meta.case_reference,
                "document-type": meta.document_type,
            },
        )
        return True

    def put_metadata(self, folder: str, name: str, meta: FilingMetadata) -> None:
        body = meta.to_json()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        self._call(
            "PUT",
            self._at(folder, metadata_name(name)),
            ok={200, 201, 204},
            body=body,
            headers=headers,
        )

    def verify_file(self, folder: str, name: str, sha256: str) -> bool:
        path = self._at(folder, name)
        response = self._send("GET", path)
        with contextlib.closing(response):
            if response.status_code == 404:
                raise FileNotFoundError(path)
            if response.status_code != 200:
                self._fail("GET", path, response.status_code, b"")
            digest = hashlib.sha256()
            try:
                for chunk in response.iter_content(CHUNK):
                    digest.update(chunk)
            except (OSError, requests.RequestException, urllib3.exceptions.HTTPError):
                raise DocumentStoreError("store-unavailable") from None
        return digest.hexdigest() == sha256

    def file_properties(self, folder: str, name: str) -> StoredProperties | None:
        """The WebDAV properties of `folder/name` (None: not stored)."""
        return self._properties_at(self._at(folder, name))

    def remove(self, folder: str, name: str) -> None:
        for each in (name, metadata_name(name)):
            self._call("DELETE", self._at(folder, each), ok={200, 202, 204, 404})

    def remove_folder(self, folder: str) -> None:
        collection = self._at(folder, "x")[: -len("x")]  # the folder checked, with its slash
        self._call("DELETE", collection, ok={200, 202, 204, 404})
