"""`egov triage train` and `egov triage evaluate`: a new model version, its figures, and the
shipped model measured on the held-out set it never saw."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from egov.cli import common, main
from egov.settings import Settings
from egov.triage import artifact
from egov.triage.plugins import FACTORIES
from tests.support.triage_data import rows, write_csv

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "egov" / "triage" / "data" / "requests-heldout.csv"


@pytest.fixture(autouse=True)
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "settings", lambda: Settings(data_dir=tmp_path / "var"))


def egov(*args: str):
    return CliRunner().invoke(main, list(args))


def test_train_writes_a_new_version_and_evaluate_measures_it(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "train.csv", rows())
    trained = egov("triage", "train", "--csv", str(data))
    assert trained.exit_code == 0, trained.output
    [version] = (tmp_path / "var" / "triage").iterdir()
    assert f"Modell {version.name}" in trained.output and "Schwelle" in trained.output
    assert artifact.read_meta(version).training_rows == 32
    measured = egov("triage", "evaluate", str(data), "--model", str(version), "--json")
    figures = json.loads(measured.output)
    assert figures["n"] == 32 and figures["model_version"] == version.name
    assert figures["threshold"] == artifact.read_meta(version).threshold
    plugin = FACTORIES["local-model"](Settings(triage_model_dir=str(version)))
    assert plugin.version == version.name  # EGOV_TRIAGE_MODEL_DIR picks the new version


def test_the_shipped_model_reaches_the_targets_on_the_held_out_set() -> None:
    measured = egov("triage", "evaluate", str(HELDOUT), "--json")
    assert measured.exit_code == 0, measured.output
    figures = json.loads(measured.output)
    assert figures["accuracy_at_threshold"] >= 0.95 and figures["coverage"] >= 0.60
    assert figures["ece"] < 0.05 and figures["macro_f1"] >= 0.80
    assert figures["abstain_rate"] == pytest.approx(1 - figures["coverage"], abs=1e-4)


def test_the_text_report_has_the_figures_and_a_confusion_matrix() -> None:
    measured = egov("triage", "evaluate", str(HELDOUT), "--threshold", "0.5")
    assert measured.exit_code == 0, measured.output
    assert "Schwelle: 0.50" in measured.output and "Verwechslungsmatrix" in measured.output
    assert "Makro-F1" in measured.output and "ECE" in measured.output


def test_a_bad_csv_is_refused_in_one_line_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text,org_unit\n1,Schlagloch,Straßen und Verkehr\n2,Ausweis,Rathaus\n")
    refused = egov("triage", "evaluate", str(bad))
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"Fehler [triage-csv-invalid]: Die Datei {bad} ist kein gültiger Datensatz "
        "(id,text,org_unit). – org_unit (Zeile 3): unbekannte Organisationseinheit 'Rathaus'"
    )


def test_a_csv_without_the_org_unit_column_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,Schlagloch\n")
    refused = egov("triage", "train", "--csv", str(bad))
    assert refused.exit_code == 1 and "Spalte fehlt" in refused.stderr
