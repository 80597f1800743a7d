"""What a hostile probe of the running server found in intake, over HTTP on SQLite and
PostgreSQL: every refusal is a problem with a stable code, cheap, and leaves nothing stored."""

from __future__ import annotations

import time
from typing import Any

from egov.container import Container
from tests.builders import example
from tests.conftest import Api
from tests.integration.test_intake_api import stored_counts, submit

BUERGERBUDGET = "buergerbudget-zwei-anhaenge.xml"


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json()
    assert problem["correlation_id"]
    return problem


# --- finding 1: attributes -------------------------------------------------------------------


def test_200000_attributes_on_one_element_are_refused_quickly(
    api: Api, container: Container
) -> None:
    attributes = b" ".join(b'a%d="x"' % i for i in range(200_000))
    body = example(BUERGERBUDGET).replace(b"<titel>", b"<titel " + attributes + b">", 1)
    before = stored_counts(container)

    started = time.perf_counter()
    response = submit(api, body)
    elapsed = time.perf_counter() - started

    assert problem_of(response, 400)["code"] == "xml-too-many-attributes"
    assert elapsed < 5
    assert stored_counts(container) == before
