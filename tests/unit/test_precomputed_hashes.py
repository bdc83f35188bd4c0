"""Hashes the domain writes out so that importing it loads no hash library: each equals its source."""

from __future__ import annotations

from butler.domain import safe, staking_registry_calls
from butler.domain.hashing import keccak256


def test_safe_type_hashes_and_selector_are_keccak_of_their_signatures():
    assert keccak256(safe.DOMAIN_TYPE) == safe.DOMAIN_TYPEHASH
    assert keccak256(safe.SAFE_TX_TYPE) == safe.SAFE_TX_TYPEHASH
    assert keccak256(safe.MULTISEND_SIGNATURE)[:4] == safe.MULTISEND_SELECTOR


def test_add_keys_selector_is_keccak_of_its_signature():
    signature = staking_registry_calls.ADD_KEYS_SIGNATURE.encode("ascii")
    assert keccak256(signature)[:4] == staking_registry_calls.ADD_KEYS_SELECTOR


def test_multisend_call_only_is_the_canonical_address():
    assert str(safe.MULTISEND_CALL_ONLY) == "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
