"""In-memory signer key lists and publisher key files for tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from butler.domain.errors import InputError
from butler.domain.keys import EthSecretKey
from butler.domain.secp256k1_public_keys import Secp256k1PublicKey
from butler.ports.signer_keys import PublisherKeyFiles, SignerKeys


class FakeSignerKeys:
    def __init__(self, keys: Sequence[Secp256k1PublicKey], source: str = "fake signer") -> None:
        self._keys = tuple(keys)
        self._source = source
        self.reads = 0

    @property
    def source(self) -> str:
        return self._source

    def public_keys(self) -> tuple[Secp256k1PublicKey, ...]:
        self.reads += 1
        return self._keys


class FakePublisherKeyFiles:
    def __init__(self, files: dict[Path, Sequence[EthSecretKey]] | None = None) -> None:
        self.files = {path: tuple(keys) for path, keys in (files or {}).items()}

    def read_publisher_keys(self, path: Path) -> tuple[EthSecretKey, ...]:
        keys = self.files.get(path)
        if keys is None:
            raise InputError(f"{path}: file not found")
        return keys


_CONFORMS_SIGNER: type[SignerKeys] = FakeSignerKeys
_CONFORMS_PUBLISHERS: type[PublisherKeyFiles] = FakePublisherKeyFiles
