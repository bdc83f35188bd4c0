"""The scraper weighs every cycle's chain against the head it last accepted: another chain, a lagging
node or a reorg that dropped registrations never set an attester back, nothing from them is saved, the
last good values (and the urgent alert) stay, and the scraper recovers once the node shows the chain
again. Over the fake chain, whose snapshot/revert behaves like anvil's."""

from __future__ import annotations

from butler.domain.chain_evidence import Suspicion, is_setback
from butler.domain.scrape_status import ScrapeStatus
from butler.domain.scraper_config import AttesterState, ScrapedAttester
from butler.entrypoints.scraper.collector import ScraperCollector, metrics_registry, metrics_text
from butler.ports.chain_fake import FakeChain
from butler.ports.clock_fake import FixedClock
from butler.ports.json_documents_fake import FakeJsonDocuments
from tests.unit.test_scrape_cycle import ADMIN, PATH, PUB_A, World, attester, keystore, scraper_config

S = AttesterState
ACTIVE_NO_COINBASE = attester(1)  # the urgent missing-coinbase alert
QUEUED = attester(2)


def registered_world() -> tuple[World, int]:
    """Attester 1 validating without a coinbase, 2 in the entry queue; a snapshot from before both."""
    config = scraper_config(
        ScrapedAttester(ACTIVE_NO_COINBASE, publishers=(PUB_A,)),
        ScrapedAttester(QUEUED, publishers=(PUB_A,)),
        publishers=(PUB_A,),
    )
    chain = FakeChain()
    assert chain.add_provider(ADMIN) == 1
    before = chain.snapshot()
    chain.enqueue_keys(1, [keystore(ACTIVE_NO_COINBASE), keystore(QUEUED)])
    chain.stake(1, 2)
    chain.flush(1)
    return World(chain, FakeJsonDocuments({PATH: config}), FixedClock()), before


def accepted(w: World) -> ScrapeStatus:
    status = w.cycle()
    assert status.succeeded, status.error
    assert w.saved_states() == {ACTIVE_NO_COINBASE: S.ACTIVE, QUEUED: S.IN_STAKING_QUEUE}
    assert status.snapshot is not None and status.snapshot.missing_coinbase_urgent == (ACTIVE_NO_COINBASE,)
    return status


def assert_kept(w: World, good: ScrapeStatus, status: ScrapeStatus, suspicion: Suspicion) -> None:
    assert not status.succeeded
    assert status.suspicion is suspicion
    assert status.snapshot is good.snapshot, "the last good values stay on show"
    assert status.accepted_head == good.accepted_head
    assert w.files.writes == 1, "nothing from a suspect cycle is saved"
    assert w.saved_states() == {ACTIVE_NO_COINBASE: S.ACTIVE, QUEUED: S.IN_STAKING_QUEUE}


def test_a_node_serving_another_chain_id_fails_every_cycle_until_it_serves_ours_again() -> None:
    w, _ = registered_world()
    good = accepted(w)
    w.chain.set_chain_id(1)

    status = w.cycle(good)

    assert_kept(w, good, status, Suspicion.WRONG_CHAIN)
    assert status.error == "the node now serves chain id 1, not 31337: nothing from it is kept"
    w.chain.set_chain_id(31337)
    assert w.cycle(status).succeeded


def test_a_lagging_node_is_not_believed_and_the_states_stay_until_it_catches_up() -> None:
    w, _ = registered_world()
    good = accepted(w)
    lagging = w.chain
    w.chain = FakeChain()  # the same chain, but only as far as `before`: rebuilt block by block
    w.chain.add_provider(ADMIN)
    assert w.chain.block() is not None and lagging.block(w.chain.head_block()) == w.chain.block()

    status = w.cycle(good)

    assert_kept(w, good, status, Suspicion.HEAD_BEHIND)
    assert status.error is not None and "older than the last accepted" in status.error
    w.chain = lagging  # caught up
    assert w.cycle(status).succeeded


