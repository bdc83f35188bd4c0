"""Ethereum addresses: parsed strictly, compared by value, written in EIP-55 form."""

from __future__ import annotations

import attrs

from butler.domain.hashing import keccak256

_HEX = frozenset("0123456789abcdefABCDEF")


class AddressFormatError(ValueError):
    """The text is not a well-formed address. The message says why."""


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
    def parse(cls, text: str) -> Address:
        """Accept `0x` + 40 hex digits; a mixed-case address must carry a valid EIP-55 checksum."""
        if not isinstance(text, str):
            raise AddressFormatError(f"expected a string, got {type(text).__name__}")
        if not text.startswith("0x"):
            raise AddressFormatError("must start with 0x")
        digits = text[2:]
        if len(digits) != 40 or not _HEX.issuperset(digits):
            raise AddressFormatError("must be 0x followed by exactly 40 hex digits")
        address = cls(bytes.fromhex(digits))
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
