"""Many read calls of one contract function in a single `eth_call`, without any deployed helper.

The `eth_call` carries no `to`: the node runs `data` as the init code of a contract that is never
deployed. That init code is the batch-call program `contracts/AggregateCalls.yul`, shipped compiled
(`artifacts/AggregateCalls.json`), followed by its arguments: the target, the result size and the prefix's
length (a word each), the prefix, then the items. It calls `target` once per item with `prefix || item`
(the function selector and any leading arguments, then one 32-byte word) through STATICCALL, checks that
every answer has exactly `result_size` bytes, and returns a zero byte followed by all answers in order:
the "code" it would deploy. Every node serves such calls (they are how contract creations are
simulated), so no Multicall contract is needed.

- A call that reverts makes the whole `eth_call` revert with the same revert data, so the node's
  verdict on the first failing item reaches the caller unchanged.
- An answer of the wrong size (e.g. none, because `target` holds no code) reverts with
  `UnexpectedResultSize(index, size)`; see `unexpected_size`.
- What a creation returns is limited to 24,576 bytes (EIP-170), so `max_items` bounds each chunk;
  the leading zero byte keeps the returned "code" from starting with 0xEF (EIP-3541).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from butler.domain.address import Address
from butler.domain.hashing import keccak256

MAX_CODE_SIZE = 24_576  # EIP-170: the most a creation may return
MAX_ITEMS = 256  # per eth_call, to stay far below nodes' gas caps for the calls themselves
WORD = 32

ARTIFACT = "AggregateCalls.json"
UNEXPECTED_SIZE_SIGNATURE = "UnexpectedResultSize(uint256,uint256)"
UNEXPECTED_SIZE_SELECTOR = keccak256(UNEXPECTED_SIZE_SIGNATURE.encode())[:4]


def load_artifact() -> dict[str, Any]:
    """The compiled program as `contracts/build.mjs` wrote it (bytecode, compiler settings, source hash)."""
    text = resources.files(__package__).joinpath("artifacts", ARTIFACT).read_text(encoding="utf-8")
    artifact: dict[str, Any] = json.loads(text)
    return artifact


PROGRAM = bytes.fromhex(load_artifact()["bytecode"].removeprefix("0x"))


def max_items(result_size: int) -> int:
    """How many answers of `result_size` bytes one call can return."""
    if result_size < 1:
        raise ValueError("result_size must be at least 1")
    return max(1, min(MAX_ITEMS, (MAX_CODE_SIZE - 1) // result_size))


def call_data(target: Address, prefix: bytes, items: Sequence[bytes], result_size: int) -> bytes:
    """The `data` of an `eth_call` (without `to`) calling `target` with `prefix || item` per item."""
    if not items or len(items) > max_items(result_size):
        raise ValueError(f"expected 1 to {max_items(result_size)} items, got {len(items)}")
    if any(len(item) != WORD for item in items):
        raise ValueError("every item must be one 32-byte word")
    header = bytes(12) + target.raw + result_size.to_bytes(WORD, "big") + len(prefix).to_bytes(WORD, "big")
    return PROGRAM + header + prefix + b"".join(items)


def split_answers(data: bytes, count: int, result_size: int) -> list[bytes] | None:
    """The `count` answers in what the call returned, or None when it is not shaped like them."""
    if len(data) != 1 + count * result_size or data[:1] != b"\x00":
        return None
    return [data[1 + i * result_size : 1 + (i + 1) * result_size] for i in range(count)]


def unexpected_size(revert_data: bytes | None) -> tuple[int, int] | None:
    """(item index, answer size) when a call reverted because an answer had the wrong size."""
    if revert_data is None or len(revert_data) != 4 + 2 * WORD or revert_data[:4] != UNEXPECTED_SIZE_SELECTOR:
        return None
    return int.from_bytes(revert_data[4 : 4 + WORD], "big"), int.from_bytes(revert_data[4 + WORD :], "big")
