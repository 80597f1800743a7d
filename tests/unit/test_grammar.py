"""Unit names take the article of their kind, in the case the letter asks for."""

from __future__ import annotations

from egov.grammar import form_names, unit_forms, with_article


def test_each_kind_of_unit_gets_its_own_article() -> None:
    assert with_article("Fachdienst Stadtplanung", "dem") == "dem Fachdienst Stadtplanung"
    assert with_article("Bauaufsicht", "dem") == "der Bauaufsicht"
    assert with_article("Büro Bürgerbudget", "der") == "das Büro Bürgerbudget"
    assert with_article("Stadtwerke Jena", "dem") == "den Stadtwerken Jena"
    assert with_article("Stadtwerke Jena", "der") == "die Stadtwerke Jena"


def test_a_name_of_unknown_kind_stays_bare_rather_than_get_a_wrong_article() -> None:
    assert with_article("Kinderbüro Jena", "dem") == "Kinderbüro Jena"


def test_a_unit_variable_offers_its_forms_capitalised_for_a_sentence_start() -> None:
    forms = unit_forms({"responsible_org_unit_name": "Büro Bürgerbudget", "title": "Bank"})
    assert forms["responsible_org_unit_name_Der"] == "Das Büro Bürgerbudget"
    assert forms["responsible_org_unit_name_dem"] == "dem Büro Bürgerbudget"
    assert set(forms) == form_names(["responsible_org_unit_name", "title"])
