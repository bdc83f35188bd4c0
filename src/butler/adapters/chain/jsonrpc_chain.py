"""The `Chain` port over Ethereum JSON-RPC: ABI-encoded `eth_call`s in batches, logs in adaptive ranges."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError

from butler.adapters.chain import aggregate_calls
from butler.adapters.chain import contract_abis as abis
from butler.adapters.chain.log_span import LogSpan
from butler.adapters.chain.rpc import RpcCall, RpcError, RpcTransport, one_line
from butler.adapters.chain.static_abi import StaticLayout
from butler.domain.address import Address
from butler.domain.chain_evidence import BlockRef, HeadReading
from butler.domain.config import NetworkConfig
from butler.domain.entry_queue import EntryQueueState, EpochClock, FlushState, QueueConfig, flush_size
from butler.domain.errors import ChainError
from butler.domain.hashing import keccak256
from butler.domain.onchain import (
    AttesterStatus,
    AttesterView,
    DepositArgs,
    DepositStep,
    G1Point,
    G2Point,
    KeyStore,
    Provider,
    RollupDepositEvent,
    StakedWithProvider,
)
from butler.domain.wei import Wei

if TYPE_CHECKING:
    from butler.adapters.files.config_file import Endpoints

_PROVIDER_CONFIGURATIONS = abis.function(abis.STAKING_REGISTRY, "providerConfigurations")
_NEXT_PROVIDER_IDENTIFIER = abis.function(abis.STAKING_REGISTRY, "nextProviderIdentifier")
_FIRST_INDEX = abis.function(abis.STAKING_REGISTRY, "getFirstIndexInQueue")
_LAST_INDEX = abis.function(abis.STAKING_REGISTRY, "getLastIndexInQueue")
_VALUE_AT_INDEX = abis.function(abis.STAKING_REGISTRY, "getValueAtIndexInQueue")
_STAKED_WITH_PROVIDER = abis.event(abis.STAKING_REGISTRY, "StakedWithProvider")
_DEPOSIT_STEPS = {
    "0x" + abis.event(abis.ROLLUP_DEPOSITS, name).topic0.hex(): step
    for name, step in (
        ("ValidatorQueued", DepositStep.QUEUED),
        ("Deposit", DepositStep.DEPOSITED),
        ("FailedDeposit", DepositStep.FAILED),
    )
}
_ATTESTER_VIEW = abis.function(abis.ROLLUP, "getAttesterView")
_ENTRY_QUEUE_LENGTH = abis.function(abis.ROLLUP, "getEntryQueueLength")
_ENTRY_QUEUE_AT = abis.function(abis.ROLLUP, "getEntryQueueAt")
_GET_GSE = abis.function(abis.ROLLUP, "getGSE")
_ROLLUP_REGISTRY = abis.function(abis.STAKING_REGISTRY, "ROLLUP_REGISTRY")
_CANONICAL_ROLLUP = abis.function(abis.REGISTRY, "getCanonicalRollup")
_REGISTRATION_DIGEST = abis.function(abis.GSE, "getRegistrationDigest")
# What the entry queue's flush schedule depends on, read with the queue (see `FlushState`).
_FLUSH_STATE_FUNCTIONS = tuple(
    abis.function(abis.ROLLUP, name)
    for name in (
        "getCurrentEpoch",
        "getNextFlushableEpoch",
        "getAvailableValidatorFlushes",
        "getEntryQueueFlushSize",
        "getIsBootstrapped",
        "getActiveAttesterCount",
        "getGenesisTime",
        "getSlotDuration",
        "getEpochDuration",
    )
)
# The rollup has no getter for its queue configuration: it is read from the Rollup's staking storage
# (Aztec 4.1.2 `StakingLib.StakingStorage` at keccak256("aztec.core.staking.storage")), whose 5th slot
# holds it and whose 8th packs nextFlushableEpoch (bits 0-31) and isBootstrapped (bits 64-71). The
# latter are compared with their getters, so a rollup laid out differently is refused, never misread.
_STAKING_SLOT = int.from_bytes(keccak256(b"aztec.core.staking.storage"), "big")
_QUEUE_CONFIG_SLOT = _STAKING_SLOT + 4
_FLUSH_FIELDS_SLOT = _STAKING_SLOT + 7

# Words of an error message by which nodes and RPC services say an eth_getLogs range or its result is
# too large. Rate limits use similar words ("limit exceeded"); those are not helped by smaller ranges.
_TOO_LARGE_WORDS = (
    "range",
    "too many",
    "too large",
    "too big",
    "more than",
    "max results",
    "response size",
    "result set",
    "limit",
    "exceed",
)
# Words of errors that say the node lacks the block just asked for (a load-balanced service whose
# backends lag behind each other): the same read soon succeeds, aggregated or not.
_BLOCK_UNKNOWN_WORDS = ("header not found", "unknown block", "block not found")

_LATEST = "latest"

# Revert data that is not a custom error: `Error(string)` (require with a message) and `Panic(uint256)`.
_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


class WrongChain(ChainError):
    """The node serves another chain than the configuration names: no retry will help."""


class WrongRollup(ChainError):
    """The configured rollup is not the canonical rollup of the staking registry's Aztec Registry: reads
    of it would describe another rollup than the one stakes go to. No retry will help."""


class _Contract(NamedTuple):
    """A contract the adapter reads, as errors name it, and the configured address that leads to it."""

    address: Address
    name: str  # "rollup 0xAbC…", "GSE 0x12…, named by rollup 0xAbC…"
    setting: str  # the config field to check when the contract misbehaves

    @classmethod
    def configured(cls, setting: str, address: Address) -> _Contract:
        return cls(address, f"{setting} {address}", setting)


class _Read(NamedTuple):
    """An `eth_call` of one contract function, with what an error about it has to name."""

    contract: _Contract
    function: abis.AbiFunction
    call: RpcCall


class _Aggregate(NamedTuple):
    """One `eth_call` reading `function` for `items` items (see `aggregate_calls`): its result is the
    list of their answers, each `size` bytes. `unaggregated` gives the same reads one `eth_call` each."""

    contract: _Contract
    function: abis.AbiFunction
    call: RpcCall
    items: int
    size: int
    unaggregated: Callable[[], list[_Read]]


_Request = _Read | _Aggregate | RpcCall


class JsonRpcChain:
    """Reads the StakingRegistry, the Rollup and its GSE through one JSON-RPC node.

    The rollup is the canonical one of the Aztec Registry the staking registry names
    (`ROLLUP_REGISTRY()`, then `getCanonicalRollup()`), looked up once before the first rollup read. A
    configured `rollup` must be that one: any other is refused (`WrongRollup`).

    `rpc` is the node's url or a ready `RpcTransport` (to tune timeouts, retries and batch size).
    Before its first read the adapter checks, once, that the node serves `chain_id`.
    `max_log_span` bounds the blocks per `eth_getLogs` request (None: try the whole range first);
    ranges the node refuses as too large are halved until it accepts them, and grow again while it
    accepts them (see `LogSpan`). What the adapter learns about the node's limit lasts across calls.
    With `aggregate`, the items of the queues and the attester views are read up to a few hundred per
    `eth_call` (see `aggregate_calls`) rather than one `eth_call` each: far fewer calls and requests
    for thousands of attesters, the same answers and errors. Nodes that refuse such calls (no `to`, too
    much gas or data) get the same items one `eth_call` each, at the same block; once those answer,
    the adapter stops aggregating for good (see `aggregating` and `aggregation_refused`).
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
        self._expected_chain_id = chain_id
        self._registry = _Contract.configured("staking_registry", staking_registry)
        self._configured_rollup = rollup
        self._rollup_contract: _Contract | None = None
        self._network = network
        if max_log_span is not None and max_log_span < 1:
            raise ValueError("max_log_span must be at least 1")
        self._log_span = LogSpan(max_log_span)
        self._aggregate = aggregate
        self._aggregation_refused: str | None = None
        self._chain_checked = False
        self._gse: _Contract | None = None

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
        return f"JsonRpcChain({self._rpc.node}, chain_id={self._expected_chain_id})"

    def close(self) -> None:
        """Releases the transport's pooled connections."""
        self._rpc.close()

    @property
    def aggregating(self) -> bool:
        """Whether item reads are still aggregated: asked for, and not refused by the node."""
        return self._aggregate

    @property
    def aggregation_refused(self) -> str | None:
        """How the node refused aggregated reads (its error message and code), once it has."""
        return self._aggregation_refused

    # -- Chain -----------------------------------------------------------------------------------

    def chain_id(self) -> int:
        self._ready()
        return self._expected_chain_id

    def rollup(self) -> Address:
        """The rollup this adapter reads: the canonical one, looked up once (see the class docstring)."""
        self._ready()
        return self._rollup().address

    def head_block(self) -> int:
        self._ready()
        return self._quantity(self._rpc.request("eth_blockNumber"), "eth_blockNumber")

    def block(self, number: int | None = None) -> BlockRef | None:
        self._ready()
        raw = self._rpc.request("eth_getBlockByNumber", [_LATEST if number is None else hex(number), False])
        if raw is None and number is not None:
            return None
        return self._block_ref(raw, "eth_getBlockByNumber")

    def read_head(self, ancestor: int | None = None) -> HeadReading:
        self._ready()
        calls = [RpcCall("eth_chainId", []), RpcCall("eth_getBlockByNumber", [_LATEST, False])]
        if ancestor is not None:
            calls.append(RpcCall("eth_getBlockByNumber", [hex(ancestor), False]))
        raw_id, raw_head, *raw_ancestor = self._rpc.batch(calls)
        then = raw_ancestor[0] if raw_ancestor else None
        return HeadReading(
            self._quantity(raw_id, "eth_chainId"),
            self._block_ref(raw_head, "eth_getBlockByNumber"),
            None if then is None else self._block_ref(then, "eth_getBlockByNumber"),
        )

    def _block_ref(self, raw: Any, what: str) -> BlockRef:
        """One `eth_getBlockByNumber` answer, for `block` and `block_hashes` alike."""
        if not isinstance(raw, dict):
            raise ChainError(f"rpc {self._rpc.node}: malformed answer to {what}: not a block")
        block_hash = _hex_bytes(raw.get("hash"))
        if block_hash is None or len(block_hash) != 32:
            raise ChainError(f"rpc {self._rpc.node}: malformed answer to {what}: no block hash")
        return BlockRef(self._quantity(raw.get("number"), what), block_hash)

    def provider_by_id(self, provider_id: int) -> Provider | None:
        self._ready()
        (raw,) = self._batch([self._call(self._registry, _PROVIDER_CONFIGURATIONS, provider_id)])
        return self._provider(provider_id, raw)

    def provider_by_admin(self, admin: Address) -> Provider | None:
        self._ready()
        (raw_next,) = self._batch([self._call(self._registry, _NEXT_PROVIDER_IDENTIFIER)])
        (next_id,) = self._decode(_NEXT_PROVIDER_IDENTIFIER, raw_next, self._registry)
        ids = range(1, next_id)
        raws = self._batch([self._call(self._registry, _PROVIDER_CONFIGURATIONS, i) for i in ids])
        for provider_id, raw in zip(ids, raws, strict=True):
            provider = self._provider(provider_id, raw)
            if provider is not None and provider.admin == admin:
                return provider
        return None

    def provider_queue(self, provider_id: int) -> Sequence[KeyStore]:
        self._ready()

        def bounds(block: str) -> list[_Read]:
            return [
                self._call(self._registry, _FIRST_INDEX, provider_id, block=block),
                self._call(self._registry, _LAST_INDEX, provider_id, block=block),
            ]

        def items(raw_bounds: Sequence[Any], block: str) -> list[_Read | _Aggregate]:
            (first,) = self._decode(_FIRST_INDEX, raw_bounds[0], self._registry)
            (last,) = self._decode(_LAST_INDEX, raw_bounds[1], self._registry)
            if last < first:
                raise ChainError(
                    f"rpc {self._rpc.node}: provider {provider_id}'s queue ends ({last}) before it "
                    f"starts ({first})"
                )
            return self._item_reads(
                self._registry, _VALUE_AT_INDEX, (provider_id,), range(first, last), block
            )

        answers = self._read_pinned(bounds, items)
        return [_key_store(self._decoded(_VALUE_AT_INDEX, data, self._registry)[0]) for data in answers]

    def entry_queue(self) -> Sequence[DepositArgs]:
        entries, _ = self._entry_queue_read(flush_state=False)
        return entries

    def entry_queue_state(self) -> EntryQueueState:
        entries, flush_answers = self._entry_queue_read(flush_state=True)
        return EntryQueueState(tuple(entries), self._flush_state(flush_answers, len(entries)))

    def _entry_queue_read(self, *, flush_state: bool) -> tuple[list[DepositArgs], list[bytes]]:
        """The entry queue, and with `flush_state` the answers of `_flush_state_reads` at the same block
        (in the same requests)."""
        self._ready()

        rollup = self._rollup()

        def bounds(block: str) -> list[_Read]:
            return [self._call(rollup, _ENTRY_QUEUE_LENGTH, block=block)]

        def items(raw_bounds: Sequence[Any], block: str) -> list[_Request]:
            (length,) = self._decode(_ENTRY_QUEUE_LENGTH, raw_bounds[0], rollup)
            extra = self._flush_state_reads(rollup, block) if flush_state else []
            return [*extra, *self._item_reads(rollup, _ENTRY_QUEUE_AT, (), range(length), block)]

        answers = self._read_pinned(bounds, items)
        skip = len(self._flush_state_reads(rollup, _LATEST)) if flush_state else 0
        entries = [_deposit_args(self._decoded(_ENTRY_QUEUE_AT, data, rollup)[0]) for data in answers[skip:]]
        return entries, answers[:skip]

    def _flush_state_reads(self, rollup: _Contract, block: str) -> list[_Request]:
        storage = [
            RpcCall("eth_getStorageAt", [rollup.address.checksum, hex(slot), block])
            for slot in (_QUEUE_CONFIG_SLOT, _FLUSH_FIELDS_SLOT)
        ]
        return [*(self._call(rollup, f, block=block) for f in _FLUSH_STATE_FUNCTIONS), *storage]

    def _flush_state(self, answers: Sequence[bytes], queue_length: int) -> FlushState:
        rollup = self._rollup()
        n = len(_FLUSH_STATE_FUNCTIONS)
        values = [
            self._decoded(function, data, rollup)[0]
            for function, data in zip(_FLUSH_STATE_FUNCTIONS, answers[:n], strict=True)
        ]
        epoch, next_flushable, available, size, bootstrapped, active, genesis, slot, epoch_slots = values
        config_word, fields_word = (int.from_bytes(data, "big") for data in answers[n:])
        config = QueueConfig.from_word(config_word)
        stored = (fields_word & 0xFFFF_FFFF, bool((fields_word >> 64) & 0xFF))
        computed = flush_size(config, active=active, queue_length=queue_length, bootstrapped=bootstrapped)
        if stored != (next_flushable, bootstrapped) or computed != size:
            raise ChainError(
                f"rpc {self._rpc.node}: {rollup.name} does not keep its entry-queue configuration "
                "where Aztec's Rollup 4.1.2 does (its storage disagrees with getNextFlushableEpoch, "
                "getIsBootstrapped or getEntryQueueFlushSize): is the configured "
                f"{rollup.setting} address right?"
            )
        return FlushState(
            current_epoch=epoch,
            next_flushable_epoch=next_flushable,
            available_flushes=available,
            flush_size=size,
            is_bootstrapped=bootstrapped,
            active_attester_count=active,
            config=config,
            clock=EpochClock(genesis_time=genesis, slot_duration=slot, epoch_duration=epoch_slots),
        )

    def attester_views(self, attesters: Sequence[Address]) -> Mapping[Address, AttesterView]:
        unique = list(dict.fromkeys(attesters))
        if not unique:
            return {}
        self._ready()
        rollup = self._rollup()
        reads = self._item_reads(rollup, _ATTESTER_VIEW, (), unique, _LATEST)
        answers = self._answers(reads, self._batch(reads))
        return {
            attester: self._attester_view(attester, self._decoded(_ATTESTER_VIEW, data, rollup)[0])
            for attester, data in zip(unique, answers, strict=True)
        }

    def balances(self, accounts: Sequence[Address]) -> Mapping[Address, Wei]:
        unique = list(dict.fromkeys(accounts))
        if not unique:
            return {}
        self._ready()
        raws = self._rpc.batch([RpcCall("eth_getBalance", [a.checksum, _LATEST]) for a in unique])
        return {
            account: Wei(self._quantity(raw, "eth_getBalance"))
            for account, raw in zip(unique, raws, strict=True)
        }

    def registration_digests(self, public_keys: Sequence[G1Point]) -> Sequence[G1Point]:
        if not public_keys:
            return []
        self._ready()
        gse = self._gse_address()
        raws = self._batch([self._call(gse, _REGISTRATION_DIGEST, (pk.x, pk.y)) for pk in public_keys])
        digests = []
        for raw in raws:
            ((x, y),) = self._decode(_REGISTRATION_DIGEST, raw, gse)
            digests.append(G1Point(x=x, y=y))
        return digests

    def staked_with_provider(
        self, provider_id: int, from_block: int, to_block: int, attesters: Sequence[Address] | None = None
    ) -> Sequence[StakedWithProvider]:
        if from_block < 0:
            raise ValueError("from_block must not be negative")
        if from_block > to_block or (attesters is not None and not attesters):
            return []
        self._ready()
        provider_topic = "0x" + provider_id.to_bytes(32, "big").hex()
        topics: list[Any] = ["0x" + _STAKED_WITH_PROVIDER.topic0.hex(), provider_topic]
        if attesters is not None:
            topics += [None, [_address_topic(a) for a in dict.fromkeys(attesters)]]
        logs = self._logs(self._registry.address, topics, from_block, to_block)
        events = list(self._staked_events(logs, provider_id))
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return events

    def rollup_deposit_events(
        self, attesters: Sequence[Address], from_block: int, to_block: int
    ) -> Sequence[RollupDepositEvent]:
        if from_block < 0:
            raise ValueError("from_block must not be negative")
        if from_block > to_block or not attesters:
            return []
        self._ready()
        topics = [list(_DEPOSIT_STEPS), [_address_topic(a) for a in dict.fromkeys(attesters)]]
        logs = self._logs(self._rollup().address, topics, from_block, to_block)
        events = [self._deposit_event(log) for log in logs if not log.get("removed")]
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return events

    def block_hashes(self, blocks: Sequence[int]) -> Mapping[int, str]:
        unique = list(dict.fromkeys(blocks))
        if not unique:
            return {}
        self._ready()
        raws = self._rpc.batch([RpcCall("eth_getBlockByNumber", [hex(b), False]) for b in unique])
        hashes = {}
        for block, raw in zip(unique, raws, strict=True):
            if raw is not None:  # None: beyond the head
                hashes[block] = "0x" + self._block_ref(raw, f"eth_getBlockByNumber({block})").hash.hex()
        return hashes

    def _logs(self, address: Address, topics: list[Any], from_block: int, to_block: int) -> list[Any]:
        """Every log `eth_getLogs` gives for the filter, in ranges the node accepts (see `LogSpan`)."""
        found: list[Any] = []
        cursor = from_block
        while cursor <= to_block:
            end = cursor + self._log_span.size(to_block - cursor + 1) - 1
            log_filter = {
                "address": address.checksum,
                "fromBlock": hex(cursor),
                "toBlock": hex(end),
                "topics": topics,
            }
            try:
                logs = self._rpc.request("eth_getLogs", [log_filter])
            except RpcError as error:
                if end == cursor or not _says_too_large(error):
                    raise
                self._log_span.refused(end - cursor + 1)
                continue
            self._log_span.accepted(end - cursor + 1)
            if not isinstance(logs, list) or not all(isinstance(log, dict) for log in logs):
                raise ChainError(
                    f"rpc {self._rpc.node}: malformed answer to eth_getLogs: expected a list of logs"
                )
            found.extend(logs)
            cursor = end + 1
        return found

    # -- helpers ---------------------------------------------------------------------------------

    def _ready(self) -> None:
        if self._chain_checked:
            return
        reported = self._quantity(self._rpc.request("eth_chainId"), "eth_chainId")
        if reported != self._expected_chain_id:
            config = f"the config for network {self._network!r}" if self._network else "the config"
            raise WrongChain(
                f"rpc_url {self._rpc.node} reports chain id {reported} but {config} expects "
                f"{self._expected_chain_id}"
            )
        self._chain_checked = True

    def _rollup(self) -> _Contract:
        if self._rollup_contract is None:
            canonical, registry = self._canonical_rollup()
            configured = self._configured_rollup
            if configured is None:
                self._rollup_contract = _Contract(
                    canonical, f"rollup {canonical}, canonical in {registry.name}", registry.setting
                )
            elif configured != canonical:
                raise WrongRollup(
                    f"rollup {configured} is not the canonical rollup {canonical} of {registry.name}: "
                    "set rollup to the canonical one, or leave it out to follow the canonical rollup"
                )
            else:
                self._rollup_contract = _Contract.configured("rollup", configured)
        return self._rollup_contract

    def _canonical_rollup(self) -> tuple[Address, _Contract]:
        (raw,) = self._batch([self._call(self._registry, _ROLLUP_REGISTRY)])
        (aztec_registry,) = self._decode(_ROLLUP_REGISTRY, raw, self._registry)
        address = _address(aztec_registry)
        registry = _Contract(
            address, f"the Aztec Registry {address}, named by {self._registry.name}", "staking_registry"
        )
        (raw,) = self._batch([self._call(registry, _CANONICAL_ROLLUP)])
        (canonical,) = self._decode(_CANONICAL_ROLLUP, raw, registry)
        if _address(canonical).is_zero:
            raise ChainError(f"rpc {self._rpc.node}: {registry.name} has no canonical rollup")
        return _address(canonical), registry

    def _gse_address(self) -> _Contract:
        if self._gse is None:
            rollup = self._rollup()
            (raw,) = self._batch([self._call(rollup, _GET_GSE)])
            (gse,) = self._decode(_GET_GSE, raw, rollup)
            address = _address(gse)
            if address.is_zero:
                raise ChainError(
                    f"rpc {self._rpc.node}: {rollup.name} names no GSE: is the configured "
                    f"{rollup.setting} address right?"
                )
            self._gse = _Contract(address, f"GSE {address}, named by {rollup.name}", rollup.setting)
        return self._gse

    def _read_pinned(
        self,
        bounds: Callable[[str], list[_Read]],
        items: Callable[[Sequence[Any], str], Sequence[_Request]],
    ) -> list[bytes]:
        """Items of a queue, all read at one block although their count is only known after a read.

        First the bounds (at `latest`) and the block number; then the bounds again and the items, both
        at that block. If the bounds moved in between (a stake or flush landed), the items are read once
        more for the bounds seen at the pinned block. Usually two round trips, never a torn read.
        Returns the items' answers, in order.
        """
        n_bounds = len(bounds(_LATEST))
        *seen, head = self._batch([*bounds(_LATEST), RpcCall("eth_blockNumber", [])])
        block = hex(self._quantity(head, "eth_blockNumber"))
        item_reads = items(seen, block)
        results = self._batch_results([*bounds(block), *item_reads])
        pinned, found = results[:n_bounds], results[n_bounds:]
        for result in pinned:
            if isinstance(result, ChainError):
                raise result
        if pinned != seen or any(isinstance(result, ChainError) for result in found):
            item_reads = items(pinned, block)
            found = self._batch(item_reads)
        return self._answers(item_reads, found)

    def _item_reads(
        self,
        contract: _Contract,
        function: abis.AbiFunction,
        leading: tuple[Any, ...],
        items: Sequence[int] | Sequence[Address],
        block: str,
    ) -> list[_Read | _Aggregate]:
        """Reads of `function(*leading, item)` for each item: one eth_call each, or aggregated."""
        if not self._aggregate:
            return [*self._plain_reads(contract, function, leading, items, block)]
        layout = _layout(function)
        if layout is None:
            raise TypeError(f"{function.signature} has a result of dynamic size: it cannot be aggregated")
        # With static arguments only, the call is the selector, the leading arguments' words, then the item's.
        prefix = function.selector + encode(list(function.input_types[:-1]), list(leading))
        chunk = aggregate_calls.max_items(layout.size)
        reads: list[_Read | _Aggregate] = []
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            words = [bytes(12) + i.raw if isinstance(i, Address) else i.to_bytes(32, "big") for i in part]
            data = aggregate_calls.call_data(contract.address, prefix, words, layout.size)
            call = RpcCall("eth_call", [{"data": "0x" + data.hex()}, block])
            plain = functools.partial(self._plain_reads, contract, function, leading, part, block)
            reads.append(_Aggregate(contract, function, call, len(part), layout.size, plain))
        return reads

    def _plain_reads(
        self,
        contract: _Contract,
        function: abis.AbiFunction,
        leading: tuple[Any, ...],
        items: Sequence[int] | Sequence[Address],
        block: str,
    ) -> list[_Read]:
        return [
            self._call(
                contract,
                function,
                *leading,
                item.checksum if isinstance(item, Address) else item,
                block=block,
            )
            for item in items
        ]

    def _answers(self, reads: Sequence[_Request], results: Sequence[Any]) -> list[bytes]:
        """The answer to every item of `reads` (their successful `results`), in order; a storage word
        as its 32 bytes."""
        answers: list[bytes] = []
        for read, result in zip(reads, results, strict=True):
            if isinstance(read, _Aggregate):
                answers.extend(result)
            elif isinstance(read, RpcCall):
                answers.append(self._quantity(result, read.method).to_bytes(32, "big"))
            else:
                answers.append(self._data(result, read.function.name))
        return answers

    def _batch(self, requests: Sequence[_Request]) -> list[Any]:
        """Results of all `requests` in order; the first call the node refused raises its `ChainError`."""
        results = self._batch_results(requests)
        for result in results:
            if isinstance(result, ChainError):
                raise result
        return results

    def _batch_results(self, requests: Sequence[_Request]) -> list[Any]:
        """Like `_batch`, but a refused call yields its `ChainError` in its place.

        An `_Aggregate`'s result is the list of its items' answers."""
        calls = [request if isinstance(request, RpcCall) else request.call for request in requests]
        results = [
            self._aggregated(request, result)
            if isinstance(request, _Aggregate)
            else self._read_failed(request, result)
            if isinstance(result, RpcError) and isinstance(request, _Read)
            else result
            for request, result in zip(requests, self._rpc.batch_results(calls), strict=True)
        ]
        refused = [
            (i, request, result)
            for i, (request, result) in enumerate(zip(requests, results, strict=True))
            if isinstance(request, _Aggregate) and isinstance(result, RpcError)
        ]
        if refused:
            unaggregated = self._unaggregated([request for _, request, _ in refused], refused[0][2])
            for (i, _, _), answers in zip(refused, unaggregated, strict=True):
                results[i] = answers
        return results

    def _unaggregated(self, refused: Sequence[_Aggregate], error: RpcError) -> list[list[bytes] | ChainError]:
        """The results of `refused` aggregated reads, read again one `eth_call` per item at the same block.

        When every item answers, the node refused the aggregation, not the reads (it may forbid calls
        without `to`, or cap their gas or size): the adapter stops aggregating. Otherwise each read
        fails as it would without aggregation (e.g. the contract reverts) and aggregation stays on."""
        reads = [each for aggregate in refused for each in aggregate.unaggregated()]
        results = iter(self._batch_results(reads))
        per_aggregate = [[next(results) for _ in range(aggregate.items)] for aggregate in refused]
        failures = [
            next((r for r in answers if isinstance(r, ChainError)), None) for answers in per_aggregate
        ]
        if not any(failures):
            self._aggregate = False
            self._aggregation_refused = f"{one_line(error.rpc_message)} (code {error.code})"
        return [
            failure or [self._data(r, aggregate.function.name) for r in answers]
            for aggregate, answers, failure in zip(refused, per_aggregate, failures, strict=True)
        ]

    def _aggregated(self, read: _Aggregate, result: Any) -> list[bytes] | ChainError:
        """The answers to an aggregated read, or its error; an `RpcError` (as the node said it) when
        the node may have refused the aggregation itself, for `_unaggregated` to read the items again."""
        what = f"rpc {self._rpc.node}: {read.function.signature} on {read.contract.name}"
        hint = f"is the configured {read.contract.setting} address right?"
        if isinstance(result, RpcError):
            wrong_size = (
                aggregate_calls.unexpected_size(_hex_bytes(result.data)) if _is_revert(result) else None
            )
            if wrong_size is None:
                return self._read_failed(read, result) if _lacks_block(result) else result
            _, size = wrong_size
            if size == 0:
                return ChainError(f"{what} returned no data (no contract there?): {hint}")
            return ChainError(f"{what} returned {size} bytes where {read.size} were expected: {hint}")
        answers = aggregate_calls.split_answers(self._data(result, read.function.name), read.items, read.size)
        if answers is None:
            return ChainError(
                f"rpc {self._rpc.node}: malformed answer to an aggregated {read.function.signature}"
            )
        return answers

    def _read_failed(self, read: _Read | _Aggregate, error: RpcError) -> ChainError:
        """The node's verdict on an eth_call, naming the function, the contract and what to check."""
        what = f"rpc {self._rpc.node}: {read.function.signature} on {read.contract.name}"
        if not _is_revert(error):
            return ChainError(f"{what}: eth_call failed: {one_line(error.rpc_message)} (code {error.code})")
        # Read functions do not revert on the contract they belong to: a revert, typically without
        # data, means the address holds another contract (e.g. the registry where the rollup belongs).
        return ChainError(
            f"{what} reverted{_revert_reason(error.data)}: is the configured {read.contract.setting} "
            "address right?"
        )

    def _call(self, to: _Contract, function: abis.AbiFunction, *args: Any, block: str = _LATEST) -> _Read:
        data = "0x" + function.encode_call(*args).hex()
        return _Read(to, function, RpcCall("eth_call", [{"to": to.address.checksum, "data": data}, block]))

    def _decode(self, function: abis.AbiFunction, raw: Any, contract: _Contract) -> tuple[Any, ...]:
        return self._decoded(function, self._data(raw, function.name), contract)

    def _decoded(self, function: abis.AbiFunction, data: bytes, contract: _Contract) -> tuple[Any, ...]:
        what = f"rpc {self._rpc.node}: {function.signature} on {contract.name}"
        hint = f"is the configured {contract.setting} address right?"
        if not data:
            # A call to an address without code succeeds with empty data.
            raise ChainError(f"{what} returned no data (no contract there?): {hint}")
        layout = _layout(function)
        try:
            return layout.decode(data) if layout is not None else function.decode_result(data)
        except (DecodingError, ValueError, OverflowError) as error:
            raise ChainError(f"{what} returned undecodable data ({one_line(str(error))}): {hint}") from None

    def _data(self, raw: Any, what: str) -> bytes:
        if not isinstance(raw, str) or not raw.startswith("0x"):
            raise ChainError(f"rpc {self._rpc.node}: malformed answer to {what}: expected hex data")
        try:
            return bytes.fromhex(raw[2:])
        except ValueError:
            raise ChainError(f"rpc {self._rpc.node}: malformed answer to {what}: bad hex data") from None

    def _quantity(self, raw: Any, what: str) -> int:
        if not isinstance(raw, str) or not raw.startswith("0x") or len(raw) < 3:
            raise ChainError(f"rpc {self._rpc.node}: malformed answer to {what}: expected a hex quantity")
        try:
            return int(raw, 16)
        except ValueError:
            raise ChainError(f"rpc {self._rpc.node}: malformed answer to {what}: bad hex quantity") from None

    def _provider(self, provider_id: int, raw: Any) -> Provider | None:
        admin, take_rate, rewards_recipient = self._decode(_PROVIDER_CONFIGURATIONS, raw, self._registry)
        admin_address = _address(admin)
        # The registry answers an unknown id with zeros; a registered provider never has a zero admin.
        if admin_address.is_zero:
            return None
        return Provider(
            id=provider_id,
            admin=admin_address,
            take_rate=take_rate,
            rewards_recipient=_address(rewards_recipient),
        )

    def _attester_view(self, attester: Address, decoded: Any) -> AttesterView:
        status, effective_balance, _exit, (_public_key, withdrawer) = decoded
        try:
            attester_status = AttesterStatus(status)
        except ValueError:
            raise ChainError(
                f"rpc {self._rpc.node}: the rollup reports an unknown status {status} for {attester}"
            ) from None
        return AttesterView(
            status=attester_status, effective_balance=effective_balance, withdrawer=_address(withdrawer)
        )

    def _deposit_event(self, log: dict[str, Any]) -> RollupDepositEvent:
        topics = log.get("topics")
        step = _DEPOSIT_STEPS.get(topics[0].lower()) if isinstance(topics, list) and topics else None
        if (
            step is None
            or not isinstance(topics, list)
            or len(topics) != 3
            or _address(str(log.get("address"))) != self._rollup().address
        ):
            raise ChainError(
                f"rpc {self._rpc.node}: eth_getLogs returned a log that is not a deposit event of the "
                f"rollup {self._rollup().address}"
            )
        try:
            (attester,) = decode(["address"], self._data(topics[1], "eth_getLogs"))
        except (DecodingError, ValueError, OverflowError) as error:
            raise ChainError(
                f"rpc {self._rpc.node}: undecodable deposit log: {one_line(str(error))}"
            ) from None
        return RollupDepositEvent(
            step=step,
            attester=_address(attester),
            block_number=self._quantity(log.get("blockNumber"), "eth_getLogs"),
            log_index=self._quantity(log.get("logIndex"), "eth_getLogs"),
            transaction_hash=self._transaction_hash(log),
        )

    def _transaction_hash(self, log: dict[str, Any]) -> bytes:
        # Pending logs carry none; mined ones always do.
        raw = log.get("transactionHash")
        return b"" if raw is None else self._data(raw, "eth_getLogs")

    def _staked_events(self, logs: list[Any], provider_id: int) -> Iterable[StakedWithProvider]:
        topic0 = "0x" + _STAKED_WITH_PROVIDER.topic0.hex()
        for log in logs:
            if log.get("removed"):
                continue
            topics = log.get("topics")
            if (
                not isinstance(topics, list)
                or len(topics) != 4
                or not isinstance(topics[0], str)
                or topics[0].lower() != topic0
                or _address(str(log.get("address"))) != self._registry.address
            ):
                raise ChainError(
                    f"rpc {self._rpc.node}: eth_getLogs returned a log that is not a StakedWithProvider "
                    f"event of the registry {self._registry.address}"
                )
            provider_word, rollup_word, attester_word = (self._data(t, "eth_getLogs") for t in topics[1:])
            try:
                (event_provider,) = decode(["uint256"], provider_word)
                (rollup,) = decode(["address"], rollup_word)
                (attester,) = decode(["address"], attester_word)
                coinbase, staker_implementation = decode(
                    list(_STAKED_WITH_PROVIDER.data_types), self._data(log.get("data"), "eth_getLogs")
                )
            except (DecodingError, ValueError, OverflowError) as error:
                raise ChainError(
                    f"rpc {self._rpc.node}: undecodable StakedWithProvider log: {one_line(str(error))}"
                ) from None
            if event_provider != provider_id:
                raise ChainError(
                    f"rpc {self._rpc.node}: eth_getLogs returned an event of provider {event_provider} "
                    f"when asked for provider {provider_id}"
                )
            yield StakedWithProvider(
                provider_id=event_provider,
                rollup=_address(rollup),
                attester=_address(attester),
                coinbase=_address(coinbase),
                staker_implementation=_address(staker_implementation),
                block_number=self._quantity(log.get("blockNumber"), "eth_getLogs"),
                log_index=self._quantity(log.get("logIndex"), "eth_getLogs"),
                transaction_hash=self._transaction_hash(log),
            )


