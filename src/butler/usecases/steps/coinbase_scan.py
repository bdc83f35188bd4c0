"""What scrape-coinbases reads from the chain: which blocks to scan (after any reorganisation the
mapping's checkpoints show), the provider's stakes in pieces with progress, and how an attester staked
more than once resolves."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.coinbase_reorgs import reorg_point, rolled_back
from butler.domain.coinbases import (
    BlockRange,
    Checkpoint,
    CoinbaseMapping,
    CoinbaseRecord,
    merged_coinbases,
    ranges_to_scan,
    staked_twice,
)
from butler.domain.errors import ChainError, CheckFailed, Problem
from butler.domain.onchain import StakedWithProvider
from butler.domain.stake_resolution import Resolution, resolve_stakes
from butler.ports.chain import Chain

Progress = Callable[[int, int], None]


@attrs.frozen
class ScanPlan:
    """What a run scans: the blocks the mapping it extends (`previous`, rolled back after a
    reorganisation) lacks up to the safe head, and the checkpoint it will record."""

    previous: CoinbaseMapping | None
    reorg: str | None
    head: int
    safe_head: int
    ranges: tuple[BlockRange, ...]
    checkpoint: Checkpoint | None

    @property
    def covered(self) -> BlockRange | None:
        """The blocks from the first the mapping will cover to its last; None when it covers none."""
        covered = [*([self.previous.covered] if self.previous is not None else []), *self.ranges]
        if not covered:
            return None
        return BlockRange(min(r.first for r in covered), max(r.last for r in covered))


def plan_scan(
    chain: Chain,
    mapping_path: Path,
    previous: CoinbaseMapping | None,
    *,
    start_block: int,
    confirmations: int,
) -> ScanPlan:
    """The blocks from `start_block` to the head less `confirmations` that `previous` (the mapping at
    `mapping_path`, if any) lacks once rolled back below any reorganisation its checkpoints show."""
    head = chain.head_block()
    safe_head = head - confirmations
    reorg = None
    if previous is not None and previous.checkpoints:
        previous, reorg = after_reorg(chain, mapping_path, previous)
    elif previous is not None and previous.last_scanned_block > head:
        raise CheckFailed(
            Problem(
                "{path}: covers blocks up to {last} but the chain's head "
                "is {head}: the chain was reset or replaced; rescan with {full}",
                path=mapping_path,
                last=previous.last_scanned_block,
                head=head,
            )
        )
    ranges = ranges_to_scan(previous.covered if previous is not None else None, start_block, safe_head)
    plan = ScanPlan(previous, reorg, head, safe_head, ranges, None)
    if ranges and plan.covered is not None:
        # Read before the scan: if the chain reorganises meanwhile, the next run sees the hash change.
        last = plan.covered.last
        plan = attrs.evolve(plan, checkpoint=Checkpoint(last, hash_of(chain, last)))
    return plan


def merged_scan(
    chain: Chain, provider_id: int, plan: ScanPlan, events: Sequence[StakedWithProvider]
) -> tuple[Mapping[Address, CoinbaseRecord], dict[Address, Resolution]]:
    """The coinbases the mapping knew merged with the scanned `events`, attesters staked more than once
    resolved (and those still unsettled looked at again); and how each of those was resolved."""
    previous = plan.previous
    known = previous.coinbases if previous is not None else {}
    resolutions = resolve_twice_staked(
        chain,
        provider_id,
        {*staked_twice(known, events), *(previous.unsettled if previous is not None else ())},
        plan.covered,
    )
    winners = {
        attester: CoinbaseRecord(r.winner.coinbase, r.winner.block_number) if r.winner else None
        for attester, r in resolutions.items()
    }
    return merged_coinbases(known, events, winners), resolutions


def scan_stakes(
    chain: Chain, provider_id: int, ranges: Sequence[BlockRange], progress: Progress, piece_blocks: int
) -> list[StakedWithProvider]:
    """Every `StakedWithProvider` event of the provider in `ranges`, read `piece_blocks` at a time."""
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


def hash_of(chain: Chain, block: int) -> str:
    """The hash the chain has now for `block`, which it must have."""
    found = chain.block_hashes([block]).get(block)
    if found is None:
        raise ChainError(f"the chain has no block {block} although its head is past it")
    return found


def after_reorg(
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


def resolve_twice_staked(
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
