"""Key files on the local filesystem, as JSON (SPEC §3)."""

from __future__ import annotations

import os
from pathlib import Path

from butler.adapters import codecs
from butler.adapters.json_files import read_decoded, read_json, write_json
from butler.domain.errors import ButlerError
from butler.domain.keyfiles import PrivateKeysFile, ProductionKeyfile, PublicKeysFile
from butler.domain.publisher_sets import PublisherSets


class LocalKeyFiles:
    def exists(self, path: Path) -> bool:
        # os.path answers False where Path.exists raises (e.g. a folder on the way that is not searchable).
        return os.path.lexists(path)

    def check_writable(self, path: Path) -> None:
        folder = path.parent
        if os.path.isdir(path):
            reason = "it is a folder"
        elif not os.path.isdir(folder):
            reason = f"{folder} is not a folder" if os.path.lexists(folder) else f"no folder {folder}"
        elif not os.access(folder, os.W_OK | os.X_OK):
            reason = f"the folder {folder} is not writable"
        else:
            return
        raise ButlerError(f"{path}: cannot write: {reason}")

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
