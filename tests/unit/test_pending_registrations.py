"""Reading pending Safe transactions for the attesters they would register: addKeysToProvider calldata,
plain or batched through MultiSendCallOnly, decoded back to the keystores it carries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain.address import Address
from butler.domain.onchain import G1Point, G2Point, KeyStore
from butler.domain.pending_registrations import UndecodableProposal, proposed_attesters
from butler.domain.safe import Operation, SafeCall, SafeTransaction, batched
from butler.domain.staking_registry_calls import (
    ADD_KEYS_SELECTOR,
    add_keys_call_data,
    decode_add_keys_call_data,
)
from tests.strategies import address_pool, g1_words, g2_words, uint256

REGISTRY = Address.from_int(0x4E6157)
attesters = address_pool(8)
keystores = st.builds(
    KeyStore, attester=attesters, public_key_g1=g1_words, public_key_g2=g2_words, proof_of_possession=g1_words
)


@given(provider_id=uint256, stores=st.lists(keystores, max_size=5))
def test_decoding_gives_back_what_was_encoded(provider_id, stores):
    assert decode_add_keys_call_data(add_keys_call_data(provider_id, stores)) == (provider_id, tuple(stores))


@given(stores=st.lists(keystores, min_size=1, max_size=3), cut=st.integers(min_value=1, max_value=40))
def test_truncated_calldata_is_refused(stores, cut):
    data = add_keys_call_data(1, stores)
    with pytest.raises(ValueError):
        decode_add_keys_call_data(data[:-cut])


def tx(nonce: int, call: SafeCall) -> SafeTransaction:
    return SafeTransaction.for_call(call, nonce)


def add_keys(*stores: KeyStore, registry: Address = REGISTRY) -> SafeCall:
    return SafeCall(registry, 0, add_keys_call_data(1, stores))


@given(
    chunks=st.lists(st.lists(keystores, min_size=1, max_size=3), min_size=1, max_size=4), batch=st.booleans()
)
def test_every_attester_of_every_pending_call_is_found_with_its_nonces(chunks, batch):
    calls = [add_keys(*chunk) for chunk in chunks]
    pending = [tx(10, batched(calls))] if batch else [tx(10 + i, c) for i, c in enumerate(calls)]

    found = proposed_attesters(pending, REGISTRY)

    expected: dict[Address, set[int]] = {}
    for i, chunk in enumerate(chunks):
        for store in chunk:
            expected.setdefault(store.attester, set()).add(10 if batch else 10 + i)
    assert found == {a: tuple(sorted(n)) for a, n in expected.items()}


def test_calls_to_another_contract_or_of_another_function_register_nobody():
    store = KeyStore(Address.from_int(1), G1Point(1, 2), G2Point(1, 2, 3, 4), G1Point(1, 2))
    pending = [
        tx(1, add_keys(store, registry=Address.from_int(0xBAD))),
        tx(2, SafeCall(REGISTRY, 0, b"\x12\x34\x56\x78" + bytes(64))),
        tx(3, SafeCall(REGISTRY, 5, b"")),
    ]
    assert proposed_attesters(pending, REGISTRY) == {}


def test_a_pending_add_keys_call_that_cannot_be_decoded_is_an_error_naming_its_nonce():
    pending = [tx(4, SafeCall(REGISTRY, 0, ADD_KEYS_SELECTOR + bytes(40)))]
    with pytest.raises(UndecodableProposal, match="nonce 4"):
        proposed_attesters(pending, REGISTRY)


def test_a_broken_multisend_batch_is_an_error_naming_its_nonce():
    call = batched([add_keys(), SafeCall(REGISTRY, 0, b"")])
    broken = SafeCall(call.to, 0, call.data[:-40], Operation.DELEGATE_CALL)
    with pytest.raises(UndecodableProposal, match="nonce 9"):
        proposed_attesters([tx(9, broken)], REGISTRY)
