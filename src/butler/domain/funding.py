"""Publisher funding (SPEC §10): how much ETH each publisher needs for the attesters it publishes for,
and the Safe transfers that top the short ones up to exactly that target."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

import attrs

from butler.domain.address import Address
from butler.domain.errors import CheckFailed
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.safe import MULTISEND_CALL_ONLY, SafeCall, batched
from butler.domain.wei import Wei, parse_eth

DEFAULT_THRESHOLD_WEI = parse_eth("0.01")
"""0.01 ETH: smaller top-ups are skipped. A tenth of the default per-attester minimum (0.1 ETH), so a
publisher is topped up once it has spent a noticeable part of one attester's share, and dust transfers
that cost the Safe's owners a signature each time are avoided."""


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
    balance: Wei
    target: Wei
    top_up: Wei
    skipped: Skipped | None


@attrs.frozen
class FundingPlan:
    """Every publisher, in the order given, with its top-up or the reason it has none."""

    publishers: tuple[PublisherFunding, ...]
    wei_per_attester: Wei
    threshold: Wei

    @property
    def funded(self) -> tuple[PublisherFunding, ...]:
        return tuple(p for p in self.publishers if p.skipped is None)

    @property
    def total(self) -> Wei:
        return Wei(sum(p.top_up for p in self.publishers))

    @property
    def transfers(self) -> tuple[SafeCall, ...]:
        """One plain ETH transfer per funded publisher."""
        return tuple(SafeCall(p.publisher, p.top_up, b"") for p in self.funded)

    def transaction(self, multisend: Address = MULTISEND_CALL_ONLY) -> SafeCall | None:
        """The single Safe transaction doing every transfer (None when nothing needs funding): the
        transfer itself for one publisher, else a MultiSendCallOnly batch."""
        transfers = self.transfers
        return batched(transfers, multisend) if transfers else None


def required_top_up(attesters: int, balance: Wei, wei_per_attester: Wei) -> Wei:
    """What a publisher lacks to hold `wei_per_attester` for each of its attesters (0 when it has enough)."""
    return Wei(max(0, attesters * wei_per_attester - balance))


def plan_funding(
    loads: Mapping[Address, int],
    balances: Mapping[Address, Wei],
    *,
    wei_per_attester: Wei,
    threshold: Wei = DEFAULT_THRESHOLD_WEI,
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
                target=Wei(attesters * wei_per_attester),
                top_up=required if skipped is None else Wei(0),
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
