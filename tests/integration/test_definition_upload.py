"""Deploying as a modeler does: the file parts of a multipart upload (what Camunda Modeler's
"Deploy" sends, with fields like `deployment-name`) or a ZIP of the bundle; the JSON form
stays. Every file is stored byte for byte (BPMN DI, CRLF, BOM) and downloaded as it was."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from egov.workflow.deploy import read_bundle
from tests.builders import ROOT
from tests.conftest import Api

BPMN = "buergerbudget.bpmn"


def bundle(marker: str) -> dict[str, bytes]:
    """The shipped bundle, its BPMN with Windows line ends, a BOM and a comment: new content."""
    files = read_bundle(ROOT / "bpmn" / "buergerbudget")
    bpmn = files[BPMN].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    files[BPMN] = b"\xef\xbb\xbf" + bpmn + f"<!-- {marker} -->\r\n".encode()
    return files


def as_zip(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(folder + name, content)
    return buffer.getvalue()


def modeler_deploy(api: Api, files: dict[str, bytes], **fields: str) -> Any:
    data: dict[str, Any] = {
        "deployment-name": "buergerbudget",
        "deployment-source": "Camunda Modeler",
        "deploy-changed-only": "true",
        **fields,
    }
    for name, content in files.items():  # as curl -F letters/x.txt=@letters/x.txt sends it
        data[name] = (io.BytesIO(content), name.rsplit("/", 1)[-1])
    return api.post("/process-definitions", "admin", data=data, content_type="multipart/form-data")


def download(api: Api, definition_id: str, name: str) -> Any:
    return api.get(f"/process-definitions/{definition_id}/files/{name}", "admin")


def test_a_multipart_deploy_like_camunda_modeler_stores_every_file_byte_for_byte(
    api: Api,
) -> None:
    files = bundle("modeler")

    response = modeler_deploy(api, files)

    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["active"] is True
    assert set(created["files"]) == set(files)
    bpmn = download(api, created["id"], BPMN)
    assert bpmn.status_code == 200
    assert bpmn.get_data() == files[BPMN]
    assert bpmn.mimetype == "application/xml"
    assert bpmn.headers["Content-Disposition"].startswith(
        'attachment; filename="buergerbudget.bpmn"'
    )
    letter = download(api, created["id"], "letters/rejection.txt")
    assert letter.get_data() == files["letters/rejection.txt"]


def test_the_same_files_again_answer_the_same_version(api: Api) -> None:
    files = bundle("twice")
    first = modeler_deploy(api, files).get_json()

    again = modeler_deploy(api, files)

    assert again.status_code == 200
    assert (again.get_json()["id"], again.get_json()["active"]) == (first["id"], True)


def test_a_zip_of_the_bundle_deploys_in_one_folder_or_none(api: Api) -> None:
    files = bundle("zip")

    response = api.post(
        "/process-definitions",
        "admin",
        data=as_zip(files, "buergerbudget/"),
        content_type="application/zip",
    )

    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert download(api, created["id"], BPMN).get_data() == files[BPMN]
    same = api.post(
        "/process-definitions", "admin", data=as_zip(files), content_type="application/zip"
    )
    assert (same.status_code, same.get_json()["id"]) == (200, created["id"])


def refused(response: Any) -> tuple[int, str, list[str]]:
    problem = response.get_json()
    names = [p["name"] for p in problem.get("invalid_params", [])]
    return response.status_code, problem["code"], names


def test_a_zip_naming_a_file_outside_the_bundle_is_refused(api: Api) -> None:
    files = {**bundle("escape"), "../procedure.json": b"{}"}

    response = api.post(
        "/process-definitions", "admin", data=as_zip(files), content_type="application/zip"
    )

    assert refused(response) == (422, "bundle-archive-invalid", ["../procedure.json"])


def test_a_zip_bomb_is_refused_before_it_is_unpacked(api: Api) -> None:
    files = {**bundle("bomb"), "forms/huge.json": b" " * (30 * 1024 * 1024)}

    response = api.post(
        "/process-definitions", "admin", data=as_zip(files), content_type="application/zip"
    )

    assert refused(response)[:2] == (422, "bundle-archive-invalid")
    assert len(api.get("/process-definitions", "admin").get_json()["items"]) == 3  # the shipped


def test_bytes_that_are_no_zip_are_refused(api: Api) -> None:
    response = api.post(
        "/process-definitions", "admin", data=b"PK not really", content_type="application/zip"
    )

    assert refused(response) == (422, "bundle-archive-invalid", ["archive"])


def test_another_media_type_is_refused(api: Api) -> None:
    response = api.post(
        "/process-definitions", "admin", data=b"<x/>", content_type="application/xml"
    )

    assert refused(response)[:2] == (415, "unsupported-media-type")


def test_a_file_the_version_does_not_have_is_not_found(api: Api) -> None:
    created = modeler_deploy(api, bundle("missing")).get_json()

    response = download(api, created["id"], "letters/none.txt")

    assert refused(response)[:2] == (404, "definition-file-not-found")


def test_the_api_description_names_the_three_bundle_media_types(api: Api) -> None:
    document = api.get("/openapi.json").get_json()

    deploy = document["paths"]["/api/v1/process-definitions"]["post"]
    assert set(deploy["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
        "application/zip",
    }
    download = document["paths"]["/api/v1/process-definitions/{definition_id}/files/{name}"]
    assert "Content-Disposition" in download["get"]["responses"]["200"]["headers"]


def test_a_part_with_a_free_name_is_stored_under_its_file_name(api: Api) -> None:
    files = bundle("free")
    data: dict[str, Any] = {
        "data": (io.BytesIO(files.pop(BPMN)), BPMN),  # Camunda's examples name a part `data`
        **{name: (io.BytesIO(content), name) for name, content in files.items()},
    }

    response = api.post(
        "/process-definitions", "admin", data=data, content_type="multipart/form-data"
    )

    assert response.status_code == 201, response.get_json()
    assert BPMN in response.get_json()["files"]
