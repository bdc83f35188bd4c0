"""Phase 3: the keyfile(s) for the node servers, and the scraper config that watches them (SPEC §5-7).

Before anything else, a set of files an interrupted run left behind is completed or taken back. Every
check runs before the first write: the input files, duplicates and coinbases (a validator without one
gets the coinbase the coinbase mapping or the scraper config knows for it), the publishers, the output
names, the scraper config merge and the publishers' funding on chain. The writes are all or nothing
(`DeploymentWrites`): keyfiles are created, never replacing a file, together with the scraper config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import attrs

from butler.domain.address import Address
from butler.domain.coinbase_fill import KnownCoinbase
from butler.domain.coinbases import CoinbaseMapping
from butler.domain.config import NetworkConfig
from butler.domain.deployment import (
    DeploymentPlan,
    LowBalance,
    PlannedKeyfile,
    funding_problems,
    plan_deployment,
)
from butler.domain.errors import CheckFailed, Problem
from butler.domain.output_names import free_output_names, output_names
from butler.domain.scraper_config import ScraperConfig, merged_scraper_config
from butler.domain.wei import Wei
from butler.ports.chain import Chain
from butler.ports.clock import Clock
from butler.ports.deployment_writes import DeploymentWrites, KeyfileTaken
from butler.ports.json_documents import CoinbaseMappingFiles, ScraperConfigFiles
from butler.ports.key_files import KeyFiles
from butler.usecases.steps.chain_answers import answered
from butler.usecases.steps.deployment_inputs import read_deployment_inputs
from butler.usecases.steps.known_coinbases import check_mapping_provider, read_known_coinbases
from butler.usecases.steps.providers import resolve_provider

T = TypeVar("T")


@attrs.frozen
class OutputPlace:
    """Where the keyfiles go.

    Not `exact`: `base` is the production file's name and the first free `.new`, `.new2`, ... suffix is
    used. `exact`: the operator chose `base`; the keyfiles are named exactly that (with `A_`, `B_`, ...
    prefixes for publisher sets) and an existing file is an error rather than a reason to pick another name.
    """

    folder: Path
    base: str
    exact: bool = False


@attrs.frozen
class DeploymentRequest:
    production: Path
    new_public_keys: Path
    publishers: Path
    scraper_config: Path
    output: OutputPlace
    ha_count: int | None = None
    coinbase_mapping: Path | None = None
    """The coinbase mapping scrape-coinbases keeps; its coinbases fill the keyfiles' gaps when it exists."""


@attrs.frozen
class WrittenKeyfile:
    path: Path
    planned: PlannedKeyfile


@attrs.frozen
class DeploymentResult:
    plan: DeploymentPlan
    keyfiles: tuple[WrittenKeyfile, ...]
    balances: Mapping[Address, Wei]
    low_balances: tuple[LowBalance, ...]
    scraper_config_path: Path
    scraper_config: ScraperConfig
    scraper_attesters_added: int
    dry_run: bool = False
    """Nothing was written: `keyfiles` and the scraper config are what a real run would write."""


def default_output(production: Path) -> OutputPlace:
    return OutputPlace(folder=production.parent, base=production.name)


