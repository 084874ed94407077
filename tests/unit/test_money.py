"""Amounts as people type them on a phone, and as they read them back."""

from __future__ import annotations

import pytest

from bot.services.money import MAX_CENTS, MoneyError, MoneyProblem, format_euros, parse_euros

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1500", 150_000),
        ("1 500", 150_000),
        ("1500€", 150_000),
        ("1500 €", 150_000),
        ("€1500", 150_000),
        ("1 500,50 €", 150_050),
        ("1.500,50", 150_050),
        ("1,500.50", 150_050),
        ("1500.5", 150_050),
        ("1500,50", 150_050),
        ("15 €", 1_500),
        ("15 euros", 1_500),
        ("15 Euros", 1_500),
        ("15 EUR", 1_500),
        ("0", 0),
        ("0 €", 0),
        ("0,00", 0),
        # A comma or a dot with one or two digits after it marks the cents.
        ("1,5", 150),
        ("1.5", 150),
        ("1,05", 105),
        ("0,50", 50),
        (",5", 50),
        # One separator with three digits after 1 to 3 digits groups the thousands.
        ("1.500", 150_000),
        ("1,500", 150_000),
        ("12,345", 1_234_500),
        ("999.999", 99_999_900),
        # ... and a separator used twice always does.
        ("1.500.00", None),
        ("100.000", 10_000_000),
        # Whatever space a keyboard or a copy-paste puts between the digits.
        (f"1{NBSP}500", 150_000),
        ("1\u202f500\u00a0€", 150_000),
        ("1\u2009500", 150_000),
        ("1'500", 150_000),
        ("  250  ", 25_000),
        ("+250", 25_000),
        ("1500,-", 150_000),
        ("1500.", 150_000),
        ("12.50 €", 1_250),
        ("3,000", 300_000),
        # Zeros after the cents change nothing; a leading zero is not a thousand.
        ("1,500000", 150),
        ("0,500", 50),
        ("1 000 000", MAX_CENTS),
        ("-0", 0),
    ],
)
def test_amounts_people_type_are_read_in_cents(text: str, cents: int | None) -> None:
    if cents is None:
        with pytest.raises(MoneyError) as caught:
            parse_euros(text)
        assert caught.value.reason is MoneyProblem.NOT_A_NUMBER
    else:
        assert parse_euros(text) == cents


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", MoneyProblem.EMPTY),
        ("   ", MoneyProblem.EMPTY),
        ("€", MoneyProblem.EMPTY),
        ("euros", MoneyProblem.EMPTY),
        ("abc", MoneyProblem.NOT_A_NUMBER),
        ("beaucoup", MoneyProblem.NOT_A_NUMBER),
        ("environ 100", MoneyProblem.NOT_A_NUMBER),
        ("1 5", MoneyProblem.NOT_A_NUMBER),
        ("12 34 56", MoneyProblem.NOT_A_NUMBER),
        ("12.3456", MoneyProblem.NOT_A_NUMBER),
        ("1,2,3", MoneyProblem.NOT_A_NUMBER),
        ("1.50.0", MoneyProblem.NOT_A_NUMBER),
        ("1.500,5,0", MoneyProblem.NOT_A_NUMBER),
        ("٣", MoneyProblem.NOT_A_NUMBER),  # digits of another script
        (".", MoneyProblem.NOT_A_NUMBER),
        ("-", MoneyProblem.NOT_A_NUMBER),
        ("1e6", MoneyProblem.NOT_A_NUMBER),
        ("-3", MoneyProblem.NEGATIVE),
        ("- 3 €", MoneyProblem.NEGATIVE),
        ("−3", MoneyProblem.NEGATIVE),  # the minus sign of a French keyboard
        ("-1,50", MoneyProblem.NEGATIVE),
        ("1000001", MoneyProblem.TOO_BIG),
        ("1 000 000,01", MoneyProblem.TOO_BIG),
        ("1.500.000", MoneyProblem.TOO_BIG),
        ("99999999999999999999", MoneyProblem.TOO_BIG),
    ],
)
def test_what_is_not_an_amount_says_why(text: str, problem: MoneyProblem) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_euros(text)
    assert caught.value.reason is problem


@pytest.mark.parametrize(
    ("cents", "fr", "en"),
    [
        (150_000, f"1{NBSP}500{NBSP}€", "€1,500"),
        (150_050, f"1{NBSP}500,50{NBSP}€", "€1,500.50"),
        (1_500, f"15{NBSP}€", "€15"),
        (150, f"1,50{NBSP}€", "€1.50"),
        (5, f"0,05{NBSP}€", "€0.05"),
        (0, f"0{NBSP}€", "€0"),
        (MAX_CENTS, f"1{NBSP}000{NBSP}000{NBSP}€", "€1,000,000"),
        (-35_000, f"-350{NBSP}€", "-€350"),
    ],
)
def test_amounts_are_written_the_way_each_language_reads_them(
    cents: int, fr: str, en: str
) -> None:
    assert format_euros(cents, "fr") == fr
    assert format_euros(cents, "en") == en


@pytest.mark.parametrize("cents", [0, 5, 150, 1_500, 150_050, 1_234_500, MAX_CENTS])
def test_an_amount_written_reads_back_the_same(cents: int) -> None:
    assert parse_euros(format_euros(cents, "fr")) == cents
    assert parse_euros(format_euros(cents, "en")) == cents
