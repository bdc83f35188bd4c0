"""Key files on the local filesystem, as JSON (SPEC §3)."""

from __future__ import annotations

import os
from pathlib import Path

from butler.adapters import codecs
from butler.adapters.json_files import check_writable, read_decoded, read_json, write_json
from butler.domain.keyfiles import PrivateKeysFile, ProductionKeyfile, PublicKeysFile
from butler.domain.publisher_sets import PublisherSets


class LocalKeyFiles:
    def exists(self, path: Path) -> bool:
        # os.path answers False where Path.exists raises (e.g. a folder on the way that is not searchable).
        return os.path.lexists(path)

    def check_writable(self, path: Path) -> None:
        check_writable(path)

    def read_private_keys(self, path: Path) -> PrivateKeysFile:
        return read_json(path, PrivateKeysFile)

    def write_public_keys(self, path: Path, keys: PublicKeysFile) -> None:
        write_json(path, keys)

    def read_production_keyfile(self, path: Path) -> ProductionKeyfile:
        return read_json(path, ProductionKeyfile)

    def write_production_keyfile(self, path: Path, keyfile: ProductionKeyfile) -> None:
        write_json(path, keyfile)

    def read_public_keys(self, path: Path) -> PublicKeysFile:
        return read_json(path, PublicKeysFile)

    def read_available_publishers(self, path: Path) -> PublisherSets:
        return read_decoded(path, codecs.structure_publisher_sets)
