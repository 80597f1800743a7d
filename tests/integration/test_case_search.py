"""The clerk's case search `GET /cases?q=` (issue 18): an Aktenzeichen is found by equality,
any other term as a case-insensitive substring of reference, title or applicant name through
the trigram indexes (pg_trgm on PostgreSQL, the FTS5 table on SQLite), which follow every
change of a case, its erasure included; a term's wildcards and quotes are taken literally."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from egov.casefile.search import matching
from egov.cases.store import Case
from egov.retention.erasure import erase_case
from tests.conftest import Api
from tests.integration.test_walkthrough import file_proposal


def found(api: Api, term: str) -> list[str]:
    answer = api.get("/cases", "anna", query_string={"q": term})
    assert answer.status_code == 200, answer.get_json()
    return [case["title"] for case in answer.get_json()["items"]]


def filed(api: Api, *titles: str) -> list[dict[str, Any]]:
    return [file_proposal(api, title=title) for title in titles]


def test_a_reference_is_found_exactly_whatever_its_case(api: Api) -> None:
    first, _second = filed(api, "Sitzbank am Teich", "Trinkbrunnen am Markt")

    assert found(api, first["case_reference"].lower()) == ["Sitzbank am Teich"]
    assert found(api, f"  {first['case_reference']} ") == ["Sitzbank am Teich"]


def test_a_word_of_the_title_or_the_applicant_is_found_in_any_case(api: Api) -> None:
    filed(api, "Sitzbank am Teich", "Trinkbrunnen am Markt", "Bänke für den Büchsenpark")

    assert found(api, "TEICH") == ["Sitzbank am Teich"]
    assert found(api, "büchsen") == ["Bänke für den Büchsenpark"]
    assert sorted(found(api, "am ")) == ["Sitzbank am Teich", "Trinkbrunnen am Markt"]
    assert len(found(api, "Mustermann")) == 3  # the applicant, Erika Mustermann
    assert found(api, "Teichrosen") == []


def test_a_short_term_is_still_found(api: Api) -> None:
    filed(api, "Sitzbank am Teich", "Ufer")

    assert found(api, "uf") == ["Ufer"]


def test_wildcards_and_quotes_in_a_term_are_taken_literally(api: Api) -> None:
    filed(api, "Sitzbank am Teich", 'Der "grüne" Weg zu 100% Schatten')

    assert found(api, "%") == ['Der "grüne" Weg zu 100% Schatten']
    assert found(api, "_") == []
    assert found(api, '"grüne"') == ['Der "grüne" Weg zu 100% Schatten']
    assert found(api, 'e" W') == ['Der "grüne" Weg zu 100% Schatten']


def test_an_erased_case_is_no_longer_found_by_its_applicant_or_title(api: Api) -> None:
    (case,) = filed(api, "Sitzbank für Zacharias Quenzelmeier")
    with api.container.db.transaction() as session:
        row = session.get_one(Case, case["case_id"])
        erase_case(session, row, actor="test", now=row.created_at)

    assert found(api, "Quenzelmeier") == [] and found(api, "Mustermann") == []
    assert len(found(api, case["case_reference"])) == 1  # the tombstone keeps its reference


def test_the_search_uses_its_index(api: Api) -> None:
    filed(api, "Sitzbank am Teich")
    with api.container.db.reading() as session:
        dialect = session.get_bind().dialect.name
        condition = matching("Teich", dialect).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        where = str(condition)
        if dialect == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))  # as on a large table
            plan = session.execute(text(f"EXPLAIN SELECT id FROM cases WHERE {where}")).all()
            assert "_trgm" in " ".join(row[0] for row in plan)
        else:
            query = f"EXPLAIN QUERY PLAN SELECT id FROM cases WHERE {where}"
            plan = session.execute(text(query)).all()
            assert "VIRTUAL TABLE INDEX" in " ".join(str(row[-1]) for row in plan)


def test_postgresql_runs_egovs_short_queries_without_jit(api: Api) -> None:
    with api.container.db.reading() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("JIT is PostgreSQL's")
        assert session.execute(text("SHOW jit")).scalar_one() == "off"
