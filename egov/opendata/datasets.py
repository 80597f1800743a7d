"""The datasets egov publishes: their metadata (German title and description, themes, update
frequency) and their tables, built from the sources (`sources.py`). Pure apart from the
sources they are given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from egov.cases.model import status_label
from egov.opendata.sources import Proposal
from egov.opendata.statistics import CaseTimes, case_statistics
from egov.opendata.table import Table
from egov.participation.report import LABELS

EU = "http://publications.europa.eu/resource/authority"
GOVE, REGI, SOCI = (f"{EU}/data-theme/{t}" for t in ("GOVE", "REGI", "SOCI"))
CONTINUOUS, MONTHLY = f"{EU}/frequency/CONT", f"{EU}/frequency/MONTHLY"


@dataclass(frozen=True)
class Spec:
    id: str
    title: str
    description: str
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    periodicity: str


@dataclass(frozen=True)
class Built:
    """A dataset's table and what the catalogue says of it."""

    table: Table
    start: date | None  # temporal coverage
    end: date | None
    modified: datetime | None


PROPOSALS = Spec(
    "buergerbudget-vorschlaege",
    "Bürgerbudget: Vorschläge und Ergebnisse",
    "Alle Vorschläge zum Bürgerbudget mit Runde, Kategorie, geschätzten Kosten und Folgekosten, "
    "formaler Entscheidung, Machbarkeit und Stand; Titel, Beschreibung und Ort erst, wenn der "
    "Vorschlag zur Abstimmung zugelassen ist; Stimmen, Rang, Förderung und Begründung erst "
    "nach dem Ende der Abstimmung. Keine Angaben zu den Einreichenden.",
    ("Bürgerbudget", "Bürgerbeteiligung", "Haushalt"),
    (GOVE, REGI),
    CONTINUOUS,
)
ROUNDS = Spec(
    "buergerbudget-runden",
    "Bürgerbudget: Runden und ihr Ergebnis",
    "Je Runde des Bürgerbudgets: Gesamtbudget, Höchstbetrag je Vorschlag, Einreichungsfrist, "
    "Abstimmungszeitraum, Stimmen je Person und die Zahl der zugelassenen Vorschläge; nach dem "
    "Ende der Abstimmung die Zahl der geförderten Vorschläge und die vergebene Summe.",
    ("Bürgerbudget", "Bürgerbeteiligung", "Haushalt"),
    (GOVE, REGI),
    CONTINUOUS,
)
PROCEDURES = Spec(
    "beteiligungsverfahren",
    "Beteiligungsverfahren der Bauleitplanung mit Varianten",
    "Die Verfahren der Öffentlichkeitsbeteiligung mit Plan, Zeitraum, Geltungsbereich und "
    "Varianten (GeoJSON, EPSG:4326), je Variante eine Zeile, und der Zeitpunkt der "
    "Veröffentlichung der Abwägung.",
    ("Bauleitplanung", "Beteiligung", "Bebauungsplan"),
    (GOVE, REGI),
    CONTINUOUS,
)
STATEMENTS = Spec(
    "beteiligung-stellungnahmen",
    "Stellungnahmen der Beteiligungsverfahren und Ergebnis der Abwägung",
    "Der Text der veröffentlichten Stellungnahmen (nicht der von der Moderation "
    "ausgeblendeten), ohne Verfasser und Ort, und nach Veröffentlichung der Abwägung deren "
    "Thema, Ergebnis und Begründung.",
    ("Bauleitplanung", "Stellungnahme", "Abwägung"),
    (GOVE, SOCI),
    CONTINUOUS,
)
STATISTICS = Spec(
    "vorgangsstatistik",
    "Vorgangsstatistik je Verfahren und Monat",
    "Je Verfahren und Monat: eingegangene und entschiedene Vorgänge, Median und "
    "90-%-Perzentil der Bearbeitungsdauer in Arbeitstagen (Thüringer Feiertage) und Anteil "
    "der fristgerecht entschiedenen; je Monat eine Summenzeile. Zahlen von 1 bis 4 und die "
    "Zahlen, aus denen sie sich errechnen ließen, sind geheimgehalten.",
    ("Verwaltung", "Statistik", "Bearbeitungsdauer"),
    (GOVE,),
    MONTHLY,
)
SPECS = {spec.id: spec for spec in (PROPOSALS, ROUNDS, PROCEDURES, STATEMENTS, STATISTICS)}

PROPOSAL_VARIABLES = {  # column: the variable of procedure.json `non_personal_variables`
    "kategorie": "category",
    "geschaetzte_kosten_eur": "estimated_cost_eur",
    "folgekosten_fuenf_jahre_eur": "follow_up_cost_eur",
    "oeffentlicher_raum": "public_space",
    "andere_foerderung_moeglich": "other_funding_available",
    "formale_entscheidung": "formal_decision",
    "machbar": "feasible",
}
PROPOSAL_COLUMNS = (
    "id",
    "runde",
    "status",
    "status_text",
    *PROPOSAL_VARIABLES,
    "titel",
    "beschreibung",
    "ort",
    "stimmen",
    "rang",
    "gefoerdert",
    "begruendung",
)


