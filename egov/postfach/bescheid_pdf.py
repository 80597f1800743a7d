"""A Bescheid as PDF/A-2b, with fpdf2 (ADR 0043): the city's letterhead, then the letter.

fpdf2 writes what PDF/A-2b asks for when told to (`enforce_compliance`): the XMP metadata
with `pdfaid:part` 2 and `pdfaid:conformance` B, the OutputIntent with its sRGB ICC profile
(shipped with fpdf2), no encryption; it refuses the standard fonts, so the font is a
TrueType file embedded as a subset (EGOV_LETTER_FONT, by default DejaVu Sans shipped in
`egov/postfach/fonts/`), which covers German text and typographic quotes. The plain text the
PDF shows is kept beside it (the Postfach message and a `.txt` document).
"""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF

COMPLIANCE = "PDF/A-2B"
FAMILY = "letter"


def as_pdf(
    body: str, *, title: str, letterhead: tuple[str, ...], font_path: str, now: datetime
) -> bytes:
    """The letter's text under the letterhead, reproducible for the same input."""
    pdf = FPDF(format="A4", enforce_compliance=COMPLIANCE)
    pdf.set_creation_date(now)
    pdf.set_title(title)
    pdf.set_lang("de-DE")
    pdf.add_font(FAMILY, "", font_path)
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    _letterhead(pdf, letterhead)
    pdf.set_font(FAMILY, "", 11)
    pdf.multi_cell(0, 5.5, body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _letterhead(pdf: FPDF, lines: tuple[str, ...]) -> None:
    if not lines:
        return
    pdf.set_font(FAMILY, "", 14)
    pdf.cell(0, 7, lines[0], align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    for line in lines[1:]:
        pdf.cell(0, 4.5, line, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(8)
