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

COINBASE_MAPPING_VERSION = 1
DEFAULT_CONFIRMATIONS = 12
"""Blocks a scan stays behind the head on a public chain, so that a reorganisation cannot undo an event
the mapping already recorded (the scan never looks at those blocks again)."""
LOCAL_DEV_CHAIN_IDS = frozenset({1337, 31337})
"""Chain ids of local development nodes (anvil, hardhat, geth --dev): nothing reorganises there."""


def default_confirmations(chain_id: int) -> int:
    return 0 if chain_id in LOCAL_DEV_CHAIN_IDS else DEFAULT_CONFIRMATIONS


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


@attrs.frozen
class ScanScope:
    """What a mapping is about. A mapping of another chain, registry or provider is never reused."""

    network: str
    chain_id: int
    staking_registry: Address
    provider_id: int

    def describe(self) -> str:
        return f"chain {self.chain_id}, staking registry {self.staking_registry}, provider {self.provider_id}"


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

    @property
    def scope(self) -> ScanScope:
        return ScanScope(self.network, self.chain_id, self.staking_registry, self.provider_id)

    @property
    def covered(self) -> BlockRange:
        return BlockRange(self.first_block, self.last_scanned_block)


def scope_problem(mapping: CoinbaseMapping, scope: ScanScope) -> str | None:
    """Why `mapping` cannot serve a scan of `scope`, or None when it can."""
    theirs = (mapping.chain_id, mapping.staking_registry, mapping.provider_id)
    ours = (scope.chain_id, scope.staking_registry, scope.provider_id)
    if theirs != ours:
        return f"it holds coinbases of {mapping.scope.describe()}; this run is for {scope.describe()}"
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


def merged_coinbases(
    known: Mapping[Address, CoinbaseRecord], events: Iterable[StakedWithProvider]
) -> dict[Address, CoinbaseRecord]:
    """`known` plus the coinbases `events` name; raises CheckFailed listing every problem.

    Problems: an event naming the zero address as coinbase, and an attester named with two different
    coinbases (by two events, or by an event and `known`). The same coinbase named twice is one record,
    at the earlier block.
    """
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
        if len(coinbases) > 1:
            named = ", ".join(
                f"{coinbase} (block {block})"
                for coinbase, block in sorted(coinbases.items(), key=lambda item: (item[1], item[0]))
            )
            problems.append(f"attester {attester}: two different coinbases on chain: {named}")
    if problems:
        raise CheckFailed(*problems)
    return {
        attester: CoinbaseRecord(coinbase, block)
        for attester, coinbases in seen.items()
        for coinbase, block in coinbases.items()
    }


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
) -> CoinbaseMapping:
    """`previous` extended by the `scanned` ranges (those `ranges_to_scan` gave) and their coinbases."""
    covered = [*([previous.covered] if previous is not None else []), *scanned]
    if not covered:
        raise ValueError("a mapping covers at least one block")
    return CoinbaseMapping(
        version=COINBASE_MAPPING_VERSION,
        network=scope.network,
        chain_id=scope.chain_id,
        staking_registry=scope.staking_registry,
        provider_id=scope.provider_id,
        first_block=min(r.first for r in covered),
        last_scanned_block=max(r.last for r in covered),
        coinbases=coinbases,
    )


def report(
    coinbases: Mapping[Address, CoinbaseRecord], attesters: Sequence[Address] | None
) -> tuple[tuple[Address, CoinbaseRecord | None], ...]:
    """Each of `attesters` (all of the mapping's when None) with its coinbase, or None when none is known."""
    wanted = list(coinbases) if attesters is None else list(dict.fromkeys(attesters))
    return tuple((attester, coinbases.get(attester)) for attester in wanted)
