"""In-memory coinbase mappings for tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from butler.domain.coinbases import CoinbaseMapping
from butler.domain.errors import ButlerError, InputError
from butler.ports.coinbase_mapping_files import CoinbaseMappingFiles


class FakeCoinbaseMappingFiles:
    def __init__(
        self, files: dict[Path, CoinbaseMapping] | None = None, *, unwritable: Iterable[Path] = ()
    ) -> None:
        self.files: dict[Path, CoinbaseMapping] = dict(files or {})
        self.writes = 0
        self._unwritable = frozenset(unwritable)

    def exists(self, path: Path) -> bool:
        return path in self.files

    def read(self, path: Path) -> CoinbaseMapping:
        mapping = self.files.get(path)
        if mapping is None:
            raise InputError(f"{path}: file not found")
        return mapping

    def write(self, path: Path, mapping: CoinbaseMapping) -> None:
        if path in self._unwritable:
            raise ButlerError(f"{path}: cannot write: the folder is not writable")
        self.files[path] = mapping
        self.writes += 1


_CONFORMS: type[CoinbaseMappingFiles] = FakeCoinbaseMappingFiles
