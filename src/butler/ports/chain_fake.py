"""An in-memory `Chain` for tests: deterministic state arranged with plain setters
(see `chain_fake_state` for how arranging works), read through the port as a node would answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.chain_evidence import BlockRef, HeadReading
from butler.domain.entry_queue import EntryQueueState, FlushState
from butler.domain.errors import ChainError
from butler.domain.hashing import keccak256
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
from butler.ports.chain import Chain
from butler.ports.chain_fake_state import FAKE_ROLLUP, NOT_STAKED, FakeChainState

__all__ = ["FAKE_ROLLUP", "FakeChain", "fake_registration_digest"]

_DIGEST_DOMAIN = b"butler fake GSE registration digest"


def fake_registration_digest(public_key: G1Point) -> G1Point:
    """The fake GSE's digest: k·G1 with k from a hash of the key, so on the curve and distinct per key.

    The real GSE hashes to the curve differently (and differently per generation); only these
    properties are shared.
    """
    seed = _DIGEST_DOMAIN + public_key.x.to_bytes(32, "big") + public_key.y.to_bytes(32, "big")
    k = int.from_bytes(keccak256(seed), "big") % bn254.R
    return bn254.g1_generator_mul(k or 1)


class FakeChain(FakeChainState):
    """Implements `butler.ports.chain.Chain` over in-memory state."""

    def fail_reads(self, message: str | None = "the fake node is unreachable") -> None:
        """Every read raises `ChainError(message)` until called again with None."""
        self._failure = message

    def _read(self, name: str) -> None:
        self.reads.append(name)
        if self._failure is not None:
            raise ChainError(self._failure)

    def chain_id(self) -> int:
        self._read("chain_id")
        return self._chain_id

    def head_block(self) -> int:
        self._read("head_block")
        return self._head

    def block(self, number: int | None = None) -> BlockRef | None:
        self._read("block")
        return self._block_ref(self._head if number is None else number)

    def _block_ref(self, height: int) -> BlockRef | None:
        if not 0 <= height <= self._head:
            return None
        return BlockRef(height, bytes.fromhex(self._block_hash(height)[2:]))

    def read_head(self, ancestor: int | None = None) -> HeadReading:
        self._read("read_head")
        head = self._block_ref(self._head)
        assert head is not None
        return HeadReading(self._chain_id, head, None if ancestor is None else self._block_ref(ancestor))

    def provider_by_id(self, provider_id: int) -> Provider | None:
        self._read("provider_by_id")
        return self._providers.get(provider_id)

    def provider_by_admin(self, admin: Address) -> Provider | None:
        self._read("provider_by_admin")
        return next((p for _, p in sorted(self._providers.items()) if p.admin == admin), None)

    def provider_queue(self, provider_id: int) -> Sequence[KeyStore]:
        self._read("provider_queue")
        return list(self._queues.get(provider_id, ()))

    def entry_queue(self) -> Sequence[DepositArgs]:
        self._read("entry_queue")
        return list(self._entry_queue)

    def entry_queue_state(self) -> EntryQueueState:
        self._read("entry_queue_state")
        fresh = self._next_flushable_epoch <= self.epoch
        return EntryQueueState(
            entries=tuple(self._entry_queue),
            flushes=FlushState(
                current_epoch=self.epoch,
                next_flushable_epoch=self._next_flushable_epoch,
                available_flushes=self._flush_size() if fresh else self._cached_flushes,
                flush_size=self._flush_size(),
                is_bootstrapped=self._bootstrapped,
                active_attester_count=self._active_count(),
                config=self.queue_config,
                clock=self.epoch_clock,
            ),
        )

    def attester_views(self, attesters: Sequence[Address]) -> Mapping[Address, AttesterView]:
        self._read("attester_views")
        return {attester: self._views.get(attester, NOT_STAKED) for attester in attesters}

    def balances(self, accounts: Sequence[Address]) -> Mapping[Address, Wei]:
        self._read("balances")
        return {account: Wei(self._balances.get(account, 0)) for account in accounts}

    def registration_digests(self, public_keys: Sequence[G1Point]) -> Sequence[G1Point]:
        self._read("registration_digests")
        return [fake_registration_digest(key) for key in public_keys]

    def staked_with_provider(
        self, provider_id: int, from_block: int, to_block: int, attesters: Sequence[Address] | None = None
    ) -> Sequence[StakedWithProvider]:
        self._read("staked_with_provider")
        if from_block < 0:
            raise ValueError("from_block must not be negative")
        return [
            e
            for e in self._events
            if e.provider_id == provider_id
            and from_block <= e.block_number <= to_block
            and (attesters is None or e.attester in attesters)
        ]

    def rollup_deposit_events(
        self, attesters: Sequence[Address], from_block: int, to_block: int
    ) -> Sequence[RollupDepositEvent]:
        self._read("rollup_deposit_events")
        if from_block < 0:
            raise ValueError("from_block must not be negative")
        wanted = set(attesters)
        return [
            e
            for e in self._rollup_events
            if e.attester in wanted and from_block <= e.block_number <= to_block
        ]

    def block_hashes(self, blocks: Sequence[int]) -> Mapping[int, str]:
        self._read("block_hashes")
        return {block: self._block_hash(block) for block in blocks if 0 <= block <= self._head}


# mypy checks this assignment against the port, so the fake cannot drift from it unnoticed.
_CONFORMS: type[Chain] = FakeChain
