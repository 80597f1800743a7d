"""The `dms.erase` outbox handler (issue 16): the folder of an erased case goes from the DMS
with every file and sidecar in it, on a real WebDAV server; a folder already gone is fine, a
DMS that is down is retried and one that refuses is an incident."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from egov.container import Container
from egov.documents.archive import WebDavArchive
from egov.integrations import dms
from egov.integrations.dms import build_target
from egov.outbox.service import enqueue
from tests.conftest import Api
from tests.integration.test_dms_store import (
    PASSWORD,
    USER,
    case_with_documents,
    deliver,
    use_target,
)
from tests.support.webdav import WebDavServer, free_port, serve_or_skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebDavServer]:
    with serve_or_skip(tmp_path / "dav", USER, PASSWORD) as running:
        yield running


def erase(container: Container, case_id: str, reference: str) -> str:
    with container.db.transaction() as session:
        row_id = enqueue(
            session,
            case_id=case_id,
            kind=dms.ERASE_KIND,
            payload={"case_reference": reference},
            now=container.clock(),
        )
    return container.outbox.deliver(row_id)


def test_the_folder_of_an_erased_case_goes_from_a_real_webdav_dms_and_again_is_fine(
    api: Api, container: Container, server: WebDavServer
) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    other_id, other, _ = case_with_documents(api, container)
    settings = replace(
        container.settings, dms_url=server.url, dms_username=USER, dms_password=PASSWORD
    )
    use_target(container, build_target(settings))
    for each_id, each in ((case_id, reference), (other_id, other)):
        assert deliver(container, each_id, {"case_reference": each})[1] == "delivered"
    assert any((server.root / reference).iterdir())

    assert erase(container, case_id, reference) == "delivered"

    assert not (server.root / reference).exists()
    assert any((server.root / other).iterdir())  # the other case's folder stays
    assert erase(container, case_id, reference) == "delivered"  # already gone


def test_a_dms_that_is_down_is_retried_and_one_that_refuses_is_an_incident(
    api: Api, container: Container, server: WebDavServer, tmp_path: Path
) -> None:
    case_id, reference, _ = case_with_documents(api, container)
    down = WebDavArchive(f"http://127.0.0.1:{free_port()}/", USER, PASSWORD, tmp_path / "i1", 5)
    use_target(container, down)
    assert erase(container, case_id, reference) == "retry"

    use_target(container, WebDavArchive(server.url, USER, "wrong", tmp_path / "i2", timeout=5))
    assert erase(container, case_id, reference) == "failed"
