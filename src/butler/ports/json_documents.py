"""Reading and writing documents kept as JSON files: the scraper config (SPEC §3, §7) and the coinbase
mapping `scrape-coinbases` keeps (SPEC §3 "Coinbase mapping")."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, TypeAlias, TypeVar

from butler.domain.coinbases import CoinbaseMapping
from butler.domain.scraper_config import ScraperConfig

Document = TypeVar("Document")


class JsonDocuments(Protocol[Document]):
    """One kind of document, one per file. Both documents hold public data only: a file holding anything
    that looks like a private key is refused, since it may be copied anywhere."""

    def exists(self, path: Path) -> bool: ...

    def read(self, path: Path) -> Document:
        """Raise InputError naming the file, the JSON path and the reason when it is malformed (a
        missing file is `<path>: file not found`)."""
        ...

    def check_writable(self, path: Path) -> None:
        """Raise ButlerError naming `path` when `write` could not succeed there (missing folders that
        cannot be created count): lets a command fail before it writes anything else."""
        ...

    def write(self, path: Path, document: Document) -> None:
        """Write atomically, creating missing folders."""
        ...


ScraperConfigFiles: TypeAlias = JsonDocuments[ScraperConfig]
CoinbaseMappingFiles: TypeAlias = JsonDocuments[CoinbaseMapping]
