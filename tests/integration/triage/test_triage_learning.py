"""The learning loop and the shipped chain: `egov triage train --from-decisions` learns from
what clerks decided, and with the default plugins (rules, the shipped model) an Anliegen goes
to the unit it is about, or to Allgemein when the model is unsure."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from egov.app import create_app
from egov.cli import common, main
from egov.triage import artifact
from tests.conftest import Api, make_settings
from tests.integration.test_timers_support import api_of
from tests.integration.triage.conftest import PARKING, decide, file_request, task_of
from tests.support.triage_data import rows, write_csv


def test_train_from_decisions_adds_the_routed_cases_to_the_rows(
    app: Flask, api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = file_request(api, PARKING)
    task_id = task_of(api, "clara", case_id)["id"]
    answer = decide(api, "clara", task_id, decision="override", org_unit="ordnungsamt", reason="x")
    assert answer.status_code == 200, answer.get_json()
    monkeypatch.setattr(common, "settings", lambda: app.extensions["egov"].settings)
    data = write_csv(tmp_path / "train.csv", rows())

    trained = CliRunner().invoke(
        main, ["triage", "train", "--csv", str(data), "--from-decisions", "--out", str(tmp_path)]
    )

    assert trained.exit_code == 0, trained.output
    assert "1 entschiedene Vorgänge als Trainingszeilen" in trained.output
    [version] = [p for p in tmp_path.iterdir() if p.is_dir() and p.name[0].isdigit()]
    assert artifact.read_meta(version).training_rows == len(rows()) + 1


def test_train_needs_a_csv_or_the_decisions(tmp_path: Path) -> None:
    refused = CliRunner().invoke(main, ["triage", "train", "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "--from-decisions" in refused.output


@pytest.fixture
def shipped(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """An app with the default chain: rules and the shipped model, its tuned threshold."""
    settings = dataclasses.replace(
        make_settings(tmp_path / "shipped", database_url), triage_plugins="rules,local-model"
    )
    application = create_app(settings)
    yield api_of(application)
    application.extensions["egov"].db.dispose()


def suggested(api: Api, clerk: str, case_id: str) -> dict[str, object]:
    detail = api.get(f"/tasks/{task_of(api, clerk, case_id)['id']}", clerk).get_json()
    return dict(detail["triage"])


def shown_triage(api: Api, case_id: str) -> dict[str, Any]:
    """The triage of the case's review task, as the clerk who has it sees it: otto (Straßen
    und Verkehr, Ordnungsamt) or clara (Allgemein, where an unsure suggestion goes)."""
    [(clerk, task)] = [
        (clerk, t)
        for clerk in ("otto", "clara")
        for t in api.get("/tasks", clerk).get_json()["items"]
        if t["case_id"] == case_id
    ]
    return dict(api.get(f"/tasks/{task['id']}", clerk).get_json()["triage"])


def test_the_shipped_model_routes_a_clear_request_and_abstains_on_a_vague_one(
    shipped: Api,
) -> None:
    clear = file_request(shipped, "Die Straßenlaterne vor der Hausnummer 12 ist seit Tagen aus.")
    vague = file_request(shipped, "Hallo, ich hätte da mal eine Frage.")

    routed = suggested(shipped, "otto", clear)  # otto works for Straßen und Verkehr
    assert routed["abstained"] is False and routed["org_unit"] == "strassen-verkehr"
    assert routed["threshold"] == artifact.read_meta(artifact.SHIPPED).threshold
    assert suggested(shipped, "clara", vague)["abstained"] is True  # clara: Allgemein


def test_the_clerk_sees_the_priority_and_the_procedure_the_rules_suggest(shipped: Api) -> None:
    text = "Gefahr! Tiefes Schlagloch vor unserer Einfahrt. Und wie stelle ich einen Bauantrag?"
    case_id = file_request(shipped, text)
    shown = shown_triage(shipped, case_id)
    assert shown["priority"]["value"] == "hoch"
    assert shown["procedure"]["value"] == "bauantrag"
    assert shown["procedure"]["explanation"].startswith("Regel: ")


def test_the_same_request_filed_twice_is_flagged_as_a_likely_duplicate(shipped: Api) -> None:
    text = "Die Ampel an der Kreuzung Talstraße zeigt seit gestern Abend dauerhaft Rot."
    first = file_request(shipped, text)
    again = file_request(shipped, text + " Bitte dringend prüfen.")

    def flags(case_id: str) -> list[dict[str, Any]]:
        return list(shown_triage(shipped, case_id)["flags"])

    assert [f for f in flags(first) if f["value"] == "duplicate"] == []
    [duplicate] = [f for f in flags(again) if f["value"] == "duplicate"]
    assert "offenen Vorgang" in str(duplicate["explanation"])
