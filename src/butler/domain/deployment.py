"""Phase 3 (SPEC §5, §6): merge the deployed and the new validators, check them, assign publishers.

Everything here is pure: `plan_deployment` either returns every keyfile to write or raises CheckFailed
listing every problem it found, so a failed check can never leave half a deployment behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from butler.domain.address import Address
from butler.domain.coinbase_fill import KnownCoinbase, filled_coinbase
from butler.domain.errors import CheckFailed, Problem
from butler.domain.keyfiles import (
    DeployedValidator,
    FeeRecipient,
    ProductionKeyfile,
    PublicAttester,
    PublicKeysFile,
)
from butler.domain.publisher_sets import PublisherSet, PublisherSets, publisher_groups, publisher_set_problems
from butler.domain.scraper_config import ScrapedAttester
from butler.domain.wei import Wei


@attrs.frozen
class Origin:
    """Where a validator came from, for messages: the file (as the operator named it) and its index."""

    file: str
    index: int

    def at(self, field: str) -> str:
        return f"{self.file}: validators[{self.index}].{field}"

    def seen_from(self, other: Origin) -> str:
        """This place as a message about `other` names it: the file only when it is another one."""
        where = f"validators[{self.index}]"
        return where if self.file == other.file else f"{where} of {self.file}"


@attrs.frozen
class MergedValidator:
    """A validator to deploy, before it has a publisher. New validators have no coinbase yet."""

    attester: PublicAttester
    coinbase: Address | None
    fee_recipient: FeeRecipient
    origin: Origin = attrs.field(eq=False)
    other_fields: Mapping[str, object] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class DeploymentInputs:
    """The three input files with the names messages should use for them."""

    production: ProductionKeyfile
    production_file: str
    new: PublicKeysFile
    new_file: str
    publishers: PublisherSets
    publishers_file: str


def merged_validators(inputs: DeploymentInputs) -> tuple[MergedValidator, ...]:
    """Production validators in file order, then the new ones in file order (SPEC §5)."""
    deployed = (
        MergedValidator(
            v.attester, v.coinbase, v.fee_recipient, Origin(inputs.production_file, i), v.other_fields
        )
        for i, v in enumerate(inputs.production.validators)
    )
    new = (
        MergedValidator(v.attester, None, v.fee_recipient, Origin(inputs.new_file, i))
        for i, v in enumerate(inputs.new.validators)
    )
    return (*deployed, *new)


def validator_problems(validators: Sequence[MergedValidator]) -> list[str]:
    """Repeated attesters (by address, and by BLS key) within or across the files, and zero coinbases."""
    problems: list[str] = []
    by_address: dict[Address, Origin] = {}
    by_bls: dict[bytes, Origin] = {}
    for v in validators:
        here = v.origin
        first = by_address.setdefault(v.attester.eth, here)
        if first is not here:
            problems.append(
                f"{here.at('attester.eth')}: attester {v.attester.eth} is repeated "
                f"(also {first.seen_from(here)})"
            )
        first = by_bls.setdefault(v.attester.bls.compressed, here)
        if first is not here:
            problems.append(
                f"{here.at('attester.bls')}: BLS key {v.attester.bls} of attester {v.attester.eth} is "
                f"repeated (also {first.seen_from(here)})"
            )
        if v.coinbase is not None and v.coinbase.is_zero:
            problems.append(
                f"{here.at('coinbase')}: attester {v.attester.eth} has the zero address as coinbase; "
                "leave the field out until the real coinbase is known"
            )
    return problems


def assign_round_robin(
    validators: Sequence[MergedValidator], publishers: Sequence[Address]
) -> tuple[DeployedValidator, ...]:
    """Validator i gets publishers[i mod m]; deployed validators are reassigned too (SPEC §5)."""
    if not publishers:
        raise ValueError("round-robin needs at least one publisher")
    return tuple(
        DeployedValidator(
            attester=v.attester,
            publisher=publishers[i % len(publishers)],
            coinbase=v.coinbase,
            fee_recipient=v.fee_recipient,
            other_fields=v.other_fields,
        )
        for i, v in enumerate(validators)
    )


def loads_per_publisher(
    validators: Sequence[DeployedValidator], publishers: Sequence[Address]
) -> dict[Address, int]:
    """Validators assigned to each publisher, in the publishers' order; unused ones count 0."""
    loads = dict.fromkeys(publishers, 0)
    for v in validators:
        loads[v.publisher] = loads.get(v.publisher, 0) + 1
    return loads


@attrs.frozen
class PlannedKeyfile:
    """One keyfile to write: every validator, round-robin over `group` only."""

    group: PublisherSet
    keyfile: ProductionKeyfile

    def loads(self) -> dict[Address, int]:
        return loads_per_publisher(self.keyfile.validators, self.group.publishers)


