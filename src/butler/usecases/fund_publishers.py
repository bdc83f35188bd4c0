"""Publisher funding (SPEC §10): who publishes for how many attesters, what each publisher holds, and the
one Safe transaction that tops the short ones up."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.deployment import plan_deployment
from butler.domain.errors import Problem
from butler.domain.funding import FundingPlan, keyfile_loads, plan_funding
from butler.domain.safe import SafeCall
from butler.domain.scope import Scope, check_scope
from butler.domain.scraper_config import assumed_publisher_loads
from butler.domain.wei import Wei
from butler.ports.chain import Chain
from butler.ports.json_documents import ScraperConfigFiles
from butler.ports.key_files import KeyFiles
from butler.ports.multisig import Multisig, Proposal
from butler.usecases.steps.chain_answers import answered
from butler.usecases.steps.deployment_inputs import read_deployment_inputs

Warn = Callable[[str | Problem], None]


def loads_from_keyfiles(paths: Sequence[Path], files: KeyFiles) -> dict[Address, int]:
    """Validators per publisher over the production keyfiles about to be deployed (an HA set is
    several files, each with publishers of its own)."""
    return keyfile_loads([(str(path), files.read_production_keyfile(path)) for path in paths])


def loads_from_deployment_inputs(
    production: Path, new_public_keys: Path, publishers: Path, files: KeyFiles, *, ha_count: int | None
) -> dict[Address, int]:
    """Validators per publisher in the deployment prepare-deployment would write from the same inputs:
    the same plan, so the publishers can be funded before the keyfiles exist (its 0-ETH check passes)."""
    inputs = read_deployment_inputs(production, new_public_keys, publishers, files)
    return plan_deployment(inputs, ha_count=ha_count).loads()


def loads_from_scraper_config(
    path: Path, files: ScraperConfigFiles, *, network: str, chain_id: int, warn: Warn
) -> dict[Address, int]:
    """Attesters per publisher as the scraper config records them; every listed publisher appears.

    A config of another network is refused. When no attester names its publishers (a config built from
    web3signer keys) they are assumed split evenly over the publishers, with a warning saying so;
    attesters without publishers beside others with them are left uncounted, with a warning."""
    config = files.read(path)
    check_scope(path, "scraper config", config.scope, Scope(network, chain_id))
    assumed = assumed_publisher_loads(config)
    if assumed.even_split:
        warn(
            Problem(
                "{path}: no attester names its publishers: assuming the attesters split evenly over the "
                "{count} publishers (attesters / publishers, rounded up); pass the "
                "deployment's keyfiles with {keyfile} for the exact loads",
                path=path,
                count=len(config.publishers),
            )
        )
        return assumed.loads
    unassigned = sum(1 for attester in config.attesters if not attester.publishers)
    if unassigned:
        warn(
            f"{path}: {unassigned} of {len(config.attesters)} attesters name no publisher; "
            "they are not counted in any publisher's target"
        )
    return assumed.loads


@attrs.frozen
class Funding:
    """The plan, the single Safe transaction carrying it (None when nobody needs funds), and the
    Safe's own balance when the Safe is known."""

    plan: FundingPlan
    transaction: SafeCall | None
    safe: Address | None
    safe_balance: Wei | None

    @property
    def safe_short(self) -> bool:
        """The Safe holds less than the transaction sends: the owners can sign it, but it cannot be
        executed until the Safe is funded."""
        return (
            self.transaction is not None
            and self.safe_balance is not None
            and (self.safe_balance < self.plan.total)
        )


def plan_publisher_funding(
    loads: Mapping[Address, int],
    chain: Chain,
    *,
    wei_per_attester: Wei,
    threshold: Wei,
    safe: Address | None,
) -> Funding:
    """Every balance (the publishers' and the Safe's) in one batched read, then the plan."""
    accounts = list(loads)
    if safe is not None and safe not in loads:
        accounts.append(safe)
    balances = answered(accounts, chain.balances(accounts), "balance for {} accounts") if accounts else {}
    plan = plan_funding(loads, balances, wei_per_attester=wei_per_attester, threshold=threshold)
    safe_balance = balances[safe] if safe is not None else None
    return Funding(plan, plan.transaction(), safe, safe_balance)


def propose_funding(funding: Funding, multisig: Multisig) -> Proposal:
    """Proposes the funding transaction (an identical pending one is reported, not posted again)."""
    if funding.transaction is None:
        raise ValueError("nothing to propose: no publisher needs funding")
    (proposal,) = multisig.propose([funding.transaction])
    return proposal
