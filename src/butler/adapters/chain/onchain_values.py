"""The domain's on-chain values from what eth_abi decodes (tuples of ints and address strings)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from butler.adapters.chain.node_answers import address
from butler.domain.onchain import DepositArgs, G1Point, G2Point, KeyStore


def g1(value: Sequence[int]) -> G1Point:
    x, y = value
    return G1Point(x=x, y=y)


def g2(value: Sequence[int]) -> G2Point:
    x0, x1, y0, y1 = value
    return G2Point(x0=x0, x1=x1, y0=y0, y1=y1)


def key_store(value: Sequence[Any]) -> KeyStore:
    """A StakingRegistry queue entry."""
    attester, pk1, pk2, proof = value
    return KeyStore(
        attester=address(attester),
        public_key_g1=g1(pk1),
        public_key_g2=g2(pk2),
        proof_of_possession=g1(proof),
    )


def deposit_args(value: Sequence[Any]) -> DepositArgs:
    """A Rollup entry-queue entry."""
    attester, withdrawer, pk1, pk2, proof, move_with_latest_rollup = value
    return DepositArgs(
        attester=address(attester),
        withdrawer=address(withdrawer),
        public_key_g1=g1(pk1),
        public_key_g2=g2(pk2),
        proof_of_possession=g1(proof),
        move_with_latest_rollup=bool(move_with_latest_rollup),
    )
