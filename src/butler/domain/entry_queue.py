"""When each entry of the rollup's entry queue can be flushed into the validator set.

The rollup (Aztec l1-contracts 4.1.2, `StakingLib`) lets the queue move only in flushes:

- Every epoch, the first flush call of the epoch grants a fresh allowance of `flush_size(...)`
  entries, computed from the active attester count and the queue length at that moment; it is
  spent by that epoch's flushes and what is left stays usable until the next epoch's first flush.
  `getNextFlushableEpoch` is the epoch that grants the next fresh allowance,
  `getAvailableValidatorFlushes` what a flush could take right now.
- Bootstrap (`bootstrap_validator_set_size` > 0 and the rollup not yet bootstrapped): with no active
  attester nothing moves until the queue holds `bootstrap_validator_set_size` entries; then, while
  fewer than that are active, each epoch takes `bootstrap_flush_size`. Once a flush leaves at least
  `bootstrap_validator_set_size` active, the rollup is bootstrapped for good.
- Normal: `min(max(active // normal_flush_size_quotient, normal_flush_size_min), max_queue_flush_size)`.
  A quotient of 0 makes the rollup's computation revert: no flush succeeds.

The schedule assumes that flushes happen as soon as allowed (the whole allowance at the start of every
epoch), that every deposit succeeds, that nobody leaves the validator set and that nobody joins the
queue. Entries the schedule cannot place would move only once more attesters join (bootstrap) or the
queue configuration changes.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Mapping, Sequence

import attrs

from butler.domain.address import Address
from butler.domain.onchain import DepositArgs

_FIELD_BITS = 32
_FIELD_MASK = (1 << _FIELD_BITS) - 1


@attrs.frozen
class QueueConfig:
    """The rollup's `StakingQueueConfig`."""

    bootstrap_validator_set_size: int
    bootstrap_flush_size: int
    normal_flush_size_min: int
    normal_flush_size_quotient: int
    max_queue_flush_size: int

    @classmethod
    def from_word(cls, word: int) -> QueueConfig:
        """The configuration from the one storage word the rollup keeps it in (five 32-bit fields,
        `max_queue_flush_size` in the lowest bits)."""

        def field(index: int) -> int:
            return (word >> (_FIELD_BITS * index)) & _FIELD_MASK

        return cls(
            bootstrap_validator_set_size=field(4),
            bootstrap_flush_size=field(3),
            normal_flush_size_min=field(2),
            normal_flush_size_quotient=field(1),
            max_queue_flush_size=field(0),
        )

    def to_word(self) -> int:
        fields = (
            self.max_queue_flush_size,
            self.normal_flush_size_quotient,
            self.normal_flush_size_min,
            self.bootstrap_flush_size,
            self.bootstrap_validator_set_size,
        )
        if any(not 0 <= f <= _FIELD_MASK for f in fields):
            raise ValueError("every queue configuration field must fit in 32 bits")
        return sum(f << (_FIELD_BITS * i) for i, f in enumerate(fields))


@attrs.frozen
class EpochClock:
    """The rollup's time: epoch `e` starts at `genesis_time + e * epoch_duration * slot_duration`."""

    genesis_time: int  # unix seconds
    slot_duration: int  # seconds
    epoch_duration: int  # slots

    def epoch_start(self, epoch: int) -> int:
        return self.genesis_time + epoch * self.epoch_duration * self.slot_duration


@attrs.frozen
class FlushState:
    """What the rollup says about its entry-queue flushes, all read at one block."""

    current_epoch: int
    next_flushable_epoch: int
    available_flushes: int  # getAvailableValidatorFlushes: what a flush could take now
    flush_size: int  # getEntryQueueFlushSize: a fresh allowance, if granted now
    is_bootstrapped: bool
    active_attester_count: int
    config: QueueConfig
    clock: EpochClock


@attrs.frozen
class FlushBatch:
    """Queue positions [first_position, first_position + count) can be flushed in `epoch`, which starts
    at `starts_at` (in the past for the current epoch: they can be flushed now)."""

    epoch: int
    first_position: int  # 0 is the head of the queue
    count: int
    starts_at: int

    @property
    def end_position(self) -> int:
        return self.first_position + self.count


