"""Numbers typed into a page's form, as people in Germany write them: "1.234,56", "1.200"
(a point groups thousands), "0,5" (a comma before the decimals), or as code writes them
("3600.5"). Both frontends read their number fields with `parse_number`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

GROUPED = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d*)?")  # "4.800", "1.234,56"


def parse_number(text: str) -> Decimal | None:
    """The number `text` means, or None when it is none (also "NaN", "Infinity")."""
    plain = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in plain or GROUPED.fullmatch(plain):
        plain = plain.replace(".", "").replace(",", ".")
    try:
        number = Decimal(plain)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
