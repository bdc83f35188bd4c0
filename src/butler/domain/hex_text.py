"""Fixed-size values written as `0x` + hex digits, as addresses, keys and Aztec addresses are."""

from __future__ import annotations

HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_fixed_hex(text: object, size: int, error: type[ValueError]) -> bytes:
    """`0x` + exactly `2 * size` hex digits (either case) as bytes, else `error`, never echoing `text`."""
    if not isinstance(text, str):
        raise error(f"expected a string, got {type(text).__name__}")
    digits = text[2:]
    if not text.startswith("0x") or len(digits) != 2 * size or not HEX_DIGITS.issuperset(digits):
        raise error(f"must be 0x followed by exactly {2 * size} hex digits")
    return bytes.fromhex(digits)
