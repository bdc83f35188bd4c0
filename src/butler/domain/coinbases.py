"""Attester coinbases learnt from `StakedWithProvider` events (SPEC §3 "Coinbase mapping", §12).

The mapping records which blocks it covers, so a later scan reads only the blocks it has not seen. Merging
is order-free: scanning a block range in any number of pieces, in any order, gives the mapping one scan of
the whole range gives, and the same problems.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping, Sequence

import attrs

from butler.domain.address import Address
from butler.domain.errors import CheckFailed
from butler.domain.onchain import StakedWithProvider
from butler.domain.scope import Scope, out_of_scope

COINBASE_MAPPING_VERSION = 1
DEFAULT_CONFIRMATIONS = 12
"""Blocks a scan stays behind the head, on every chain (a local devnet may ask for fewer explicitly), so
that a reorganisation does not undo an event the mapping already recorded. Deeper reorganisations are
caught by the checkpoints."""
KEPT_CHECKPOINTS = 8
"""Block hashes a mapping keeps: the last block of each of its latest scans."""


@attrs.frozen
class BlockRange:
    """Blocks `first` to `last`, both included; never empty."""

    first: int
    last: int

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.first <= self.last:
            raise ValueError(f"not a block range: {self.first}..{self.last}")

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def pieces(self, blocks: int) -> tuple[BlockRange, ...]:
        """The range cut into consecutive pieces of at most `blocks` blocks."""
        if blocks < 1:
            raise ValueError("a piece has at least one block")
        return tuple(
            BlockRange(start, min(self.last, start + blocks - 1))
            for start in range(self.first, self.last + 1, blocks)
        )

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"


@attrs.frozen
class CoinbaseRecord:
    """An attester's coinbase and the block of the event that named it (the earliest, if named twice)."""

    coinbase: Address
    block: int


class BlockHashFormatError(ValueError):
    """Not a block hash; the message never repeats the text."""


def _block_hash(_instance: object, _attribute: object, value: str) -> None:
    if not (
        isinstance(value, str)
        and len(value) == 66
        and value.startswith("0x")
        and all(c in "0123456789abcdef" for c in value[2:])
    ):
        raise BlockHashFormatError("hash: a block hash is 0x and 64 lowercase hex digits")


@attrs.frozen
class Checkpoint:
    """A block the mapping covers and its hash when it was scanned: if the chain now has another block
    there, it reorganised below what the mapping trusted."""

    block: int
    hash: str = attrs.field(validator=_block_hash)


@attrs.frozen
class ScanScope:
    """What a scan is about, every part known: what its mapping records. A mapping of another chain,
    registry or provider is never reused (`reuse_problem`)."""

    network: str
    chain_id: int
    staking_registry: Address
    provider_id: int

    @property
    def scope(self) -> Scope:
        return Scope(self.network, self.chain_id, self.staking_registry, self.provider_id)


def _frozen_coinbases(value: Mapping[Address, CoinbaseRecord]) -> Mapping[Address, CoinbaseRecord]:
    # One canonical order (block, then address) so that equal mappings are written identically.
    ordered = sorted(value.items(), key=lambda item: (item[1].block, item[0]))
    return types.MappingProxyType(dict(ordered))


@attrs.frozen
class CoinbaseMapping:
    """Every coinbase named for the provider in blocks `first_block`..`last_scanned_block`."""

    version: int
    network: str
    chain_id: int
    staking_registry: Address
    provider_id: int
    first_block: int
    last_scanned_block: int
    coinbases: Mapping[Address, CoinbaseRecord] = attrs.field(converter=_frozen_coinbases, hash=False)
    checkpoints: tuple[Checkpoint, ...] = ()
    """Oldest first; absent from mappings written before they were kept."""
    unsettled: tuple[Address, ...] = ()
    """Attesters staked more than once whose counting stake may still change (a deposit still queued, or
    undecidable so far): looked at again on every run."""

    @property
    def scope(self) -> Scope:
        """The network's name is left out: a mapping serves its chain, registry and provider whatever the
        network config calls them."""
        return Scope(None, self.chain_id, self.staking_registry, self.provider_id)

    @property
    def covered(self) -> BlockRange:
        return BlockRange(self.first_block, self.last_scanned_block)


def reuse_problem(mapping: CoinbaseMapping, scope: ScanScope) -> str | None:
    """Why `mapping` cannot serve a scan of `scope` (another scope, or blocks that are no range), or None
    when it can."""
    other = out_of_scope("coinbase mapping", mapping.scope, scope.scope)
    if other is not None:
        return other
    if mapping.first_block < 0 or mapping.first_block > mapping.last_scanned_block:
        return (
            f"firstBlock {mapping.first_block} and lastScannedBlock {mapping.last_scanned_block} are not a "
            "range of blocks"
        )
    if any(record.block < 0 for record in mapping.coinbases.values()):
        return "a coinbase is recorded at a negative block"
    return None


def ranges_to_scan(covered: BlockRange | None, start_block: int, safe_head: int) -> tuple[BlockRange, ...]:
    """The blocks from `start_block` to `safe_head` that `covered` lacks, in chain order.

    A start block after the covered range's start changes nothing: what was scanned stays, and the
    coverage stays one range (the blocks between are scanned too rather than left as a gap).
    """
    if covered is None:
        return (BlockRange(start_block, safe_head),) if start_block <= safe_head else ()
    ranges = []
    if start_block < covered.first:
        ranges.append(BlockRange(start_block, covered.first - 1))
    if covered.last < safe_head:
        ranges.append(BlockRange(covered.last + 1, safe_head))
    return tuple(ranges)


