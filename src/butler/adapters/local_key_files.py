"""Key files on the local filesystem, as JSON (SPEC §3)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from butler.adapters import codecs
from butler.adapters.atomic_file import LeftBehind, create_atomically, remove_durably
from butler.adapters.json_files import check_writable, read_decoded, read_json, write_json
from butler.domain.address import Address
from butler.domain.errors import ButlerError
from butler.domain.keyfiles import PrivateKeysFile, ProductionKeyfile, PublicKeysFile
from butler.domain.publisher_sets import PublisherSets
from butler.ports.key_files import KeyfileExists, KeyfileLeftBehind


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
        return read_json(path, ProductionKeyfile)

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
