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

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.coinbase_reorgs import reorg_point, rolled_back
from butler.domain.coinbases import (
    DEFAULT_CONFIRMATIONS,
    BlockRange,
    Checkpoint,
    CoinbaseMapping,
    CoinbaseRecord,
    ScanScope,
    contradictions,
    merged_coinbases,
    ranges_to_scan,
    report,
    reuse_problem,
    scanned_mapping,
    staked_twice,
)
from butler.domain.config import NetworkConfig
from butler.domain.errors import ChainError, CheckFailed, Problem, UsageError
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.onchain import StakedWithProvider
from butler.domain.scope import check_scope
from butler.domain.scraper_config import ScrapedAttester, ScraperConfig, merged_scraper_config
from butler.domain.stake_resolution import Resolution, resolve_stakes
from butler.ports.chain import Chain
from butler.ports.clock import Clock
from butler.ports.json_documents import CoinbaseMappingFiles, ScraperConfigFiles
from butler.ports.key_files import KeyFiles
from butler.usecases.steps.providers import resolve_provider

Progress = Callable[[int, int], None]

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
    _check_request(request)
    keyfile = (
        key_files.read_production_keyfile(request.attesters_file)
        if request.attesters_file is not None
        else None
    )
    scraper_config = _scraper_config(request, scraper_configs)
    if request.update_scraper_config and scraper_config is None:
        raise UsageError(
            Problem(
                "{update_scraper_config}: there is no scraper config at {path} "
                "(generate-scraper-config writes one)",
                path=request.scraper_config_path,
            )
        )

    provider = resolve_provider(chain, config)
    scope = ScanScope(
        network=config.network,
        chain_id=chain.chain_id(),
        staking_registry=config.staking_registry,
        provider_id=provider.id,
    )
    if scraper_config is not None:
        check_scope(request.scraper_config_path, "scraper config", scraper_config.scope, scope.scope)
    previous = _previous_mapping(request, mappings, scope)

    head = chain.head_block()
    confirmations = request.confirmations if request.confirmations is not None else DEFAULT_CONFIRMATIONS
    safe_head = head - confirmations
    reorg = None
    if previous is not None and previous.checkpoints:
        previous, reorg = _after_reorg(chain, request.mapping_path, previous)
    elif previous is not None and previous.last_scanned_block > head:
        raise CheckFailed(
            Problem(
                "{path}: covers blocks up to {last} but the chain's head "
                "is {head}: the chain was reset or replaced; rescan with {full}",
                path=request.mapping_path,
                last=previous.last_scanned_block,
                head=head,
            )
        )
    start = request.start_block if request.start_block is not None else config.registry_first_block
    ranges = ranges_to_scan(previous.covered if previous is not None else None, start, safe_head)
    covered = [*([previous.covered] if previous is not None else []), *ranges]
    last = max((r.last for r in covered), default=None)
    checkpoint = None
    if ranges and last is not None:
        # Read before the scan: if the chain reorganises meanwhile, the next run sees the hash change.
        checkpoint = Checkpoint(last, _hash_of(chain, last))

    events = _scan(chain, provider.id, ranges, progress, piece_blocks)
    known = previous.coinbases if previous is not None else {}
    resolutions = _resolve_twice_staked(
        chain,
        provider.id,
        {*staked_twice(known, events), *(previous.unsettled if previous is not None else ())},
        BlockRange(min(r.first for r in covered), last) if last is not None else None,
    )
    coinbases = merged_coinbases(
        known,
        events,
        {
            attester: CoinbaseRecord(r.winner.coinbase, r.winner.block_number) if r.winner else None
            for attester, r in resolutions.items()
        },
    )
    _check_contradictions(request, scraper_config, keyfile, coinbases)

    unsettled = [attester for attester, r in resolutions.items() if not r.settled]
    mapping = (
        scanned_mapping(previous, scope, ranges, coinbases, checkpoint=checkpoint, unsettled=unsettled)
        if ranges or previous
        else None
    )
    listed, listed_from = _listed(request, keyfile, scraper_config)
    lines = report(coinbases, listed)
    unlisted = 0 if listed is None else len(set(coinbases) - set(listed))

    updated_config: ScraperConfig | None = None
    updated: tuple[Address, ...] = ()
    if request.update_scraper_config and scraper_config is not None:
        updated_config, updated = _with_coinbases(scraper_config, coinbases, scope, clock)

    mapping_written = mapping is not None and (mapping != previous or ranges != () or reorg is not None)
    if mapping is not None and mapping_written:
        mappings.write(request.mapping_path, mapping)
    if updated_config is not None:
        scraper_configs.write(request.scraper_config_path, updated_config)
    return Scraped(
        provider_id=provider.id,
        head=head,
        safe_head=safe_head,
        scanned=ranges,
        mapping=mapping,
        lines=lines,
        listed_from=listed_from,
        unlisted=unlisted,
        mapping_written=mapping_written,
        scraper_config_updated=updated,
        reorg=reorg,
        staked_twice=tuple(sorted(resolutions.items(), key=lambda item: item[0].raw)),
        keyfile_lacks=_keyfile_lacks(keyfile, coinbases),
    )


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


