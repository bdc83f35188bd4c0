"""Coinbases found on chain, put where the nodes read them: the validators of a keyfile (SPEC §3, §12).

A coinbase is known from the coinbase mapping (`scrape-coinbases`) or the scraper config. A keyfile
validator without one (absent or zero) gets the known one; a different non-zero one is a conflict the
operator must settle, never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from butler.domain.address import Address
from butler.domain.errors import CheckFailed
from butler.domain.keyfiles import DeployedValidator, ProductionKeyfile


@attrs.frozen
class KnownCoinbase:
    coinbase: Address
    source: str
    """Where it is recorded, as messages name it: "the coinbase mapping /path/devnet-coinbases.json"."""


def known_coinbases(
    sources: Iterable[tuple[str, Mapping[Address, Address | None]]],
) -> dict[Address, KnownCoinbase]:
    """Every non-zero coinbase the `sources` (name, attester -> coinbase or None) record, the first source's
    name kept for each. Raises CheckFailed listing every attester two sources give different coinbases."""
    known: dict[Address, KnownCoinbase] = {}
    problems = []
    for source, coinbases in sources:
        for attester, coinbase in coinbases.items():
            if coinbase is None or coinbase.is_zero:
                continue
            first = known.setdefault(attester, KnownCoinbase(coinbase, source))
            if first.coinbase != coinbase:
                problems.append(
                    f"attester {attester}: {first.source} records coinbase {first.coinbase} but {source} "
                    f"records {coinbase}"
                )
    if problems:
        raise CheckFailed(*problems)
    return known


def lacks_coinbase(coinbase: Address | None) -> bool:
    return coinbase is None or coinbase.is_zero


def filled_coinbase(
    attester: Address, current: Address | None, known: Mapping[Address, KnownCoinbase], where: str
) -> tuple[Address | None, str | None]:
    """The coinbase a validator should have (its own, else the known one) and the conflict, if any, as a
    message starting with `where` (the validator's place in its file)."""
    found = known.get(attester)
    if found is None:
        return current, None
    if lacks_coinbase(current):
        return found.coinbase, None
    if current != found.coinbase:
        return current, (
            f"{where}: attester {attester} has coinbase {current} but {found.source} records "
            f"{found.coinbase}; settle which is right by hand"
        )
    return current, None


@attrs.frozen
class FilledKeyfile:
    keyfile: ProductionKeyfile
    filled: tuple[Address, ...]
    """Attesters whose coinbase was added."""
    lacking: tuple[Address, ...]
    """Attesters still without a coinbase: none is known for them yet."""


def fill_keyfile(
    keyfile: ProductionKeyfile, known: Mapping[Address, KnownCoinbase], file: str
) -> FilledKeyfile:
    """`keyfile` with every known coinbase added; raises CheckFailed listing every conflict."""
    validators: list[DeployedValidator] = []
    filled: list[Address] = []
    problems: list[str] = []
    for index, validator in enumerate(keyfile.validators):
        attester = validator.attester.eth
        where = f"{file}: validators[{index}].coinbase"
        coinbase, problem = filled_coinbase(attester, validator.coinbase, known, where)
        if problem is not None:
            problems.append(problem)
        if coinbase != validator.coinbase:
            filled.append(attester)
        validators.append(attrs.evolve(validator, coinbase=coinbase))
    if problems:
        raise CheckFailed(*problems)
    lacking = tuple(v.attester.eth for v in validators if lacks_coinbase(v.coinbase))
    return FilledKeyfile(attrs.evolve(keyfile, validators=tuple(validators)), tuple(filled), lacking)
