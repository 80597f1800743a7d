"""A model in ISO-8859-1, windows-1252 or UTF-16 (with its byte order mark), deployed as a
multipart upload or a ZIP, comes back byte for byte from the API and from `egov process
download`; the engine reads its text (umlauts intact), and "same content as a deployed
version" is decided over the original bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from egov.cli import common, main
from egov.container import Container
from egov.workflow.deploy import read_bundle
from tests.builders import ROOT, proposal
from tests.conftest import Api
from tests.integration.test_definition_upload import BPMN, as_zip, download, modeler_deploy

DECLARED = '<?xml version="1.0" encoding="UTF-8"?>'
ENCODINGS = {"iso-8859-1": "ISO-8859-1", "windows-1252": "windows-1252", "utf-16": "UTF-16"}


def encoded(encoding: str, marker: str = "") -> dict[str, bytes]:
    """The shipped bundle with its BPMN in `encoding`, declared so (UTF-16 with a BOM)."""
    files = read_bundle(ROOT / "bpmn" / "buergerbudget")
    text = files[BPMN].decode("utf-8")
    if encoding == "iso-8859-1":  # it has no dash and no German quotation marks
        text = text.replace("–", "-").replace("„", "»").replace("“", "«")
    text = text.replace(DECLARED, f'<?xml version="1.0" encoding="{ENCODINGS[encoding]}"?>')
    quote = "„Bürgerbudget“" if encoding != "iso-8859-1" else "»Bürgerbudget«"
    files[BPMN] = (text + f"<!-- {quote} {encoding} {marker} -->\n").encode(encoding)
    return files


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_a_model_in_its_own_encoding_uploaded_as_multipart_comes_back_byte_for_byte(
    api: Api, encoding: str
) -> None:
    files = encoded(encoding)
    assert files[BPMN] != files[BPMN].decode(encoding).encode("utf-8")

    created = modeler_deploy(api, files)

    assert created.status_code == 201, created.get_json()
    assert download(api, created.get_json()["id"], BPMN).get_data() == files[BPMN]
    detail = api.get(f"/process-definitions/{created.get_json()['id']}", "admin").get_json()
    assert detail["active"] is True
    case = api.post("/applications", "erika", json=proposal())
    assert case.status_code == 201  # the engine runs the model from its text
    tasks = api.get(f"/cases/{case.get_json()['case_id']}", "admin").get_json()["open_tasks"]
    assert [t["title"] for t in tasks] == ["Formale Prüfung"]


def test_a_zip_with_an_iso_8859_1_model_comes_back_byte_for_byte_through_the_cli(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    files = encoded("iso-8859-1", "zip")
    created = api.post(
        "/process-definitions", "admin", data=as_zip(files), content_type="application/zip"
    )
    assert created.status_code == 201, created.get_json()
    monkeypatch.setattr(common, "settings", lambda: container.settings)

    result = CliRunner().invoke(
        main, ["process", "download", created.get_json()["id"], "--out", str(tmp_path / "b")]
    )

    assert result.exit_code == 0, result.output
    assert read_bundle(tmp_path / "b") == files


def test_same_text_in_another_encoding_is_another_version_and_same_bytes_the_same(
    api: Api,
) -> None:
    latin = modeler_deploy(api, encoded("iso-8859-1", "v"))
    cp1252 = modeler_deploy(api, encoded("windows-1252", "v"))
    again = modeler_deploy(api, encoded("iso-8859-1", "v"))

    assert (latin.status_code, cp1252.status_code, again.status_code) == (201, 201, 200)
    assert cp1252.get_json()["id"] != latin.get_json()["id"]
    assert again.get_json()["id"] == latin.get_json()["id"]
