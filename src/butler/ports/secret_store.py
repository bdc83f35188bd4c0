"""Where freshly generated private keys are handed over. The product never keeps them itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import attrs

from butler.domain.address import Address
from butler.domain.keyfiles import DerivedValidator
from butler.domain.keys import BlsSecretKey, EthSecretKey, attester_address

KeyKind = Literal["eth", "bls", "publisher"]
"""`eth`, `bls`: an attester's keys, named by the attester address. `publisher`: a publisher key, named
by its own address."""


@attrs.frozen
class KeyToKeep:
    """One private key to hand over, with the public address that names it. The key's repr is redacted."""

    address: Address
    kind: KeyKind
    secret: EthSecretKey | BlsSecretKey


@attrs.frozen
class StoredKey:
    """Where one key went. Public values only, so it may be printed and logged."""

    address: Address
    kind: KeyKind
    location: str
    """The store's name for the key (e.g. a secret's resource name)."""
    created: bool
    """False when the store already held this very key and left it as it was."""


def keys_to_keep(validators: Sequence[DerivedValidator]) -> list[KeyToKeep]:
    """Every private key of `validators` once, in file order: attester eth, attester bls, publishers.

    A publisher listed by several validators is one key; an attester address names one eth key, so the
    (address, kind) pairs are unique whenever the attester keys are (the use case refuses repeats)."""
    keys: list[KeyToKeep] = []
    seen_publishers: set[Address] = set()
    for validator in validators:
        private, attester = validator.private, validator.public.attester.eth
        keys.append(KeyToKeep(attester, "eth", private.attester.eth))
        keys.append(KeyToKeep(attester, "bls", private.attester.bls))
        for publisher in private.publisher:
            address = attester_address(publisher)
            if address not in seen_publishers:
                seen_publishers.add(address)
                keys.append(KeyToKeep(address, "publisher", publisher))
    return keys


class SecretStore(Protocol):
    """Custody of private keys: attester eth and bls keys, and publisher keys.

    A store that remembers keys never overwrites one: where it already holds the same key it leaves it as
    it is, and where it holds a different key under the same name it refuses with `CheckFailed`."""

    def check(self, validators: Sequence[DerivedValidator]) -> None:
        """Raise CheckFailed (one problem per key, never the key) if `store` would meet a different key
        already held where one of these goes. Reads only: nothing is written."""
        ...

    def store(self, validators: Sequence[DerivedValidator]) -> Sequence[StoredKey]:
        """Take custody of the private keys of `validators`; raise ButlerError if that failed.

        Returns where each key went, in `keys_to_keep` order; empty for a store that keeps nothing and
        so has nothing to name (the console)."""
        ...
