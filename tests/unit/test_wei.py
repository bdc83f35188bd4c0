"""ETH amounts: text read exactly into wei, wei shown exactly (or rounded and marked) as ETH."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain.wei import (
    WEI_PER_ETH,
    EthAmountError,
    eth_float,
    format_eth,
    format_eth_rounded,
    parse_eth,
    wei_of,
)
from tests.strategies import wei_amounts

ETH = WEI_PER_ETH

# --- reading ETH text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wei"),
    [
        ("0", 0),
        ("1", ETH),
        ("0.01", ETH // 100),
        ("007.50", 7 * ETH + ETH // 2),
        ("0.000000000000000001", 1),
        (
            "123456789012345678901234567890.123456789012345678",
            123456789012345678901234567890123456789012345678,
        ),
    ],
)
def test_eth_text_is_read_exactly(text, wei):
    assert parse_eth(text) == wei


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-1", "must not be negative"),
        ("-0.5", "must not be negative"),
        ("0.0000000000000000001", "more than 18 decimals"),
        ("1" * 61, "too large"),
        ("", "expected a decimal amount"),
        ("1e3", "expected a decimal amount"),
        ("+1", "expected a decimal amount"),
        (" 1", "expected a decimal amount"),
        ("1.", "expected a decimal amount"),
        (".5", "expected a decimal amount"),
        ("1,5", "expected a decimal amount"),
        ("0x10", "expected a decimal amount"),
        ("nan", "expected a decimal amount"),
        ("\u0661", "expected a decimal amount"),  # an Arabic-Indic digit: Python's int() would take it
    ],
)
def test_anything_but_a_plain_decimal_amount_is_refused(text, reason):
    with pytest.raises(EthAmountError, match=reason):
        parse_eth(text)


def test_a_refused_amount_is_not_echoed():
    key_like = "0x" + "ab" * 32
    with pytest.raises(EthAmountError) as refused:
        parse_eth(key_like)
    assert "ab" * 4 not in str(refused.value)


@given(st.integers(min_value=0, max_value=10**40))
def test_any_wei_amount_written_in_eth_reads_back(wei):
    whole, fraction = divmod(wei, ETH)
    assert parse_eth(f"{whole}.{fraction:018d}") == wei
    assert parse_eth(f"{whole}.{fraction:018d}".rstrip("0").rstrip(".")) == wei


@pytest.mark.parametrize(
    ("wei", "eth"),
    [(0, "0"), (1, "0.000000000000000001"), (10**18, "1"), (123 * 10**16, "1.23"), (10**30, "1000000000000")],
)
def test_eth_amounts_are_exact(wei: int, eth: str) -> None:
    assert format_eth(wei) == eth


@given(wei_amounts)
def test_every_amount_shown_reads_back_as_the_same_wei(wei):
    assert parse_eth(format_eth(wei)) == wei


@given(wei_amounts)
def test_shown_amounts_have_no_trailing_zeros_or_exponent(wei):
    text = format_eth(wei)
    assert "e" not in text.lower()
    assert not ("." in text and text.endswith(("0", ".")))


# --- config decimals, tables and metrics --------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "wei"),
    [(Decimal("0.1"), ETH // 10), (Decimal("0"), 0), (Decimal("1E-18"), 1), (Decimal("32"), 32 * ETH)],
)
def test_a_config_decimal_is_whole_wei(amount, wei):
    assert wei_of(amount) == wei


@pytest.mark.parametrize("amount", [Decimal("1E-19"), Decimal("NaN"), Decimal("Infinity")])
def test_a_config_decimal_that_is_not_whole_wei_is_refused(amount):
    with pytest.raises(ValueError, match="not a whole number of wei"):
        wei_of(amount)


@pytest.mark.parametrize(
    ("wei", "shown"),
    [
        (ETH, "1"),
        (ETH // 100, "0.01"),
        (123_456 * 10**12, "0.123456"),
        (123_456_789 * 10**9, "~0.123457"),
        (1, "~0"),
        (ETH + ETH // 3, "~1.333333"),
    ],
)
def test_a_table_shows_at_most_six_decimals_and_marks_rounded_amounts(wei, shown):
    assert format_eth_rounded(wei, 6) == shown


def test_metrics_see_eth_as_a_float():
    assert eth_float(3 * ETH // 2) == 1.5
