"""Whether a scraper config belongs to the network config it is read with."""

from __future__ import annotations

from pathlib import Path

from butler.domain.config import NetworkConfig
from butler.domain.scope import check_scope, network_scope
from butler.domain.scraper_config import ScraperConfig


def check_scraper_config(path: Path, config: ScraperConfig, network: NetworkConfig) -> None:
    """Refuse a scraper config written for another network, chain or provider than `network` is."""
    check_scope(path, "scraper config", config.scope, network_scope(network))
