"""The weighing report (Abwägungstabelle) as PDF, with fpdf2: one block per statement.

The PDF uses the standard font Helvetica (no font file to ship), which covers Latin-1: German
text as such; a character beyond it (a typographic quote, an emoji) is written as "?". The CSV
and JSON documents carry the exact text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fpdf import FPDF

TITLES = (
    ("stellungnahme", "Stellungnahme"),
    ("ergebnis", "Ergebnis"),
    ("begruendung", "Begründung"),
)


def latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def as_pdf(reference: str, title: str, rows: list[dict[str, Any]], now: datetime) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(now)  # reproducible: the same report gives the same bytes
    pdf.set_title(latin1(f"Abwägungstabelle {reference}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 7, latin1(f"Abwägungstabelle: {title}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(
        0, 6, latin1(f"{reference}, erstellt am {now:%d.%m.%Y}"), new_x="LMARGIN", new_y="NEXT"
    )
    for row in rows:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        head = f"Nr. {row['nummer']} ({row['variante']})"
        if row.get("thema"):
            head += f", Thema: {row['thema']}"
        if row.get("verfasser"):
            head += f", {row['verfasser']}"
        pdf.multi_cell(0, 5, latin1(head), new_x="LMARGIN", new_y="NEXT")
        for key, label in TITLES:
            pdf.set_font("Helvetica", "", 10)
            text = f"{label}: {row.get(key) or '-'}"
            pdf.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
