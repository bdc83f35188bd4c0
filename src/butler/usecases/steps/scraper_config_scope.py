"""Whether a scraper config belongs to the network config it is read with."""

from __future__ import annotations

from pathlib import Path

from butler.domain.config import NetworkConfig
from butler.domain.errors import CheckFailed
from butler.domain.scraper_config import ScraperConfig


def check_scraper_config(path: Path, config: ScraperConfig, network: NetworkConfig) -> None:
    """Refuse a scraper config written for another network, chain or provider than `network` is."""
    problems = []
    if config.network != network.network:
        problems.append(f"is for network {config.network!r}, the network config for {network.network!r}")
    if config.chain_id != network.chain_id:
        problems.append(f"is for chain id {config.chain_id}, the network config for {network.chain_id}")
    if network.provider_id is not None and config.staking_provider_id != network.provider_id:
        problems.append(
            f"is for staking provider {config.staking_provider_id}, the network config for "
            f"{network.provider_id}"
        )
    if problems:
        raise CheckFailed(*(f"{path}: the scraper config {problem}" for problem in problems))
