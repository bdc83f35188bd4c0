"""What the devnet actions return: plain records the CLI prints, and the validators they queue."""

from __future__ import annotations

import secrets

import attrs

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.keyfiles import PrivateKeysFile
from butler.domain.keys import SECP256K1_N, BlsSecretKey, EthSecretKey, attester_address
from butler.domain.onchain import AttesterStatus


@attrs.frozen
class Funded:
    address: Address
    wei: int
    tx_hash: str


@attrs.frozen
class AddedKey:
    attester: Address
    tx_hash: str
    corrupted_proof: bool
    repeated: bool = False  # this keystore was queued before, by the same call


@attrs.frozen
class Staked:
    attester: Address
    coinbase: Address
    tx_hash: str


@attrs.frozen
class Flushed:
    attester: Address
    ok: bool
    error: str | None
    tx_hash: str


@attrs.frozen
class Exited:
    attester: Address
    status: AttesterStatus
    tx_hash: str


@attrs.frozen
class Finalized:
    attester: Address
    recipient: Address
    amount: int
    tx_hash: str


@attrs.frozen
class Slashed:
    attester: Address
    amount: int
    status: AttesterStatus
    tx_hash: str


@attrs.frozen
class Executed:
    safe_tx_hash: str
    nonce: int
    tx_hash: str
    added_owner_signature: bool


@attrs.frozen
class DevValidator:
    """A validator to queue on the devnet: generated throwaway keys, or the attester keys of a
    private-keys file. repr shows only the address."""

    attester: Address
    eth_key: EthSecretKey = attrs.field(repr=False)
    bls_key: BlsSecretKey = attrs.field(repr=False)


def random_validator() -> DevValidator:
    eth = EthSecretKey(1 + secrets.randbelow(SECP256K1_N - 1))
    bls = BlsSecretKey(1 + secrets.randbelow(bn254.R - 1))
    return DevValidator(attester_address(eth), eth, bls)


def file_validators(keys_file: PrivateKeysFile) -> list[DevValidator]:
    """The attesters of a private-keys file, in file order (publishers play no part in registration)."""
    return [
        DevValidator(attester_address(v.attester.eth), v.attester.eth, v.attester.bls)
        for v in keys_file.validators
    ]
