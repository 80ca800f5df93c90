"""Resource quantities: parsing, canonical spelling and comparison like resource.Quantity."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from observe.api.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    FORMAT_ERROR,
    SUFFIX_ERROR,
    QuantityError,
    canonical,
    canonical_resource_value,
    parse_quantity,
    quantity_errors,
)


@pytest.mark.parametrize(("text", "amount", "fmt"), [
    ("100m", "0.1", DECIMAL_SI),
    ("2", "2", DECIMAL_SI),
    ("1Gi", str(2**30), BINARY_SI),
    ("500Mi", str(500 * 2**20), BINARY_SI),
    ("1e3", "1000", DECIMAL_EXPONENT),
    ("1E", "1e18", DECIMAL_SI),
    ("1.5k", "1500", DECIMAL_SI),
    ("-2Ki", "-2048", BINARY_SI),
    (".5", "0.5", DECIMAL_SI),
    ("1.", "1", DECIMAL_SI),
    ("+3", "3", DECIMAL_SI),
    (2, "2", DECIMAL_SI),
    (0.25, "0.25", DECIMAL_SI),
])
def test_parses_exact_amount_and_format(text, amount, fmt):
    quantity = parse_quantity(text)
    assert quantity.amount == Decimal(amount), f"{text!r} parsed to {quantity.amount}"
    assert quantity.format == fmt


@pytest.mark.parametrize(("text", "expected"), [
    ("0.5", "500m"),
    ("1024Mi", "1Gi"),
    ("1536Mi", "1536Mi"),
    ("1.5Gi", "1536Mi"),
    ("0.1Ki", "102400m"),  # below 1Ki a binary quantity prints in decimal, exactly
    ("2000", "2k"),
    ("1500", "1500"),
    ("1e3", "1e3"),
    ("1000e0", "1e3"),
    ("0", "0"),
    ("0Gi", "0"),
    ("100m", "100m"),
    ("0.0000000001", "1n"),  # anything non-zero rounds up to the smallest amount
    ("12345678901234567890", "9223372036854775807"),  # capped at int64
])
def test_canonical_spelling(text, expected):
    assert canonical(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("0.0001", "1m"),  # ResourceLists keep milli precision, rounding up
    ("1.0005", "1001m"),
    ("250m", "250m"),
    ("1Gi", "1Gi"),
])
def test_resource_values_round_up_to_milli(text, expected):
    assert canonical_resource_value(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("abc", FORMAT_ERROR),
    ("", FORMAT_ERROR),
    (".", FORMAT_ERROR),
    ("1.2.3", FORMAT_ERROR),
    ("5Zi", FORMAT_ERROR),
    ("5Mx", FORMAT_ERROR),
    ("5Mi3", SUFFIX_ERROR),
    ("5e", SUFFIX_ERROR),
    ("5KB", FORMAT_ERROR),
    ("5mi", SUFFIX_ERROR),
    (True, FORMAT_ERROR),
    ([1], FORMAT_ERROR),
])
def test_rejects_malformed_input(text, message):
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text)
    assert str(caught.value) == message
    assert quantity_errors(text) == [message]


def test_valid_input_has_no_errors():
    assert quantity_errors("128Mi") == []


@pytest.mark.parametrize(("text", "value", "milli"), [
    ("100m", 1, 100),
    ("1.5", 2, 1500),
    ("1Ki", 1024, 1024000),
    ("-100m", -1, -100),
])
def test_value_and_milli_value_round_away_from_zero(text, value, milli):
    quantity = parse_quantity(text)
    assert (quantity.value(), quantity.milli_value()) == (value, milli)


def test_equality_and_order_compare_amounts_across_formats():
    assert parse_quantity("1Gi") == parse_quantity("1024Mi")
    assert parse_quantity("1000m") == parse_quantity("1")
    assert parse_quantity("999Mi") < parse_quantity("1Gi") < parse_quantity("1.1G")
    assert str(parse_quantity("100m") + parse_quantity("400m")) == "500m"
    assert str(parse_quantity("1Gi") - parse_quantity("512Mi")) == "512Mi"


_SUFFIXES = ["", "m", "k", "M", "G", "Ki", "Mi", "Gi", "e3", "e-3", "n", "u"]


@given(st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False),
       st.sampled_from(_SUFFIXES))
def test_canonical_form_is_a_fixed_point_with_the_same_amount(number, suffix):
    text = f"{number}{suffix}"
    once = canonical(text)
    assert canonical(once) == once, f"{text} -> {once} -> {canonical(once)}"
    assert parse_quantity(once) == parse_quantity(text)
