"""Reading and writing the scraper config (SPEC §3, §7)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from butler.domain.scraper_config import ScraperConfig


class ScraperConfigFiles(Protocol):
    def exists(self, path: Path) -> bool: ...

    def read(self, path: Path) -> ScraperConfig:
        """Raise InputError naming the file and field when it is malformed, and refuse a file holding
        anything that looks like a private key: the config is public data and may be copied anywhere."""
        ...

    def check_writable(self, path: Path) -> None:
        """Raise ButlerError naming `path` when `write` could not succeed there (missing folders that
        cannot be created count): lets a command fail before it writes anything else."""
        ...

    def write(self, path: Path, config: ScraperConfig) -> None:
        """Write atomically, creating missing folders."""
        ...
