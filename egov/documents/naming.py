"""Names of documents as an archivist reads them in the DMS: one folder per case reference,
``<date>_<procedure>_<title>.<ext>`` inside it (``2026-12-03_Bauantrag_Antragsformular.pdf``).

Only safe characters reach a name: letters and digits of ASCII (umlauts and ß transliterated,
other accents dropped), ``-``, ``_`` and one ``.`` before the extension; anything else becomes
``-``. No name starts with a dot, none is longer than :data:`MAX_NAME`, and a name taken by
another document gets a suffix (``_2``, ``_3``, ...) before the extension.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import PurePosixPath

MAX_NAME = 120  # characters of a file name, extension and suffix included
MAX_SUFFIX = 999
METADATA_SUFFIX = ".metadata.json"

_TRANSLITERATE = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)
_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}")
_MEDIA_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "text/plain": ".txt",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
}
_KIND_TITLES = {"original-message": "Antragsnachricht"}
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]{1,8})?(\.metadata\.json)?")


def safe_word(text: str, fallback: str = "Dokument") -> str:
    """`text` in safe characters only: transliterated, runs of anything else one ``-``."""
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    word = _UNSAFE.sub("-", ascii_text).strip("-")
    return word or fallback


def case_folder(reference: str) -> str:
    """The folder of a case: its reference (``JENA-2026-000123``), in safe characters."""
    folder = safe_word(reference, "Vorgang")[:100]
    if not _SEGMENT.fullmatch(folder):
        raise ValueError("a case reference gives no folder name")
    return folder


def procedure_word(name: str) -> str:
    """``Bauantrag (XBau)`` → ``Bauantrag``: the procedure's name before any bracket."""
    return safe_word(name.split("(", 1)[0], "Vorgang")


def title_of(kind: str, filename: str, reference: str) -> str:
    """What a document is called: the original message ``Antragsnachricht``, else the stem
    of its file name without the case reference (letters are named ``<reference>-<name>``)."""
    if kind in _KIND_TITLES:
        return _KIND_TITLES[kind]
    stem = PurePosixPath(filename.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    stem = stem.removeprefix(reference).lstrip("-_ ")
    word = safe_word(stem, safe_word(kind))
    return word[:1].upper() + word[1:]


def extension_of(filename: str, media_type: str) -> str:
    """``.pdf`` from the file name if it has a safe one, else from the media type, else ``""``."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix
    if _EXTENSION.fullmatch(suffix):
        return suffix.lower()
    return _MEDIA_EXTENSIONS.get(media_type.split(";", 1)[0].strip().lower(), "")


def human_name(day: date, procedure: str, title: str, extension: str) -> str:
    """``2026-12-03_Bauantrag_Antragsformular.pdf`` (shortened to fit :data:`MAX_NAME`)."""
    stem = f"{day.isoformat()}_{procedure}_{title}"
    room = MAX_NAME - len(extension) - len(f"_{MAX_SUFFIX}")
    return stem[:room].rstrip("-_") + extension


def candidates(name: str) -> Iterator[str]:
    """`name`, then `name` with ``_2`` ... ``_999`` before its extension."""
    stem, dot, extension = name.rpartition(".") if "." in name else (name, "", "")
    yield name
    for number in range(2, MAX_SUFFIX + 1):
        yield f"{stem}_{number}{dot}{extension}"


def metadata_name(name: str) -> str:
    """The sidecar of a filed document: ``<name>.metadata.json``."""
    return name + METADATA_SUFFIX


def checked_path(folder: str, name: str) -> str:
    """``<folder>/<name>`` after checking both are safe (ValueError otherwise)."""
    if not _SEGMENT.fullmatch(folder) or not _NAME.fullmatch(name) or len(name) > 200:
        raise ValueError("not a safe DMS path")
    return f"{folder}/{name}"
