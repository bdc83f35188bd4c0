"""Fast decoding of ABI values made only of fixed-size types, where every value is one word at a
fixed place. Reading ten thousand attester views spends most of its time in eth_abi's general
decoder otherwise; this one slices words and checks them as strictly (range, padding, booleans).

Values come out as eth_abi gives them, except addresses: `0x` + 40 lowercase hex digits (eth_abi
checksums them, which costs a keccak each and which callers parse away again).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

WORD = 32

_Decode = Callable[[bytes, int], tuple[Any, int]]  # (data, offset) -> (value, next offset)

_ARRAY_SUFFIX = re.compile(r"^(.*)\[(\d+)\]$")
_UINT = re.compile(r"^uint(\d*)$")
_INT = re.compile(r"^int(\d*)$")
_BYTES = re.compile(r"^bytes(\d+)$")


class StaticLayout:
    """The decoder of one list of ABI types, all of fixed size; see `of`."""

    def __init__(self, decoders: Sequence[_Decode], words: int) -> None:
        self._decoders = tuple(decoders)
        self.size = words * WORD

    @classmethod
    def of(cls, types: Sequence[str]) -> StaticLayout | None:
        """The layout of `types`, or None when any of them has a dynamic size (bytes, string, T[])."""
        parsed = [_parse(t) for t in types]
        if any(p is None for p in parsed):
            return None
        decoders = [p[0] for p in parsed if p is not None]
        return cls(decoders, sum(p[1] for p in parsed if p is not None))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        """The values at the start of `data`; ValueError when it is too short or a word is malformed."""
        if len(data) < self.size:
            raise ValueError(f"expected at least {self.size} bytes, got {len(data)}")
        values = []
        offset = 0
        for decode in self._decoders:
            value, offset = decode(data, offset)
            values.append(value)
        return tuple(values)


def _parse(kind: str) -> tuple[_Decode, int] | None:
    """(decoder, size in words) of one type, None when its size is dynamic."""
    array = _ARRAY_SUFFIX.match(kind)
    if array:
        element = _parse(array.group(1))
        length = int(array.group(2))
        return None if element is None else _sequence([element] * length)
    if kind.endswith("]"):
        return None  # T[]: dynamic
    if kind.startswith("(") and kind.endswith(")"):
        parts = [_parse(part) for part in _split_tuple(kind[1:-1])]
        if any(part is None for part in parts):
            return None
        return _sequence([part for part in parts if part is not None])
    return _leaf(kind)


def _sequence(parts: Sequence[tuple[_Decode, int]]) -> tuple[_Decode, int]:
    decoders = [decode for decode, _ in parts]

    def decode(data: bytes, offset: int) -> tuple[Any, int]:
        values = []
        for part in decoders:
            value, offset = part(data, offset)
            values.append(value)
        return tuple(values), offset

    return decode, sum(words for _, words in parts)


def _split_tuple(inner: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return [] if parts == [""] else parts


def _leaf(kind: str) -> tuple[_Decode, int] | None:
    if kind == "address":
        return _address, 1
    if kind == "bool":
        return _bool, 1
    unsigned = _UINT.match(kind)
    if unsigned:
        return _uint(_bits(unsigned.group(1), kind)), 1
    signed = _INT.match(kind)
    if signed:
        return _int(_bits(signed.group(1), kind)), 1
    fixed_bytes = _BYTES.match(kind)
    if fixed_bytes:
        size = int(fixed_bytes.group(1))
        if not 1 <= size <= WORD:
            raise ValueError(f"not an ABI type: {kind}")
        return _bytes(size), 1
    if kind in ("bytes", "string"):
        return None
    raise ValueError(f"unsupported ABI type: {kind}")


def _bits(digits: str, kind: str) -> int:
    bits = int(digits) if digits else 256
    if bits % 8 or not 8 <= bits <= 256:
        raise ValueError(f"not an ABI type: {kind}")
    return bits


def _word(data: bytes, offset: int) -> bytes:
    return data[offset : offset + WORD]


def _address(data: bytes, offset: int) -> tuple[str, int]:
    word = _word(data, offset)
    if any(word[:12]):
        raise ValueError("an address word with non-zero padding")
    return "0x" + word[12:].hex(), offset + WORD


def _bool(data: bytes, offset: int) -> tuple[bool, int]:
    value = int.from_bytes(_word(data, offset), "big")
    if value > 1:
        raise ValueError(f"a bool word holding {value}")
    return value == 1, offset + WORD


def _uint(bits: int) -> _Decode:
    def decode(data: bytes, offset: int) -> tuple[int, int]:
        value = int.from_bytes(_word(data, offset), "big")
        if value >> bits:
            raise ValueError(f"a uint{bits} word out of range")
        return value, offset + WORD

    return decode


def _int(bits: int) -> _Decode:
    low, high = -(1 << (bits - 1)), 1 << (bits - 1)

    def decode(data: bytes, offset: int) -> tuple[int, int]:
        value = int.from_bytes(_word(data, offset), "big", signed=True)
        if not low <= value < high:
            raise ValueError(f"an int{bits} word out of range")
        return value, offset + WORD

    return decode


def _bytes(size: int) -> _Decode:
    def decode(data: bytes, offset: int) -> tuple[bytes, int]:
        word = _word(data, offset)
        if any(word[size:]):
            raise ValueError(f"a bytes{size} word with non-zero padding")
        return word[:size], offset + WORD

    return decode
