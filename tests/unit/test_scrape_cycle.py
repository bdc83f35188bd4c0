"""One scraper cycle over the fake chain, an in-memory scraper config and a fixed clock: states, counts,
exception sets, balances and top-ups, what is saved and when, and what a failed cycle keeps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.config import NetworkConfig
from butler.domain.entry_queue import EntryQueueState, QueueConfig
from butler.domain.lifecycle import Position
from butler.domain.onchain import AttesterStatus, AttesterView, G1Point, G2Point, KeyStore
from butler.domain.scrape_status import RejectedTransition, ScrapeStatus, StateChange
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.domain.wei import WEI_PER_ETH as WEI
from butler.ports.chain_fake import FakeChain
from butler.ports.clock_fake import FixedClock
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.usecases.scrape_cycle import scrape_cycle, summarise

S = AttesterState
PATH = Path("/data/devnet-scrape-config.json")
ADMIN = Address.from_int(0xAD)
MIN_ETH = Decimal("0.5")
PUB_A = Address.from_int(0xA1)
PUB_B = Address.from_int(0xB1)
PUB_IDLE = Address.from_int(0x1D1E)
COINBASE = Address.from_int(0xC0B)


def attester(n: int) -> Address:
    return Address.from_int(0xA77E_0000 + n)


def keystore(address: Address) -> KeyStore:
    return KeyStore(address, G1Point(1, 2), G2Point(1, 2, 3, 4), G1Point(1, 2))


def network(**changes: Any) -> NetworkConfig:
    base = NetworkConfig(
        network="devnet",
        chain_id=31337,
        staking_registry=Address.from_int(0x5E),
        rollup=Address.from_int(0x20),
        provider_id=1,
        min_eth_per_attester=MIN_ETH,
    )
    return attrs.evolve(base, **changes)


def scraper_config(*attesters: ScrapedAttester, publishers: tuple[Address, ...] = ()) -> ScraperConfig:
    return ScraperConfig(
        version=1,
        network="devnet",
        chain_id=31337,
        staking_provider_id=1,
        attesters=attesters,
        publishers=publishers,
        last_updated="2025-12-31T00:00:00Z",
    )


@attrs.define
class World:
    chain: FakeChain
    files: FakeJsonDocuments
    clock: FixedClock
    network: NetworkConfig = attrs.field(factory=network)

    def cycle(self, previous: ScrapeStatus | None = None) -> ScrapeStatus:
        return scrape_cycle(
            previous or ScrapeStatus(),
            chain=self.chain,
            files=self.files,
            config_path=PATH,
            network=self.network,
            clock=self.clock,
        )

    @property
    def saved(self) -> ScraperConfig:
        return self.files.files[PATH]

    def saved_states(self) -> dict[Address, AttesterState | None]:
        return {a.address: a.last_seen_state for a in self.saved.attesters}


def world(config: ScraperConfig) -> World:
    chain = FakeChain()
    assert chain.add_provider(ADMIN) == 1
    return World(chain, FakeJsonDocuments({PATH: config}), FixedClock())


def every_state_world() -> World:
    """Attesters 1..8: NEW; provider queue; entry queue with and without coinbase; active with and
    without coinbase; exited; and one known to the config only."""
    config = scraper_config(
        ScrapedAttester(attester(1), publishers=(PUB_A,)),
        ScrapedAttester(attester(2), publishers=(PUB_A,)),
        ScrapedAttester(attester(3), coinbase=COINBASE, publishers=(PUB_A,)),
        ScrapedAttester(attester(4), publishers=(PUB_B,)),
        ScrapedAttester(attester(5), coinbase=COINBASE, publishers=(PUB_B,)),
        ScrapedAttester(attester(6), coinbase=ZERO_ADDRESS, publishers=(PUB_B,)),
        ScrapedAttester(attester(7), coinbase=COINBASE, publishers=(PUB_B,)),
        publishers=(PUB_A, PUB_B, PUB_IDLE),
    )
    w = world(config)
    # queue order: 5, 6, 7 (will be active), 3, 4 (will wait in the entry queue), 2 (stays queued)
    w.chain.enqueue_keys(1, [keystore(attester(n)) for n in (5, 6, 7, 3, 4, 2)])
    w.chain.stake(1, 5)
    w.chain.flush(3)
    w.chain.exit(attester(7))
    w.chain.set_balance(PUB_A, 1 * WEI)  # load 3 x 0.5 = 1.5 ETH: needs 0.5
    w.chain.set_balance(PUB_B, 3 * WEI)  # load 3 x 0.5 = 1.5 ETH (7 exited): needs nothing
    return w


def test_a_cycle_sums_up_attesters_in_every_state() -> None:
    w = every_state_world()

    status = w.cycle()

    assert status.succeeded and status.error is None
    snapshot = status.snapshot
    assert snapshot is not None
    assert snapshot.states == {
        attester(1): S.NEW,
        attester(2): S.IN_STAKING_PROVIDER_QUEUE,
        attester(3): S.IN_STAKING_QUEUE,
        attester(4): S.IN_STAKING_QUEUE,
        attester(5): S.ACTIVE,
        attester(6): S.ACTIVE,
        attester(7): S.NO_LONGER_ACTIVE,
    }
    assert snapshot.counts == {
        S.NEW: 1,
        S.IN_STAKING_PROVIDER_QUEUE: 1,
        S.IN_STAKING_QUEUE: 2,
        S.ACTIVE: 2,
        S.NO_LONGER_ACTIVE: 1,
    }
    assert snapshot.missing_coinbase == (attester(4),)
    assert snapshot.missing_coinbase_urgent == (attester(6),), "a zero coinbase is no coinbase"
    assert (snapshot.provider_queue_length, snapshot.entry_queue_length) == (1, 2)
    assert snapshot.rejected == ()
    assert status.last_success_at == w.clock.now() == snapshot.taken_at


def test_balances_and_required_top_ups_follow_each_publishers_load() -> None:
    w = every_state_world()

    snapshot = w.cycle().snapshot

    assert snapshot is not None
    assert snapshot.balances == {PUB_A: 1 * WEI, PUB_B: 3 * WEI, PUB_IDLE: 0}
    assert snapshot.required_topups == {PUB_A: WEI // 2, PUB_B: 0, PUB_IDLE: 0}


def test_an_attester_seen_exiting_needs_no_funds_from_that_very_cycle_on() -> None:
    w = every_state_world()
    # PUB_B serves 4, 5, 6 and 7; the file still holds 7 as NEW, but the chain shows it exited.
    w.chain.set_balance(PUB_B, 3 * WEI // 2)

    snapshot = w.cycle().snapshot

    assert snapshot is not None
    assert snapshot.states[attester(7)] is S.NO_LONGER_ACTIVE
    assert snapshot.required_topups[PUB_B] == 0, "three attesters in service, 0.5 ETH each"


def test_a_config_naming_no_publishers_splits_the_attesters_evenly_and_says_so() -> None:
    """A config built from web3signer keys: five attesters, two publishers holding nothing. Each is
    assumed to publish for ceil(5 / 2) = 3, so each lacks 1.5 ETH, not 0."""
    w = world(scraper_config(*(ScrapedAttester(attester(n)) for n in range(1, 6)), publishers=(PUB_A, PUB_B)))

    snapshot = w.cycle().snapshot

    assert snapshot is not None and snapshot.even_split
    assert snapshot.required_topups == {PUB_A: 3 * WEI // 2, PUB_B: 3 * WEI // 2}


def test_named_publishers_are_never_split_evenly() -> None:
    snapshot = every_state_world().cycle().snapshot
    assert snapshot is not None and not snapshot.even_split


def test_new_states_are_saved_and_an_unchanged_cycle_writes_nothing() -> None:
    w = every_state_world()

    first = w.cycle()
    w.clock.advance(60)
    second = w.cycle(first)

    assert w.files.writes == 1
    assert w.saved_states() == dict(first.snapshot.states)  # type: ignore[union-attr]
    assert w.saved.last_updated == "2026-01-01T00:00:00Z"
    assert second.snapshot is not None and second.snapshot.changes == ()
    assert second.cycles == 2 and second.last_success_at == w.clock.now()


def test_a_file_replaced_during_the_cycle_is_kept_and_its_states_follow_next_cycle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = every_state_world()
    replacement = scraper_config(
        ScrapedAttester(attester(3), coinbase=COINBASE, publishers=(PUB_A,)),
        ScrapedAttester(attester(8), publishers=(PUB_A,)),
        publishers=(PUB_A,),
    )
    read_views = w.chain.attester_views

    def operator_deploys_meanwhile(attesters: Sequence[Address]) -> Mapping[Address, AttesterView]:
        w.files.files[PATH] = replacement
        return read_views(attesters)

    monkeypatch.setattr(w.chain, "attester_views", operator_deploys_meanwhile)
    first = w.cycle()

    assert first.succeeded and first.snapshot is not None
    assert first.snapshot.states[attester(5)] is S.ACTIVE, "this cycle's values come from the file it read"
    assert w.files.writes == 0 and w.saved == replacement, "the operator's file is not overwritten"

    second = w.cycle(first)

    assert second.snapshot is not None
    assert second.snapshot.states == {attester(3): S.IN_STAKING_QUEUE, attester(8): S.NEW}
    assert w.saved_states() == {attester(3): S.IN_STAKING_QUEUE, attester(8): S.NEW}


def test_changes_name_each_attester_that_moved() -> None:
    w = every_state_world()
    first = w.cycle()
    w.chain.flush(1)  # attester 3 leaves the entry queue for the rollup

    second = w.cycle(first)

    assert second.snapshot is not None
    assert second.snapshot.changes == (StateChange(attester(3), S.IN_STAKING_QUEUE, S.ACTIVE),)
    assert w.saved_states()[attester(3)] is S.ACTIVE
    assert second.snapshot.missing_coinbase == (attester(4),)


def test_a_failed_read_keeps_the_last_snapshot_and_records_the_failure() -> None:
    w = every_state_world()
    good = w.cycle()
    w.clock.advance(60)
    w.chain.fail_reads("rpc http://node: connection failed after 5 attempts: timed out")
    w.chain.fund(PUB_A, WEI)

    down = w.cycle(good)

    assert not down.succeeded
    assert down.error is not None and "connection failed" in down.error
    assert down.snapshot == good.snapshot
    assert down.last_success_at == good.last_success_at
    assert down.cycles == 2
    assert w.files.writes == 1

    w.clock.advance(60)
    w.chain.fail_reads(None)
    recovered = w.cycle(down)

    assert recovered.succeeded and recovered.error is None
    assert recovered.last_success_at == w.clock.now()
    assert recovered.snapshot is not None and recovered.snapshot.balances[PUB_A] == 2 * WEI


def test_failing_before_any_success_shows_no_snapshot() -> None:
    w = every_state_world()
    w.chain.fail_reads()

    status = w.cycle()

    assert (status.succeeded, status.snapshot, status.last_success_at) == (False, None, None)


def test_an_impossible_move_is_refused_reported_and_counted() -> None:
    config = scraper_config(
        ScrapedAttester(attester(1), coinbase=COINBASE, last_seen_state=S.ACTIVE),
        ScrapedAttester(attester(2), last_seen_state=S.NO_LONGER_ACTIVE),
    )
    w = world(config)
    # a lagging node shows attester 1 before its stake; attester 2 was staked anew after its exit
    w.chain.enqueue_keys(1, [keystore(attester(1))])
    w.chain.set_attester_view(attester(2), AttesterView(AttesterStatus.VALIDATING, 1, ZERO_ADDRESS))

    first = w.cycle()
    second = w.cycle(first)

    assert second.snapshot is not None
    assert second.snapshot.states == {attester(1): S.ACTIVE, attester(2): S.NO_LONGER_ACTIVE}
    assert second.snapshot.rejected == (
        RejectedTransition(attester(1), S.ACTIVE, Position.PROVIDER_QUEUE),
        RejectedTransition(attester(2), S.NO_LONGER_ACTIVE, Position.VALIDATING),
    )
    assert second.rejected_total == {
        (S.ACTIVE, Position.PROVIDER_QUEUE): 2,
        (S.NO_LONGER_ACTIVE, Position.VALIDATING): 2,
    }
    assert w.files.writes == 0, "nothing changed, so nothing is saved"


def test_the_saved_states_carry_over_to_the_next_process() -> None:
    w = every_state_world()
    w.cycle()
    w.chain.exit(attester(5))

    restarted = w.cycle(ScrapeStatus())

    assert restarted.snapshot is not None
    assert restarted.snapshot.changes == (StateChange(attester(5), S.ACTIVE, S.NO_LONGER_ACTIVE),)


def test_an_updated_scraper_config_takes_effect_on_the_next_cycle() -> None:
    w = every_state_world()
    first = w.cycle()
    newcomer = ScrapedAttester(attester(9), last_seen_state=S.NEW, publishers=(PUB_IDLE,))
    w.files.files[PATH] = attrs.evolve(w.saved, attesters=(*w.saved.attesters, newcomer))

    second = w.cycle(first)

    assert second.snapshot is not None
    assert second.snapshot.states[attester(9)] is S.NEW
    assert second.snapshot.required_topups[PUB_IDLE] == WEI // 2


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"network": "mainnet"},
            "is for network devnet, chain 31337, provider 1; this run is for network mainnet, chain 31337, "
            "provider 1",
        ),
        (
            {"chain_id": 1},
            "is for network devnet, chain 31337, provider 1; this run is for network devnet, chain 1, "
            "provider 1",
        ),
        (
            {"provider_id": 2},
            "is for network devnet, chain 31337, provider 1; this run is for network devnet, chain 31337, "
            "provider 2",
        ),
    ],
)
def test_a_scraper_config_for_another_network_fails_the_cycle(change: dict[str, Any], words: str) -> None:
    w = every_state_world()
    w.network = network(**change)

    status = w.cycle()

    assert not status.succeeded
    assert status.error == f"{PATH}: the scraper config {words}"
    assert w.files.writes == 0


def test_every_difference_is_recorded_on_one_line() -> None:
    w = every_state_world()
    w.network = network(network="mainnet", chain_id=1)

    status = w.cycle()

    assert status.error == (
        f"{PATH}: the scraper config is for network devnet, chain 31337, provider 1; "
        "this run is for network mainnet, chain 1, provider 1"
    )


def test_an_unwritable_config_shows_the_fresh_values_but_fails_the_cycle() -> None:
    w = every_state_world()
    w.files = FakeJsonDocuments({PATH: w.saved}, unwritable=[PATH])

    status = w.cycle()

    assert not status.succeeded
    assert status.error is not None and status.error.startswith("saving states: ")
    assert status.snapshot is not None and status.snapshot.counts[S.ACTIVE] == 2
    assert status.last_success_at is None


def test_a_missing_scraper_config_fails_the_cycle() -> None:
    w = every_state_world()
    w.files = FakeJsonDocuments()

    status = w.cycle()

    assert not status.succeeded and status.error == f"{PATH}: file not found"


def test_reads_follow_the_lifecycle_so_a_moving_attester_is_never_missed() -> None:
    w = every_state_world()

    w.cycle()

    lifecycle = ["provider_queue", "entry_queue_state", "attester_views", "balances"]
    assert [read for read in w.chain.reads if read in lifecycle] == lifecycle


class SlowChain(FakeChain):
    """A chain whose entry queue takes `delay` seconds of the clock to read."""

    def __init__(self, clock: FixedClock, delay: float) -> None:
        super().__init__()
        self.clock = clock
        self.delay = delay

    def entry_queue_state(self) -> EntryQueueState:
        self.clock.advance(self.delay)
        return super().entry_queue_state()


def test_the_duration_and_success_time_come_from_the_clock() -> None:
    clock = FixedClock()
    chain = SlowChain(clock, 1.5)
    chain.add_provider(ADMIN)
    w = World(chain, FakeJsonDocuments({PATH: scraper_config(ScrapedAttester(attester(1)))}), clock)

    status = w.cycle()

    assert status.duration_seconds == 1.5
    assert status.snapshot is not None
    assert status.last_success_at == status.snapshot.taken_at + timedelta(seconds=1.5)


loads = st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=4)


@given(loads=loads, balances=st.lists(st.integers(min_value=0, max_value=5 * WEI), min_size=4, max_size=4))
def test_a_top_up_is_what_brings_the_balance_to_the_load_and_never_negative(
    loads: list[int], balances: list[int]
) -> None:
    publishers = tuple(Address.from_int(0xF00 + i) for i in range(len(loads)))
    attesters: list[ScrapedAttester] = []
    for publisher, load in zip(publishers, loads, strict=True):
        attesters += [
            ScrapedAttester(attester(len(attesters) + 1), publishers=(publisher,)) for _ in range(load)
        ]
    config = scraper_config(*attesters, publishers=publishers)
    wei = dict(zip(publishers, balances, strict=False))
    min_wei = network().min_wei_per_attester

    snapshot = summarise(
        config,
        provider_queue=[],
        entry_queue=FakeChain().entry_queue_state(),
        views={a.address: AttesterView(AttesterStatus.NONE, 0, ZERO_ADDRESS) for a in attesters},
        balances=wei,
        min_wei_per_attester=min_wei,
        now=FixedClock().now(),
    )

    for publisher, load in zip(publishers, loads, strict=True):
        topup = snapshot.required_topups[publisher]
        assert topup >= 0
        assert topup == 0 or wei[publisher] + topup == load * min_wei
        assert wei[publisher] + topup >= load * min_wei


ONE_PER_EPOCH = QueueConfig(
    bootstrap_validator_set_size=0,
    bootstrap_flush_size=0,
    normal_flush_size_min=1,
    normal_flush_size_quotient=1_000,
    max_queue_flush_size=1,
)


def queue_world() -> World:
    """Entry queue, head first: someone else's attester, then ours 1 (coinbase known), 2 and 3 (none);
    one flush per epoch, and this epoch's already taken."""
    config = scraper_config(
        ScrapedAttester(attester(1), coinbase=COINBASE),
        ScrapedAttester(attester(2)),
        ScrapedAttester(attester(3)),
    )
    w = world(config)
    w.chain.set_queue_config(ONE_PER_EPOCH)
    w.chain.advance_epochs(40)
    others = [Address.from_int(0x07E5), attester(0xF)]
    w.chain.enqueue_keys(1, [keystore(a) for a in [*others, attester(1)]])
    w.chain.stake(1, 2)
    w.chain.flush(1)  # the other provider's first attester leaves in epoch 40
    w.chain.enqueue_keys(1, [keystore(attester(n)) for n in (2, 3)])
    w.chain.stake(1, 3)
    return w


