"""The operator's key files (SPEC §3) as values: private keys in, public keys out."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from butler.domain.address import Address
from butler.domain.hex_text import parse_fixed_hex
from butler.domain.keys import BlsPublicKey, BlsSecretKey, EthSecretKey

KEYSTORE_SCHEMA_VERSIONS = (1,)
"""`schemaVersion`s of Aztec's keystore format that the key files may carry."""

KEPT_JSON_FIELDS = "kept_json_fields"
"""attrs metadata key: the attribute holds these fields of the file's object verbatim. The product reads
none of them and writes them back unchanged, so a rewrite loses nothing the file held."""


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
    # Fields of Aztec's keystore format that a node may use and aztec-butler does not.
    other_fields: Mapping[str, object] = attrs.field(
        factory=dict, hash=False, metadata={KEPT_JSON_FIELDS: ("remoteSigner", "fundingAccount")}
    )


@attrs.frozen
class ProductionKeyfile:
    """The keyfile the nodes load. `remote_signer` is the file's JSON value, kept verbatim."""

    schema_version: int
    remote_signer: object = attrs.field(eq=False, hash=False)
    validators: tuple[DeployedValidator, ...]
    # Fields of Aztec's keystore format that a node may use and aztec-butler does not.
    other_fields: Mapping[str, object] = attrs.field(
        factory=dict, hash=False, metadata={KEPT_JSON_FIELDS: ("slasher", "prover", "fundingAccount")}
    )
