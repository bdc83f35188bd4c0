"""Publisher funding (SPEC §10): how much ETH each publisher needs for the attesters it publishes for,
and the Safe transfers that top the short ones up to exactly that target."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence

import attrs

from butler.domain.address import Address
from butler.domain.config import WEI_PER_ETH
from butler.domain.errors import CheckFailed
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.safe import MULTISEND_CALL_ONLY, UINT256_LIMIT, SafeCall, batched

ETH_DECIMALS = 18

DEFAULT_THRESHOLD_WEI = WEI_PER_ETH // 100
"""0.01 ETH: smaller top-ups are skipped. A tenth of the default per-attester minimum (0.1 ETH), so a
publisher is topped up once it has spent a noticeable part of one attester's share, and dust transfers
that cost the Safe's owners a signature each time are avoided."""

_ETH_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_MAX_DIGITS = 60  # more whole ETH than a uint256 holds in wei; also keeps int() far from its size limit


class EthAmountError(ValueError):
    """The text is not a plain non-negative amount of ETH. The message says why."""


def parse_eth(text: str) -> int:
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
    if len(whole.lstrip("0")) > _MAX_DIGITS or wei >= UINT256_LIMIT:
        raise EthAmountError("is too large")
    return wei


class Skipped(enum.Enum):
    """Why a publisher gets no top-up."""

    AT_TARGET = "at or above target"
    BELOW_THRESHOLD = "top-up below threshold"


@attrs.frozen
class PublisherFunding:
    """One publisher's funding: `target` = attesters * wei per attester; `top_up` is what it is sent
    (0 when `skipped`)."""

    publisher: Address
    attesters: int
    balance: int
    target: int
    top_up: int
    skipped: Skipped | None


@attrs.frozen
class FundingPlan:
    """Every publisher, in the order given, with its top-up or the reason it has none."""

    publishers: tuple[PublisherFunding, ...]
    wei_per_attester: int
    threshold: int

    @property
    def funded(self) -> tuple[PublisherFunding, ...]:
        return tuple(p for p in self.publishers if p.skipped is None)

    @property
    def total(self) -> int:
        return sum(p.top_up for p in self.publishers)

    @property
    def transfers(self) -> tuple[SafeCall, ...]:
        """One plain ETH transfer per funded publisher."""
        return tuple(SafeCall(p.publisher, p.top_up, b"") for p in self.funded)

    def transaction(self, multisend: Address = MULTISEND_CALL_ONLY) -> SafeCall | None:
        """The single Safe transaction doing every transfer (None when nothing needs funding): the
        transfer itself for one publisher, else a MultiSendCallOnly batch."""
        transfers = self.transfers
        return batched(transfers, multisend) if transfers else None


def required_top_up(attesters: int, balance: int, wei_per_attester: int) -> int:
    """What a publisher lacks to hold `wei_per_attester` for each of its attesters (0 when it has enough)."""
    return max(0, attesters * wei_per_attester - balance)


def plan_funding(
    loads: Mapping[Address, int],
    balances: Mapping[Address, int],
    *,
    wei_per_attester: int,
    threshold: int = DEFAULT_THRESHOLD_WEI,
) -> FundingPlan:
    """Top each publisher of `loads` (publisher -> attesters assigned) up to attesters * wei per
    attester. A top-up smaller than `threshold` is skipped; one equal to it is made."""
    if wei_per_attester < 0 or threshold < 0:
        raise ValueError("wei per attester and threshold must not be negative")
    missing = [p for p in loads if p not in balances]
    if missing:
        raise ValueError(f"no balance for publisher(s) {', '.join(map(str, missing))}")
    planned = []
    for publisher, attesters in loads.items():
        if attesters < 0:
            raise ValueError(f"publisher {publisher} has a negative attester count")
        balance = balances[publisher]
        required = required_top_up(attesters, balance, wei_per_attester)
        skipped = None
        if required == 0:
            skipped = Skipped.AT_TARGET
        elif required < threshold:
            skipped = Skipped.BELOW_THRESHOLD
        planned.append(
            PublisherFunding(
                publisher=publisher,
                attesters=attesters,
                balance=balance,
                target=attesters * wei_per_attester,
                top_up=required if skipped is None else 0,
                skipped=skipped,
            )
        )
    return FundingPlan(tuple(planned), wei_per_attester, threshold)


def keyfile_loads(keyfiles: Sequence[tuple[str, ProductionKeyfile]]) -> dict[Address, int]:
    """Validators per publisher over the keyfiles of one deployment (`(name, keyfile)` pairs), in order
    of first appearance.

    In a high-availability set every file holds every attester with a publisher of its own, so each
    (attester, publisher) pair is one signing duty; a pair seen twice (the same file given twice, or an
    attester repeated) would double a target and is refused, as is a zero publisher, which nobody can
    spend from.
    """
    loads: dict[Address, int] = {}
    seen: dict[tuple[Address, Address], str] = {}
    problems = []
    for name, keyfile in keyfiles:
        for index, validator in enumerate(keyfile.validators):
            where = f"{name}: validators[{index}]"
            attester, publisher = validator.attester.eth, validator.publisher
            if publisher.is_zero:
                problems.append(f"{where}.publisher: the zero address cannot publish")
                continue
            first = seen.setdefault((attester, publisher), where)
            if first != where:
                problems.append(
                    f"{where}: attester {attester} with publisher {publisher} is already in {first}; "
                    "it would be counted twice"
                )
                continue
            loads[publisher] = loads.get(publisher, 0) + 1
    if problems:
        raise CheckFailed(*problems)
    return loads
