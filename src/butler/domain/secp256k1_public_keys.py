"""secp256k1 public keys as remote signers list them, and the addresses they stand for.

Web3signer's eth1 key list (`GET /api/v1/eth1/publicKeys`) is a JSON list of hex keys. Signers and tools
write them in three forms, all accepted: compressed (33 bytes, prefix 02 or 03), uncompressed (65 bytes,
prefix 04) and uncompressed without its prefix (64 bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from butler.domain.address import Address
from butler.domain.hashing import keccak256
from butler.domain.hex_text import HEX_DIGITS

_SIZES = {33: "compressed", 64: "uncompressed without prefix", 65: "uncompressed"}
_FORMAT = (
    "must be 0x followed by the hex of a secp256k1 public key: 33 bytes (compressed), 65 bytes "
    "(uncompressed, prefix 04) or 64 bytes (uncompressed without prefix)"
)


class PublicKeyFormatError(ValueError):
    """A public key is malformed or not a point of the curve. The message is a reason only."""


@attrs.frozen
class Secp256k1PublicKey:
    """A point of secp256k1, held as the 64 bytes x || y."""

    xy: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        if len(self.xy) != 64:
            raise PublicKeyFormatError("a public key has 64 bytes of coordinates")

    @classmethod
    def parse(cls, text: object) -> Secp256k1PublicKey:
        if not isinstance(text, str):
            raise PublicKeyFormatError(f"{_FORMAT}; got a value that is not a string")
        digits = text[2:]
        if not text.startswith("0x") or not HEX_DIGITS.issuperset(digits) or len(digits) % 2:
            raise PublicKeyFormatError(_FORMAT)
        raw = bytes.fromhex(digits)
        if len(raw) not in _SIZES:
            raise PublicKeyFormatError(f"{_FORMAT}; got {len(raw)} bytes")
        if len(raw) == 64:
            raw = b"\x04" + raw
        elif len(raw) == 65 and raw[0] != 0x04:
            raise PublicKeyFormatError("a 65-byte public key must start with 04")
        elif len(raw) == 33 and raw[0] not in (0x02, 0x03):
            raise PublicKeyFormatError("a compressed public key must start with 02 or 03")
        import coincurve  # loaded when first used, so that --help never loads it

        try:
            point = coincurve.PublicKey(raw)
        except ValueError:
            raise PublicKeyFormatError(f"not a point of secp256k1 ({_SIZES[len(raw)]} form)") from None
        return cls(point.format(compressed=False)[1:])

    @property
    def address(self) -> Address:
        """Last 20 bytes of keccak-256 of the 64 coordinate bytes, as for any Ethereum account."""
        return Address(keccak256(self.xy)[-20:])

    def __repr__(self) -> str:
        return f"Secp256k1PublicKey(0x{self.xy.hex()})"


class PublicKeyListError(ValueError):
    """Entries of a key list that are not public keys: one `[index]: reason` per entry."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def parse_public_key_list(items: object) -> tuple[Secp256k1PublicKey, ...]:
    """Every key of a JSON list, in order; all malformed entries are reported together, by index."""
    if not isinstance(items, list):
        raise PublicKeyListError(["top level: expected a JSON list of public keys"])
    keys = []
    problems = []
    for index, item in enumerate(items):
        try:
            keys.append(Secp256k1PublicKey.parse(item))
        except PublicKeyFormatError as error:
            problems.append(f"[{index}]: {error}")
    if problems:
        raise PublicKeyListError(problems)
    return tuple(keys)


def addresses_of(keys: Sequence[Secp256k1PublicKey]) -> tuple[Address, ...]:
    """The distinct addresses of `keys`, in list order (a key listed in two forms counts once)."""
    return tuple(dict.fromkeys(key.address for key in keys))
