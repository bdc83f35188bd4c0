"""Building the network-facing adapters from the configuration. Heavy imports stay inside."""

from __future__ import annotations

import os
from pathlib import Path

from butler.domain.config import NetworkConfig, SecretSources
from butler.domain.errors import ButlerError, UsageError
from butler.ports.chain import Chain
from butler.ports.multisig import Multisig, SafeQueue


def load_config(config: str | None, network: str | None) -> tuple[Path, NetworkConfig, SecretSources]:
    from butler.adapters.files.config_file import find_config, load_network_config

    path = find_config(config, network, os.environ)
    network_config, secrets = load_network_config(path)
    return path, network_config, secrets


def open_chain(config: NetworkConfig, *, aggregate: bool = False) -> Chain:
    """With `aggregate`, queue items and attester views are read a few hundred per call."""
    from butler.adapters.chain.jsonrpc_chain import JsonRpcChain

    return JsonRpcChain.from_config(config, aggregate=aggregate)


def open_multisig(
    config: NetworkConfig, secrets: SecretSources, *, printed: str | None = None
) -> Multisig | None:
    """The Safe Transaction Service client for the configured Safe, or None when no proposer key is set.

    `printed` names calldata already on stdout: an error opening the client then says it was not
    proposed and that the printed calldata is still good."""
    from butler.adapters.safe.tx_service import SafeTxServiceMultisig
    from butler.adapters.secrets.sources import safe_api_key, safe_proposer_key
    from butler.entrypoints.console import remember_secret

    try:
        proposer = safe_proposer_key(secrets, os.environ)
        if proposer is None:
            return None
        remember_secret(proposer.reveal_hex())
        api_key = safe_api_key(secrets, os.environ)
        if api_key is not None:
            remember_secret(api_key.reveal())
        return SafeTxServiceMultisig.from_config(config, proposer, api_key)
    except ButlerError as error:
        if printed is None:
            raise
        kind = UsageError if isinstance(error, UsageError) else ButlerError
        raise kind(
            *error.problems, f"not proposed: {printed} is on stdout for a Safe owner to propose"
        ) from None


def open_safe_queue(config: NetworkConfig, secrets: SecretSources) -> SafeQueue | None:
    """A reader of the configured Safe's pending transactions (no proposer key needed), or None when the
    network config names no Safe or no transaction service."""
    from butler.adapters.safe.tx_service import SafeTxServiceMultisig
    from butler.adapters.secrets.sources import safe_api_key

    if config.safe_address is None or config.safe_tx_service_url is None:
        return None
    return SafeTxServiceMultisig.from_config(config, None, safe_api_key(secrets, os.environ))


def scraper_config_path(given: Path | None, network: str) -> Path:
    """The scraper config a command works on: the path given, else the network's default (SPEC §7)."""
    from butler.adapters.files.scraper_config_location import default_scraper_config_path

    return given if given is not None else default_scraper_config_path(network, os.environ)