def _hash_of(chain: Chain, block: int) -> str:
    found = chain.block_hashes([block]).get(block)
    if found is None:
        raise ChainError(f"the chain has no block {block} although its head is past it")
    return found


def _after_reorg(
    chain: Chain, path: Path, previous: CoinbaseMapping
) -> tuple[CoinbaseMapping | None, str | None]:
    """The mapping as far as the chain still agrees with its checkpoints, and what changed (None: nothing)."""
    hashes = chain.block_hashes([c.block for c in previous.checkpoints])
    point = reorg_point(previous.checkpoints, hashes)
    if point is None:
        return previous, None
    changed = next(c.block for c in previous.checkpoints if c.block > point and hashes.get(c.block) != c.hash)
    kept = rolled_back(previous, point)
    since = f"block {point + 1}" if kept is not None else f"its first block {previous.first_block}"
    return kept, (
        f"{path}: the chain reorganised: block {changed} is not the one scanned before; "
        f"rescanning from {since}"
    )


def _resolve_twice_staked(
    chain: Chain, provider_id: int, attesters: set[Address], covered: BlockRange | None
) -> dict[Address, Resolution]:
    """How each attester staked more than once is resolved, from all its stakes and the rollup's deposit
    events of it in the covered blocks."""
    if not attesters or covered is None:
        return {}
    wanted = sorted(attesters, key=lambda a: a.raw)
    stakes = chain.staked_with_provider(provider_id, covered.first, covered.last, attesters=wanted)
    deposits = chain.rollup_deposit_events(wanted, covered.first, covered.last)
    resolutions = {}
    for attester in wanted:
        own = [s for s in stakes if s.attester == attester]
        if own:
            resolutions[attester] = resolve_stakes(own, [d for d in deposits if d.attester == attester])
    return resolutions


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


def _scraper_config(request: ScrapeRequest, files: ScraperConfigFiles) -> ScraperConfig | None:
    path = request.scraper_config_path
    return files.read(path) if files.exists(path) else None


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


def _scan(
    chain: Chain, provider_id: int, ranges: Sequence[BlockRange], progress: Progress, piece_blocks: int
) -> list[StakedWithProvider]:
    total = sum(r.size for r in ranges)
    done = 0
    events: list[StakedWithProvider] = []
    for block_range in ranges:
        for piece in block_range.pieces(piece_blocks):
            found = chain.staked_with_provider(provider_id, piece.first, piece.last)
            outside = [e for e in found if not piece.first <= e.block_number <= piece.last]
            if outside:
                raise ChainError(
                    f"the chain returned a StakedWithProvider event of block {outside[0].block_number} "
                    f"when asked for blocks {piece}"
                )
            events += found
            done += piece.size
            progress(done, total)
    return events


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
