"""What goes over the wire to a WebDAV server: the XML of property requests and answers
(PROPPATCH, PROPFIND, multistatus) and GET responses as streams."""

from __future__ import annotations

import io
import logging
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import requests
import urllib3

from egov.documents.ports import DocumentStoreError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

log = logging.getLogger("egov.documents.webdav")

NS = "urn:egov:document"  # our properties: sha256, size, case-reference, document-type
DAV = "DAV:"
_STATUS = re.compile(r"HTTP/\d(?:\.\d)? (\d{3})")


def proppatch_body(values: dict[str, str]) -> bytes:
    update = ET.Element(f"{{{DAV}}}propertyupdate")
    prop = ET.SubElement(ET.SubElement(update, f"{{{DAV}}}set"), f"{{{DAV}}}prop")
    for name, value in values.items():
        ET.SubElement(prop, f"{{{NS}}}{name}").text = value
    return _xml(update)


def propfind_body(names: list[str]) -> bytes:
    propfind = ET.Element(f"{{{DAV}}}propfind")
    prop = ET.SubElement(propfind, f"{{{DAV}}}prop")
    for name in names:
        ET.SubElement(prop, f"{{{NS}}}{name}")
    return _xml(propfind)


def _xml(element: ET.Element) -> bytes:
    document: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return document


def properties_with_status_200(multistatus: bytes) -> dict[str, str]:
    """Our properties that a multistatus answer reports with status 200, by local name."""
    found: dict[str, str] = {}
    for propstat in ET.fromstring(multistatus).iter(f"{{{DAV}}}propstat"):
        status = _STATUS.match((propstat.findtext(f"{{{DAV}}}status") or "").strip())
        if status is None or status.group(1) != "200":
            continue
        for element in propstat.iterfind(f"{{{DAV}}}prop/*"):
            if element.tag.startswith(f"{{{NS}}}"):
                found[element.tag.removeprefix(f"{{{NS}}}")] = element.text or ""
    return found


class ResponseStream(io.RawIOBase):
    """A streamed GET response as a raw stream; closing it releases the connection."""

    def __init__(self, response: requests.Response, path: str) -> None:
        super().__init__()
        self._response = response
        self._path = path

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        try:
            data = self._response.raw.read(len(memoryview(buffer)))
        except (OSError, requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            log.warning("WebDAV GET %s broke off: %s", self._path, type(exc).__name__)
            raise DocumentStoreError("store-unavailable") from None
        size = len(data)
        memoryview(buffer).cast("B")[:size] = data
        return size

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()
