"""Concurrency: case references stay unique; two writers can never both advance one instance."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy.orm.exc import StaleDataError

from egov.container import Container
from egov.workflow.store import WorkflowInstance
from tests.builders import proposal
from tests.conftest import Api


def test_concurrent_applications_get_unique_references(app: Flask, container: Container) -> None:
    references: list[str] = []
    failures: list[int] = []

    def file_three() -> None:
        api = Api(app.test_client(), container)
        for _ in range(3):
            response = api.post("/applications", "erika", json=proposal())
            if response.status_code == 201:
                references.append(response.get_json()["case_reference"])
            else:
                failures.append(response.status_code)

    threads = [threading.Thread(target=file_three) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(references) == 18
    assert len(set(references)) == 18


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_writers_on_one_instance_one_wins_the_other_gets_stale_data(
    api: Api, container: Container
) -> None:
    api.post("/applications", "erika", json=proposal())
    first, second = container.db.sessions(), container.db.sessions()
    try:
        mine = first.query(WorkflowInstance).one()
        theirs = second.query(WorkflowInstance).one()
        mine.state = mine.state + " "
        first.commit()
        theirs.state = theirs.state + "  "
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()
