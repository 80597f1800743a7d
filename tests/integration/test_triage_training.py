"""Training the triage model, its versioned artifact, and the model egov ships."""

from datetime import datetime
from pathlib import Path

import pytest

from egov.errors import Invalid
from egov.triage import artifact, classifier, dataset, training
from egov.triage.artifact import SHIPPED
from tests.support.triage_data import SAMPLES, rows

ROOT = Path(__file__).resolve().parents[2]
TRAIN_CSV = ROOT / "egov" / "triage" / "data" / "requests-train.csv"
NOW = datetime(2026, 12, 7, 9, 30)
POTHOLE = "Schlagloch in der Hauptstraße, bitte reparieren"


@pytest.fixture(scope="module")
def small() -> artifact.Artifact:
    return training.train(rows(), NOW)


def test_training_tunes_a_threshold_and_records_its_data_and_figures(small) -> None:
    meta = small.meta
    assert 0.3 <= meta.threshold <= 0.99
    assert meta.training_rows == 32 and meta.training_sha256 == training.rows_sha256(rows())
    assert meta.version.startswith("20261207T093000Z-")
    assert {"accuracy_at_threshold", "coverage", "macro_f1", "ece", "folds"} <= set(meta.cv_metrics)
    assert meta.units[0] == "Büro Bürgerbudget" and meta.units[-1] == "Allgemein"


def test_retraining_on_other_labels_changes_the_prediction(small) -> None:
    swapped = dict(SAMPLES)
    swapped["Ordnungsamt"], swapped["Straßen und Verkehr"] = (
        SAMPLES["Straßen und Verkehr"],
        SAMPLES["Ordnungsamt"],
    )
    retrained = training.train(rows(swapped), NOW)
    assert classifier.rank(small.pipeline, POTHOLE).unit == "Straßen und Verkehr"
    assert classifier.rank(retrained.pipeline, POTHOLE).unit == "Ordnungsamt"


def test_the_same_rows_give_the_same_model(small) -> None:
    again = training.train(rows(), NOW)
    first, second = (
        classifier.rank(small.pipeline, POTHOLE),
        classifier.rank(again.pipeline, POTHOLE),
    )
    assert first == second and again.meta.threshold == small.meta.threshold


def test_each_training_run_is_saved_as_a_new_version(small, tmp_path: Path) -> None:
    first = artifact.save(small, tmp_path)
    second = artifact.save(small, tmp_path)
    assert first != second and sorted(p.name for p in tmp_path.iterdir()) == [
        first.name,
        second.name,
    ]
    loaded = artifact.load(second)
    assert loaded.meta.version == small.meta.version and loaded.meta.model_sha256
    assert classifier.rank(loaded.pipeline, POTHOLE) == classifier.rank(small.pipeline, POTHOLE)


def test_a_changed_model_file_is_refused_before_it_is_unpickled(small, tmp_path: Path) -> None:
    saved = artifact.save(small, tmp_path)
    model = saved / artifact.MODEL_FILE
    data = bytearray(model.read_bytes())
    data[-1] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(Invalid) as refused:
        artifact.load(saved)
    assert refused.value.code == "triage-model-invalid"


def test_a_folder_without_meta_is_no_model(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as refused:
        artifact.load(tmp_path)
    assert refused.value.code == "triage-model-invalid"


def test_too_few_rows_per_unit_cannot_be_trained() -> None:
    with pytest.raises(Invalid) as refused:
        training.train([("Schlagloch", "Straßen und Verkehr"), ("Ausweis", "Bürgeramt")], NOW)
    assert refused.value.code == "triage-training-too-small"


def test_the_shipped_model_loads_and_names_its_training_file() -> None:
    shipped = artifact.load(SHIPPED)
    assert shipped.meta.training_sha256 == dataset.sha256_of(TRAIN_CSV)
    assert shipped.meta.sklearn_version == artifact.sklearn_version()
    assert shipped.meta.training_rows == len(dataset.read_csv(TRAIN_CSV))
