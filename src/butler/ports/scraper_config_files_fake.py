"""In-memory scraper configs for tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from butler.domain.errors import ButlerError, InputError
from butler.domain.scraper_config import ScraperConfig
from butler.ports.scraper_config_files import ScraperConfigFiles


class FakeScraperConfigFiles:
    def __init__(
        self, files: dict[Path, ScraperConfig] | None = None, *, unwritable: Iterable[Path] = ()
    ) -> None:
        self.files: dict[Path, ScraperConfig] = dict(files or {})
        self.writes = 0
        self._unwritable = frozenset(unwritable)

    def exists(self, path: Path) -> bool:
        return path in self.files

    def read(self, path: Path) -> ScraperConfig:
        config = self.files.get(path)
        if config is None:
            raise InputError(f"{path}: file not found")
        return config

    def check_writable(self, path: Path) -> None:
        if path in self._unwritable:
            raise ButlerError(f"{path}: cannot write: the folder is not writable")

    def write(self, path: Path, config: ScraperConfig) -> None:
        self.check_writable(path)
        self.files[path] = config
        self.writes += 1


_CONFORMS: type[ScraperConfigFiles] = FakeScraperConfigFiles
