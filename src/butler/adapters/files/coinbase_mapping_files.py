"""The coinbase mapping as a JSON file, by default one per network beside the scraper config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from butler.adapters.files.json_files import read_json, write_json
from butler.adapters.files.scraper_config_files import private_key_like_values
from butler.adapters.files.scraper_config_location import data_home
from butler.domain.coinbases import CoinbaseMapping


def default_coinbase_mapping_path(network: str, environ: Mapping[str, str]) -> Path:
    """$XDG_DATA_HOME/aztec-butler/<network>-coinbases.json (~/.local/share/... when unset)."""
    return data_home(environ) / f"{network}-coinbases.json"


def _screened(data: object) -> list[str]:
    """Refuses key-shaped strings (the file is public data) and an attester listed twice: JSON keys that
    differ only in case name the same address, and one of them would silently win. The checkpoints' block
    hashes have the shape of a key by nature and are checked as block hashes instead."""
    public = {k: v for k, v in data.items() if k != "checkpoints"} if isinstance(data, dict) else data
    problems = [
        problem.replace("a scraper config holds", "a coinbase mapping holds")
        for problem in private_key_like_values(public)
    ]
    coinbases = data.get("coinbases") if isinstance(data, dict) else None
    if isinstance(coinbases, dict):
        seen: set[str] = set()
        for attester in coinbases:
            # Only address-length names are shown: anything longer may be a key pasted in the wrong place.
            if attester.lower() in seen and len(attester) == 42:
                problems.append(f"coinbases: attester {attester} appears twice (in another case)")
            seen.add(attester.lower())
    return problems


class LocalCoinbaseMappingFiles:
    def exists(self, path: Path) -> bool:
        return os.path.lexists(path)

    def read(self, path: Path) -> CoinbaseMapping:
        return read_json(path, CoinbaseMapping, screen=_screened)

    def write(self, path: Path, mapping: CoinbaseMapping) -> None:
        write_json(path, mapping, make_folder=True)
