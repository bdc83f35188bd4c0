"""The in-memory chain behind `FakeChain`: its state and the calls tests arrange it with.

Every arranging call that is a transaction on a real chain (registering a provider, adding keys,
staking, flushing, exiting, funding) mines one block, as anvil's automine does; `set_balance` and
`set_attester_view` change state without a block, like anvil's cheat codes. Stakes and flushes log the
rollup's deposit events as the real rollup does (`rollup_logs_deposits=False`: a rollup that logs none).
`reorg(depth)` replaces the newest blocks: their hashes change and their events are gone.
"""

from __future__ import annotations

import collections
import copy
from collections.abc import Sequence

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.entry_queue import EpochClock, QueueConfig, flush_size
from butler.domain.hashing import keccak256
from butler.domain.onchain import (
    AttesterStatus,
    AttesterView,
    DepositArgs,
    DepositStep,
    KeyStore,
    Provider,
    RollupDepositEvent,
    StakedWithProvider,
)

DEFAULT_CHAIN_ID = 31337
DEFAULT_ACTIVATION_THRESHOLD = 100 * 10**18  # staking-asset units (18 decimals), not ETH
FAKE_ROLLUP = Address.from_int(0x5011_0000)
FAKE_STAKER_IMPLEMENTATION = Address.from_int(0x5743_0000)
UNLIMITED_FLUSHES = 2**32 - 1
# Like the devnet's rollup: any flush gets through until a test sets real limits.
UNLIMITED_QUEUE_CONFIG = QueueConfig(
    bootstrap_validator_set_size=0,
    bootstrap_flush_size=0,
    normal_flush_size_min=UNLIMITED_FLUSHES,
    normal_flush_size_quotient=1,
    max_queue_flush_size=UNLIMITED_FLUSHES,
)
DEFAULT_CLOCK = EpochClock(genesis_time=1_700_000_000, slot_duration=36, epoch_duration=32)

_COINBASE_DOMAIN = b"butler fake coinbase"
_BLOCK_DOMAIN = b"butler fake block"
NOT_STAKED = AttesterView(status=AttesterStatus.NONE, effective_balance=0, withdrawer=ZERO_ADDRESS)


