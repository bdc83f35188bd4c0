"""The scraper config as a JSON file, refused when anything in it looks like a private key."""

from __future__ import annotations

import os
import re
from pathlib import Path

from butler.adapters.json_files import check_writable, read_json, write_json
from butler.domain.scraper_config import ScraperConfig

# 32 bytes of hex, with or without 0x: the shape of every private key the product handles. No public
# value of the format has that length (addresses are 20 bytes).
_KEY_LIKE = re.compile(r"(?:0[xX])?[0-9a-fA-F]{64}")
_REFUSED = "looks like a private key; a scraper config holds public data only"


def private_key_like_values(data: object, path: str = "") -> list[str]:
    """`<json path>: ...` for every string (value or field name) in `data` shaped like a private key.
    Such a field name is not repeated in the path."""
    here = path or "top level"
    if isinstance(data, str):
        return [f"{here}: {_REFUSED}"] if _KEY_LIKE.fullmatch(data.strip()) else []
    problems: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = key
            if _KEY_LIKE.fullmatch(key.strip()):
                problems.append(f"{here}: a field name {_REFUSED}")
                name = "<hidden>"
            problems += private_key_like_values(value, f"{path}.{name}" if path else name)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            problems += private_key_like_values(item, f"{path}[{index}]")
    return problems


class LocalScraperConfigFiles:
    def exists(self, path: Path) -> bool:
        return os.path.lexists(path)

    def read(self, path: Path) -> ScraperConfig:
        return read_json(path, ScraperConfig, screen=private_key_like_values)

    def check_writable(self, path: Path) -> None:
        check_writable(path, make_folder=True)

    def write(self, path: Path, config: ScraperConfig) -> None:
        write_json(path, config, make_folder=True)
