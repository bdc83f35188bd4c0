"""Documents as JSON files: decoded strictly, screened for private-key-shaped values, written atomically."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Generic

from butler.adapters.files.json_files import check_writable, read_json, write_json
from butler.adapters.files.public_data import coinbase_mapping_problems, scraper_config_problems
from butler.domain.coinbases import CoinbaseMapping
from butler.domain.scraper_config import ScraperConfig
from butler.ports.json_documents import Document, JsonDocuments


class LocalJsonDocuments(Generic[Document]):
    """Files holding one `document_type` each; `screen` lists the problems of the parsed JSON that refuse
    it before decoding."""

    def __init__(self, document_type: type[Document], screen: Callable[[object], list[str]]) -> None:
        self._type = document_type
        self._screen = screen

    def exists(self, path: Path) -> bool:
        return os.path.lexists(path)

    def read(self, path: Path) -> Document:
        return read_json(path, self._type, screen=self._screen)

    def check_writable(self, path: Path) -> None:
        check_writable(path, make_folder=True)

    def write(self, path: Path, document: Document) -> None:
        write_json(path, document, make_folder=True)


def local_scraper_config_files() -> LocalJsonDocuments[ScraperConfig]:
    return LocalJsonDocuments(ScraperConfig, scraper_config_problems)


def local_coinbase_mapping_files() -> LocalJsonDocuments[CoinbaseMapping]:
    return LocalJsonDocuments(CoinbaseMapping, coinbase_mapping_problems)


_CONFORMS: type[JsonDocuments[ScraperConfig]] = LocalJsonDocuments[ScraperConfig]