def proposals(found: list[Proposal], modified: datetime | None) -> Built:
    rows = [
        {
            "id": p.id,
            "runde": p.round,
            "status": p.status,
            "status_text": status_label(p.status),
            **{column: p.variables.get(name) for column, name in PROPOSAL_VARIABLES.items()},
            "titel": p.title,
            "beschreibung": p.description,
            "ort": p.location,
            "stimmen": p.votes,
            "rang": p.rank,
            "gefoerdert": p.funded,
            "begruendung": p.reason,
        }
        for p in found
    ]
    return Built(Table(PROPOSAL_COLUMNS, rows), *_year_span([p.round for p in found]), modified)


def _year_span(years: list[int]) -> tuple[date | None, date | None]:
    """The temporal coverage of rounds: 1 January of the first to 31 December of the last."""
    if not years:
        return None, None
    return date(min(years), 1, 1), date(max(years), 12, 31)


ROUND_COLUMNS = (
    "runde",
    "gesamtbudget_eur",
    "hoechstbetrag_je_vorschlag_eur",
    "einreichung_ab",
    "einreichungsfrist",
    "abstimmung_ab",
    "abstimmung_bis",
    "stimmen_je_person",
    "zugelassene_vorschlaege",
    "abstimmung_beendet",
    "gefoerderte_vorschlaege",
    "vergeben_eur",
)


def rounds(pages: list[dict[str, Any]], modified: datetime | None) -> Built:
    """One row per round, from its public page (egov/buergerbudget/results.py)."""
    rows = []
    for page in pages:
        result = page["result"] or {}
        rows.append(
            {
                "runde": page["year"],
                "gesamtbudget_eur": page["total_budget_eur"],
                "hoechstbetrag_je_vorschlag_eur": page["cap_per_proposal_eur"],
                "einreichung_ab": page["submissions_open"],
                "einreichungsfrist": page["submission_deadline"],
                "abstimmung_ab": page["vote_opens"],
                "abstimmung_bis": page["vote_closes"],
                "stimmen_je_person": page["votes_per_citizen"],
                "zugelassene_vorschlaege": len(page["proposals"]),
                "abstimmung_beendet": page["vote_closed"],
                "gefoerderte_vorschlaege": result.get("funded"),
                "vergeben_eur": result.get("spent_eur"),
            }
        )
    return Built(
        Table(ROUND_COLUMNS, rows), *_year_span([page["year"] for page in pages]), modified
    )


PROCEDURE_COLUMNS = (
    "verfahren_id",
    "titel",
    "beschreibung",
    "status",
    "plan_id",
    "planart",
    "raeumliche_beschreibung",
    "beginn",
    "ende",
    "geltungsbereich",
    "variante_id",
    "variante_titel",
    "variante_beschreibung",
    "variante_geometrie",
    "abwaegung_veroeffentlicht",
)


def _procedure_rows(item: dict[str, Any]) -> list[dict[str, Any]]:
    report = item.get("weighing_report")
    common = {
        "verfahren_id": item["id"],
        "titel": item["title"],
        "beschreibung": item["description"],
        "status": item["status"],
        "plan_id": item["plan_id"],
        "planart": item["planart"],
        "raeumliche_beschreibung": item["raeumliche_beschreibung"],
        "beginn": item["period"]["start"],
        "ende": item["period"]["end"],
        "geltungsbereich": item["geltungsbereich"],
        "abwaegung_veroeffentlicht": None if report is None else report["published_at"],
    }
    variants = item["variants"] or [dict.fromkeys(("id", "title", "description", "geometry"))]
    return [
        {
            **common,
            "variante_id": v["id"],
            "variante_titel": v["title"],
            "variante_beschreibung": v["description"],
            "variante_geometrie": v["geometry"],
        }
        for v in variants
    ]


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _span(items: list[dict[str, Any]]) -> tuple[date | None, date | None]:
    starts = [d for d in (_day(i["period"]["start"]) for i in items) if d is not None]
    ends = [d for d in (_day(i["period"]["end"]) for i in items) if d is not None]
    return min(starts, default=None), max(ends, default=None)


def procedures(items: list[dict[str, Any]], modified: datetime | None) -> Built:
    rows = [row for item in items for row in _procedure_rows(item)]
    return Built(Table(PROCEDURE_COLUMNS, rows), *_span(items), modified)


STATEMENT_COLUMNS = (
    "verfahren_id",
    "nummer",
    "runde",
    "variante_id",
    "text",
    "thema",
    "ergebnis",
    "begruendung",
)


def statements(items: list[dict[str, Any]], modified: datetime | None) -> Built:
    """The statements the public API shows with their text: never a hidden one, never the
    author (even one who chose to be named there) or the location."""
    rows = [
        {
            "verfahren_id": item["id"],
            "nummer": s["number"],
            "runde": s["round"],
            "variante_id": s["variant_id"],
            "text": s["text"],
            "thema": s["topic"],
            "ergebnis": LABELS.get(s["decision"] or ""),
            "begruendung": s["reasoning"],
        }
        for item in items
        for s in item["statements"]
        if not s["hidden"]
    ]
    return Built(Table(STATEMENT_COLUMNS, rows), *_span(items), modified)


def statistics(times: list[CaseTimes], names: dict[str, str], modified: datetime | None) -> Built:
    table = case_statistics(times, names)
    months = [row["monat"] for row in table.rows]
    start = date.fromisoformat(f"{min(months)}-01") if months else None
    end = _month_end(max(months)) if months else None
    return Built(table, start, end, modified)


def _month_end(month: str) -> date:
    year, number = int(month[:4]), int(month[5:])
    following = date(year + number // 12, number % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
