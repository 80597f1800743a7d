"""Log lines operations can follow: one JSON object per line, each line of a request with the
request's correlation id, which every response returns as `X-Correlation-ID`."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections.abc import Iterator

import pytest

from egov import correlation
from egov.container import Container
from egov.runtime import logs
from egov.settings import Settings
from tests.builders import proposal
from tests.conftest import Api


@pytest.fixture
def json_lines(container: Container, capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """egov's handler in JSON at INFO, writing to the captured stderr."""
    logs.configure(dataclasses.replace(container.settings, log_format="json", log_level="INFO"))
    capsys.readouterr()
    yield
    logs.configure(container.settings)


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_a_sane_correlation_id_from_the_client_comes_back_on_the_response(api: Api) -> None:
    response = api.get("/me/cases", "erika", headers={"X-Correlation-ID": "portal-4711.a:b"})
    assert response.status_code == 200
    assert response.headers["X-Correlation-ID"] == "portal-4711.a:b"


@pytest.mark.parametrize(
    "given",
    ["", "a b", 'x"y', "x\ty", "ä-umlaut", "-leading-dash", "x" * 65],
    ids=["empty", "space", "quote", "tab", "non-ascii", "leading-dash", "too-long"],
)
def test_an_odd_correlation_id_is_replaced_by_a_new_one(api: Api, given: str) -> None:
    response = api.get("/me/cases", "erika", headers={"X-Correlation-ID": given})
    chosen = response.headers["X-Correlation-ID"]
    assert chosen != given
    assert uuid.UUID(chosen)


def test_a_problem_names_the_same_correlation_id_as_its_header(api: Api) -> None:
    response = api.get(f"/cases/{uuid.uuid4()}", "anna")
    assert response.status_code == 404
    assert response.get_json()["correlation_id"] == response.headers["X-Correlation-ID"]
    assert uuid.UUID(response.headers["X-Correlation-ID"])


def test_every_response_gets_an_id_also_outside_the_api(api: Api) -> None:
    for path in ("/healthz", "/metrics", "/no-such-page"):
        assert uuid.UUID(api.client.get(path).headers["X-Correlation-ID"])


def test_the_limits_in_front_of_flask_return_the_correlation_id(api: Api) -> None:
    response = api.client.get(
        "/api/v1/me/cases?" + "x" * 9000, headers={"X-Correlation-ID": "too-long-url-1"}
    )
    assert response.status_code == 414
    assert response.headers["X-Correlation-ID"] == "too-long-url-1"
    assert response.get_json()["correlation_id"] == "too-long-url-1"


@pytest.mark.usefixtures("json_lines")
def test_every_log_line_of_a_request_is_json_with_its_correlation_id(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    response = api.client.get(
        "/api/v1/me/cases",
        headers={"Authorization": "Bearer not-a-token", "X-Correlation-ID": "req-1"},
    )
    assert response.status_code == 401
    logged = lines(capsys)
    assert [line["message"] for line in logged if "authentication_refused" in str(line)]
    assert {line["correlation_id"] for line in logged} == {"req-1"}
    assert all(line["level"] and line["logger"] and line["time"] for line in logged)
    assert not any("not-a-token" in json.dumps(line) for line in logged)  # no token logged


@pytest.mark.usefixtures("json_lines")
def test_a_line_outside_any_request_says_it_has_no_correlation_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.getLogger("egov.test").warning("sweep_outside_a_request")
    with correlation.correlated("task-7"):
        logging.getLogger("egov.test").warning("inside_a_task")
    first, second = lines(capsys)
    assert (first["message"], first["correlation_id"]) == ("sweep_outside_a_request", "-")
    assert (second["message"], second["correlation_id"]) == ("inside_a_task", "task-7")
    assert first["level"] == "WARNING" and first["logger"] == "egov.test"


def test_correlated_binds_an_id_for_the_block_only() -> None:
    with correlation.correlated("task-1"):
        assert correlation.current_correlation_id() == "task-1"
    assert correlation.current_correlation_id() is None


def test_the_log_format_is_json_in_production_and_text_elsewhere() -> None:
    assert logs.log_format(Settings(env="production")) == "json"
    assert logs.log_format(Settings(env="development")) == "text"
    assert logs.log_format(Settings(env="production", log_format="text")) == "text"
    with pytest.raises(ValueError, match="EGOV_LOG_FORMAT"):
        logs.log_format(Settings(log_format="xml"))


@pytest.mark.usefixtures("json_lines")
def test_the_work_a_request_runs_in_this_process_logs_with_the_requests_id(
    api: Api,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken_step(*_args: object) -> None:
        raise RuntimeError("the engine broke")

    # embedded: the advance runs in the request
    monkeypatch.setattr(container.workflows, "_advance_from_store", broken_step)
    response = api.post(
        "/applications", "erika", json=proposal(), headers={"X-Correlation-ID": "form-1"}
    )
    assert response.status_code == 201  # the receipt stands; the step is an incident
    failed = [line for line in lines(capsys) if "workflow_step_failed" in str(line["message"])]
    assert failed and failed[0]["correlation_id"] == "form-1"
    assert "the engine broke" in str(failed[0]["exception"])
