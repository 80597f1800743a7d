"""A Python client generated from egov's served OpenAPI document (openapi-python-client)
drives a case over HTTP: erika files an application, anna lists her tasks, claims the formal
check and completes it. If the document does not describe the operations, their bodies and
answers as they are, the client cannot be generated, does not build the requests egov takes,
or cannot read its answers."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from egov.app import create_app
from tests.builders import proposal
from tests.conftest import make_settings
from tests.e2e.conftest import LiveServer

PACKAGE = "egov_generated_client"


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("generated-client")
    shutil.copy(sqlite_template, folder / "egov.sqlite3")
    server = LiveServer()
    app = create_app(make_settings(folder / "var", f"sqlite:///{folder / 'egov.sqlite3'}"))
    server.app = app
    server.thread.start()
    try:
        yield server
    finally:
        server.stop()
        app.extensions["egov"].db.dispose()


def generate(url: str, folder: Path) -> ModuleType:
    document = folder / "openapi.json"
    with urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=10) as answer:
        document.write_bytes(answer.read())
    config = folder / "generator.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run over the generated code
    generator = Path(sys.executable).parent / "openapi-python-client"
    arguments = ["--path", str(document), "--meta", "none", "--config", str(config)]
    done = subprocess.run(
        [str(generator), "generate", *arguments, "--output-path", str(folder / PACKAGE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


def module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_files_an_application_and_a_clerk_claims_and_completes_its_task(
    served: LiveServer, tmp_path: Path
) -> None:
    client_package = generate(served.url, tmp_path)
    assert served.app is not None
    idp = served.app.extensions["egov"].dev_idp

    def as_user(user: str) -> Any:
        return client_package.AuthenticatedClient(
            base_url=served.url, token=idp.token_for(user), raise_on_unexpected_status=True
        )

    form = module("models").ApplicationForm.from_dict(proposal())
    filed = module("api.intake.intake_submit_application").sync_detailed(
        client=as_user("erika"), body=form, idempotency_key="generated-client-1"
    )
    assert filed.status_code == 201, filed.content
    receipt = filed.parsed
    assert receipt.case_reference.startswith("JENA-")

    anna = as_user("anna")
    inbox = module("api.tasks.tasks_tasks").sync(client=anna, limit=200)
    mine = [t for t in inbox.items if t.case_id == receipt.case_id]
    assert len(mine) == 1, inbox
    claimed = module("api.tasks.tasks_claim").sync(mine[0].id, client=anna)
    assert (claimed.status, claimed.assignee) == ("claimed", "dev:anna")

    data = module("models.completion_data").CompletionData.from_dict(
        {"formal_decision": "admissible"}
    )
    completion = module("models").Completion(data=data)
    done = module("api.tasks.tasks_complete").sync(mine[0].id, client=anna, body=completion)
    assert done.status == "completed"
    assert done.result.to_dict() == {"formal_decision": "admissible"}

    again = module("api.tasks.tasks_claim").sync_detailed(mine[0].id, client=anna)
    assert again.status_code == 409
    assert again.parsed.code  # the problem, as the document describes it
