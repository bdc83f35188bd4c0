"""Key lists the operator keeps in files: a signer's exported public keys, and publisher private keys."""

from __future__ import annotations

from pathlib import Path

from butler.adapters.files import codecs, json_text
from butler.adapters.files.json_files import read_text
from butler.domain.errors import InputError
from butler.domain.keyfiles import PrivateKeysFile
from butler.domain.keys import EthSecretKey
from butler.domain.secp256k1_public_keys import PublicKeyListError, Secp256k1PublicKey, parse_public_key_list


def _parsed(path: Path) -> object:
    try:
        return json_text.parse_json(read_text(path))
    except codecs.DecodeError as exc:
        raise InputError(*(f"{path}: {problem}" for problem in exc.problems)) from None


class PublicKeyListFile:
    """A JSON list of secp256k1 public keys, as web3signer's eth1 key list answers."""

    def __init__(self, path: Path) -> None:
        self._path = path

    @property
    def source(self) -> str:
        return str(self._path)

    def public_keys(self) -> tuple[Secp256k1PublicKey, ...]:
        try:
            return parse_public_key_list(_parsed(self._path))
        except PublicKeyListError as error:
            raise InputError(*(f"{self._path}: {problem}" for problem in error.problems)) from None


class LocalPublisherKeyFiles:
    def read_publisher_keys(self, path: Path) -> tuple[EthSecretKey, ...]:
        data = _parsed(path)
        try:
            if isinstance(data, list):
                keys = codecs.structure(data, tuple[EthSecretKey, ...])
            elif isinstance(data, dict):
                keys_file = codecs.structure(data, PrivateKeysFile)
                keys = tuple(key for validator in keys_file.validators for key in validator.publisher)
            else:
                raise codecs.DecodeError(
                    ["top level: expected a JSON list of publisher private keys or a private-keys file"]
                )
        except codecs.DecodeError as exc:
            raise InputError(*(f"{path}: {problem}" for problem in exc.problems)) from None
        if not keys:
            raise InputError(f"{path}: holds no publisher key")
        return keys
