"""Which staking provider the configuration means."""

from __future__ import annotations

from butler.domain.config import NetworkConfig
from butler.domain.errors import CheckFailed, UsageError
from butler.domain.onchain import Provider
from butler.ports.chain import Chain


def resolve_provider(chain: Chain, config: NetworkConfig) -> Provider:
    if config.provider_id is not None:
        provider = chain.provider_by_id(config.provider_id)
        if provider is None:
            raise CheckFailed(f"provider {config.provider_id} is not registered on {config.network}")
        if config.provider_admin is not None and provider.admin != config.provider_admin:
            raise CheckFailed(
                f"provider {config.provider_id} is administered by {provider.admin}, "
                f"not by the configured provider_admin {config.provider_admin}"
            )
        return provider
    if config.provider_admin is None:
        raise UsageError("the network config names neither provider_id nor provider_admin")
    provider = chain.provider_by_admin(config.provider_admin)
    if provider is None:
        raise CheckFailed(f"no provider on {config.network} is administered by {config.provider_admin}")
    return provider
