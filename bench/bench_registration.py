"""Throughput of building registration data (SPEC §9): k·G2, the proof of possession, the calldata.

Run: .venv/bin/python bench/bench_registration.py [--keys 1000] [--naive 20] [--repeat 3]

Prints the one-off G2 fixed-base table build time, keys/s of k·G2 from the table and from py_ecc's
generic multiplication (what it replaced, measured in the same run on fewer keys), keys/s of the proof of
possession k·digest, and the domain work add-keys does for `--keys` attesters once the digests are known:
attester address, pk1, pk2, proof of possession and addKeysToProvider calldata in chunks of 50.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import TypeVar

from py_ecc.optimized_bn128 import optimized_curve as py_ecc

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.keys import SECP256K1_N, BlsSecretKey, EthSecretKey, attester_address, bls_public_key
from butler.domain.onchain import G2Point
from butler.domain.registration import registration_keystore
from butler.domain.staking_registry_calls import add_keys_calls

T = TypeVar("T")
REGISTRY = Address.parse("0x042dF8f42790d6943F41C25C2132400fd727f452")


def py_ecc_g2(k: int) -> G2Point:
    x, y = py_ecc.normalize(py_ecc.multiply(py_ecc.G2, k))
    return G2Point(int(x.coeffs[0]), int(x.coeffs[1]), int(y.coeffs[0]), int(y.coeffs[1]))


def best(run: Callable[[list[T]], object], items: list[T], repeat: int) -> float:
    """The best of `repeat` runs over `items`, in seconds."""
    fastest = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(items)
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=20, help="keys for the py_ecc comparison")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    g2_table = timed(bn254.precompute_g2_generator_table)
    g1_table = timed(bn254.precompute_generator_table)

    rng = random.Random(1)  # benchmark inputs, not secrets
    scalars = [rng.randrange(1, bn254.R) for _ in range(args.keys)]
    eth_keys = [EthSecretKey(rng.randrange(1, SECP256K1_N)) for _ in range(args.keys)]
    bls_keys = [BlsSecretKey(k) for k in scalars]
    # Stand-ins for the GSE's digests, fetched before any of this work in add-keys.
    digests = [bn254.g1_generator_mul(rng.randrange(1, bn254.R)) for _ in range(args.keys)]

    naive_scalars = scalars[: args.naive]
    assert [bn254.g2_generator_mul(k) for k in naive_scalars] == [py_ecc_g2(k) for k in naive_scalars]

    g2_fast = args.keys / best(lambda ks: [bn254.g2_generator_mul(k) for k in ks], scalars, args.repeat)
    g2_naive = args.naive / best(lambda ks: [py_ecc_g2(k) for k in ks], naive_scalars, args.repeat)
    pairs = list(zip(digests, scalars, strict=True))
    pop = args.keys / best(lambda ps: [bn254.g1_mul(d, k) for d, k in ps], pairs, args.repeat)

    def register(indexes: list[int]) -> object:
        stores = []
        for i in indexes:
            address = attester_address(eth_keys[i])
            bls_public_key(bls_keys[i])  # pk1, which add-keys sends to the GSE for the digest
            stores.append(registration_keystore(address, bls_keys[i], digests[i]))
        return add_keys_calls(REGISTRY, 1, stores)

    everything = best(register, list(range(args.keys)), args.repeat)

    print(f"G2 fixed-base table build:      {g2_table * 1000:8.1f} ms (once per process)")
    print(f"G1 fixed-base table build:      {g1_table * 1000:8.1f} ms (once per process)")
    print(f"k*G2, fixed-base table:         {g2_fast:8.0f} keys/s")
    print(f"k*G2, py_ecc ({args.naive} keys):         {g2_naive:8.1f} keys/s")
    print(f"  speed-up:                     {g2_fast / g2_naive:8.1f}x")
    print(f"proof of possession k*digest:   {pop:8.0f} keys/s")
    rate = args.keys / everything
    print(f"add-keys domain work, {args.keys} keys: {everything * 1000:8.1f} ms ({rate:.0f} keys/s)")
    print(f"  incl. both table builds:      {(everything + g2_table + g1_table) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
