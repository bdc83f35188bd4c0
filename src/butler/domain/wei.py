"""Amounts of ether: whole wei, read from and shown as exact decimal ETH.

Amounts are compared and summed as integers of wei; a float appears only where a metric is exported
(`eth_float`), never on the way to a transaction.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NewType

Wei = NewType("Wei", int)
"""A whole number of wei (10**-18 ETH)."""

ETH_DECIMALS = 18
WEI_PER_ETH = 10**ETH_DECIMALS
WEI_LIMIT = 2**256  # a uint256 holds every amount of wei the chain can carry

_ETH_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_MAX_DIGITS = 60  # more whole ETH than a uint256 holds in wei; also keeps int() far from its size limit


class EthAmountError(ValueError):
    """The text is not a plain non-negative amount of ETH. The message says why."""


def parse_eth(text: str) -> Wei:
    """Wei in a decimal ETH amount such as `0.25` or `3`: digits, an optional fraction of at most 18
    digits, nothing else (no sign, exponent, spaces or separators). Never goes through a float."""
    # The text is never echoed: whatever was typed here by mistake (a pasted key) stays off the screen.
    if text.startswith("-") and _ETH_TEXT.fullmatch(text[1:]):
        raise EthAmountError("must not be negative")
    if not _ETH_TEXT.fullmatch(text):
        raise EthAmountError("expected a decimal amount of ETH such as 0.05 (digits and one point only)")
    whole, _, fraction = text.partition(".")
    if len(fraction) > ETH_DECIMALS:
        raise EthAmountError(f"has more than {ETH_DECIMALS} decimals (less than one wei)")
    # Whole numbers of wei throughout: exact for any length, unlike a float or a Decimal context.
    wei = int(whole[-_MAX_DIGITS:]) * WEI_PER_ETH + int(fraction.ljust(ETH_DECIMALS, "0"))
    if len(whole.lstrip("0")) > _MAX_DIGITS or wei >= WEI_LIMIT:
        raise EthAmountError("is too large")
    return Wei(wei)


def wei_of(amount: Decimal) -> Wei:
    """Wei in an exact ETH amount already read as a Decimal (a config value); ValueError when it is
    not a whole number of wei."""
    wei = amount.scaleb(ETH_DECIMALS)
    if not wei.is_finite() or wei != wei.to_integral_value():
        raise ValueError(f"{amount} ETH is not a whole number of wei")
    return Wei(int(wei))


def format_eth(wei: int) -> str:
    """Wei as ETH, exactly, without trailing zeros: 1500000000000000000 -> '1.5'."""
    sign = "-" if wei < 0 else ""
    whole, fraction = divmod(abs(wei), WEI_PER_ETH)
    decimals = f"{fraction:0{ETH_DECIMALS}d}".rstrip("0")
    return f"{sign}{whole}.{decimals}" if decimals else f"{sign}{whole}"


def format_eth_rounded(wei: int, decimals: int) -> str:
    """Wei as ETH with at most `decimals` decimals: exact when that is enough, else rounded half-even
    and marked with `~` (for tables; transactions always carry exact wei)."""
    exact = format_eth(wei)
    if len(exact.partition(".")[2]) <= decimals:
        return exact
    rounded = Decimal(wei).scaleb(-ETH_DECIMALS).quantize(Decimal(1).scaleb(-decimals))
    return "~" + format_eth(int(rounded.scaleb(ETH_DECIMALS)))


def eth_float(wei: int) -> float:
    """Wei as a float of ETH, for metrics only (Prometheus samples are floats)."""
    return float(wei / WEI_PER_ETH)