@functools.cache
def _layout(function: abis.AbiFunction) -> StaticLayout | None:
    return StaticLayout.of(function.output_types)


def _is_revert(error: RpcError) -> bool:
    # Code 3 is the standard code for reverts with data; nodes without it say so in the message.
    return error.code == 3 or "revert" in error.rpc_message.lower()


def _revert_reason(data: Any) -> str:
    """What the revert data says, as a phrase to follow "reverted"."""
    raw = _hex_bytes(data)
    if not raw:
        return " without data"
    selector, arguments = raw[:4], raw[4:]
    try:
        if selector == _ERROR_STRING:
            (message,) = decode(["string"], arguments)
            return f" ({one_line(message)!r})"
        if selector == _PANIC:
            (code,) = decode(["uint256"], arguments)
            return f" with panic {code:#x}"
    except (DecodingError, ValueError, OverflowError):
        pass
    names = [abis.error_names(file).get(selector) for file in (abis.STAKING_REGISTRY, abis.ROLLUP, abis.GSE)]
    return " with " + next((name for name in names if name), f"error 0x{selector.hex()}")


def _hex_bytes(data: Any) -> bytes | None:
    if not isinstance(data, str) or not data.startswith("0x"):
        return None
    try:
        return bytes.fromhex(data[2:])
    except ValueError:
        return None


