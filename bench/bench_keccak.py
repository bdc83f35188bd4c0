"""Keccak-256 back-ends among the dependencies: import time in a fresh process and time per call.

Run: .venv/bin/python bench/bench_keccak.py [--runs 5]

Candidates: pycryptodome through cffi (its default; cffi parses C declarations when the library loads),
pycryptodome through ctypes (its fallback without cffi), eth-hash (a wrapper over pycryptodome, present
through eth-abi), and `butler.domain.hashing.keccak256` as the product uses it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

CANDIDATES = {
    "pycryptodome/cffi": (
        "from Crypto.Hash import keccak",
        "lambda d: keccak.new(digest_bits=256, data=d).digest()",
    ),
    "pycryptodome/ctypes": (
        "sys.modules['cffi'] = None; from Crypto.Hash import keccak; del sys.modules['cffi']",
        "lambda d: keccak.new(digest_bits=256, data=d).digest()",
    ),
    "eth-hash": ("from eth_hash.auto import keccak", "keccak"),
    "butler keccak256": ("from butler.domain.hashing import keccak256", "keccak256"),
}

PROBE = """
import sys, time, timeit
started = time.perf_counter()
{setup}
hash_ = {call}
hash_(b"")  # loading may be deferred to the first call
loaded = time.perf_counter() - started
assert hash_(b"").hex().startswith("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b")
per_call = []
for size in (32, 64, 1024):
    data = bytes(size)
    best = min(timeit.repeat(lambda: hash_(data), number=10_000, repeat=3))
    per_call.append(best / 10_000)
print(loaded, *per_call)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'back-end':<22} {'import+first call':>18} {'32 B':>9} {'64 B':>9} {'1 KiB':>9}")
    for name, (setup, call) in CANDIDATES.items():
        samples = []
        for _ in range(args.runs):
            probe = PROBE.format(setup=setup, call=call)
            out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
            samples.append([float(value) for value in out.stdout.split()])
        loaded, *per_call = (statistics.median(column) for column in zip(*samples, strict=True))
        sizes = " ".join(f"{seconds * 1e6:7.2f}us" for seconds in per_call)
        print(f"{name:<22} {loaded * 1000:15.1f} ms {sizes}")


if __name__ == "__main__":
    main()