def test_a_reorg_that_drops_the_registrations_sets_nobody_back_and_recovers_when_they_return() -> None:
    w, before = registered_world()
    good = accepted(w)
    w.chain.revert(before)
    w.chain.mine(20)  # a longer fork without our registrations

    status = w.cycle(good)

    assert_kept(w, good, status, Suspicion.REORG)
    assert status.error is not None and f"{ACTIVE_NO_COINBASE}: ACTIVE -> NO_LONGER_ACTIVE" in status.error
    again = w.cycle(status)
    assert again.suspicion is Suspicion.REORG, "it keeps failing while the chain lacks them"

    w.chain.enqueue_keys(1, [keystore(ACTIVE_NO_COINBASE), keystore(QUEUED)])
    w.chain.stake(1, 2)
    w.chain.flush(1)
    back = w.cycle(again)

    assert back.succeeded and back.suspicion is None
    assert back.snapshot is not None and back.snapshot.missing_coinbase_urgent == (ACTIVE_NO_COINBASE,)
    assert w.saved_states() == {ACTIVE_NO_COINBASE: S.ACTIVE, QUEUED: S.IN_STAKING_QUEUE}
    assert back.accepted_head == w.chain.block(back.accepted_head.number)  # type: ignore[union-attr]


def test_a_reorg_that_sets_nobody_back_is_followed() -> None:
    w, _ = registered_world()
    good = accepted(w)
    kept = w.chain.snapshot()
    w.chain.mine(2)
    w.chain.revert(kept)
    w.chain.flush(1)  # the other fork activates the queued attester

    status = w.cycle(good)

    assert status.succeeded
    assert w.saved_states() == {ACTIVE_NO_COINBASE: S.ACTIVE, QUEUED: S.ACTIVE}
    assert status.accepted_head == w.chain.block()


def test_another_chain_with_the_same_id_and_our_provider_is_not_believed_where_it_sets_back() -> None:
    w, _ = registered_world()
    good = accepted(w)
    other = FakeChain(genesis=b"another chain", head_block=500)
    other.add_provider(ADMIN)
    w.chain = other

    status = w.cycle(good)

    assert_kept(w, good, status, Suspicion.REORG)


def test_a_chain_without_our_provider_is_not_believed() -> None:
    w, _ = registered_world()
    good = accepted(w)
    w.chain = FakeChain(genesis=b"another chain", head_block=500)

    status = w.cycle(good)

    assert_kept(w, good, status, Suspicion.PROVIDER_MISSING)


def test_an_exit_on_the_accepted_chain_is_a_normal_move() -> None:
    w, _ = registered_world()
    good = accepted(w)
    w.chain.exit(ACTIVE_NO_COINBASE)

    status = w.cycle(good)

    assert status.succeeded
    assert w.saved_states()[ACTIVE_NO_COINBASE] is S.NO_LONGER_ACTIVE


def test_the_reason_of_a_suspect_cycle_is_a_metric_label() -> None:
    w, _ = registered_world()
    good = accepted(w)
    w.chain.set_chain_id(5)
    status = w.cycle(good)
    collector = ScraperCollector(network="devnet", version="1", status=lambda: status)

    text = metrics_text(metrics_registry(collector))

    assert 'aztec_butler_scrape_success{network="devnet",scraper="chain"} 0.0' in text
    assert 'aztec_butler_scrape_suspect{network="devnet",reason="wrong_chain"} 1.0' in text
    assert 'aztec_butler_attesters_missing_coinbase_urgent{network="devnet"} 1.0' in text


def test_setbacks_are_exits_and_steps_back_towards_new() -> None:
    assert is_setback(S.ACTIVE, S.NO_LONGER_ACTIVE)
    assert is_setback(S.IN_STAKING_QUEUE, S.NEW)
    assert not is_setback(S.NEW, S.ACTIVE)
    assert not is_setback(S.ACTIVE, S.ACTIVE)
