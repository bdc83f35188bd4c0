"""The devnet's network config (the product's TOML keys plus a [devnet] table) and proposer key file."""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from pathlib import Path
from typing import TypeVar

import attrs

from butler.devnet.deploy import Deployment
from butler.domain.address import Address, AddressFormatError
from butler.domain.errors import UsageError

PROPOSER_KEY_NAME = "devnet-proposer.key"
MIN_ETH_PER_ATTESTER = "0.1"

_T = TypeVar("_T")


@attrs.frozen
class DevnetConfig:
    """What the devnet actions need; the product reads the same file with its own loader."""

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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_config(path: Path) -> DevnetConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no devnet config here; start one with `aztec-butler-devnet up`") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the devnet config: {exc}") from None
    devnet = data.get("devnet")
    if not isinstance(devnet, dict):
        raise UsageError(f"{path}: not a devnet config (no [devnet] table)")

    def field(table: dict[str, object], name: str, kind: type[_T]) -> _T:
        value = table.get(name)
        # TOML booleans are Python ints: refuse them where an integer is expected.
        if not isinstance(value, kind) or isinstance(value, bool):
            raise UsageError(f"{path}: {name}: missing or not a {kind.__name__}")
        return value

    def address(table: dict[str, object], name: str) -> Address:
        try:
            return Address.parse(field(table, name, str))
        except AddressFormatError as exc:
            raise UsageError(f"{path}: {name}: {exc}") from None

    return DevnetConfig(
        chain_id=field(data, "chain_id", int),
        rpc_url=field(data, "rpc_url", str),
        staking_registry=address(data, "staking_registry"),
        rollup=address(data, "rollup"),
        provider_id=field(data, "provider_id", int),
        safe=address(data, "safe_address"),
        tx_service_url=field(data, "safe_tx_service_url", str),
        gse=address(devnet, "gse"),
    )
