"""In-memory key files for tests: holds domain values, no JSON."""

from __future__ import annotations

from pathlib import Path

from butler.domain.errors import InputError
from butler.domain.keyfiles import PrivateKeysFile, PublicKeysFile


class FakeKeyFiles:
    def __init__(self, files: dict[Path, object] | None = None) -> None:
        self.files: dict[Path, object] = dict(files or {})

    def exists(self, path: Path) -> bool:
        return path in self.files

    def read_private_keys(self, path: Path) -> PrivateKeysFile:
        content = self.files.get(path)
        if content is None:
            raise InputError(f"{path}: file not found")
        if not isinstance(content, PrivateKeysFile):
            raise InputError(f"{path}: not a private-keys file")
        return content

    def write_public_keys(self, path: Path, keys: PublicKeysFile) -> None:
        self.files[path] = keys
