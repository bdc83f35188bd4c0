"""Hypothesis strategies for the domain's values, shared by every test module.

Importing this module (tests/conftest.py does) registers them, so `st.from_type(Address)` and `@given`
over annotated arguments draw the same values as the strategies named here.
"""

from __future__ import annotations

from hypothesis import strategies as st

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.keys import SECP256K1_N, BlsSecretKey, EthSecretKey
from butler.domain.onchain import G1Point, G2Point
from butler.domain.wei import WEI_LIMIT, Wei

uint256 = st.integers(min_value=0, max_value=2**256 - 1)
"""Any 256-bit word."""

addresses = st.binary(min_size=20, max_size=20).map(Address)
"""Any address, the zero address included."""

nonzero_addresses = st.integers(min_value=1, max_value=2**160 - 1).map(Address.from_int)


def address_pool(size: int, *, first: int = 1) -> st.SearchStrategy[Address]:
    """One of `size` addresses (`first` .. `first + size - 1` as numbers): a small pool, so that drawn lists
    repeat addresses and collide with each other, as properties about duplicates need."""
    return st.integers(min_value=first, max_value=first + size - 1).map(Address.from_int)


eth_scalars = st.integers(min_value=1, max_value=SECP256K1_N - 1)
"""Every valid secp256k1 private key, as its number."""
eth_secret_keys = eth_scalars.map(EthSecretKey)

bls_scalars = st.integers(min_value=1, max_value=bn254.R - 1)
"""Every valid BN254 private key, as its number."""
bls_secret_keys = bls_scalars.map(BlsSecretKey)

g1_words = st.builds(G1Point, uint256, uint256)
g2_words = st.builds(G2Point, uint256, uint256, uint256, uint256)
"""Any words in the shape of G1 and G2 points, not only points of the curve: encodings must not depend on
what the numbers mean."""

wei_amounts = st.integers(min_value=0, max_value=WEI_LIMIT - 1).map(Wei)
"""Any amount a uint256 holds."""

chain_ids = st.integers(min_value=1, max_value=2**64)

st.register_type_strategy(Address, addresses)
st.register_type_strategy(EthSecretKey, eth_secret_keys)
st.register_type_strategy(BlsSecretKey, bls_secret_keys)
st.register_type_strategy(Wei, wei_amounts)
