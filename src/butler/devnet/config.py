"""The devnet's network config (the product's TOML keys plus a [devnet] table) and proposer key file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import attrs

from butler.adapters.files.atomic_file import write_atomically
from butler.adapters.files.config_file import load_network_config
from butler.devnet.deploy import Deployment
from butler.domain.address import Address, AddressFormatError
from butler.domain.errors import UsageError

PROPOSER_KEY_NAME = "devnet-proposer.key"
MIN_ETH_PER_ATTESTER = "0.1"


@attrs.frozen
class DevnetConfig:
    """What the devnet actions need, read through the product's own config loader."""

    chain_id: int
    rpc_url: str
    staking_registry: Address
    rollup: Address
    provider_id: int
    safe: Address
    tx_service_url: str
    gse: Address


def render_config(
    deployment: Deployment, *, rpc_url: str, tx_service_url: str, proposer_key_file: str
) -> str:
    d = deployment
    return (
        "# Written by `aztec-butler-devnet up`; valid while that devnet runs.\n"
        'network = "devnet"\n'
        f"chain_id = {d.chain_id}\n"
        f'rpc_url = "{rpc_url}"\n'
        f'staking_registry = "{d.staking_registry}"\n'
        f'rollup = "{d.rollup}"\n'
        f"provider_id = {d.provider_id}\n"
        f'safe_address = "{d.safe}"\n'
        f'safe_tx_service_url = "{tx_service_url}"\n'
        f'min_eth_per_attester = "{MIN_ETH_PER_ATTESTER}"\n'
        f"registry_first_block = {d.registry_first_block}\n"
        "# Relative paths are relative to this file.\n"
        f'safe_proposer_key_file = "{_toml_escape(proposer_key_file)}"\n'
        "\n"
        "[devnet]\n"
        f'gse = "{d.gse}"\n'
        f'staking_asset = "{d.staking_asset}"\n'
        f'multisend_call_only = "{d.multisend_call_only}"\n'
    )


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def write_devnet_files(
    config_path: Path,
    deployment: Deployment,
    *,
    rpc_url: str,
    tx_service_url: str,
    proposer_key: str,
    key_path: Path | None = None,
) -> tuple[Path, Path]:
    """Write the config and, beside it unless told otherwise, the proposer key file (mode 0600)."""
    key_path = key_path or default_key_path(config_path)
    beside = key_path.parent.resolve() == config_path.parent.resolve()
    key_ref = key_path.name if beside else str(key_path.resolve())
    write_private_file(key_path, proposer_key + "\n")
    text = render_config(
        deployment, rpc_url=rpc_url, tx_service_url=tx_service_url, proposer_key_file=key_ref
    )
    _atomic_write(config_path, text, mode=0o644)
    return config_path, key_path


def default_key_path(config_path: Path) -> Path:
    return config_path.parent / PROPOSER_KEY_NAME


def write_private_file(path: Path, text: str) -> None:
    _atomic_write(path, text, mode=0o600)


def _atomic_write(path: Path, text: str, *, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text, mode=mode)


def read_config(path: Path) -> DevnetConfig:
    """The product's network config (read by the product's own loader) plus the `[devnet]` table."""
    if not path.is_file():
        raise UsageError(f"{path}: no devnet config here; start one with `aztec-butler-devnet up`")
    network, _, endpoints = load_network_config(path)
    devnet = tomllib.loads(path.read_text(encoding="utf-8")).get("devnet")
    if not isinstance(devnet, dict):
        raise UsageError(f"{path}: not a devnet config (no [devnet] table)")
    if (
        network.rollup is None
        or network.provider_id is None
        or network.safe_address is None
        or endpoints.safe_tx_service_url is None
    ):
        raise UsageError(
            f"{path}: a devnet config names rollup, provider_id, safe_address and safe_tx_service_url"
        )
    try:
        gse = Address.parse(devnet.get("gse"))
    except AddressFormatError as exc:
        raise UsageError(f"{path}: devnet.gse: {exc}") from None
    return DevnetConfig(
        chain_id=network.chain_id,
        rpc_url=endpoints.rpc_url,
        staking_registry=network.staking_registry,
        rollup=network.rollup,
        provider_id=network.provider_id,
        safe=network.safe_address,
        tx_service_url=endpoints.safe_tx_service_url,
        gse=gse,
    )
