"""The coinbases known so far, from the coinbase mapping and the scraper config, for filling keyfiles."""

from __future__ import annotations

from pathlib import Path

from butler.domain.address import Address
from butler.domain.coinbase_fill import KnownCoinbase, known_coinbases
from butler.domain.coinbases import CoinbaseMapping
from butler.domain.config import NetworkConfig
from butler.domain.scope import Scope, check_scope, network_scope
from butler.domain.scraper_config import ScraperConfig
from butler.ports.json_documents import CoinbaseMappingFiles


def read_known_coinbases(
    network: NetworkConfig,
    *,
    mappings: CoinbaseMappingFiles,
    mapping_path: Path | None,
    scraper_config: ScraperConfig | None,
    scraper_config_path: Path,
) -> tuple[dict[Address, KnownCoinbase], CoinbaseMapping | None]:
    """Every coinbase the mapping at `mapping_path` (when it exists) and `scraper_config` record, and the
    mapping read. Either of another chain (or registry, or configured provider) is refused, and so is an
    attester they give different coinbases."""
    sources: list[tuple[str, dict[Address, Address | None]]] = []
    mapping = None
    if mapping_path is not None and mappings.exists(mapping_path):
        mapping = mappings.read(mapping_path)
        check_scope(mapping_path, "coinbase mapping", mapping.scope, network_scope(network))
        sources.append(
            (f"the coinbase mapping {mapping_path}", {a: r.coinbase for a, r in mapping.coinbases.items()})
        )
    if scraper_config is not None:
        check_scope(scraper_config_path, "scraper config", scraper_config.scope, network_scope(network))
        sources.append(
            (
                f"the scraper config {scraper_config_path}",
                {a.address: a.coinbase for a in scraper_config.attesters},
            )
        )
    return known_coinbases(sources), mapping


def check_mapping_provider(path: Path, mapping: CoinbaseMapping, provider_id: int) -> None:
    """Refuse a mapping of another provider than `provider_id` (the one the chain names for the run)."""
    check_scope(path, "coinbase mapping", mapping.scope, Scope(provider_id=provider_id))
