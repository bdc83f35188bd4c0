"""Where the scraper config (SPEC §7) and the coinbase mapping live when no path is given."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def data_home(environ: Mapping[str, str]) -> Path:
    """$XDG_DATA_HOME/aztec-butler, or ~/.local/share/aztec-butler when it is unset or not absolute."""
    base = environ.get("XDG_DATA_HOME", "")
    if not base or not Path(base).is_absolute():
        base = str(Path(environ.get("HOME") or Path.home()) / ".local" / "share")
    return Path(base) / "aztec-butler"


def default_scraper_config_path(network: str, environ: Mapping[str, str]) -> Path:
    return data_home(environ) / f"{network}-scrape-config.json"


def default_coinbase_mapping_path(network: str, environ: Mapping[str, str]) -> Path:
    """$XDG_DATA_HOME/aztec-butler/<network>-coinbases.json (~/.local/share/... when unset)."""
    return data_home(environ) / f"{network}-coinbases.json"
