"""What makes a PDF structurally PDF/A-2b, read with pypdf (veraPDF is not installable
here: no Debian package, no wheel): the XMP identification, the sRGB OutputIntent with its
ICC profile, every font embedded, no encryption."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.generic import DictionaryObject


def pdfa_problems(data: bytes) -> list[str]:
    """What keeps `data` from being PDF/A-2b; empty if nothing."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        return ["verschlüsselt"]
    root = reader.trailer["/Root"]
    found = []
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8") if "/Metadata" in root else ""
    # as an element or as an attribute (pyHanko's seal rewrites the XMP in the short form)
    if not re.search(r'pdfaid:part(>|=")2\b', xmp):
        found.append("XMP ohne pdfaid:part 2")
    if not re.search(r'pdfaid:conformance(>|=")B\b', xmp):
        found.append("XMP ohne pdfaid:conformance B")
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    if not any(i["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents):
        found.append("keine OutputIntent GTS_PDFA1 mit ICC-Profil")
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            if not _embedded(font.get_object()):
                found.append(f"Schrift {font.get_object().get('/BaseFont')} nicht eingebettet")
    return found


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _embedded(font: DictionaryObject) -> bool:
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    keys = descriptor.get_object().keys()
    return any(key in keys for key in ("/FontFile", "/FontFile2", "/FontFile3"))