def test_each_queued_attester_of_ours_has_its_position_and_the_start_of_its_flush_epoch() -> None:
    w = queue_world()
    epoch_start = w.chain.epoch_clock.epoch_start

    snapshot = w.cycle().snapshot

    assert snapshot is not None
    # attester(0xF) is not ours: it is at position 0 and leaves in epoch 41
    assert {a: (q.position, q.eta) for a, q in snapshot.queued.items()} == {
        attester(1): (1, epoch_start(42)),
        attester(2): (2, epoch_start(43)),
        attester(3): (3, epoch_start(44)),
    }
    assert snapshot.next_missing_coinbase_eta == epoch_start(43)
    assert (snapshot.flushes.current_epoch, snapshot.flushes.available_flushes) == (40, 0)
    assert snapshot.flushes.next_flushable_epoch == 41


def test_the_next_missing_coinbase_eta_moves_on_when_a_coinbase_is_recorded_and_is_absent_without_one() -> (
    None
):
    w = queue_world()
    epoch_start = w.chain.epoch_clock.epoch_start
    config = w.files.files[PATH]
    w.files.files[PATH] = attrs.evolve(
        config,
        attesters=tuple(
            attrs.evolve(a, coinbase=COINBASE) if a.address == attester(2) else a for a in config.attesters
        ),
    )
    assert (snapshot := w.cycle().snapshot) is not None
    assert snapshot.next_missing_coinbase_eta == epoch_start(44)

    w.files.files[PATH] = attrs.evolve(
        config, attesters=tuple(attrs.evolve(a, coinbase=COINBASE) for a in config.attesters)
    )
    assert (snapshot := w.cycle().snapshot) is not None
    assert snapshot.next_missing_coinbase_eta is None
    assert len(snapshot.queued) == 3


def test_an_attester_that_cannot_be_flushed_as_things_stand_has_no_eta() -> None:
    w = queue_world()
    w.chain.set_queue_config(attrs.evolve(ONE_PER_EPOCH, normal_flush_size_min=0))  # the queue closes

    snapshot = w.cycle().snapshot

    assert snapshot is not None
    assert {a: q.eta for a, q in snapshot.queued.items()} == dict.fromkeys(
        (attester(1), attester(2), attester(3)), None
    )
    assert snapshot.next_missing_coinbase_eta is None
    assert snapshot.missing_coinbase == (attester(2), attester(3))