def prepare_deployment(
    request: DeploymentRequest,
    *,
    network: NetworkConfig,
    files: KeyFiles,
    chain: Chain,
    scraper_configs: ScraperConfigFiles,
    writes: DeploymentWrites,
    clock: Clock,
    dry_run: bool = False,
    mappings: CoinbaseMappingFiles | None = None,
    report: Callable[[str], None] = lambda _: None,
) -> DeploymentResult:
    """Plan, check and write phase 3's files. With `dry_run` every check runs (the chain's included) and
    the result names the files a real run would write, but nothing is written (nor an interrupted run's
    files tidied). `report` hears what was done about an interrupted run's files, as soon as it is done."""
    if not dry_run:
        for line in writes.recover(request.output.folder, request.scraper_config):
            report(line)
    plan, existing, mapping = _plan(request, network, files, scraper_configs, mappings)
    targets = _targets(plan, request.output, files)

    provider = resolve_provider(chain, network)
    if mapping is not None and request.coinbase_mapping is not None:
        check_mapping_provider(request.coinbase_mapping, mapping, provider.id)
    balances = answered(plan.publishers(), chain.balances(plan.publishers()), "balance for {} publishers")
    unfunded, low_balances = funding_problems(plan, balances, network.min_wei_per_attester)
    if unfunded:
        raise CheckFailed(*unfunded)
    updated = merged_scraper_config(
        existing,
        network=network.network,
        chain_id=chain.chain_id(),
        staking_provider_id=provider.id,
        attesters=plan.scraped_attesters(),
        publishers=plan.publishers(),
        now=clock.now(),
    )
    for target in targets:
        files.check_writable(target)
    scraper_configs.check_writable(request.scraper_config)
    known_before = len(existing.attesters) if existing is not None else 0
    result = DeploymentResult(
        plan=plan,
        keyfiles=tuple(WrittenKeyfile(t, planned) for t, planned in zip(targets, plan.files, strict=True)),
        balances=balances,
        low_balances=tuple(low_balances),
        scraper_config_path=request.scraper_config,
        scraper_config=updated,
        scraper_attesters_added=len(updated.attesters) - known_before,
        dry_run=dry_run,
    )
    if not dry_run:
        _write(result, request, writes)
    return result


def _plan(
    request: DeploymentRequest,
    network: NetworkConfig,
    files: KeyFiles,
    scraper_configs: ScraperConfigFiles,
    mappings: CoinbaseMappingFiles | None,
) -> tuple[DeploymentPlan, ScraperConfig | None, CoinbaseMapping | None]:
    """The plan, with the coinbases the mapping and the scraper config know filled in; the scraper config
    and the mapping it read (None: not there, or not asked for)."""
    inputs = read_deployment_inputs(request.production, request.new_public_keys, request.publishers, files)
    existing = (
        scraper_configs.read(request.scraper_config)
        if scraper_configs.exists(request.scraper_config)
        else None
    )
    known: dict[Address, KnownCoinbase] = {}
    mapping = None
    if mappings is not None:
        known, mapping = read_known_coinbases(
            network,
            mappings=mappings,
            mapping_path=request.coinbase_mapping,
            scraper_config=existing,
            scraper_config_path=request.scraper_config,
        )
    return plan_deployment(inputs, ha_count=request.ha_count, known_coinbases=known), existing, mapping


def _write(result: DeploymentResult, request: DeploymentRequest, writes: DeploymentWrites) -> None:
    """Write the keyfiles and the scraper config, all or nothing; a keyfile that appeared since the checks
    is never replaced."""
    try:
        writes.write_set(
            [(written.path, written.planned.keyfile) for written in result.keyfiles],
            request.scraper_config,
            result.scraper_config,
        )
    except KeyfileTaken as taken:
        retry = (
            "choose another {output}"
            if request.output.exact
            else "run prepare-deployment again: it picks the next free name"
        )
        *problems, outcome = taken.problems
        appeared = Problem("{path} appeared after the checks; " + retry, path=taken.path)
        raise CheckFailed(*problems, appeared, outcome) from None


class _TakenIn:
    """Names of files that exist in `folder`, asked one at a time."""

    def __init__(self, files: KeyFiles, folder: Path) -> None:
        self._files = files
        self._folder = folder

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._files.exists(self._folder / name)


def _targets(plan: DeploymentPlan, place: OutputPlace, files: KeyFiles) -> list[Path]:
    if not place.exact:
        names = free_output_names(place.base, plan.set_names, _TakenIn(files, place.folder))
        return [place.folder / name for name in names]
    targets = [place.folder / name for name in output_names(place.base, plan.set_names)]
    taken = [t for t in targets if files.exists(t)]
    if taken:
        raise CheckFailed(
            *(
                Problem(
                    "{path}: already exists; prepare-deployment never replaces a file "
                    "(choose another {output})",
                    path=t,
                )
                for t in taken
            )
        )
    return targets
