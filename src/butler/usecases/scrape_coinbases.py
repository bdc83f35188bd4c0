"""`scrape-coinbases`: which coinbase each attester was staked with, from `StakedWithProvider` events.

Incremental: the mapping file records the blocks it covers, and a run scans only the blocks after them
(and before them, when asked to start earlier), up to the head minus a confirmation depth. The mapping
also keeps the hashes of a few blocks it covers: when the chain no longer has those blocks, it reorganised
below what was scanned, and everything after the newest block it still agrees with is scanned again.

An attester staked more than once is resolved from the rollup's deposit events (see `stake_resolution`);
one that cannot be resolved is listed in the result and left out of the mapping, and never stops the
others from being recorded. Every other check runs before anything is written; a run that finds such a
problem writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.coinbases import (
    DEFAULT_CONFIRMATIONS,
    BlockRange,
    CoinbaseMapping,
    CoinbaseRecord,
    ScanScope,
    contradictions,
    report,
    reuse_problem,
    scanned_mapping,
)
from butler.domain.config import NetworkConfig
from butler.domain.errors import CheckFailed, Problem, UsageError
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.scope import check_scope
from butler.domain.scraper_config import ScrapedAttester, ScraperConfig, merged_scraper_config
from butler.domain.stake_resolution import Resolution
from butler.ports.chain import Chain
from butler.ports.clock import Clock
from butler.ports.json_documents import CoinbaseMappingFiles, ScraperConfigFiles
from butler.ports.key_files import KeyFiles
from butler.usecases.steps.coinbase_scan import Progress, ScanPlan, merged_scan, plan_scan, scan_stakes
from butler.usecases.steps.providers import resolve_provider

DEFAULT_PIECE_BLOCKS = 10_000
"""Blocks per call to the chain port: how often progress is reported. The adapter splits further when
the node asks for it."""


@attrs.frozen
class ScrapeRequest:
    mapping_path: Path
    scraper_config_path: Path
    attesters_file: Path | None = None
    start_block: int | None = None
    confirmations: int | None = None
    full: bool = False
    update_scraper_config: bool = False


@attrs.frozen
class Scraped:
    provider_id: int
    head: int
    safe_head: int
    scanned: tuple[BlockRange, ...]
    mapping: CoinbaseMapping | None
    """None only when nothing was ever scanned (the start block is beyond the safe head)."""
    lines: tuple[tuple[Address, CoinbaseRecord | None], ...]
    """The report: each listed attester (or every mapped one) with its coinbase, or None."""
    listed_from: str | None
    """Where the listed attesters came from; None when the report shows every mapped attester."""
    unlisted: int
    """Attesters with a coinbase that the list does not hold."""
    mapping_written: bool
    scraper_config_updated: tuple[Address, ...]
    reorg: str | None = None
    """What the checkpoints showed when the chain reorganised below the mapping, and what was rescanned."""
    staked_twice: tuple[tuple[Address, Resolution], ...] = ()
    """Attesters staked more than once, each with how it was resolved (`problem` set: it could not be)."""
    keyfile_lacks: tuple[tuple[Address, CoinbaseRecord], ...] = ()
    """Validators of the attesters keyfile (`attesters_file`) without the coinbase found on chain for them."""

    @property
    def undecidable(self) -> tuple[tuple[Address, str], ...]:
        return tuple((a, r.problem) for a, r in self.staked_twice if r.problem is not None)

    @property
    def blocks_scanned(self) -> int:
        return sum(r.size for r in self.scanned)


def scrape_coinbases(
    request: ScrapeRequest,
    *,
    config: NetworkConfig,
    chain: Chain,
    mappings: CoinbaseMappingFiles,
    scraper_configs: ScraperConfigFiles,
    key_files: KeyFiles,
    clock: Clock,
    progress: Progress,
    piece_blocks: int = DEFAULT_PIECE_BLOCKS,
) -> Scraped:
    keyfile, scraper_config = _read_inputs(request, key_files, scraper_configs)
    provider = resolve_provider(chain, config)
    scope = ScanScope(
        network=config.network,
        chain_id=chain.chain_id(),
        staking_registry=config.staking_registry,
        provider_id=provider.id,
    )
    if scraper_config is not None:
        check_scope(request.scraper_config_path, "scraper config", scraper_config.scope, scope.scope)
    plan = _plan(request, config, chain, _previous_mapping(request, mappings, scope))
    events = scan_stakes(chain, provider.id, plan.ranges, progress, piece_blocks)
    coinbases, resolutions = merged_scan(chain, provider.id, plan, events)
    _check_contradictions(request, scraper_config, keyfile, coinbases)

    unsettled = [attester for attester, r in resolutions.items() if not r.settled]
    previous, ranges = plan.previous, plan.ranges
    mapping = (
        scanned_mapping(previous, scope, ranges, coinbases, checkpoint=plan.checkpoint, unsettled=unsettled)
        if ranges or previous
        else None
    )
    listed, listed_from = _listed(request, keyfile, scraper_config)
    updated_config, updated = (
        _with_coinbases(scraper_config, coinbases, scope, clock)
        if request.update_scraper_config and scraper_config is not None
        else (None, ())
    )

    mapping_written = mapping is not None and (mapping != previous or ranges != () or plan.reorg is not None)
    if mapping is not None and mapping_written:
        mappings.write(request.mapping_path, mapping)
    if updated_config is not None:
        scraper_configs.write(request.scraper_config_path, updated_config)
    return Scraped(
        provider_id=provider.id,
        head=plan.head,
        safe_head=plan.safe_head,
        scanned=ranges,
        mapping=mapping,
        lines=report(coinbases, listed),
        listed_from=listed_from,
        unlisted=0 if listed is None else len(set(coinbases) - set(listed)),
        mapping_written=mapping_written,
        scraper_config_updated=updated,
        reorg=plan.reorg,
        staked_twice=tuple(sorted(resolutions.items(), key=lambda item: item[0].raw)),
        keyfile_lacks=_keyfile_lacks(keyfile, coinbases),
    )


def _plan(
    request: ScrapeRequest, config: NetworkConfig, chain: Chain, previous: CoinbaseMapping | None
) -> ScanPlan:
    return plan_scan(
        chain,
        request.mapping_path,
        previous,
        start_block=request.start_block if request.start_block is not None else config.registry_first_block,
        confirmations=request.confirmations if request.confirmations is not None else DEFAULT_CONFIRMATIONS,
    )


def _read_inputs(
    request: ScrapeRequest, key_files: KeyFiles, scraper_configs: ScraperConfigFiles
) -> tuple[ProductionKeyfile | None, ScraperConfig | None]:
    """The attesters keyfile and the scraper config, when given and there; checked before the chain."""
    _check_request(request)
    keyfile = (
        key_files.read_production_keyfile(request.attesters_file)
        if request.attesters_file is not None
        else None
    )
    path = request.scraper_config_path
    scraper_config = scraper_configs.read(path) if scraper_configs.exists(path) else None
    if request.update_scraper_config and scraper_config is None:
        raise UsageError(
            Problem(
                "{update_scraper_config}: there is no scraper config at {path} "
                "(generate-scraper-config writes one)",
                path=path,
            )
        )
    return keyfile, scraper_config


def _check_contradictions(
    request: ScrapeRequest,
    scraper_config: ScraperConfig | None,
    keyfile: ProductionKeyfile | None,
    coinbases: Mapping[Address, CoinbaseRecord],
) -> None:
    problems: list[str] = []
    if scraper_config is not None:
        recorded = {a.address: a.coinbase for a in scraper_config.attesters}
        problems += contradictions(coinbases, recorded, f"the scraper config {request.scraper_config_path}")
    if keyfile is not None and request.attesters_file is not None:
        recorded = {v.attester.eth: v.coinbase for v in keyfile.validators}
        problems += contradictions(coinbases, recorded, str(request.attesters_file))
    if problems:
        raise CheckFailed(*problems)


def _keyfile_lacks(
    keyfile: ProductionKeyfile | None, coinbases: Mapping[Address, CoinbaseRecord]
) -> tuple[tuple[Address, CoinbaseRecord], ...]:
    if keyfile is None:
        return ()
    return tuple(
        (v.attester.eth, coinbases[v.attester.eth])
        for v in keyfile.validators
        if v.attester.eth in coinbases and (v.coinbase is None or v.coinbase.is_zero)
    )


def _check_request(request: ScrapeRequest) -> None:
    if request.start_block is not None and request.start_block < 0:
        raise UsageError(Problem("{start_block}: must not be negative"))
    if request.confirmations is not None and request.confirmations < 0:
        raise UsageError(Problem("{confirmations}: must not be negative"))


def _previous_mapping(
    request: ScrapeRequest, mappings: CoinbaseMappingFiles, scope: ScanScope
) -> CoinbaseMapping | None:
    if not mappings.exists(request.mapping_path):
        return None
    previous = mappings.read(request.mapping_path)
    # Even --full refuses to replace the mapping of another provider or chain: it may be the only copy.
    problem = reuse_problem(previous, scope)
    if problem is not None:
        raise CheckFailed(
            Problem(
                "{path}: {problem}; choose another file with {output}",
                path=request.mapping_path,
                problem=problem,
            )
        )
    return None if request.full else previous


def _listed(
    request: ScrapeRequest, keyfile: ProductionKeyfile | None, scraper_config: ScraperConfig | None
) -> tuple[list[Address] | None, str | None]:
    if keyfile is not None:
        return [v.attester.eth for v in keyfile.validators], str(request.attesters_file)
    if scraper_config is not None:
        return [
            a.address for a in scraper_config.attesters
        ], f"the scraper config {request.scraper_config_path}"
    return None, None


def _with_coinbases(
    config: ScraperConfig, coinbases: Mapping[Address, CoinbaseRecord], scope: ScanScope, clock: Clock
) -> tuple[ScraperConfig | None, tuple[Address, ...]]:
    """The scraper config with the coinbases of its own attesters filled in (adding attesters is the job of
    generate-scraper-config), and those attesters; (None, ()) when it already knows them all."""
    learnt = tuple(
        a.address
        for a in config.attesters
        if a.address in coinbases and (a.coinbase is None or a.coinbase.is_zero)
    )
    if not learnt:
        return None, ()
    updated = merged_scraper_config(
        config,
        network=scope.network,
        chain_id=scope.chain_id,
        staking_provider_id=scope.provider_id,
        attesters=[ScrapedAttester(address=a, coinbase=coinbases[a].coinbase) for a in learnt],
        publishers=None,
        now=clock.now(),
    )
    return updated, learnt
