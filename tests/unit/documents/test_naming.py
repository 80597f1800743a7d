"""File names in the DMS: what an archivist reads, in safe characters only."""

from __future__ import annotations

from datetime import date
from itertools import islice

import pytest

from egov.documents.naming import (
    MAX_NAME,
    candidates,
    case_folder,
    checked_path,
    extension_of,
    human_name,
    procedure_word,
    safe_word,
    title_of,
)


def test_a_name_reads_date_procedure_and_title() -> None:
    assert (
        human_name(date(2026, 12, 3), "Bauantrag", "Antragsformular", ".pdf")
        == "2026-12-03_Bauantrag_Antragsformular.pdf"
    )


def test_umlauts_are_transliterated_and_everything_unsafe_becomes_a_dash() -> None:
    assert safe_word("Übersicht Straße (alt)/Ölmühle") == "Uebersicht-Strasse-alt-Oelmuehle"
    assert safe_word("café naïve") == "cafe-naive"
    assert safe_word("../..") == "Dokument"
    assert safe_word("\x00\u202e") == "Dokument"


def test_the_procedure_is_its_name_before_a_bracket() -> None:
    assert procedure_word("Bauantrag (XBau)") == "Bauantrag"
    assert procedure_word("Vorschlag zum Bürgerbudget") == "Vorschlag-zum-Buergerbudget"


def test_titles_come_from_the_kind_or_the_file_name_without_the_reference() -> None:
    reference = "JENA-2026-000123"
    assert title_of("original-message", "0b7e.xml", reference) == "Antragsnachricht"
    assert title_of("attachment", "C:\\Daten\\lageplan.pdf", reference) == "Lageplan"
    assert title_of("letter", f"{reference}-eingangsbestaetigung.txt", reference) == (
        "Eingangsbestaetigung"
    )
    assert title_of("attachment", ".pdf", reference) == "Pdf"


def test_the_extension_comes_from_the_file_name_or_the_media_type() -> None:
    assert extension_of("Plan.PDF", "application/octet-stream") == ".pdf"
    assert extension_of("plan", "application/pdf; charset=binary") == ".pdf"
    assert extension_of("plan.p df", "text/plain") == ".txt"
    assert extension_of("plan", "application/x-unknown") == ""


def test_a_taken_name_gets_a_numbered_suffix_before_the_extension() -> None:
    assert list(islice(candidates("a_b.pdf"), 3)) == ["a_b.pdf", "a_b_2.pdf", "a_b_3.pdf"]
    assert list(islice(candidates("ohne"), 2)) == ["ohne", "ohne_2"]


def test_long_names_are_cut_so_a_suffix_still_fits() -> None:
    name = human_name(date(2026, 1, 1), "Bauantrag", "X" * 500, ".pdf")
    assert name.endswith(".pdf") and len(name) + len("_999") <= MAX_NAME


def test_paths_outside_the_layout_are_refused() -> None:
    assert case_folder("JENA-2026-000123") == "JENA-2026-000123"
    assert checked_path("JENA-2026-000123", "a.pdf.metadata.json")
    for folder, name in (("..", "a.pdf"), ("JENA", "../a.pdf"), ("JENA", ".hidden"), ("", "a")):
        with pytest.raises(ValueError):
            checked_path(folder, name)