class FakeChainState:
    """The state of a fake chain (blocks, providers and their queues, the rollup's entry queue, attesters,
    balances, events) and the calls that arrange it; `FakeChain` reads it through the `Chain` port."""

    def __init__(
        self,
        *,
        chain_id: int = DEFAULT_CHAIN_ID,
        rollup: Address = FAKE_ROLLUP,
        head_block: int = 1,
        activation_threshold: int = DEFAULT_ACTIVATION_THRESHOLD,
        staker_implementation: Address = FAKE_STAKER_IMPLEMENTATION,
        genesis: bytes = b"",
        rollup_logs_deposits: bool = True,
    ) -> None:
        """`genesis` seeds the block hashes: two fakes with different ones are different chains, even
        with the same chain id."""
        self.rollup = rollup
        self.activation_threshold = activation_threshold
        self.staker_implementation = staker_implementation
        self.reads: list[str] = []
        """Names of the `Chain` methods called, in order: lets a test check how the core reads."""
        self._chain_id = chain_id
        self._head = head_block
        self._providers: dict[int, Provider] = {}
        self._queues: dict[int, collections.deque[KeyStore]] = {}
        self._entry_queue: collections.deque[DepositArgs] = collections.deque()
        self._views: dict[Address, AttesterView] = {}
        self._balances: dict[Address, int] = {}
        self._events: list[StakedWithProvider] = []
        self._rollup_events: list[RollupDepositEvent] = []
        self._rollup_logs_deposits = rollup_logs_deposits
        # Hashes are drawn when first asked and kept, so a block keeps its hash until a reorg or a
        # revert replaces it; `_forks` counts those, so replaced blocks get other hashes.
        self._hashes: dict[int, str] = {}
        self._genesis = genesis
        self._forks = 0
        self._snapshots: list[dict[str, object]] = []
        self._failure: str | None = None
        self.queue_config = UNLIMITED_QUEUE_CONFIG
        self.epoch_clock = DEFAULT_CLOCK
        self.epoch = 0
        self._next_flushable_epoch = 0
        self._cached_flushes = 0
        self._bootstrapped = False

    # -- arranging -------------------------------------------------------------------------------

    def add_provider(
        self, admin: Address, *, take_rate: int = 0, rewards_recipient: Address | None = None
    ) -> int:
        """Registers a provider under the next id (ids start at 1) and returns the id."""
        if admin.is_zero:
            raise ValueError("a provider's admin cannot be the zero address")
        provider_id = len(self._providers) + 1
        self._providers[provider_id] = Provider(
            id=provider_id,
            admin=admin,
            take_rate=take_rate,
            rewards_recipient=rewards_recipient if rewards_recipient is not None else admin,
        )
        self._queues[provider_id] = collections.deque()
        self._mine()
        return provider_id

    def enqueue_keys(self, provider_id: int, keystores: Sequence[KeyStore]) -> None:
        """`addKeysToProvider`: appends to the provider queue; like the real one, no duplicate check."""
        self._queue(provider_id).extend(keystores)
        self._mine()

    def stake(
        self,
        provider_id: int,
        count: int = 1,
        *,
        withdrawer: Address = ZERO_ADDRESS,
        move_with_latest_rollup: bool = False,
    ) -> list[StakedWithProvider]:
        """`count` delegator stakes, one block each: queue head → entry queue, with a fresh coinbase."""
        queue = self._queue(provider_id)
        if count > len(queue):
            raise ValueError(f"provider {provider_id} has {len(queue)} queued key(s), cannot stake {count}")
        emitted = []
        for _ in range(count):
            store = queue.popleft()
            self._mine()
            self._entry_queue.append(
                DepositArgs(
                    attester=store.attester,
                    withdrawer=withdrawer,
                    public_key_g1=store.public_key_g1,
                    public_key_g2=store.public_key_g2,
                    proof_of_possession=store.proof_of_possession,
                    move_with_latest_rollup=move_with_latest_rollup,
                )
            )
            tx = self._tx_hash()
            self._log_rollup(DepositStep.QUEUED, store.attester, log_index=0, tx=tx)
            event = StakedWithProvider(
                provider_id=provider_id,
                rollup=self.rollup,
                attester=store.attester,
                coinbase=self._fresh_coinbase(provider_id, store.attester),
                staker_implementation=self.staker_implementation,
                block_number=self._head,
                log_index=1,
                transaction_hash=tx,
            )
            self._events.append(event)
            emitted.append(event)
        return emitted

    def set_queue_config(self, config: QueueConfig) -> None:
        """`updateStakingQueueConfig`, in its own block."""
        self.queue_config = config
        self._mine()

    def advance_epochs(self, epochs: int = 1) -> None:
        """Time moves on to the start of a later epoch, with one block there."""
        self.epoch += epochs
        self._mine()

    def flush(self, count: int) -> list[Address]:
        """`flushEntryQueue(count)` in one block: moves up to `count` entry-queue heads, as many as this
        epoch's allowance leaves, to VALIDATING; returns their attesters.

        The deposit of an attester the rollup already knows fails (as the GSE refuses it) and is refunded;
        like the rollup's, the allowance counts successful deposits only."""
        if self._next_flushable_epoch <= self.epoch:
            self._cached_flushes = self._flush_size()
            self._next_flushable_epoch = self.epoch + 1
        count = min(count, self._cached_flushes)
        deposited = 0
        flushed: list[Address] = []
        self._mine()
        tx = self._tx_hash()
        while self._entry_queue and len(flushed) < count:
            deposit = self._entry_queue.popleft()
            known = self._views.get(deposit.attester, NOT_STAKED).status is not AttesterStatus.NONE
            step = DepositStep.FAILED if known else DepositStep.DEPOSITED
            self._log_rollup(step, deposit.attester, log_index=len(flushed), tx=tx)
            if not known:
                self._views[deposit.attester] = AttesterView(
                    status=AttesterStatus.VALIDATING,
                    effective_balance=self.activation_threshold,
                    withdrawer=deposit.withdrawer,
                )
                deposited += 1
            flushed.append(deposit.attester)
        self._cached_flushes -= deposited
        if flushed and self._active_count() >= self.queue_config.bootstrap_validator_set_size:
            self._bootstrapped = True
        return flushed

    def exit(self, attester: Address) -> None:
        """A validating attester starts its exit: status EXITING, nothing left at stake."""
        view = self._views.get(attester)
        if view is None or view.status != AttesterStatus.VALIDATING:
            raise ValueError(f"{attester} is not validating")
        self._views[attester] = AttesterView(
            status=AttesterStatus.EXITING, effective_balance=0, withdrawer=view.withdrawer
        )
        self._mine()

    def set_attester_view(self, attester: Address, view: AttesterView) -> None:
        self._views[attester] = view

    def set_balance(self, account: Address, wei: int) -> None:
        self._balances[account] = wei

    def fund(self, account: Address, wei: int) -> None:
        """An ETH transfer to `account`, in its own block."""
        self._balances[account] = self._balances.get(account, 0) + wei
        self._mine()

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self._mine()

    def snapshot(self) -> int:
        """Keeps the whole state (like anvil's evm_snapshot); `revert` returns to it."""
        self._snapshots.append(copy.deepcopy({k: v for k, v in vars(self).items() if k != "_snapshots"}))
        return len(self._snapshots) - 1

    def revert(self, snapshot: int) -> None:
        """Back to `snapshot`'s state (like evm_revert): the blocks mined since are gone, and blocks
        mined from now on differ from them (a reorg)."""
        kept = self._snapshots[snapshot]
        del self._snapshots[snapshot:]
        forks = self._forks + 1
        reads = self.reads
        drawn = self._hashes
        vars(self).update(copy.deepcopy(kept))
        self.reads = reads
        self._forks = forks
        # Blocks up to the kept head are the same blocks, whenever their hashes were first drawn.
        self._hashes = {**{b: h for b, h in drawn.items() if b <= self._head}, **self._hashes}

    def set_chain_id(self, chain_id: int) -> None:
        """The node now serves another chain id (its state is left as it is)."""
        self._chain_id = chain_id

    def reorg(self, depth: int) -> None:
        """The newest `depth` blocks are replaced by as many empty ones: other hashes, their events gone.
        (Queues and views stay as they are: tests arrange those as the new chain needs.)"""
        if not 0 < depth <= self._head:
            raise ValueError(f"cannot reorganise {depth} blocks of {self._head}")
        fork = self._head - depth
        self._events = [e for e in self._events if e.block_number <= fork]
        self._rollup_events = [e for e in self._rollup_events if e.block_number <= fork]
        self._hashes = {b: h for b, h in self._hashes.items() if b <= fork}
        self._forks += 1

    # -- helpers ---------------------------------------------------------------------------------

    def _mine(self) -> None:
        self._head += 1

    def _active_count(self) -> int:
        return sum(v.status is AttesterStatus.VALIDATING for v in self._views.values())

    def _flush_size(self) -> int:
        return flush_size(
            self.queue_config,
            active=self._active_count(),
            queue_length=len(self._entry_queue),
            bootstrapped=self._bootstrapped,
        )

    def _block_hash(self, block: int) -> str:
        if block not in self._hashes:
            seed = _BLOCK_DOMAIN + self._genesis + self._forks.to_bytes(8, "big") + block.to_bytes(8, "big")
            self._hashes[block] = "0x" + keccak256(seed).hex()
        return self._hashes[block]

    def _tx_hash(self) -> bytes:
        """The hash of the transaction mined in the head block (one per block here)."""
        return keccak256(bytes.fromhex(self._block_hash(self._head)[2:]))

    def _log_rollup(self, step: DepositStep, attester: Address, *, log_index: int, tx: bytes) -> None:
        if self._rollup_logs_deposits:
            self._rollup_events.append(RollupDepositEvent(step, attester, self._head, log_index, tx))

    def _queue(self, provider_id: int) -> collections.deque[KeyStore]:
        if provider_id not in self._queues:
            raise ValueError(f"no provider {provider_id}")
        return self._queues[provider_id]

    def _fresh_coinbase(self, provider_id: int, attester: Address) -> Address:
        seed = (
            _COINBASE_DOMAIN
            + provider_id.to_bytes(32, "big")
            + attester.raw
            + len(self._events).to_bytes(8, "big")
        )
        return Address(keccak256(seed)[12:])
