"""Keccak-256, the one hash the Ethereum formats need.

The hash library is loaded on the first call, not on import: every module that names a hash would
otherwise pay for it, help output included. pycryptodome is loaded through its ctypes back-end, which it
falls back to when cffi is missing: its default cffi back-end parses C declarations with pycparser when
the library loads, which costs more at start-up and is no faster per call (numbers in bench/bench_keccak.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

_hash: Callable[[bytes], bytes] | None = None


def keccak256(data: bytes) -> bytes:
    hash_ = _hash if _hash is not None else _load()
    return hash_(data)


def _load() -> Callable[[bytes], bytes]:
    global _hash  # noqa: PLW0603 - the loaded hash, kept for every later call
    keccak = _import_keccak()

    def hash_(data: bytes) -> bytes:
        return bytes(keccak.new(digest_bits=256, data=data).digest())

    _hash = hash_
    return hash_


def _import_keccak() -> ModuleType:
    if "Crypto.Util._raw_api" in sys.modules:  # already loaded by another library: use it as it is
        from Crypto.Hash import keccak

        return keccak
    missing = object()
    cffi = sys.modules.get("cffi", missing)
    sys.modules["cffi"] = None  # type: ignore[assignment]  # None in sys.modules makes the import fail
    try:
        from Crypto.Hash import keccak
    finally:
        if cffi is missing:
            del sys.modules["cffi"]
        else:
            sys.modules["cffi"] = cffi  # type: ignore[assignment]
    return keccak
