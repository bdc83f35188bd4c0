"""The scraper-config merge rule of SPEC §7."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.errors import CheckFailed
from butler.domain.scraper_config import (
    AttesterState,
    ScrapedAttester,
    ScraperConfig,
    merged_attesters,
    merged_scraper_config,
    publisher_loads,
    timestamp,
    with_states,
)

NOW = datetime(2026, 11, 21, 12, 30, 5, tzinfo=UTC)
A, B, C = (Address.from_int(n) for n in (0xA1, 0xB2, 0xC3))
X, Y = Address.from_int(0x1111), Address.from_int(0x2222)
P1, P2 = Address.from_int(0x501), Address.from_int(0x502)


def config(*attesters: ScrapedAttester, publishers: tuple[Address, ...] = ()) -> ScraperConfig:
    return ScraperConfig(1, "devnet", 31337, 1, attesters, publishers, "2026-01-01T00:00:00Z")


def merge(existing: ScraperConfig | None, attesters, publishers=None) -> ScraperConfig:
    return merged_scraper_config(
        existing,
        network="devnet",
        chain_id=31337,
        staking_provider_id=1,
        attesters=attesters,
        publishers=publishers,
        now=NOW,
    )


def test_a_first_config_holds_every_attester_once_as_new():
    result = merge(None, [ScrapedAttester(A), ScrapedAttester(B, X), ScrapedAttester(A)], [P1, P2, P1])
    assert result.attesters == (
        ScrapedAttester(A, None, AttesterState.NEW),
        ScrapedAttester(B, X, AttesterState.NEW),
    )
    assert result.publishers == (P1, P2)
    assert result.last_updated == "2026-11-21T12:30:05Z"


def test_a_non_zero_coinbase_wins_over_zero_or_absent_whichever_comes_first():
    existing = config(ScrapedAttester(A, None, AttesterState.ACTIVE), ScrapedAttester(B, X))
    result = merge(existing, [ScrapedAttester(A, X), ScrapedAttester(B, ZERO_ADDRESS)])
    assert [(a.coinbase, a.last_seen_state) for a in result.attesters] == [
        (X, AttesterState.ACTIVE),
        (X, AttesterState.NEW),
    ]


def test_a_zero_coinbase_is_never_recorded():
    assert merge(None, [ScrapedAttester(A, ZERO_ADDRESS)]).attesters[0].coinbase is None


def test_two_different_coinbases_for_one_attester_are_a_conflict_naming_both():
    with pytest.raises(CheckFailed) as failure:
        merge(config(ScrapedAttester(A, X)), [ScrapedAttester(A, Y), ScrapedAttester(B, Y)])
    assert failure.value.problems == (f"attester {A}: conflicting coinbases {X} and {Y}",)


def test_publishers_are_replaced_when_given_and_kept_otherwise():
    existing = config(ScrapedAttester(A, publishers=(P1,)), publishers=(P1,))
    assert merge(existing, []).publishers == (P1,)
    replaced = merge(existing, [ScrapedAttester(A, publishers=(P2,))], [P2])
    assert replaced.publishers == (P2,)
    assert replaced.attesters[0].publishers == (P2,)
    assert merge(existing, [ScrapedAttester(A)]).attesters[0].publishers == (P1,)


def test_a_config_of_another_network_or_provider_is_refused():
    other = ScraperConfig(1, "testnet", 11155111, 7, (), (), "x")
    with pytest.raises(CheckFailed, match="network testnet, chain 11155111, provider 7"):
        merge(other, [])


def test_publisher_loads_count_assignments_of_attesters_still_in_service_and_list_unused_publishers():
    loaded = config(
        ScrapedAttester(A, publishers=(P1,)),
        ScrapedAttester(B, publishers=(P1, P2)),
        ScrapedAttester(C, None, AttesterState.NO_LONGER_ACTIVE, publishers=(P1, P2)),
        publishers=(P1, P2, Address.from_int(0x503)),
    )
    assert publisher_loads(loaded) == {P1: 2, P2: 1, Address.from_int(0x503): 0}
    # States just observed override the file's: A exited, C is (wrongly) back in service.
    assert publisher_loads(loaded, {A: AttesterState.NO_LONGER_ACTIVE, C: AttesterState.ACTIVE}) == {
        P1: 2,
        P2: 2,
        Address.from_int(0x503): 0,
    }


def test_with_states_changes_only_the_named_attesters():
    before = config(ScrapedAttester(A, None, AttesterState.NEW), ScrapedAttester(B, None, AttesterState.NEW))
    after = with_states(before, {B: AttesterState.ACTIVE}, NOW)
    assert [a.last_seen_state for a in after.attesters] == [AttesterState.NEW, AttesterState.ACTIVE]
    assert after.last_updated == timestamp(NOW)


addresses = st.sampled_from([A, B, C])
coinbases = st.sampled_from([None, ZERO_ADDRESS, X])
attester_lists = st.lists(st.builds(ScrapedAttester, addresses, coinbases), max_size=8)


@given(attester_lists)
def test_merging_is_idempotent(attesters):
    once = merged_attesters((), attesters)
    assert merged_attesters(once, attesters) == once
    assert merged_attesters(once, once) == once


@given(attester_lists, st.randoms())
def test_coinbases_do_not_depend_on_input_order(attesters, random):
    shuffled = list(attesters)
    random.shuffle(shuffled)

    def coinbases(merged):
        return {a.address: a.coinbase for a in merged}

    assert coinbases(merged_attesters((), attesters)) == coinbases(merged_attesters((), shuffled))
