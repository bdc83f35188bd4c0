"""A network's configuration: where its chain and contracts are, and whom we act for."""

from __future__ import annotations

from decimal import Decimal

import attrs

from butler.domain.address import Address
from butler.domain.wei import Wei, wei_of


@attrs.frozen
class NetworkConfig:
    """Public settings for one network. Secrets are never part of it (see `SecretSources`), nor where
    its node and services answer (infrastructure, read with the config by the config-file adapter)."""

    network: str
    chain_id: int
    staking_registry: Address
    # None: the canonical rollup of the Aztec Registry the staking registry names (read from the chain).
    rollup: Address | None = None
    provider_id: int | None = None
    provider_admin: Address | None = None
    safe_address: Address | None = None
    min_eth_per_attester: Decimal = Decimal("0.1")
    registry_first_block: int = 0

    @property
    def min_wei_per_attester(self) -> Wei:
        return wei_of(self.min_eth_per_attester)


@attrs.frozen
class SecretSources:
    """Where secrets may be read from: names of environment variables or key-file paths, never values."""

    safe_proposer_key_file: str | None = None
    safe_api_key_file: str | None = None
