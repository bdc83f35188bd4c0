"""Attester keys: strict parsing of private keys and derivation of their public values (SPEC §4).

Secret values never show their scalar in repr/str, and no error raised here contains key text.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.hex_text import HEX_DIGITS
from butler.domain.onchain import G1Point
from butler.domain.secp256k1_public_keys import Secp256k1PublicKey

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""The secp256k1 group order: Ethereum private keys satisfy 1 <= k < SECP256K1_N."""

_KEY_DIGITS = 64
_FORMAT = f"must be 0x followed by exactly {_KEY_DIGITS} hex digits"


class KeyFormatError(ValueError):
    """A key is malformed or out of range. The message is a reason only, never the key text."""


def _parse_hex32(text: object) -> int:
    """`0x` + 64 hex digits (either case) as an int; nothing else. Errors never echo the text."""
    if not isinstance(text, str):
        raise KeyFormatError(f"{_FORMAT} as a string, got {type(text).__name__}")
    if any(c.isspace() for c in text):
        raise KeyFormatError(f"{_FORMAT}; found whitespace")
    if not text.startswith("0x"):
        raise KeyFormatError(f"{_FORMAT}; the 0x prefix (lowercase x) is missing")
    digits = text[2:]
    if not HEX_DIGITS.issuperset(digits):
        raise KeyFormatError(f"{_FORMAT}; found a character that is not a hex digit")
    if len(digits) != _KEY_DIGITS:
        raise KeyFormatError(f"{_FORMAT}; found {len(digits)}")
    # Only ASCII hex digits are left, so int() cannot fail and echo the text in its own error.
    return int(digits, 16)


def _check_scalar(value: object, order: int, order_name: str) -> None:
    if type(value) is not int:
        raise KeyFormatError(f"a key scalar must be an int, got {type(value).__name__}")
    if not 1 <= value < order:
        raise KeyFormatError(f"out of range: must satisfy 1 <= k < {order_name}")


class _SecretScalar:
    """Behaviour shared by the secret key types: redacted text forms and hex for the secret store."""

    __slots__ = ()
    _ORDER: ClassVar[int]
    _ORDER_NAME: ClassVar[str]
    scalar: int

    def reveal_hex(self) -> str:
        """The key as `0x` + 64 lowercase hex digits. Only the secret store may show this."""
        return f"0x{self.scalar:064x}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"

    __str__ = __repr__

    def __attrs_post_init__(self) -> None:
        _check_scalar(self.scalar, self._ORDER, self._ORDER_NAME)


@attrs.frozen(repr=False)
class EthSecretKey(_SecretScalar):
    """A secp256k1 private key, 1 <= scalar < n."""

    _ORDER: ClassVar[int] = SECP256K1_N
    _ORDER_NAME: ClassVar[str] = "n (the secp256k1 group order)"
    scalar: int = attrs.field(repr=False)


@attrs.frozen(repr=False)
class BlsSecretKey(_SecretScalar):
    """A BN254 BLS private key, 1 <= scalar < r."""

    _ORDER: ClassVar[int] = bn254.R
    _ORDER_NAME: ClassVar[str] = "r (the BN254 group order)"
    scalar: int = attrs.field(repr=False)


def parse_eth_secret_key(text: object) -> EthSecretKey:
    return EthSecretKey(_parse_hex32(text))


def parse_bls_secret_key(text: object) -> BlsSecretKey:
    return BlsSecretKey(_parse_hex32(text))


def attester_address(sk: EthSecretKey) -> Address:
    """Last 20 bytes of keccak-256 of the 64-byte uncompressed public key."""
    import coincurve  # loaded when first used, so that --help never loads it

    public = coincurve.PublicKey.from_secret(sk.scalar.to_bytes(32, "big")).format(compressed=False)
    return Secp256k1PublicKey(public[1:]).address


@attrs.frozen(repr=False)
class BlsPublicKey:
    """A BLS public key: a finite point of BN254 G1, written compressed (SPEC §4)."""

    point: G1Point

    def __attrs_post_init__(self) -> None:
        if not bn254.is_on_curve_g1(self.point):
            raise KeyFormatError("not a point on BN254 G1")

    @classmethod
    def parse(cls, text: object) -> BlsPublicKey:
        """Accept `0x` + 64 hex digits that decompress to a valid point; refuse everything else."""
        encoded = _parse_hex32(text).to_bytes(bn254.COMPRESSED_SIZE, "big")
        try:
            point = bn254.decompress_g1(encoded)
        except bn254.PointFormatError as exc:
            raise KeyFormatError(str(exc)) from None
        return cls(point)

    @property
    def compressed(self) -> bytes:
        return bn254.compress_g1(self.point)

    def to_hex(self) -> str:
        return "0x" + self.compressed.hex()

    def __str__(self) -> str:
        return self.to_hex()

    def __repr__(self) -> str:
        return f"BlsPublicKey({self.to_hex()})"


def bls_public_key(sk: BlsSecretKey) -> BlsPublicKey:
    return BlsPublicKey(bn254.g1_generator_mul(sk.scalar))
