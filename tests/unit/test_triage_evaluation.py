"""The evaluation figures, checked against examples computed by hand."""

import pytest

from egov.triage.evaluation import Prediction, evaluate, expected_calibration_error, macro_f1

STRASSE, BUERGERAMT, ALLGEMEIN = "Straßen und Verkehr", "Bürgeramt", "Allgemein"

ROWS = [
    Prediction(STRASSE, STRASSE, 0.95),  # suggested, right
    Prediction(STRASSE, BUERGERAMT, 0.91),  # suggested, wrong
    Prediction(BUERGERAMT, BUERGERAMT, 0.55),  # below the threshold: abstains
    Prediction(ALLGEMEIN, ALLGEMEIN, 0.99),  # Allgemein is never a suggestion
]


def test_accuracy_counts_only_the_suggestions_made_and_coverage_their_share() -> None:
    report = evaluate(ROWS, 0.9)
    assert report.n == 4
    assert report.accuracy_at_threshold == pytest.approx(0.5)
    assert report.coverage == pytest.approx(0.5) and report.abstain_rate == pytest.approx(0.5)


def test_macro_f1_counts_an_abstention_as_allgemein() -> None:
    # routed: Straße->Straße, Straße->Bürgeramt, Bürgeramt->Allgemein, Allgemein->Allgemein
    # F1 Straße = 2*1/(2+0+1) = 2/3; Bürgeramt = 0 (tp 0); Allgemein = 2*1/(2+1+0) = 2/3
    report = evaluate(ROWS, 0.9)
    assert report.macro_f1 == pytest.approx((2 / 3 + 0 + 2 / 3) / 3)
    assert report.labels == ("Bürgeramt", STRASSE, ALLGEMEIN)
    assert report.confusion == ((0, 0, 1), (1, 1, 0), (0, 0, 1))


def test_ece_weighs_each_bin_by_its_rows() -> None:
    # bin 0.9: three rows, right 2/3, mean confidence (0.95+0.91+0.99)/3 = 0.95 -> |0.667-0.95|
    # bin 0.5: one row, right 1, confidence 0.55 -> 0.45
    expected = 3 / 4 * abs(2 / 3 - 0.95) + 1 / 4 * 0.45
    assert expected_calibration_error(ROWS) == pytest.approx(expected)


def test_a_confidence_of_one_falls_into_the_last_bin() -> None:
    rows = [Prediction("A", "A", 1.0), Prediction("A", "B", 0.9)]
    assert expected_calibration_error(rows) == pytest.approx(abs(0.5 - 0.95))


def test_no_suggestion_at_all_has_no_accuracy_and_zero_coverage() -> None:
    report = evaluate(ROWS, 0.999)
    assert report.accuracy_at_threshold is None and report.coverage == 0
    assert report.as_json()["accuracy_at_threshold"] is None


def test_perfect_routing_has_macro_f1_one() -> None:
    assert macro_f1([("A", "A"), ("B", "B")], ["A", "B"]) == 1.0


def test_the_json_has_the_keys_the_issue_names() -> None:
    keys = {"accuracy_at_threshold", "coverage", "macro_f1", "ece", "abstain_rate", "n"}
    assert keys <= set(evaluate(ROWS, 0.9).as_json())
