"""The operator's key files (SPEC §3) as values: private keys in, public keys out."""

from __future__ import annotations

import attrs

from butler.domain.address import Address
from butler.domain.hex_text import parse_fixed_hex
from butler.domain.keys import BlsPublicKey, BlsSecretKey, EthSecretKey


class FeeRecipientFormatError(ValueError):
    """The text is not a 32-byte Aztec address."""


@attrs.frozen
class FeeRecipient:
    """An Aztec address (32 bytes). Written in lowercase hex, as Aztec's tools write it."""

    raw: bytes = attrs.field(repr=False)

    @classmethod
    def parse(cls, text: object) -> FeeRecipient:
        return cls(parse_fixed_hex(text, 32, FeeRecipientFormatError))

    def __str__(self) -> str:
        return "0x" + self.raw.hex()


@attrs.frozen
class PrivateAttester:
    eth: EthSecretKey
    bls: BlsSecretKey


@attrs.frozen
class PrivateValidator:
    """One validator of a private-keys file. `publisher` may hold one key or several."""

    attester: PrivateAttester
    publisher: tuple[EthSecretKey, ...]
    fee_recipient: FeeRecipient
    coinbase: Address | None = None


@attrs.frozen
class PrivateKeysFile:
    schema_version: int
    validators: tuple[PrivateValidator, ...]


@attrs.frozen
class PublicAttester:
    eth: Address
    bls: BlsPublicKey


@attrs.frozen
class PublicValidator:
    attester: PublicAttester
    fee_recipient: FeeRecipient


@attrs.frozen
class PublicKeysFile:
    schema_version: int
    validators: tuple[PublicValidator, ...]


@attrs.frozen
class DerivedValidator:
    """A validator's private keys beside the public values derived from them."""

    private: PrivateValidator
    public: PublicValidator


@attrs.frozen
class DeployedValidator:
    """One validator of a production keyfile: what a node loads (SPEC §3). Field order is the file's.

    `coinbase` is None until it is known; a zero coinbase read from a file is kept as the zero address so
    that the checks can name it.
    """

    attester: PublicAttester
    publisher: Address
    coinbase: Address | None
    fee_recipient: FeeRecipient


@attrs.frozen
class ProductionKeyfile:
    """The keyfile the nodes load. `remote_signer` is the file's JSON value, kept verbatim."""

    schema_version: int
    remote_signer: object = attrs.field(eq=False, hash=False)
    validators: tuple[DeployedValidator, ...]
