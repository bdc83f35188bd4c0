"""Where the attester and publisher keys of a deployment are known without a keyfile: the public keys a
remote signer holds, and the operator's file of publisher private keys."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from butler.domain.keys import EthSecretKey
from butler.domain.secp256k1_public_keys import Secp256k1PublicKey


class SignerKeys(Protocol):
    """One remote signer's key list (a web3signer endpoint, or a file holding what it exports)."""

    @property
    def source(self) -> str:
        """The list's origin as messages may name it (a path, or a URL without path or query)."""
        ...

    def public_keys(self) -> tuple[Secp256k1PublicKey, ...]:
        """Every key of the list, in its order. A list that cannot be read or holds anything but public
        keys raises InputError (a file) or ButlerError (a server), naming each bad entry by its index."""
        ...


class PublisherKeyFiles(Protocol):
    def read_publisher_keys(self, path: Path) -> tuple[EthSecretKey, ...]:
        """The publisher private keys of a file: a JSON list of keys, or a private-keys file (SPEC §3),
        of which only the `publisher` entries are taken. Errors name the file and JSON path, never a key."""
        ...
