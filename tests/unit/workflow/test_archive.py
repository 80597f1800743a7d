"""Unpacking a bundle ZIP: only names inside the bundle, limits on count and size, and no
entry that unpacks to far more than it takes compressed (a zip bomb)."""

from __future__ import annotations

import io
import zipfile

import pytest

from egov.errors import Invalid
from egov.workflow import archive


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in files.items():
            out.writestr(name, content)
    return buffer.getvalue()


def reason(data: bytes) -> tuple[str, str]:
    with pytest.raises(Invalid) as refusal:
        archive.unpack_zip(data)
    assert refusal.value.code == "bundle-archive-invalid"
    param = refusal.value.invalid_params[0]
    return param["name"], param["reason"]


@pytest.mark.parametrize("name", ["/etc/x.bpmn", "a/../../x.bpmn", "a\\x.bpmn", "C:x.bpmn"])
def test_a_name_outside_the_bundle_is_refused(name: str) -> None:
    assert reason(zipped({"p.bpmn": b"<x/>", name: b"<x/>"}))[0] == name


def test_an_entry_compressed_far_beyond_the_ratio_is_a_zip_bomb() -> None:
    name, why = reason(zipped({"p.bpmn": b"<x/>", "f.json": b" " * (8 * 1024 * 1024)}))

    assert name == "f.json" and "Zip-Bombe" in why


def test_too_many_files_are_refused() -> None:
    files = {f"f{i}.txt": b"x" for i in range(archive.MAX_FILES + 1)}

    assert reason(zipped(files)) == ("archive", f"mehr als {archive.MAX_FILES} Dateien")


def test_one_folder_around_everything_is_dropped_and_other_files_are_skipped() -> None:
    files = {"b/p.bpmn": b"<x/>", "b/forms/f.json": b"{}", "b/README.md": b"#", "b/x.exe": b"MZ"}

    assert archive.unpack_zip(zipped(files)) == {"p.bpmn": b"<x/>", "forms/f.json": b"{}"}


def test_an_upload_part_named_outside_the_bundle_is_refused() -> None:
    with pytest.raises(Invalid):
        archive.from_parts([("../p.bpmn", b"<x/>")])
