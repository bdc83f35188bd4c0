"""The entry-queue flush schedule against a step-by-step replay of the rollup's flush rules."""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from butler.domain.entry_queue import (
    EpochClock,
    FlushSchedule,
    FlushState,
    QueueConfig,
    flush_schedule,
    flush_size,
)

CLOCK = EpochClock(genesis_time=1_700_000_000, slot_duration=36, epoch_duration=32)
EPOCH_SECONDS = 36 * 32


@attrs.define
class RollupStorage:
    """The rollup's staking storage as `flushEntryQueue` reads and writes it."""

    config: QueueConfig
    queue_length: int
    active: int
    next_flushable_epoch: int
    cached_available: int
    bootstrapped: bool

    def flush_size(self) -> int:
        """`getEntryQueueFlushSize`, written out as the rollup has it."""
        c = self.config
        if c.bootstrap_validator_set_size > 0 and not self.bootstrapped:
            if self.active == 0 and self.queue_length < c.bootstrap_validator_set_size:
                return 0
            if self.active < c.bootstrap_validator_set_size:
                return c.bootstrap_flush_size
        if c.normal_flush_size_quotient == 0:
            return 0  # the rollup's division reverts: no flush gets through
        return min(
            max(self.active // c.normal_flush_size_quotient, c.normal_flush_size_min), c.max_queue_flush_size
        )

    def available(self, epoch: int) -> int:
        """`getAvailableValidatorFlushes` at `epoch`."""
        if self.next_flushable_epoch > epoch:
            return self.cached_available
        return self.flush_size()

    def flush(self, epoch: int) -> int:
        """`flushEntryQueue()` at `epoch`: how many entries it took."""
        if self.next_flushable_epoch <= epoch:
            self.cached_available = self.available(epoch)
            self.next_flushable_epoch = epoch + 1
        taken = min(self.cached_available, self.queue_length)
        if taken == 0:
            return 0
        self.queue_length -= taken
        self.active += taken
        self.cached_available -= taken
        if not self.bootstrapped and self.active >= self.config.bootstrap_validator_set_size:
            self.bootstrapped = True
        return taken

    def views(self, epoch: int) -> FlushState:
        return FlushState(
            current_epoch=epoch,
            next_flushable_epoch=self.next_flushable_epoch,
            available_flushes=self.available(epoch),
            flush_size=self.flush_size(),
            is_bootstrapped=self.bootstrapped,
            active_attester_count=self.active,
            config=self.config,
            clock=CLOCK,
        )


def replay(storage: RollupStorage, epoch: int) -> list[int | None]:
    """The epoch each position leaves the queue when every epoch from `epoch` on starts with a flush."""
    epochs: list[int | None] = []
    for current in range(epoch, epoch + storage.queue_length + 3):
        epochs.extend([current] * storage.flush(current))
    return epochs + [None] * storage.queue_length


def placed_epochs(schedule: FlushSchedule, queue_length: int) -> list[int | None]:
    return [b.epoch if (b := schedule.batch_of(p)) else None for p in range(queue_length)]


configs = st.builds(
    QueueConfig,
    bootstrap_validator_set_size=st.one_of(st.just(0), st.integers(0, 12)),
    bootstrap_flush_size=st.integers(0, 12),
    normal_flush_size_min=st.integers(0, 6),
    normal_flush_size_quotient=st.integers(0, 8),
    max_queue_flush_size=st.integers(0, 12),
)


@st.composite
def storages(draw: st.DrawFn) -> tuple[RollupStorage, int]:
    epoch = draw(st.integers(0, 1_000))
    config = draw(configs)
    # queue lengths around the bootstrap size are where the floodgate opens
    near_bootstrap = st.integers(
        max(0, config.bootstrap_validator_set_size - 1), config.bootstrap_validator_set_size + 1
    )
    return (
        RollupStorage(
            config=config,
            queue_length=draw(st.one_of(st.integers(0, 60), near_bootstrap)),
            active=draw(st.one_of(st.integers(0, 40), st.just(0))),
            # the rollup sets it to the epoch after its last fresh allowance
            next_flushable_epoch=draw(st.one_of(st.just(epoch + 1), st.integers(0, epoch))),
            cached_available=draw(st.one_of(st.just(0), st.integers(0, 12))),
            bootstrapped=draw(st.booleans()) if config.bootstrap_validator_set_size else True,
        ),
        epoch,
    )


@settings(max_examples=1_000)
@given(storages())
def test_the_schedule_places_every_position_in_the_epoch_the_rollup_flushes_it(arranged):
    storage, epoch = arranged
    state = storage.views(epoch)
    queue_length = storage.queue_length
    schedule = flush_schedule(state, queue_length)
    assert placed_epochs(schedule, queue_length) == replay(storage, epoch)[:queue_length]


@given(storages())
def test_batches_run_from_the_head_in_epoch_order_and_start_with_their_epoch(arranged):
    storage, epoch = arranged
    schedule = flush_schedule(storage.views(epoch), storage.queue_length)
    position = 0
    for batch in schedule.batches:
        assert batch.first_position == position and batch.count > 0
        assert batch.starts_at == CLOCK.epoch_start(batch.epoch)
        position = batch.end_position
    epochs = [b.epoch for b in schedule.batches]
    assert epochs == sorted(set(epochs))
    assert schedule.placed == position <= storage.queue_length
    assert all(b.epoch >= epoch for b in schedule.batches)


@given(configs)
def test_the_configuration_word_round_trips(config):
    assert QueueConfig.from_word(config.to_word()) == config


def test_the_configuration_word_keeps_the_rollups_field_order():
    # StakingQueueConfigLib.compress: max size in bits 0-31, then quotient, min, bootstrap flush size,
    # bootstrap set size in bits 128-159.
    word = 5 | 4 << 32 | 3 << 64 | 2 << 96 | 1 << 128
    assert QueueConfig.from_word(word) == QueueConfig(1, 2, 3, 4, 5)


def test_a_bootstrapping_rollup_waits_for_a_full_queue_then_floods_then_grows_slowly():
    config = QueueConfig(
        bootstrap_validator_set_size=4,
        bootstrap_flush_size=2,
        normal_flush_size_min=1,
        normal_flush_size_quotient=4,
        max_queue_flush_size=3,
    )
    storage = RollupStorage(config, 3, 0, 10, 0, False)
    short = flush_schedule(storage.views(10), 3)
    assert short.batches == () and short.batch_of(0) is None  # 3 < 4 queued: nothing moves

    storage.queue_length = 9
    schedule = flush_schedule(storage.views(10), 9)
    # epoch 10 and 11: 2 each (bootstrap flush size) -> 4 active, bootstrapped; then max(4 // 4, 1) = 1,
    # 1, then 6 // 4 = 1, 7 // 4 = 1, 8 // 4 = 2 ...
    assert [(b.epoch, b.count) for b in schedule.batches] == [
        (10, 2),
        (11, 2),
        (12, 1),
        (13, 1),
        (14, 1),
        (15, 1),
        (16, 1),
    ]
    assert schedule.batch_of(8) == schedule.batches[-1]
    assert schedule.batches[0].starts_at == CLOCK.genesis_time + 10 * EPOCH_SECONDS


def test_what_is_left_of_this_epochs_allowance_is_flushable_now():
    config = QueueConfig(0, 0, 5, 100, 5)
    storage = RollupStorage(config, 12, 50, 8, 2, True)
    schedule = flush_schedule(storage.views(7), 12)
    assert [(b.epoch, b.first_position, b.count) for b in schedule.batches] == [
        (7, 0, 2),
        (8, 2, 5),
        (9, 7, 5),
    ]


def test_a_zero_quotient_closes_the_queue_once_bootstrapped():
    # The rollup's own computation divides by it and reverts: no flush succeeds.
    config = QueueConfig(0, 0, 5, 0, 5)
    assert flush_size(config, active=10, queue_length=3, bootstrapped=True) == 0
