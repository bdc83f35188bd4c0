"""What the fake chain offers tests beyond the shared contract: outages, read log, arrangement guards."""

from __future__ import annotations

import pytest
from hypothesis import given

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.errors import ChainError
from butler.domain.onchain import AttesterStatus, AttesterView, G1Point, G2Point, KeyStore
from butler.ports.chain import Chain
from butler.ports.chain_fake import FakeChain, fake_registration_digest
from tests.strategies import bls_scalars

ADMIN = Address.from_int(0xAD)


def keystore(n: int) -> KeyStore:
    return KeyStore(
        attester=Address.from_int(0xA000 + n),
        public_key_g1=bn254.g1_generator_mul(n + 1),
        public_key_g2=G2Point(n, n, n, n),
        proof_of_possession=G1Point(1, 2),
    )


def test_the_fake_satisfies_the_port() -> None:
    chain: Chain = FakeChain()
    assert chain.chain_id() == 31337


def test_the_lowest_provider_id_wins_when_admins_repeat() -> None:
    chain = FakeChain()
    other = chain.add_provider(Address.from_int(0xB0))
    first = chain.add_provider(ADMIN, take_rate=100)
    chain.add_provider(ADMIN, take_rate=200)

    found = chain.provider_by_admin(ADMIN)

    assert other == 1
    assert found is not None
    assert (found.id, found.take_rate) == (first, 100) == (2, 100)


def test_reads_fail_while_the_node_is_down_and_recover_after() -> None:
    chain = FakeChain()
    chain.fail_reads("rpc http://node: connection failed")

    with pytest.raises(ChainError, match="connection failed"):
        chain.balances([ADMIN])
    with pytest.raises(ChainError):
        chain.head_block()

    chain.fail_reads(None)
    assert chain.balances([ADMIN]) == {ADMIN: 0}


def test_reads_are_logged_in_order() -> None:
    chain = FakeChain()
    chain.provider_queue(1)
    chain.attester_views([ADMIN])

    assert chain.reads == ["provider_queue", "attester_views"]


def test_staking_more_than_is_queued_is_refused_and_changes_nothing() -> None:
    chain = FakeChain()
    provider = chain.add_provider(ADMIN)
    chain.enqueue_keys(provider, [keystore(1)])

    with pytest.raises(ValueError, match="cannot stake 2"):
        chain.stake(provider, 2)

    assert chain.provider_queue(provider) == [keystore(1)]
    assert chain.entry_queue() == []


def test_only_a_validating_attester_can_exit() -> None:
    chain = FakeChain()
    with pytest.raises(ValueError, match="not validating"):
        chain.exit(Address.from_int(0xA001))


def test_a_view_can_be_set_directly() -> None:
    chain = FakeChain()
    zombie = AttesterView(status=AttesterStatus.ZOMBIE, effective_balance=40, withdrawer=ADMIN)
    chain.set_attester_view(ADMIN, zombie)

    assert chain.attester_views([ADMIN]) == {ADMIN: zombie}


def test_events_are_filtered_by_provider_and_block_range() -> None:
    chain = FakeChain()
    one, two = chain.add_provider(ADMIN), chain.add_provider(Address.from_int(0xB0))
    chain.enqueue_keys(one, [keystore(1), keystore(2)])
    chain.enqueue_keys(two, [keystore(3)])
    first, second = chain.stake(one, 2)
    (other,) = chain.stake(two)

    assert chain.staked_with_provider(one, 0, chain.head_block()) == [first, second]
    assert chain.staked_with_provider(one, second.block_number, second.block_number) == [second]
    assert chain.staked_with_provider(two, 0, other.block_number - 1) == []


@given(bls_scalars)
def test_fake_digests_are_curve_points_other_than_the_key(k: int) -> None:
    key = bn254.g1_generator_mul(k)

    digest = fake_registration_digest(key)

    assert bn254.is_on_curve_g1(digest)
    assert digest != key
    assert fake_registration_digest(key) == digest
