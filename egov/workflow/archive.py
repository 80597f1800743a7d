"""Bundles as they arrive over HTTP: a ZIP archive or the file parts of a multipart upload
(what Camunda Modeler's "Deploy" sends). Both end as `{name: bytes}`, byte for byte, for
`deploy_bundle`. A ZIP is read with limits: at most MAX_FILES entries, at most
MAX_TOTAL_BYTES unpacked, no entry over 64 KiB compressed more than MAX_RATIO:1 (zip bombs), no name
outside the bundle (absolute, `..`, backslashes, drive letters)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import PurePosixPath

from egov.errors import Invalid

MAX_FILES = 200
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_RATIO = 100
SMALL_FILE = 64 * 1024  # below this size, any ratio
SUFFIXES = {".bpmn", ".dmn", ".json", ".txt", ".form"}  # .form: a Camunda Form
SKIPPED_FOLDERS = {"__MACOSX"}


def refused(name: str, reason: str) -> Invalid:
    return Invalid(
        f"Das Bündel ist ungültig: {reason}.",
        code="bundle-archive-invalid",
        invalid_params=[{"name": name, "reason": reason}],
    )


def bundle_name(name: str) -> str:
    """A file name inside the bundle, refused if it could point outside of it."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or ":" in name:
        raise refused(name or "file", "Dateiname außerhalb des Bündels")
    parts = PurePosixPath(name).parts
    if any(part in ("..", ".") for part in parts):
        raise refused(name, "Dateiname außerhalb des Bündels")
    return "/".join(parts)


def part_name(field: str, filename: str | None) -> str:
    """The name in the bundle of a multipart file part: the part's name if it is a file name
    (it may carry the folder, `letters/x.txt`, which clients drop from the file name), else the
    file name (Camunda clients name parts freely)."""
    if PurePosixPath(field).suffix in SUFFIXES or not filename:
        return field
    return filename


def from_parts(parts: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """The files of a multipart upload, each under its own file name."""
    files: dict[str, bytes] = {}
    for name, content in parts:
        files[bundle_name(name)] = content
        if len(files) > MAX_FILES:
            raise refused("files", f"mehr als {MAX_FILES} Dateien")
    if not files:
        raise refused("files", "keine Datei")
    return files


def unpack_zip(data: bytes) -> dict[str, bytes]:
    """The bundle files of a ZIP archive; one folder around everything is dropped."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [e for e in archive.infolist() if not e.is_dir()]
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise refused("archive", "kein lesbares ZIP-Archiv") from exc
    if len(entries) > MAX_FILES:
        raise refused("archive", f"mehr als {MAX_FILES} Dateien")
    names = [bundle_name(e.filename) for e in entries]
    if sum(e.file_size for e in entries) > MAX_TOTAL_BYTES:
        raise refused("archive", f"entpackt größer als {MAX_TOTAL_BYTES} Bytes")
    files: dict[str, bytes] = {}
    total = 0
    for entry, name in zip(entries, _without_common_folder(names), strict=True):
        if entry.flag_bits & 0x1:
            raise refused(entry.filename, "verschlüsselt")
        if PurePosixPath(name).parts[0] in SKIPPED_FOLDERS:
            continue
        if PurePosixPath(name).suffix not in SUFFIXES:
            continue
        content = _read(archive, entry, MAX_TOTAL_BYTES - total)
        total += len(content)
        files[name] = content
    if not files:
        raise refused("archive", "keine BPMN-, DMN-, Formular- oder Briefdatei")
    return files


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int) -> bytes:
    """At most `budget` bytes, whatever the entry's header declares (it may lie)."""
    limit = min(budget, max(entry.compress_size * MAX_RATIO, SMALL_FILE))
    try:
        with archive.open(entry) as stream:
            content = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
        raise refused(entry.filename, "nicht lesbar") from exc
    if len(content) > limit:
        raise refused(entry.filename, "zu stark komprimiert oder zu groß (Zip-Bombe?)")
    return content


def _without_common_folder(names: list[str]) -> list[str]:
    split = [name.split("/", 1) for name in names]
    if split and all(len(s) == 2 for s in split) and len({s[0] for s in split}) == 1:
        return [s[1] for s in split]
    return names