def staked_twice(
    known: Mapping[Address, CoinbaseRecord], events: Iterable[StakedWithProvider]
) -> tuple[Address, ...]:
    """Attesters named with two different non-zero coinbases (by two events, or by an event and `known`),
    in chain order: which stake counts has to be worked out from the rollup."""
    seen: dict[Address, set[Address]] = {a: {r.coinbase} for a, r in known.items()}
    for event in sorted(events, key=lambda e: (e.block_number, e.log_index)):
        if not event.coinbase.is_zero:
            seen.setdefault(event.attester, set()).add(event.coinbase)
    return tuple(a for a, coinbases in seen.items() if len(coinbases) > 1)


def merged_coinbases(
    known: Mapping[Address, CoinbaseRecord],
    events: Iterable[StakedWithProvider],
    resolved: Mapping[Address, CoinbaseRecord | None] | None = None,
) -> dict[Address, CoinbaseRecord]:
    """`known` plus the coinbases `events` name; raises CheckFailed listing every problem.

    Problems: an event naming the zero address as coinbase, and an attester named with two different
    coinbases (by two events, or by an event and `known`) unless `resolved` says which one counts (None:
    none). The same coinbase named twice is one record, at the earlier block.
    """
    resolved = resolved or {}
    seen: dict[Address, dict[Address, int]] = {}
    for attester, record in known.items():
        seen.setdefault(attester, {})[record.coinbase] = record.block
    zero: dict[Address, int] = {}
    for event in events:
        if event.coinbase.is_zero:
            zero[event.attester] = min(zero.get(event.attester, event.block_number), event.block_number)
            continue
        coinbases = seen.setdefault(event.attester, {})
        coinbases[event.coinbase] = min(coinbases.get(event.coinbase, event.block_number), event.block_number)
    problems = [
        f"attester {attester}: StakedWithProvider at block {block} names the zero address as its coinbase"
        for attester, block in sorted(zero.items(), key=lambda item: (item[1], item[0]))
    ]
    for attester, coinbases in sorted(seen.items(), key=lambda item: (min(item[1].values()), item[0])):
        if len(coinbases) > 1 and attester not in resolved:
            named = ", ".join(
                f"{coinbase} (block {block})"
                for coinbase, block in sorted(coinbases.items(), key=lambda item: (item[1], item[0]))
            )
            problems.append(f"attester {attester}: two different coinbases on chain: {named}")
    if problems:
        raise CheckFailed(*problems)
    merged = {
        attester: CoinbaseRecord(coinbase, block)
        for attester, coinbases in seen.items()
        if attester not in resolved
        for coinbase, block in coinbases.items()
    }
    merged.update({attester: record for attester, record in resolved.items() if record is not None})
    return merged


def contradictions(
    found: Mapping[Address, CoinbaseRecord], recorded: Mapping[Address, Address | None], source: str
) -> list[str]:
    """One line per attester whose coinbase on chain differs from a non-zero one `source` records.

    A zero or absent coinbase in `source` means "not known yet" and contradicts nothing.
    """
    problems = []
    for attester, coinbase in recorded.items():
        record = found.get(attester)
        if record is None or coinbase is None or coinbase.is_zero or coinbase == record.coinbase:
            continue
        problems.append(
            f"attester {attester}: coinbase on chain is {record.coinbase} (block {record.block}) but "
            f"{source} records {coinbase}"
        )
    return problems


def scanned_mapping(
    previous: CoinbaseMapping | None,
    scope: ScanScope,
    scanned: Sequence[BlockRange],
    coinbases: Mapping[Address, CoinbaseRecord],
    *,
    checkpoint: Checkpoint | None = None,
    unsettled: Iterable[Address] = (),
) -> CoinbaseMapping:
    """`previous` extended by the `scanned` ranges (those `ranges_to_scan` gave) and their coinbases, with
    `checkpoint` (the hash of its new last block) added to the latest `KEPT_CHECKPOINTS`."""
    covered = [*([previous.covered] if previous is not None else []), *scanned]
    if not covered:
        raise ValueError("a mapping covers at least one block")
    kept = {c.block: c for c in (previous.checkpoints if previous is not None else ())}
    if checkpoint is not None:
        kept[checkpoint.block] = checkpoint
    return CoinbaseMapping(
        version=COINBASE_MAPPING_VERSION,
        network=scope.network,
        chain_id=scope.chain_id,
        staking_registry=scope.staking_registry,
        provider_id=scope.provider_id,
        first_block=min(r.first for r in covered),
        last_scanned_block=max(r.last for r in covered),
        coinbases=coinbases,
        checkpoints=tuple(kept[b] for b in sorted(kept)[-KEPT_CHECKPOINTS:]),
        unsettled=tuple(sorted(set(unsettled))),
    )


def report(
    coinbases: Mapping[Address, CoinbaseRecord], attesters: Sequence[Address] | None
) -> tuple[tuple[Address, CoinbaseRecord | None], ...]:
    """Each of `attesters` (all of the mapping's when None) with its coinbase, or None when none is known."""
    wanted = list(coinbases) if attesters is None else list(dict.fromkeys(attesters))
    return tuple((attester, coinbases.get(attester)) for attester in wanted)
