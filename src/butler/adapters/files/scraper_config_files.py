"""The scraper config as a JSON file, refused when anything in it looks like a private key."""

from __future__ import annotations

import os
from pathlib import Path

from butler.adapters.files.json_files import check_writable, read_json, write_json
from butler.domain.redaction import key_shaped
from butler.domain.scraper_config import ScraperConfig

_REFUSED = "looks like a private key; a scraper config holds public data only"
# No public number of the format comes near this (chain ids, provider ids, block numbers); a private key
# written as a JSON number does.
_KEY_SIZED_NUMBER = 10**40


def private_key_like_values(data: object, path: str = "") -> list[str]:
    """`<json path>: ...` for every value or field name in `data` that holds something shaped like a private
    key: a long run of hex or decimal digits anywhere in a string (with or without 0x, 63 digits, inside
    longer text), or a huge number. Such a field name is not repeated in the path."""
    here = path or "top level"
    if isinstance(data, str):
        return [f"{here}: {_REFUSED}"] if key_shaped(data) else []
    if isinstance(data, int | float) and not isinstance(data, bool):
        return [f"{here}: {_REFUSED}"] if abs(data) >= _KEY_SIZED_NUMBER else []
    problems: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = key
            if key_shaped(key):
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
