"""Throughput of deriving validators' public values (attester address + compressed BLS key).

Run: .venv/bin/python bench/bench_derive.py [--validators 1000] [--naive 50] [--repeat 3]

Prints the one-off fixed-base table build time, keys/s of the real derivation path (text key ->
EIP-55 address and 0x-hex compressed BLS key), and the same path with py_ecc's generic multiplication
in place of the table, measured in the same run on fewer keys.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from py_ecc.optimized_bn128 import optimized_curve as py_ecc

from butler.domain import bn254
from butler.domain.keys import (
    SECP256K1_N,
    attester_address,
    bls_public_key,
    parse_bls_secret_key,
    parse_eth_secret_key,
)
from butler.domain.onchain import G1Point

KeyPair = tuple[str, str]


def sample_keys(count: int, seed: int) -> list[KeyPair]:
    rng = random.Random(seed)  # benchmark inputs, not secrets
    return [
        (f"0x{rng.randrange(1, SECP256K1_N):064x}", f"0x{rng.randrange(1, bn254.R):064x}")
        for _ in range(count)
    ]


def derive(keys: list[KeyPair]) -> list[tuple[str, str]]:
    return [
        (str(attester_address(parse_eth_secret_key(eth))), bls_public_key(parse_bls_secret_key(bls)).to_hex())
        for eth, bls in keys
    ]


def derive_naive(keys: list[KeyPair]) -> list[tuple[str, str]]:
    out = []
    for eth, bls in keys:
        x, y = py_ecc.normalize(py_ecc.multiply(py_ecc.G1, parse_bls_secret_key(bls).scalar))
        compressed = bn254.compress_g1(G1Point(int(x), int(y)))
        out.append((str(attester_address(parse_eth_secret_key(eth))), "0x" + compressed.hex()))
    return out


def best_rate(run: Callable[[list[KeyPair]], object], keys: list[KeyPair], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(keys)
        best = min(best, time.perf_counter() - start)
    return len(keys) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--validators", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=50, help="keys for the py_ecc comparison")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    bn254.precompute_generator_table()
    table_seconds = time.perf_counter() - start

    keys = sample_keys(args.validators, seed=1)
    naive_keys = keys[: args.naive]
    assert derive(naive_keys) == derive_naive(naive_keys), "fast and naive derivations disagree"

    fast = best_rate(derive, keys, args.repeat)
    naive = best_rate(derive_naive, naive_keys, args.repeat)
    bls_only = best_rate(
        lambda ks: [bn254.compress_g1(bn254.g1_generator_mul(int(b, 16))) for _, b in ks], keys, args.repeat
    )

    print(f"fixed-base table build:      {table_seconds * 1000:8.1f} ms (once per process)")
    print(f"derive {args.validators} validators:      {fast:8.0f} keys/s (eth address + compressed BLS key)")
    print(f"  of which BLS k*G1 + compress: {bls_only:6.0f} keys/s")
    print(f"naive py_ecc ({args.naive} validators): {naive:8.0f} keys/s")
    print(f"speed-up vs naive:           {fast / naive:8.1f}x")
    print(f"1000 validators incl. table: {(1000 / fast + table_seconds) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
