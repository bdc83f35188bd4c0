"""Ethereum addresses: parsed strictly, compared by value, written in EIP-55 form."""

from __future__ import annotations

import functools

import attrs

from butler.domain.hashing import keccak256
from butler.domain.hex_text import parse_fixed_hex


class AddressFormatError(ValueError):
    """The text is not a well-formed address. The message says why."""


# Files repeat the same few thousand addresses (publishers above all); a hash per occurrence dominated
# writing them.
@functools.lru_cache(maxsize=65536)
def to_checksum(raw: bytes) -> str:
    lower = raw.hex()
    digest = keccak256(lower.encode("ascii")).hex()[: len(lower)]
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(lower, digest, strict=True))


@attrs.frozen(order=True)
class Address:
    """A 20-byte account address. Equality and hashing use the bytes, so case never matters."""

    raw: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        if len(self.raw) != 20:
            raise AddressFormatError(f"an address has 20 bytes, got {len(self.raw)}")

    @classmethod
    def parse(cls, text: object) -> Address:
        """Accept `0x` + 40 hex digits; a mixed-case address must carry a valid EIP-55 checksum."""
        address = cls(parse_fixed_hex(text, 20, AddressFormatError))
        digits = str(text)[2:]
        if digits != digits.lower() and digits != digits.upper() and address.checksum != text:
            raise AddressFormatError("mixed-case address with a wrong EIP-55 checksum")
        return address

    @classmethod
    def from_int(cls, value: int) -> Address:
        return cls(value.to_bytes(20, "big"))

    @property
    def checksum(self) -> str:
        return to_checksum(self.raw)

    @property
    def is_zero(self) -> bool:
        return self.raw == ZERO_BYTES

    def __str__(self) -> str:
        return self.checksum

    def __repr__(self) -> str:
        return f"Address({self.checksum})"


ZERO_BYTES = bytes(20)
ZERO_ADDRESS = Address(ZERO_BYTES)
