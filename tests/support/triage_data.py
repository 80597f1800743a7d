"""A small labelled set for triage tests: four short requests per org unit (fictional)."""

from __future__ import annotations

import csv
from pathlib import Path

SAMPLES: dict[str, list[str]] = {
    "Büro Bürgerbudget": [
        "Vorschlag fürs Bürgerbudget: neue Bänke im Park",
        "Idee für den Bürgerhaushalt: ein Trinkbrunnen am Markt",
        "Mein Bürgerbudget-Vorschlag ist ein Bolzplatz",
        "Abstimmung zum Bürgerbudget, wann gibt es Ergebnisse?",
    ],
    "Fachdienst Stadtplanung": [
        "Einwendung gegen den Bebauungsplan Nord",
        "Frage zum Flächennutzungsplan der Stadt",
        "Stellungnahme zum Bebauungsplan am Fluss",
        "Wann ist die Bürgerbeteiligung zum Stadtentwicklungskonzept?",
    ],
    "Bauaufsicht": [
        "Bauantrag für einen Carport",
        "Der Nachbar baut ohne Baugenehmigung",
        "Frage zur Baugenehmigung für eine Garage",
        "Bauvoranfrage für ein Einfamilienhaus",
    ],
    "Bürgeramt": [
        "Termin für den Personalausweis",
        "Reisepass verloren, was tun?",
        "Ummeldung der Wohnung nach Umzug",
        "Meldebescheinigung beantragen",
    ],
    "Ordnungsamt": [
        "Falschparker vor meiner Einfahrt",
        "Lärm durch Nachbarn jede Nacht",
        "Sperrmüll illegal abgestellt",
        "Hund ohne Leine auf dem Spielplatz",
    ],
    "Straßen und Verkehr": [
        "Schlagloch in der Hauptstraße",
        "Die Ampel an der Kreuzung ist defekt",
        "Die Straßenlaterne ist seit Tagen aus",
        "Gehweg beschädigt, Stolpergefahr",
    ],
    "Umwelt und Grünflächen": [
        "Baum im Park umgestürzt",
        "Rasen im Stadtpark mähen bitte",
        "Wilder Müll im Stadtwald",
        "Hecke am Spielplatz schneiden",
    ],
    "Allgemein": [
        "Wie sind Ihre Öffnungszeiten?",
        "Ich habe eine allgemeine Frage",
        "Lob für die freundlichen Mitarbeiter",
        "Wer ist für meine Frage zuständig?",
    ],
}


def rows(samples: dict[str, list[str]] | None = None) -> list[tuple[str, str]]:
    return [(text, unit) for unit, texts in (samples or SAMPLES).items() for text in texts]


def write_csv(path: Path, pairs: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "text", "org_unit"])
        for number, (text, unit) in enumerate(pairs, 1):
            writer.writerow([f"T-{number}", text, unit])
    return path
