"""Reading and writing the coinbase mapping `scrape-coinbases` keeps (SPEC §3 "Coinbase mapping")."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from butler.domain.coinbases import CoinbaseMapping


class CoinbaseMappingFiles(Protocol):
    def exists(self, path: Path) -> bool: ...

    def read(self, path: Path) -> CoinbaseMapping:
        """Raise InputError naming the file, the JSON path and the reason when it is malformed."""
        ...

    def write(self, path: Path, mapping: CoinbaseMapping) -> None:
        """Write atomically, creating missing folders."""
        ...