@attrs.frozen
class EntryQueueState:
    """The rollup entry queue from head to tail and its flush state, read at one block."""

    entries: tuple[DepositArgs, ...]
    flushes: FlushState

    def schedule(self) -> FlushSchedule:
        return flush_schedule(self.flushes, len(self.entries))


def flush_size(config: QueueConfig, *, active: int, queue_length: int, bootstrapped: bool) -> int:
    """The allowance a flush call grants when it is the first of its epoch."""
    if config.bootstrap_validator_set_size > 0 and not bootstrapped:
        if active == 0 and queue_length < config.bootstrap_validator_set_size:
            return 0
        if active < config.bootstrap_validator_set_size:
            return config.bootstrap_flush_size
    if config.normal_flush_size_quotient == 0:
        return 0
    normal = max(active // config.normal_flush_size_quotient, config.normal_flush_size_min)
    return min(normal, config.max_queue_flush_size)


@attrs.frozen
class FlushSchedule:
    """Flush batches from the head of the queue, in epoch order; positions beyond the last batch cannot
    be flushed as things stand."""

    batches: tuple[FlushBatch, ...]
    _firsts: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_firsts", tuple(b.first_position for b in self.batches))

    @property
    def placed(self) -> int:
        """How many positions from the head have a batch."""
        return self.batches[-1].end_position if self.batches else 0

    def batch_of(self, position: int) -> FlushBatch | None:
        """The batch holding queue `position`, or None when the schedule cannot place it."""
        if not 0 <= position < self.placed:
            return None
        return self.batches[bisect.bisect_right(self._firsts, position) - 1]


def flush_schedule(state: FlushState, queue_length: int) -> FlushSchedule:
    """The earliest epoch in which each queue position can be flushed, as batches from the head.

    Positions beyond the last batch cannot be flushed as things stand (see the module's assumptions).
    Takes one step per epoch with a flush, so at most `queue_length` steps.
    """
    batches: list[FlushBatch] = []
    position = 0
    active = state.active_attester_count
    bootstrapped = state.is_bootstrapped

    def flush(epoch: int, allowance: int) -> int:
        nonlocal position, active, bootstrapped
        taken = min(allowance, queue_length - position)
        if taken > 0:
            batches.append(FlushBatch(epoch, position, taken, state.clock.epoch_start(epoch)))
            position += taken
            active += taken
            if active >= state.config.bootstrap_validator_set_size:
                bootstrapped = True
        return taken

    flush(state.current_epoch, state.available_flushes)
    epoch = max(state.current_epoch + 1, state.next_flushable_epoch)
    while position < queue_length:
        allowance = flush_size(
            state.config, active=active, queue_length=queue_length - position, bootstrapped=bootstrapped
        )
        if flush(epoch, allowance) == 0:
            break  # nothing changed, so no later epoch grants more
        epoch += 1
    return FlushSchedule(tuple(batches))


@attrs.frozen
class QueuedAttester:
    """One of our attesters in the entry queue: its position and when it can be flushed, if known."""

    position: int  # 0 is the head of the queue
    batch: FlushBatch | None  # None: cannot be flushed as things stand

    @property
    def eta(self) -> int | None:
        """Unix time from which it can be flushed (past: now), or None."""
        return self.batch.starts_at if self.batch else None


def queued_attesters(
    entries: Sequence[DepositArgs], schedule: FlushSchedule, ours: Collection[Address]
) -> dict[Address, QueuedAttester]:
    """Those of `ours` in the queue, each at its first position: staked twice, it leaves with the first."""
    found: dict[Address, QueuedAttester] = {}
    for position, entry in enumerate(entries):
        if entry.attester in ours and entry.attester not in found:
            found[entry.attester] = QueuedAttester(position, schedule.batch_of(position))
    return found


def earliest_eta(queued: Mapping[Address, QueuedAttester], attesters: Iterable[Address]) -> int | None:
    """The earliest known ETA among `attesters` in `queued`, or None when none has one."""
    etas = [eta for a in attesters if a in queued and (eta := queued[a].eta) is not None]
    return min(etas, default=None)
