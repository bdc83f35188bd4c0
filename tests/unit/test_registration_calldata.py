"""Registration data and `addKeysToProvider` calldata: the proof of possession passes the GSE's pairing
check for random keys, and the hand-written encoding is byte for byte what eth_abi makes of the
StakingRegistry's real ABI."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from eth_abi.abi import decode
from hypothesis import example, given, settings
from hypothesis import strategies as st
from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.optimized_bn128 import optimized_curve as curve
from py_ecc.optimized_bn128.optimized_pairing import pairing

from butler.adapters.chain.contract_abis import STAKING_REGISTRY, function
from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.keys import BlsSecretKey, bls_public_key
from butler.domain.onchain import G1Point, G2Point, KeyStore
from butler.domain.registration import registration_keystore
from butler.domain.safe import Operation
from butler.domain.staking_registry_calls import (
    ADD_KEYS_SELECTOR,
    DEFAULT_CHUNK_SIZE,
    add_keys_call_data,
    add_keys_calls,
)
from tests.strategies import addresses, bls_scalars, g1_words, g2_words, uint256

ADD_KEYS = function(STAKING_REGISTRY, "addKeysToProvider")
REGISTRY = Address.parse("0x042dF8f42790d6943F41C25C2132400fd727f452")

keystores = st.builds(KeyStore, addresses, g1_words, g2_words, g1_words)


def as_abi_tuple(store: KeyStore) -> tuple[object, ...]:
    g1, g2, pop = store.public_key_g1, store.public_key_g2, store.proof_of_possession
    return (store.attester.checksum, (g1.x, g1.y), (g2.x0, g2.x1, g2.y0, g2.y1), (pop.x, pop.y))


def decoded(call_data: bytes) -> tuple[int, list[KeyStore]]:
    """The arguments of addKeysToProvider calldata, read back with eth_abi."""
    assert call_data[:4] == ADD_KEYS_SELECTOR
    provider_id, stores = decode(list(ADD_KEYS.input_types), call_data[4:])
    return provider_id, [
        KeyStore(Address.parse(a), G1Point(*g1), G2Point(*g2), G1Point(*pop)) for a, g1, g2, pop in stores
    ]


@settings(max_examples=5, deadline=None)  # two py_ecc pairings take about half a second
@given(k=bls_scalars, digest_scalar=bls_scalars)
@example(k=1, digest_scalar=2)
@example(k=bn254.R - 1, digest_scalar=bn254.R - 1)
def test_proof_of_possession_passes_the_gses_pairing_check(k: int, digest_scalar: int) -> None:
    digest = bn254.g1_generator_mul(digest_scalar)  # a random point of G1, like a hash to the curve
    store = registration_keystore(Address.from_int(1), BlsSecretKey(k), digest)

    g2 = store.public_key_g2
    pk2 = (FQ2([g2.x0, g2.x1]), FQ2([g2.y0, g2.y1]), FQ2.one())
    pop = (FQ(store.proof_of_possession.x), FQ(store.proof_of_possession.y), FQ.one())
    assert curve.is_on_curve(pk2, curve.b2)
    # e(pop, G2) == e(digest, pk2): what the GSE checks with the pairing precompile.
    assert pairing(curve.G2, pop) == pairing(pk2, (FQ(digest.x), FQ(digest.y), FQ.one()))
    assert store.public_key_g1 == bls_public_key(BlsSecretKey(k)).point


def test_selector_is_the_real_abis() -> None:
    assert ADD_KEYS_SELECTOR == ADD_KEYS.selector == bytes.fromhex("e2530fd1")


@settings(max_examples=200)
@given(provider_id=uint256, stores=st.lists(keystores, max_size=6))
def test_call_data_is_what_eth_abi_encodes(provider_id: int, stores: list[KeyStore]) -> None:
    expected = ADD_KEYS.encode_call(provider_id, [as_abi_tuple(s) for s in stores])
    assert add_keys_call_data(provider_id, stores) == expected


def test_call_data_of_real_registration_data_is_what_eth_abi_encodes() -> None:
    digest = bn254.g1_generator_mul(12345)
    stores = [
        registration_keystore(Address.from_int(i), BlsSecretKey(k), digest)
        for i, k in enumerate([1, 7, bn254.R - 1], start=1)
    ]
    call_data = add_keys_call_data(3, stores)
    assert call_data == ADD_KEYS.encode_call(3, [as_abi_tuple(s) for s in stores])
    assert decoded(call_data) == (3, stores)


@settings(max_examples=100)
@given(
    stores=st.lists(keystores, min_size=1, max_size=12),
    chunk_size=st.integers(min_value=1, max_value=13),
    provider_id=st.integers(min_value=1, max_value=2**64),
)
def test_chunks_are_calls_to_the_registry_that_queue_every_key_in_order(
    stores: list[KeyStore], chunk_size: int, provider_id: int
) -> None:
    calls = add_keys_calls(REGISTRY, provider_id, stores, chunk_size)

    assert len(calls) == -(-len(stores) // chunk_size)
    assert all((c.to, c.value, c.operation) == (REGISTRY, 0, Operation.CALL) for c in calls)
    chunks = [decoded(c.data) for c in calls]
    assert {pid for pid, _ in chunks} == {provider_id}
    assert all(len(chunk) == chunk_size for _, chunk in chunks[:-1])
    assert [store for _, chunk in chunks for store in chunk] == stores


def test_default_chunk_is_fifty_keys() -> None:
    stores = [KeyStore(Address.from_int(i), G1Point(1, 2), bn254.G2, G1Point(1, 2)) for i in range(101)]
    calls = add_keys_calls(REGISTRY, 1, stores)
    assert DEFAULT_CHUNK_SIZE == 50
    assert [len(decoded(c.data)[1]) for c in calls] == [50, 50, 1]


@pytest.mark.parametrize("chunk_size", [0, -1])
def test_a_chunk_size_below_one_is_refused(chunk_size: int) -> None:
    stores: Sequence[KeyStore] = [KeyStore(Address.from_int(1), G1Point(1, 2), bn254.G2, G1Point(1, 2))]
    with pytest.raises(ValueError, match="chunk size"):
        add_keys_calls(REGISTRY, 1, stores, chunk_size)


def test_values_beyond_a_word_are_refused() -> None:
    store = KeyStore(Address.from_int(1), G1Point(2**256, 2), bn254.G2, G1Point(1, 2))
    with pytest.raises(ValueError):
        add_keys_call_data(1, [store])
