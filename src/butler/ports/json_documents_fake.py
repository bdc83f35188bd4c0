"""In-memory JSON documents for tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Generic

from butler.domain.coinbases import CoinbaseMapping
from butler.domain.errors import ButlerError, InputError
from butler.domain.scraper_config import ScraperConfig
from butler.ports.json_documents import Document, JsonDocuments


class FakeJsonDocuments(Generic[Document]):
    """Documents by path; the paths in `unwritable` behave as a folder that cannot be written."""

    def __init__(self, files: dict[Path, Document] | None = None, *, unwritable: Iterable[Path] = ()) -> None:
        self.files: dict[Path, Document] = dict(files or {})
        self.writes = 0
        self._unwritable = frozenset(unwritable)

    def exists(self, path: Path) -> bool:
        return path in self.files

    def read(self, path: Path) -> Document:
        if path not in self.files:
            raise InputError(f"{path}: file not found")
        return self.files[path]

    def check_writable(self, path: Path) -> None:
        if path in self._unwritable:
            raise ButlerError(f"{path}: cannot write: the folder is not writable")

    def write(self, path: Path, document: Document) -> None:
        self.check_writable(path)
        self.files[path] = document
        self.writes += 1


_CONFORMS_SCRAPER_CONFIG: type[JsonDocuments[ScraperConfig]] = FakeJsonDocuments[ScraperConfig]
_CONFORMS_COINBASE_MAPPING: type[JsonDocuments[CoinbaseMapping]] = FakeJsonDocuments[CoinbaseMapping]