@attrs.frozen
class DeploymentPlan:
    validators: tuple[MergedValidator, ...]
    existing: int
    files: tuple[PlannedKeyfile, ...]
    filled: tuple[Address, ...] = ()
    """Attesters whose coinbase came from what is known on chain rather than from their keyfile."""

    @property
    def new(self) -> int:
        return len(self.validators) - self.existing

    @property
    def set_names(self) -> tuple[str | None, ...]:
        return tuple(f.group.name for f in self.files)

    def publishers(self) -> tuple[Address, ...]:
        """Every publisher of every keyfile, in file order."""
        return tuple(p for f in self.files for p in f.group.publishers)

    def loads(self) -> dict[Address, int]:
        """Attesters per publisher over all keyfiles (the sets are disjoint, so each counts once)."""
        loads: dict[Address, int] = {}
        for f in self.files:
            for publisher, load in f.loads().items():
                loads[publisher] = loads.get(publisher, 0) + load
        return loads

    def scraped_attesters(self) -> tuple[ScrapedAttester, ...]:
        """Every attester with its known coinbase and its publisher in each keyfile, for the scraper."""
        return tuple(
            ScrapedAttester(
                address=v.attester.eth,
                coinbase=v.coinbase,
                publishers=tuple(f.keyfile.validators[i].publisher for f in self.files),
            )
            for i, v in enumerate(self.validators)
        )


def with_known_coinbases(
    validators: Sequence[MergedValidator], known: Mapping[Address, KnownCoinbase]
) -> tuple[tuple[MergedValidator, ...], tuple[Address, ...], list[str]]:
    """The validators with every `known` coinbase filled in where theirs is absent or zero, the attesters
    filled, and one problem per validator whose own non-zero coinbase differs from the known one."""
    merged: list[MergedValidator] = []
    filled: list[Address] = []
    problems: list[str] = []
    for v in validators:
        where = v.origin.at("coinbase")
        coinbase, problem = filled_coinbase(v.attester.eth, v.coinbase, known, where)
        if problem is not None:
            problems.append(problem)
        if coinbase != v.coinbase:
            filled.append(v.attester.eth)
        merged.append(attrs.evolve(v, coinbase=coinbase))
    return tuple(merged), tuple(filled), problems


def plan_deployment(
    inputs: DeploymentInputs,
    *,
    ha_count: int | None = None,
    known_coinbases: Mapping[Address, KnownCoinbase] | None = None,
) -> DeploymentPlan:
    """Every check of SPEC §6 that needs no chain, then the keyfiles (one per publisher set), each
    validator with its coinbase filled in from `known_coinbases` when its keyfile lacks one.

    Raises CheckFailed listing every problem found; returns only a complete plan.
    """
    validators, filled, found = with_known_coinbases(merged_validators(inputs), known_coinbases or {})
    problems: list[str | Problem] = [*found]
    problems += validator_problems(validators)
    if not validators:
        problems.append(f"{inputs.production_file}, {inputs.new_file}: no validators to deploy")
    set_problems = publisher_set_problems(inputs.publishers)
    problems += [f"{inputs.publishers_file}: {p}" for p in set_problems]
    groups: tuple[PublisherSet, ...] = ()
    if not set_problems:
        groups, group_problems = publisher_groups(inputs.publishers, ha_count, inputs.publishers_file)
        problems += group_problems
    if problems:
        raise CheckFailed(*problems)
    production = inputs.production
    files = tuple(
        PlannedKeyfile(
            group=group,
            keyfile=ProductionKeyfile(
                schema_version=production.schema_version,
                remote_signer=production.remote_signer,
                validators=assign_round_robin(validators, group.publishers),
                other_fields=production.other_fields,
            ),
        )
        for group in groups
    )
    return DeploymentPlan(
        validators=validators, existing=len(production.validators), files=files, filled=filled
    )


@attrs.frozen
class LowBalance:
    """A funded publisher holding less than MIN_ETH_PER_ATTESTER for each attester assigned to it."""

    publisher: Address
    balance: Wei
    required: Wei
    attesters: int


def funding_problems(
    plan: DeploymentPlan, balances: Mapping[Address, Wei], min_wei_per_attester: Wei
) -> tuple[list[str], list[LowBalance]]:
    """Errors (a publisher with no ETH at all) and warnings (less than it needs), in publisher order."""
    errors: list[str] = []
    warnings: list[LowBalance] = []
    for planned in plan.files:
        where = "" if planned.group.name is None else f" (set {planned.group.name})"
        for publisher, load in planned.loads().items():
            balance = balances[publisher]
            required = Wei(load * min_wei_per_attester)
            if balance == 0:
                errors.append(
                    f"publisher {publisher}{where}: balance is 0 ETH and {load} attester(s) would use it; "
                    "fund it before deploying"
                )
            elif balance < required:
                warnings.append(LowBalance(publisher, balance, required, load))
    return errors, warnings