def _says_too_large(error: RpcError) -> bool:
    # Rate limits never get here: the transport retries them and then fails the call outright.
    return error.code == -32005 or any(word in error.rpc_message.lower() for word in _TOO_LARGE_WORDS)


def _lacks_block(error: RpcError) -> bool:
    """Whether the node said it lacks the block asked for: the same call soon succeeds, so it is no sign of
    what calls the node accepts."""
    return any(word in error.rpc_message.lower() for word in _BLOCK_UNKNOWN_WORDS)


def _address_topic(address: Address) -> str:
    return "0x" + bytes(12).hex() + address.raw.hex()


def _address(value: str) -> Address:
    """An address as eth_abi or a node writes it (0x + 40 hex digits, any case)."""
    try:
        return Address(bytes.fromhex(value[2:]))
    except ValueError as error:
        raise ChainError(f"malformed address in a node's answer: {value!r:.60}") from error


def _g1(value: Sequence[int]) -> G1Point:
    x, y = value
    return G1Point(x=x, y=y)


def _g2(value: Sequence[int]) -> G2Point:
    x0, x1, y0, y1 = value
    return G2Point(x0=x0, x1=x1, y0=y0, y1=y1)


def _key_store(value: Sequence[Any]) -> KeyStore:
    attester, pk1, pk2, proof = value
    return KeyStore(
        attester=_address(attester),
        public_key_g1=_g1(pk1),
        public_key_g2=_g2(pk2),
        proof_of_possession=_g1(proof),
    )


def _deposit_args(value: Sequence[Any]) -> DepositArgs:
    attester, withdrawer, pk1, pk2, proof, move_with_latest_rollup = value
    return DepositArgs(
        attester=_address(attester),
        withdrawer=_address(withdrawer),
        public_key_g1=_g1(pk1),
        public_key_g2=_g2(pk2),
        proof_of_possession=_g1(proof),
        move_with_latest_rollup=bool(move_with_latest_rollup),
    )
