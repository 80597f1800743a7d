"""The WebDAV document store: the same content keys as the filesystem store, on a WebDAV server.

Nextcloud and most DMS speak WebDAV. Incoming content is spooled to a local temp file as with
`FileSystemStore`; `place()` streams it up with PUT (collections created with MKCOL as needed)
and stores its properties (sha256, size, case reference, document type) with PROPPATCH in the
namespace `urn:egov:document`. Reads stream with GET. Every request goes through egov's
outbound client (`egov.http_client`: TLS verified against EGOV_CA_BUNDLE, the proxy of
HTTPS_PROXY/HTTP_PROXY/NO_PROXY, pooled connections, no redirects); answers other than a
document's content are read up to 1 MiB.

Errors reach callers as `DocumentStoreError(code)` only; what the server said goes to the log.
Credentials are sent in the Authorization header and never logged.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import logging
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, NoReturn
from urllib.parse import urlsplit

import requests
import urllib3

from egov.documents.filestore import Placement
from egov.documents.ports import DocumentStore, DocumentStoreError, StoreErrorCode
from egov.documents.webdav_wire import (
    ResponseStream,
    properties_with_status_200,
    propfind_body,
    proppatch_body,
)
from egov.http_client import OutboundHttp

if TYPE_CHECKING:
    pass

__all__ = ["DocumentMetadata", "DocumentStoreError", "StoredProperties", "WebDavStore", "key_for"]

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
_MAX_XML = 1024 * 1024  # PROPFIND/PROPPATCH answers and error bodies are read up to this
_LOGGED = 500  # characters of a server answer that go to the log
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEY = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})")


@dataclass(frozen=True)
class DocumentMetadata:
    """What the store records about a document besides its hash and size."""

    case_reference: str | None = None
    document_type: str | None = None


@dataclass(frozen=True)
class StoredProperties:
    """The properties read back from the server (None where a property is not set)."""

    sha256: str | None
    size: int | None
    case_reference: str | None
    document_type: str | None


def key_for(sha256: str) -> str:
    """The content key of a SHA-256 hex digest, as `FileSystemStore` uses it."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a lowercase SHA-256 hex digest")
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class WebDavStore:
    """A `DocumentStore` on a WebDAV collection (which must exist) given by `base_url`."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        incoming_dir: Path,
        timeout: float = 30.0,
        *,
        http: OutboundHttp | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the WebDAV store needs an http or https URL")
        if parts.username is not None or parts.query or parts.fragment:
            raise ValueError("the WebDAV URL must not carry credentials, a query or a fragment")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/") + "/"
        self._auth = (username, password)
        self._timeout = timeout
        self._http = http or OutboundHttp()
        self._collections: set[str] = set()
        self.incoming = incoming_dir
        self.incoming.mkdir(parents=True, exist_ok=True)
        if not self._https and not _is_loopback(self._host):
            log.warning("WebDAV store on %s uses plain http: nothing is encrypted", self._host)

    def __repr__(self) -> str:
        scheme = "https" if self._https else "http"
        return f"WebDavStore({scheme}://{self._host}:{self._port}{self._base_path})"

    # -- the DocumentStore interface ---------------------------------------------------------

    def temp_file(self) -> tuple[BinaryIO, Path]:
        handle, name = tempfile.mkstemp(dir=self.incoming)
        return os.fdopen(handle, "w+b"), Path(name)

    def place(
        self,
        temp_path: Path,
        sha256: str,
        placement: Placement,
        metadata: DocumentMetadata | None = None,
    ) -> str:
        """Upload a finished temp file to its content key; return the key.

        Content already stored is shared: not uploaded again, not recorded in the placement,
        and its properties are left as the first placement set them."""
        key = key_for(sha256)
        if self.exists(key):
            temp_path.unlink(missing_ok=True)
            return key
        size = _checked_size(temp_path, sha256)
        if self._upload(key, temp_path, size):
            placement.created.append(key)
            self._set_properties(key, sha256, size, metadata or DocumentMetadata())
        temp_path.unlink(missing_ok=True)
        return key

    def put_bytes(
        self, content: bytes, placement: Placement, metadata: DocumentMetadata | None = None
    ) -> tuple[str, str]:
        sha256 = hashlib.sha256(content).hexdigest()
        handle, path = self.temp_file()
        try:
            with handle:
                handle.write(content)
            return self.place(path, sha256, placement, metadata), sha256
        finally:
            path.unlink(missing_ok=True)  # gone already unless placing failed

    def open(self, key: str) -> BinaryIO:
        """Stream the stored bytes (close the handle to free the connection)."""
        path = self._path(key)
        response = self._send("GET", path)
        if response.status_code == 200:
            return io.BufferedReader(ResponseStream(response, path), CHUNK)
        payload = _drain(response)
        if response.status_code == 404:
            raise FileNotFoundError(key)
        self._fail("GET", path, response.status_code, payload)

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        with self.open(key) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def exists(self, key: str) -> bool:
        status, _ = self._call("HEAD", self._path(key), ok={200, 204, 404})
        return status != 404

    def delete(self, key: str) -> None:
        self._call("DELETE", self._path(key), ok={200, 202, 204, 404})

    def verify(self, key: str, sha256: str) -> bool:
        digest = hashlib.sha256()
        for chunk in self.iter_chunks(key):
            digest.update(chunk)
        return digest.hexdigest() == sha256

    # -- beyond the interface ----------------------------------------------------------------

    def reverify_all(self, expected: Iterable[tuple[str, str]]) -> list[str]:
        """Re-hash each (key, sha256); return the keys that are missing or do not match.

        Raises `DocumentStoreError` when the store itself fails, as then nothing is known."""
        return [key for key, sha256 in expected if not self._matches(key, sha256)]

    def properties(self, key: str) -> StoredProperties | None:
        """The stored properties of a key, or None if the key is not stored."""
        return self._properties_at(self._path(key))

    def _properties_at(self, path: str) -> StoredProperties | None:
        body = propfind_body(["sha256", "size", "case-reference", "document-type"])
        headers = {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}
        status, payload = self._call("PROPFIND", path, ok={207, 404}, body=body, headers=headers)
        if status == 404:
            return None
        values = self._found_properties("PROPFIND", path, payload)
        size = values.get("size")
        return StoredProperties(
            sha256=values.get("sha256"),
            size=int(size) if size and size.isdigit() else None,
            case_reference=values.get("case-reference"),
            document_type=values.get("document-type"),
        )

    # -- uploading ---------------------------------------------------------------------------

    def _upload(self, key: str, temp_path: Path, size: int) -> bool:
        """PUT the file unless the key appeared meanwhile; True if this call created it."""
        self._ensure_collections(key)
        status = self._put(key, temp_path, size)
        if status == 409:  # a parent collection was removed since this store created it
            self._collections.clear()
            self._ensure_collections(key)
            status = self._put(key, temp_path, size)
        if status == 409:
            self._fail("PUT", self._path(key), status, b"")
        return status != 412

    def _put(self, key: str, temp_path: Path, size: int) -> int:
        headers = {
            "Content-Length": str(size),
            "Content-Type": "application/octet-stream",
            "If-None-Match": "*",  # never overwrite: an existing key answers 412
        }
        with open(temp_path, "rb") as body:
            status, _ = self._call(
                "PUT", self._path(key), ok={200, 201, 204, 409, 412}, body=body, headers=headers
            )
        return status

    def _ensure_collections(self, key: str) -> None:
        parents = key.split("/")[:-1]
        for depth in range(1, len(parents) + 1):
            collection = "/".join(parents[:depth]) + "/"
            if collection not in self._collections:
                self._call("MKCOL", self._base_path + collection, ok={201, 405})
                self._collections.add(collection)

    def _set_properties(self, key: str, sha256: str, size: int, metadata: DocumentMetadata) -> None:
        values = {"sha256": sha256, "size": str(size)}
        if metadata.case_reference is not None:
            values["case-reference"] = metadata.case_reference
        if metadata.document_type is not None:
            values["document-type"] = metadata.document_type
        self._patch_properties(self._path(key), values)

    def _patch_properties(self, path: str, values: dict[str, str]) -> None:
        """PROPPATCH our properties on `path`; fail unless the server stored every one."""
        headers = {"Content-Type": "application/xml; charset=utf-8"}
        _, payload = self._call(
            "PROPPATCH", path, ok={207}, body=proppatch_body(values), headers=headers
        )
        stored = self._found_properties("PROPPATCH", path, payload)
        if set(stored) != set(values):
            self._fail("PROPPATCH", path, 207, payload)

    # -- HTTP --------------------------------------------------------------------------------

    def _matches(self, key: str, sha256: str) -> bool:
        try:
            if self.verify(key, sha256):
                return True
            log.warning("stored document %s does not match its hash", key)
        except FileNotFoundError:
            log.warning("stored document %s is missing", key)
        except ValueError:
            log.warning("%r is not a storage key", key)
        return False

    def _path(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise ValueError("invalid storage key")
        return self._base_path + key

    def _send(
        self,
        method: str,
        path: str,
        body: bytes | IO[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """One request through egov's outbound client; redirects are not followed."""
        try:
            return self._http.request(
                method,
                self._origin + path,
                body=body,
                headers=headers,
                timeout=self._timeout,
                auth=self._auth,
            )
        except requests.RequestException as exc:
            log.warning("WebDAV %s %s failed: %s", method, path, type(exc).__name__)
            raise DocumentStoreError("store-unavailable") from None

    def _call(
        self,
        method: str,
        path: str,
        ok: Collection[int],
        body: bytes | IO[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """Send a request and read its (small) answer; fail unless the status is in `ok`."""
        response = self._send(method, path, body, headers)
        payload = _drain(response)
        if response.status_code not in ok:
            self._fail(method, path, response.status_code, payload)
        return response.status_code, payload

    def _fail(self, method: str, path: str, status: int, payload: bytes) -> NoReturn:
        answer = payload[:_LOGGED].decode("utf-8", "replace")
        log.warning("WebDAV %s %s answered %d: %s", method, path, status, answer)
        raise DocumentStoreError(_code_for(status))

    def _found_properties(self, method: str, path: str, payload: bytes) -> dict[str, str]:
        try:
            return properties_with_status_200(payload)
        except ET.ParseError:
            log.warning("WebDAV %s %s answered with malformed XML", method, path)
            raise DocumentStoreError("store-unavailable") from None


def _drain(response: requests.Response) -> bytes:
    """The answer's body, at most _MAX_XML bytes (the rest is not read)."""
    try:
        return bytes(response.raw.read(_MAX_XML))
    except (OSError, requests.RequestException, urllib3.exceptions.HTTPError):
        return b""
    finally:
        response.close()


def _code_for(status: int) -> StoreErrorCode:
    if status in (408, 429) or (status >= 500 and status != 507):
        return "store-unavailable"
    return "store-rejected"  # 3xx (misconfigured URL), 401/403, 413, 507 and other refusals


def _checked_size(temp_path: Path, sha256: str) -> int:
    digest = hashlib.sha256()
    size = 0
    with open(temp_path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    if digest.hexdigest() != sha256:
        log.error("refusing to store %s: its content has another hash", temp_path.name)
        raise DocumentStoreError("store-integrity")
    return size


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


if TYPE_CHECKING:

    def _webdav_store_conforms(store: WebDavStore) -> DocumentStore:
        return store
