"""Key files on the local filesystem, as JSON (SPEC §3)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import attrs

from butler.adapters.files import codecs
from butler.adapters.files.atomic_file import LeftBehind, create_atomically, remove_durably
from butler.adapters.files.json_files import check_writable, read_decoded, read_json, write_json
from butler.adapters.files.public_data import private_key_like_values
from butler.domain.address import Address
from butler.domain.errors import ButlerError
from butler.domain.keyfiles import (
    KEPT_JSON_FIELDS,
    DeployedValidator,
    PrivateKeysFile,
    ProductionKeyfile,
    PublicKeysFile,
)
from butler.domain.publisher_sets import PublisherSets
from butler.ports.key_files import KeyfileExists, KeyfileLeftBehind


def _kept(cls: type[ProductionKeyfile] | type[DeployedValidator]) -> tuple[str, ...]:
    return tuple(attrs.fields(cls).other_fields.metadata[KEPT_JSON_FIELDS])


# Aztec's keystore lets these hold a secret inline (a mnemonic, a JSON keystore's password).
_SECRET_NAMES = frozenset({"mnemonic", "password", "certPass"})


def _secrets_in_kept_fields(data: object) -> list[str]:
    """Kept fields are copied into every keyfile written from this one: they may not hold a secret, which
    would then reach a new file. (A remote signer account, an address, is what a node needs there.)"""
    if not isinstance(data, dict):
        return []
    places = [(name, data[name]) for name in _kept(ProductionKeyfile) if name in data]
    validators = data.get("validators")
    for index, validator in enumerate(validators if isinstance(validators, list) else ()):
        if isinstance(validator, dict):
            places += [
                (f"validators[{index}].{name}", validator[name])
                for name in _kept(DeployedValidator)
                if name in validator
            ]
    problems: list[str] = []
    for path, value in places:
        problems += private_key_like_values(value, path, why="aztec-butler copies no private key")
        problems += [
            f"{where}: a secret; aztec-butler copies no secret" for where in _secret_fields(value, path)
        ]
    return problems


def _secret_fields(value: object, path: str) -> list[str]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            # A long name may be a key pasted in the wrong place: it is not repeated.
            here = f"{path}.{key if len(key) <= 32 else '<long name>'}"
            found += [here] if key in _SECRET_NAMES else _secret_fields(item, here)
        return found
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _secret_fields(item, f"{path}[{i}]")]
    return []


class LocalKeyFiles:
    def exists(self, path: Path) -> bool:
        # os.path answers False where Path.exists raises (e.g. a folder on the way that is not searchable).
        return os.path.lexists(path)

    def check_writable(self, path: Path) -> None:
        check_writable(path)

    def read_private_keys(self, path: Path) -> PrivateKeysFile:
        return read_json(path, PrivateKeysFile)

    def write_public_keys(
        self, path: Path, keys: PublicKeysFile, *, before_commit: Callable[[], None] | None = None
    ) -> None:
        write_json(path, keys, before_commit=before_commit)

    def read_production_keyfile(self, path: Path) -> ProductionKeyfile:
        return read_json(path, ProductionKeyfile, screen=_secrets_in_kept_fields)

    def create_production_keyfile(self, path: Path, keyfile: ProductionKeyfile) -> None:
        try:
            create_atomically(path, codecs.dump_json(keyfile))
        except FileExistsError:
            raise KeyfileExists(path) from None
        except LeftBehind as failure:
            raise KeyfileLeftBehind(
                tuple(p for p, _ in failure.left),
                f"{path}: cannot write: {_reason(failure.cause)}",
                *(f"{p}: cannot remove: {_reason(error)}" for p, error in failure.left),
            ) from None
        except OSError as error:
            raise ButlerError(f"{path}: cannot write: {_reason(error)}") from None

    def remove(self, path: Path) -> None:
        try:
            remove_durably(path)
        except OSError as error:
            raise ButlerError(f"{path}: cannot remove: {_reason(error)}") from None

    def read_public_keys(self, path: Path) -> PublicKeysFile:
        return read_json(path, PublicKeysFile)

    def write_available_publishers(
        self, path: Path, publishers: tuple[Address, ...], *, before_commit: Callable[[], None] | None = None
    ) -> None:
        write_json(path, [p.checksum for p in publishers], before_commit=before_commit)

    def read_available_publishers(self, path: Path) -> PublisherSets:
        return read_decoded(path, codecs.structure_publisher_sets)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__
