"""Calls to the StakingRegistry that the provider's Safe makes: `addKeysToProvider` (SPEC §9).

ABI-encoded by hand: a uint256, then a dynamic array of the static KeyStore tuple, which the ABI lays
out inline as nine words per element (attester, pk1.x, pk1.y, pk2.x0, pk2.x1, pk2.y0, pk2.y1, pop.x, pop.y).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from butler.domain.address import Address
from butler.domain.hashing import keccak256
from butler.domain.onchain import G1Point, G2Point, KeyStore
from butler.domain.safe import WORD, SafeCall, address_word, uint_word

ADD_KEYS_SIGNATURE = (
    "addKeysToProvider(uint256,"
    "(address,(uint256,uint256),(uint256,uint256,uint256,uint256),(uint256,uint256))[])"
)
ADD_KEYS_SELECTOR = keccak256(ADD_KEYS_SIGNATURE.encode("ascii"))[:4]
"""0xe2530fd1."""

DEFAULT_CHUNK_SIZE = 50
"""KeyStores per call unless the operator chooses otherwise (SPEC §9)."""

T = TypeVar("T")


def encode_keystore(store: KeyStore) -> bytes:
    g1, g2, pop = store.public_key_g1, store.public_key_g2, store.proof_of_possession
    return address_word(store.attester) + b"".join(
        uint_word(value) for value in (g1.x, g1.y, g2.x0, g2.x1, g2.y0, g2.y1, pop.x, pop.y)
    )


def add_keys_call_data(provider_id: int, keystores: Sequence[KeyStore]) -> bytes:
    """Calldata of `addKeysToProvider(provider_id, keystores)`."""
    # Head: the id, then the array's offset (two head words). Tail: length, then the elements inline.
    return (
        ADD_KEYS_SELECTOR
        + uint_word(provider_id)
        + uint_word(2 * WORD)
        + uint_word(len(keystores))
        + b"".join(encode_keystore(store) for store in keystores)
    )


def chunked(items: Sequence[T], chunk_size: int) -> list[Sequence[T]]:
    """`items` in order, cut into runs of `chunk_size` (the last may be shorter)."""
    if chunk_size < 1:
        raise ValueError(f"the chunk size must be at least 1, got {chunk_size}")
    return [items[start : start + chunk_size] for start in range(0, len(items), chunk_size)]


def add_keys_calls(
    registry: Address,
    provider_id: int,
    keystores: Sequence[KeyStore],
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> tuple[SafeCall, ...]:
    """One `addKeysToProvider` call on `registry` per chunk, in order: executed in nonce order they
    append the keystores to the provider queue in the order given."""
    return tuple(
        SafeCall(registry, 0, add_keys_call_data(provider_id, chunk))
        for chunk in chunked(keystores, chunk_size)
    )


_KEYSTORE_WORDS = 9


def decode_add_keys_call_data(data: bytes) -> tuple[int, tuple[KeyStore, ...]]:
    """(provider id, keystores) of `addKeysToProvider` calldata; ValueError when it is not such calldata."""
    if data[:4] != ADD_KEYS_SELECTOR:
        raise ValueError("not addKeysToProvider calldata")
    body = data[4:]
    if len(body) < 3 * WORD or len(body) % WORD:
        raise ValueError("addKeysToProvider calldata is too short or not whole words")
    words = [int.from_bytes(body[i : i + WORD], "big") for i in range(0, len(body), WORD)]
    provider_id, offset = words[0], words[1]
    if offset % WORD or offset // WORD + 1 > len(words):
        raise ValueError("addKeysToProvider calldata: the keystore array's offset is out of range")
    start = offset // WORD
    count = words[start]
    elements = words[start + 1 :]
    if count * _KEYSTORE_WORDS > len(elements):
        raise ValueError(f"addKeysToProvider calldata: {count} keystores announced, fewer present")
    stores = []
    for index in range(count):
        w = elements[index * _KEYSTORE_WORDS : (index + 1) * _KEYSTORE_WORDS]
        if w[0] >= 2**160:
            raise ValueError(f"addKeysToProvider calldata: keystore {index}: the attester is no address")
        stores.append(
            KeyStore(
                attester=Address.from_int(w[0]),
                public_key_g1=G1Point(w[1], w[2]),
                public_key_g2=G2Point(w[3], w[4], w[5], w[6]),
                proof_of_possession=G1Point(w[7], w[8]),
            )
        )
    return provider_id, tuple(stores)
