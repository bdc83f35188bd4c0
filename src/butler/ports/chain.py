"""Read access to the L1 chain, in domain types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from butler.domain.address import Address
from butler.domain.chain_evidence import BlockRef, HeadReading
from butler.domain.entry_queue import EntryQueueState
from butler.domain.onchain import (
    AttesterView,
    DepositArgs,
    G1Point,
    KeyStore,
    Provider,
    RollupDepositEvent,
    StakedWithProvider,
)
from butler.domain.wei import Wei


class Chain(Protocol):
    """Everything the product reads from L1.

    Reads over many items are answered in one call so that an adapter can batch them; a read that
    cannot be completed raises `ChainError`, never returns a partial or empty answer.
    """

    def chain_id(self) -> int: ...

    def head_block(self) -> int: ...

    def block(self, number: int | None = None) -> BlockRef | None:
        """The block at height `number`, or the head when None; None when the node has no such block."""
        ...

    def read_head(self, ancestor: int | None = None) -> HeadReading:
        """The chain id the node reports now (asked anew on every call: `chain_id` may check only once),
        `block()` and `block(ancestor)` (when given), in one round trip."""
        ...

    def provider_by_id(self, provider_id: int) -> Provider | None:
        """The provider registered under `provider_id`, or None when the id is unknown."""
        ...

    def provider_by_admin(self, admin: Address) -> Provider | None:
        """The provider (lowest id) whose admin is `admin`, or None."""
        ...

    def provider_queue(self, provider_id: int) -> Sequence[KeyStore]:
        """The provider queue from head to tail."""
        ...

    def entry_queue(self) -> Sequence[DepositArgs]:
        """The rollup entry queue from head to tail."""
        ...

    def entry_queue_state(self) -> EntryQueueState:
        """The rollup entry queue from head to tail with what its flush schedule depends on, all read
        at one block, in the requests that read the queue itself."""
        ...

    def attester_views(self, attesters: Sequence[Address]) -> Mapping[Address, AttesterView]:
        """One view per distinct attester. Unknown attesters read status NONE, and so do attesters
        still waiting in the entry queue: that membership shows only in `entry_queue`."""
        ...

    def balances(self, accounts: Sequence[Address]) -> Mapping[Address, Wei]:
        """ETH balances in wei, one per distinct account."""
        ...

    def registration_digests(self, public_keys: Sequence[G1Point]) -> Sequence[G1Point]:
        """The GSE's proof-of-possession digest for each public key, in order."""
        ...

    def staked_with_provider(
        self, provider_id: int, from_block: int, to_block: int, attesters: Sequence[Address] | None = None
    ) -> Sequence[StakedWithProvider]:
        """`StakedWithProvider` events of the provider in [from_block, to_block], in chain order; only
        those of `attesters` when given (an empty list: none).

        An empty range (from_block > to_block) has no events.
        """
        ...

    def rollup_deposit_events(
        self, attesters: Sequence[Address], from_block: int, to_block: int
    ) -> Sequence[RollupDepositEvent]:
        """The rollup's `ValidatorQueued`, `Deposit` and `FailedDeposit` events of `attesters` in
        [from_block, to_block], in chain order."""
        ...

    def block_hashes(self, blocks: Sequence[int]) -> Mapping[int, str]:
        """The hash (0x + 64 lowercase hex digits) of each of `blocks` the chain has; blocks beyond its
        head are absent from the answer. The same hashes as `block`, for many heights in one read."""
        ...
