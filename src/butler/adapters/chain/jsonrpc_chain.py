"""The `Chain` port over Ethereum JSON-RPC: a facade over the node reads, the contract reads and the log
scans of this package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from butler.adapters.chain.contract_reader import Contract, ContractReader
from butler.adapters.chain.contract_reads import ReadMeans
from butler.adapters.chain.entry_queue_reads import EntryQueueReads
from butler.adapters.chain.log_scanner import LogScanner
from butler.adapters.chain.node_answers import NodeAnswers
from butler.adapters.chain.node_reads import NodeReads, WrongChain
from butler.adapters.chain.read_batching import AggregationStatus, ReadBatching
from butler.adapters.chain.rollup_reads import RollupReads, WrongRollup
from butler.adapters.chain.staking_registry_reads import StakingRegistryReads
from butler.adapters.chain.transport import RpcTransport
from butler.domain.address import Address
from butler.domain.chain_evidence import BlockRef, HeadReading
from butler.domain.config import NetworkConfig
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

if TYPE_CHECKING:
    from butler.adapters.endpoints import Endpoints

__all__ = ["JsonRpcChain", "WrongChain", "WrongRollup"]


class JsonRpcChain:
    """Reads the StakingRegistry, the Rollup and its GSE through one JSON-RPC node.

    The rollup is the canonical one of the Aztec Registry the staking registry names
    (`ROLLUP_REGISTRY()`, then `getCanonicalRollup()`), looked up once before the first rollup read. A
    configured `rollup` must be that one: any other is refused (`WrongRollup`).

    `rpc` is the node's url or a ready `RpcTransport` (to tune timeouts, retries and batch size).
    Before its first read the adapter checks, once, that the node serves `chain_id` (`WrongChain`).
    `max_log_span` bounds the blocks per `eth_getLogs` request (None: try the whole range first);
    ranges the node refuses as too large are halved until it accepts them, and grow again while it
    accepts them (see `LogScanner`). What the adapter learns about the node's limit lasts across calls.
    With `aggregate`, the items of the queues and the attester views are read up to a few hundred per
    `eth_call` (see `aggregate_calls`) rather than one `eth_call` each: far fewer calls and requests
    for thousands of attesters, the same answers and errors. Nodes that refuse such calls (no `to`, too
    much gas or data) get the same items one `eth_call` each, at the same block; once those answer,
    the adapter stops aggregating for good (see `read_batching`).
    """

    def __init__(
        self,
        rpc: RpcTransport | str,
        *,
        chain_id: int,
        staking_registry: Address,
        rollup: Address | None = None,
        network: str | None = None,
        max_log_span: int | None = None,
        aggregate: bool = False,
    ) -> None:
        self._rpc = rpc if isinstance(rpc, RpcTransport) else RpcTransport(rpc)
        answers = NodeAnswers(self._rpc.node)
        reader = ContractReader(self._rpc, answers)
        logs = LogScanner(self._rpc, max_log_span)
        self._batching = ReadBatching(self._rpc, reader, answers, aggregate=aggregate)
        registry = Contract.configured("staking_registry", staking_registry)
        self._node = NodeReads(self._rpc, answers, chain_id=chain_id, network=network)
        means = ReadMeans(answers, reader, self._batching, logs)
        self._registry = StakingRegistryReads(registry, means)
        self._rollup = RollupReads(registry, means, configured=rollup)
        self._entry_queue = EntryQueueReads(means)

    @classmethod
    def from_config(
        cls,
        config: NetworkConfig,
        rpc: RpcTransport | Endpoints,
        *,
        max_log_span: int | None = None,
        aggregate: bool = False,
    ) -> JsonRpcChain:
        """The chain `config` names, over `rpc`: a transport, or the endpoints to open one on."""
        return cls(
            rpc if isinstance(rpc, RpcTransport) else RpcTransport(rpc.rpc_url),
            chain_id=config.chain_id,
            staking_registry=config.staking_registry,
            rollup=config.rollup,
            network=config.network,
            max_log_span=max_log_span,
            aggregate=aggregate,
        )

    def __repr__(self) -> str:
        return f"JsonRpcChain({self._rpc.node}, chain_id={self._node.chain_id})"

    def close(self) -> None:
        """Releases the transport's pooled connections."""
        self._rpc.close()

    @property
    def read_batching(self) -> AggregationStatus:
        """Whether item reads are aggregated, and how the node refused them when they no longer are."""
        return self._batching.status

    # -- Chain -----------------------------------------------------------------------------------

    def chain_id(self) -> int:
        self._node.check_chain()
        return self._node.chain_id

    def rollup(self) -> Address:
        """The rollup this adapter reads: the canonical one, looked up once (see the class docstring)."""
        self._node.check_chain()
        return self._rollup.rollup().address

    def head_block(self) -> int:
        self._node.check_chain()
        return self._node.head_block()

    def block(self, number: int | None = None) -> BlockRef | None:
        self._node.check_chain()
        return self._node.block(number)

    def read_head(self, ancestor: int | None = None) -> HeadReading:
        self._node.check_chain()
        return self._node.read_head(ancestor)

    def provider_by_id(self, provider_id: int) -> Provider | None:
        self._node.check_chain()
        return self._registry.provider_by_id(provider_id)

    def provider_by_admin(self, admin: Address) -> Provider | None:
        self._node.check_chain()
        return self._registry.provider_by_admin(admin)

    def provider_queue(self, provider_id: int) -> Sequence[KeyStore]:
        self._node.check_chain()
        return self._registry.provider_queue(provider_id)

    def entry_queue(self) -> Sequence[DepositArgs]:
        self._node.check_chain()
        return self._entry_queue.entries(self._rollup.rollup())

    def entry_queue_state(self) -> EntryQueueState:
        self._node.check_chain()
        entries, flush_state = self._entry_queue.entries_and_flush_state(self._rollup.rollup())
        return EntryQueueState(tuple(entries), flush_state)

    def attester_views(self, attesters: Sequence[Address]) -> Mapping[Address, AttesterView]:
        unique = list(dict.fromkeys(attesters))
        if not unique:
            return {}
        self._node.check_chain()
        return self._rollup.attester_views(unique)

    def balances(self, accounts: Sequence[Address]) -> Mapping[Address, Wei]:
        unique = list(dict.fromkeys(accounts))
        if not unique:
            return {}
        self._node.check_chain()
        return self._node.balances(unique)

    def registration_digests(self, public_keys: Sequence[G1Point]) -> Sequence[G1Point]:
        if not public_keys:
            return []
        self._node.check_chain()
        return self._rollup.registration_digests(public_keys)

    def staked_with_provider(
        self, provider_id: int, from_block: int, to_block: int, attesters: Sequence[Address] | None = None
    ) -> Sequence[StakedWithProvider]:
        if from_block < 0:
            raise ValueError("from_block must not be negative")
        if from_block > to_block or (attesters is not None and not attesters):
            return []
        self._node.check_chain()
        return self._registry.staked_with_provider(provider_id, from_block, to_block, attesters)

    def rollup_deposit_events(
        self, attesters: Sequence[Address], from_block: int, to_block: int
    ) -> Sequence[RollupDepositEvent]:
        if from_block < 0:
            raise ValueError("from_block must not be negative")
        if from_block > to_block or not attesters:
            return []
        self._node.check_chain()
        return self._rollup.deposit_events(attesters, from_block, to_block)

    def block_hashes(self, blocks: Sequence[int]) -> Mapping[int, str]:
        unique = list(dict.fromkeys(blocks))
        if not unique:
            return {}
        self._node.check_chain()
        return self._node.block_hashes(unique)
