"""Many read calls of one contract function in a single `eth_call`, without any deployed helper.

The `eth_call` carries no `to`: the node runs `data` as the init code of a contract that is never
deployed. That init code is the small EVM program below, followed by its arguments. It calls
`target` once per item with `prefix || item` (the function selector and any leading arguments, then
one 32-byte word) through STATICCALL, checks that every answer has exactly `result_size` bytes, and
returns a zero byte followed by all answers in order: the "code" it would deploy. Every node serves
such calls (they are how contract creations are simulated), so no Multicall contract is needed.

- A call that reverts makes the whole `eth_call` revert with the same revert data, so the node's
  verdict on the first failing item reaches the caller unchanged.
- An answer of the wrong size (e.g. none, because `target` holds no code) reverts with
  `UnexpectedResultSize(index, size)`; see `unexpected_size`.
- What a creation returns is limited to 24,576 bytes (EIP-170), so `max_items` bounds each chunk;
  the leading zero byte keeps the returned "code" from starting with 0xEF (EIP-3541).
"""

from __future__ import annotations

from collections.abc import Sequence

from butler.domain.address import Address
from butler.domain.hashing import keccak256

MAX_CODE_SIZE = 24_576  # EIP-170: the most a creation may return
MAX_ITEMS = 256  # per eth_call, to stay far below nodes' gas caps for the calls themselves
WORD = 32

UNEXPECTED_SIZE_SIGNATURE = "UnexpectedResultSize(uint256,uint256)"
UNEXPECTED_SIZE_SELECTOR = keccak256(UNEXPECTED_SIZE_SIGNATURE.encode())[:4]

_OPCODES = {
    "ADD": 0x01,
    "MUL": 0x02,
    "SUB": 0x03,
    "DIV": 0x04,
    "LT": 0x10,
    "EQ": 0x14,
    "ISZERO": 0x15,
    "SHL": 0x1B,
    "CODESIZE": 0x38,
    "CODECOPY": 0x39,
    "RETURNDATASIZE": 0x3D,
    "RETURNDATACOPY": 0x3E,
    "MLOAD": 0x51,
    "MSTORE": 0x52,
    "JUMP": 0x56,
    "JUMPI": 0x57,
    "GAS": 0x5A,
    "JUMPDEST": 0x5B,
    "RETURN": 0xF3,
    "STATICCALL": 0xFA,
    "REVERT": 0xFD,
}

# Memory: the header words the arguments start with, then the loop's variables, then the input buffer
# (prefix, then the current item) at IN, then the zero byte and the answers.
_TARGET, _SIZE, _PREFIX_LENGTH, _ITEMS_AT, _COUNT, _INDEX, _OUT = (0x00, 0x20, 0x40, 0x60, 0x80, 0xA0, 0xC0)
_IN = 0x100
_HEADER = 3 * WORD  # target, result size, prefix length

Token = str | tuple[int, int]  # an opcode, "label:", "@label" (PUSH2 of its offset), or (n, value): PUSHn


def _source(args_at: int) -> list[Token]:
    """The program; `args_at` is where its arguments start in the code, i.e. its own length."""

    def load(slot: int) -> list[Token]:
        return [(1, slot), "MLOAD"]

    def store(slot: int) -> list[Token]:
        return [(1, slot), "MSTORE"]

    # fmt: off
    source: list[Token] = [
        # header -> memory 0x00..0x60; prefix -> IN
        (1, _HEADER), (2, args_at), (1, 0), "CODECOPY",
        *load(_PREFIX_LENGTH), (2, args_at + _HEADER), (2, _IN), "CODECOPY",
        # items start after the prefix; count = (code size - items start) / 32
        *load(_PREFIX_LENGTH), (2, args_at + _HEADER), "ADD", *store(_ITEMS_AT),
        (1, WORD), *load(_ITEMS_AT), "CODESIZE", "SUB", "DIV", *store(_COUNT),
        # answers go after the input buffer and one zero byte
        *load(_PREFIX_LENGTH), (2, _IN + WORD + 1), "ADD", *store(_OUT),
        "loop:",
        *load(_COUNT), *load(_INDEX), "LT", "ISZERO", "@done", "JUMPI",
        # input buffer = prefix || item[index]
        (1, WORD), *load(_INDEX), (1, 5), "SHL", *load(_ITEMS_AT), "ADD",
        *load(_PREFIX_LENGTH), (2, _IN), "ADD", "CODECOPY",
        # staticcall(gas, target, IN, prefix length + 32, 0, 0)
        (1, 0), (1, 0), *load(_PREFIX_LENGTH), (1, WORD), "ADD", (2, _IN), *load(_TARGET), "GAS",
        "STATICCALL", "@called", "JUMPI",
        # the call failed: revert with its revert data
        "RETURNDATASIZE", (1, 0), (1, 0), "RETURNDATACOPY", "RETURNDATASIZE", (1, 0), "REVERT",
        "called:",
        *load(_SIZE), "RETURNDATASIZE", "EQ", "@sized", "JUMPI",
        # wrong size: revert UnexpectedResultSize(index, size)
        (4, int.from_bytes(UNEXPECTED_SIZE_SELECTOR, "big")), (1, 0xE0), "SHL", (1, 0), "MSTORE",
        *load(_INDEX), (1, 4), "MSTORE", "RETURNDATASIZE", (1, 4 + WORD), "MSTORE",
        (1, 4 + 2 * WORD), (1, 0), "REVERT",
        "sized:",
        # answer -> OUT + index * size; index += 1
        *load(_SIZE), (1, 0), *load(_SIZE), *load(_INDEX), "MUL", *load(_OUT), "ADD", "RETURNDATACOPY",
        (1, 1), *load(_INDEX), "ADD", *store(_INDEX), "@loop", "JUMP",
        "done:",
        # return the zero byte before OUT and every answer
        *load(_SIZE), *load(_COUNT), "MUL", (1, 1), "ADD", (1, 1), *load(_OUT), "SUB", "RETURN",
    ]
    # fmt: on
    return source


def _assemble(source: Sequence[Token]) -> bytes:
    def width(token: Token) -> int:
        if isinstance(token, tuple):
            return 1 + token[0]
        return 3 if token.startswith("@") else 1

    labels: dict[str, int] = {}
    offset = 0
    for token in source:
        if isinstance(token, str) and token.endswith(":"):
            labels[token[:-1]] = offset
        offset += width(token)
    code = bytearray()
    for token in source:
        if isinstance(token, tuple):
            size, value = token
            code += bytes([0x5F + size]) + value.to_bytes(size, "big")  # PUSHn
        elif token.endswith(":"):
            code.append(_OPCODES["JUMPDEST"])
        elif token.startswith("@"):
            code += b"\x61" + labels[token[1:]].to_bytes(2, "big")  # PUSH2 label
        else:
            code.append(_OPCODES[token])
    return bytes(code)


def _program() -> bytes:
    # The program's length does not depend on where its arguments start (always a PUSH2).
    length = len(_assemble(_source(0)))
    return _assemble(_source(length))


PROGRAM = _program()


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
