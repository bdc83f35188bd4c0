"""The rollup's entry queue, and what its flush schedule depends on, read at one block.

The rollup has no getter for its queue configuration: it is read from the Rollup's staking storage
(Aztec 4.1.2 `StakingLib.StakingStorage` at keccak256("aztec.core.staking.storage")), whose 5th slot
holds it and whose 8th packs nextFlushableEpoch (bits 0-31) and isBootstrapped (bits 64-71). The latter
are compared with their getters, so a rollup laid out differently is refused, never misread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from butler.adapters.chain import contract_abis as abis
from butler.adapters.chain.contract_reader import Contract, Read
from butler.adapters.chain.contract_reads import ContractReads
from butler.adapters.chain.onchain_values import deposit_args
from butler.adapters.chain.read_batching import Request
from butler.adapters.chain.transport import RpcCall
from butler.domain.entry_queue import EpochClock, FlushState, QueueConfig, flush_size
from butler.domain.errors import ChainError
from butler.domain.hashing import keccak256
from butler.domain.onchain import DepositArgs

_ENTRY_QUEUE_LENGTH = abis.function(abis.ROLLUP, "getEntryQueueLength")
_ENTRY_QUEUE_AT = abis.function(abis.ROLLUP, "getEntryQueueAt")
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
_STAKING_SLOT = int.from_bytes(keccak256(b"aztec.core.staking.storage"), "big")
_QUEUE_CONFIG_SLOT = _STAKING_SLOT + 4
_FLUSH_FIELDS_SLOT = _STAKING_SLOT + 7
_STORAGE_SLOTS = (_QUEUE_CONFIG_SLOT, _FLUSH_FIELDS_SLOT)
_FLUSH_STATE_READS = len(_FLUSH_STATE_FUNCTIONS) + len(_STORAGE_SLOTS)


class EntryQueueReads(ContractReads):
    """Reads a rollup's entry queue (see `ReadBatching.pinned`), with its flush state when asked."""

    def entries(self, rollup: Contract) -> list[DepositArgs]:
        entries, _ = self._read(rollup, flush_state=False)
        return entries

    def entries_and_flush_state(self, rollup: Contract) -> tuple[list[DepositArgs], FlushState]:
        entries, flush_answers = self._read(rollup, flush_state=True)
        return entries, self._flush_state(rollup, flush_answers, len(entries))

    def _read(self, rollup: Contract, *, flush_state: bool) -> tuple[list[DepositArgs], list[bytes]]:
        """The entry queue, and with `flush_state` the answers of `_flush_state_reads` at the same block
        (in the same requests)."""

        def bounds(block: str) -> list[Read]:
            return [self._reader.call(rollup, _ENTRY_QUEUE_LENGTH, block=block)]

        def items(raw_bounds: Sequence[Any], block: str) -> list[Request]:
            (length,) = self._reader.decode(_ENTRY_QUEUE_LENGTH, raw_bounds[0], rollup)
            extra = self._flush_state_reads(rollup, block) if flush_state else []
            return [*extra, *self._batching.item_reads(rollup, _ENTRY_QUEUE_AT, (), range(length), block)]

        answers = self._batching.pinned(bounds, items)
        skip = _FLUSH_STATE_READS if flush_state else 0
        entries = [
            deposit_args(self._reader.decoded(_ENTRY_QUEUE_AT, data, rollup)[0]) for data in answers[skip:]
        ]
        return entries, answers[:skip]

    def _flush_state_reads(self, rollup: Contract, block: str) -> list[Request]:
        storage = [
            RpcCall("eth_getStorageAt", [rollup.address.checksum, hex(slot), block])
            for slot in _STORAGE_SLOTS
        ]
        return [*(self._reader.call(rollup, f, block=block) for f in _FLUSH_STATE_FUNCTIONS), *storage]

    def _flush_state(self, rollup: Contract, answers: Sequence[bytes], queue_length: int) -> FlushState:
        n = len(_FLUSH_STATE_FUNCTIONS)
        values = [
            self._reader.decoded(function, data, rollup)[0]
            for function, data in zip(_FLUSH_STATE_FUNCTIONS, answers[:n], strict=True)
        ]
        epoch, next_flushable, available, size, bootstrapped, active, genesis, slot, epoch_slots = values
        config_word, fields_word = (int.from_bytes(data, "big") for data in answers[n:])
        config = QueueConfig.from_word(config_word)
        stored = (fields_word & 0xFFFF_FFFF, bool((fields_word >> 64) & 0xFF))
        computed = flush_size(config, active=active, queue_length=queue_length, bootstrapped=bootstrapped)
        if stored != (next_flushable, bootstrapped) or computed != size:
            raise ChainError(
                f"rpc {self._answers.node}: {rollup.name} does not keep its entry-queue configuration "
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
