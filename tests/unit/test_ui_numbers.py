"""Numbers typed into a form, read as people in Germany write them."""

from decimal import Decimal

import pytest

from egov.ui.numbers import parse_number


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("4.800", Decimal("4800")),  # a point groups thousands
        ("1.234.567", Decimal("1234567")),
        ("1.234,56", Decimal("1234.56")),
        ("1250,50", Decimal("1250.50")),
        ("0,5", Decimal("0.5")),
        ("3600.5", Decimal("3600.5")),  # as code writes it: one point, not three digits
        ("1.5", Decimal("1.5")),
        (" 1 200 ", Decimal("1200")),
        ("-2.000", Decimal("-2000")),
    ],
)
def test_a_number_is_read_as_it_is_meant(typed: str, meant: Decimal) -> None:
    assert parse_number(typed) == meant


@pytest.mark.parametrize("typed", ["", "zwölf", "1,2,3", "NaN", "Infinity", "-"])
def test_what_is_no_number_is_none(typed: str) -> None:
    assert parse_number(typed) is None
