"""What makes a PDF structurally PDF/A-2b (ISO 19005-2), read with pypdf. veraPDF is not
installable here (no Debian package, no wheel, no npm package; Maven Central is not
reachable), so this checks the rules a letter from fpdf2 could break, by their clauses:

- 6.1.2 the header is followed by a comment of at least four bytes above 127;
- 6.1.3 the trailer has an /ID; 6.1.7 no LZW filter; 6.1.8 no /Encrypt;
- 6.2.2/6.2.3 an OutputIntent GTS_PDFA1 with an embedded ICC profile (/N 1, 3 or 4);
- 6.2.4 no image with /Interpolate true, no /Alternates, no /OPI; 6.2.5 no /TR in an ExtGState;
  6.2.9 no PostScript XObject;
- 6.2.11 every font embedded (/FontFile, /FontFile2 or /FontFile3);
- 6.5/6.6 no JavaScript (no /JS, no /JavaScript action or name tree), no Launch, Sound,
  Movie, ResetForm, ImportData, Hide, SetOCGState, Rendition, Trans or GoTo3DView action;
- 6.6.2 an XMP metadata stream, unfiltered, with pdfaid:part 2 and pdfaid:conformance B;
- 6.8 no embedded files (PDF/A-2 allows only PDF/A ones; a Bescheid has none).

Not checked (veraPDF would): the XMP against the document information dictionary, colour
spaces beyond the OutputIntent, the font programs' glyph widths, transparency (allowed in
PDF/A-2), annotation appearance streams.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

FORBIDDEN_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/Sound",
        "/Movie",
        "/ResetForm",
        "/ImportData",
        "/Hide",
        "/SetOCGState",
        "/Rendition",
        "/Trans",
        "/GoTo3DView",
    }
)


def pdfa_problems(data: bytes) -> list[str]:
    """What keeps `data` from being PDF/A-2b; empty if nothing."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        return ["verschlüsselt"]
    found = _file_structure(data, reader)
    root = reader.trailer["/Root"]
    found += _metadata(root)
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    if not any(i["/S"] == "/GTS_PDFA1" and _icc(i.get("/DestOutputProfile")) for i in intents):
        found.append("keine OutputIntent GTS_PDFA1 mit ICC-Profil")
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            if not _embedded(font.get_object()):
                found.append(f"Schrift {font.get_object().get('/BaseFont')} nicht eingebettet")
    for obj in _objects(reader):
        found += _object_problems(obj)
    return sorted(set(found), key=found.index)


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _file_structure(data: bytes, reader: PdfReader) -> list[str]:
    found = []
    second_line = data.split(b"\n", 2)[1] if data.count(b"\n") >= 2 else b""
    if not (second_line.startswith(b"%") and sum(b > 127 for b in second_line[1:5]) == 4):
        found.append("Kopfzeile ohne Binärkommentar")
    if "/ID" not in reader.trailer:
        found.append("Trailer ohne /ID")
    if "/Encrypt" in reader.trailer:
        found.append("verschlüsselt")
    return found


def _metadata(root: DictionaryObject) -> list[str]:
    if "/Metadata" not in root:
        return ["keine XMP-Metadaten"]
    stream = root["/Metadata"].get_object()
    found = ["XMP-Metadaten komprimiert"] if "/Filter" in stream else []
    xmp = stream.get_data().decode("utf-8")
    # as an element or as an attribute (pyHanko's seal rewrites the XMP in the short form)
    if not re.search(r'pdfaid:part(>|=")2\b', xmp):
        found.append("XMP ohne pdfaid:part 2")
    if not re.search(r'pdfaid:conformance(>|=")B\b', xmp):
        found.append("XMP ohne pdfaid:conformance B")
    names = root.get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("eingebettete Dateien")
    if names is not None and "/JavaScript" in names.get_object():
        found.append("JavaScript")
    return found


def _icc(profile: PdfObject | None) -> bool:
    if profile is None:
        return False
    stream = profile.get_object()
    return stream.get("/N") in (1, 3, 4) and len(stream.get_data()) > 128


def _objects(reader: PdfReader) -> Iterator[DictionaryObject]:
    """Every dictionary (streams included) reachable from the trailer, once each."""
    seen: set[tuple[int, int]] = set()
    todo: list[PdfObject] = [reader.trailer["/Root"]]
    while todo:
        item = todo.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            yield item
            todo.extend(item.values())
        elif isinstance(item, ArrayObject):
            todo.extend(item)


def _object_problems(obj: DictionaryObject) -> list[str]:
    found = []
    action = obj.get("/S")
    if isinstance(action, NameObject) and action in FORBIDDEN_ACTIONS:
        found.append(f"verbotene Aktion {action}")
    if "/JS" in obj:
        found.append("JavaScript")
    if "/LZWDecode" in str(obj.get("/Filter", "")):
        found.append("LZW-Filter")
    if obj.get("/Interpolate") is True or "/Alternates" in obj or "/OPI" in obj:
        found.append("Bild mit /Interpolate, /Alternates oder /OPI")
    if obj.get("/Type") == "/ExtGState" and "/TR" in obj:
        found.append("ExtGState mit /TR")
    if obj.get("/Subtype") == "/PS":
        found.append("PostScript-XObject")
    return found


def _embedded(font: DictionaryObject) -> bool:
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    keys = descriptor.get_object().keys()
    return any(key in keys for key in ("/FontFile", "/FontFile2", "/FontFile3"))
