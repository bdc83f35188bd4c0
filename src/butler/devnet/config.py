"""The devnet's network config (the product's TOML keys plus a [devnet] table) and proposer key file."""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from pathlib import Path

import attrs

from butler.devnet.deploy import Deployment
from butler.domain.address import Address, AddressFormatError
from butler.domain.errors import UsageError

DEFAULT_CONFIG = Path("devnet.toml")
PROPOSER_KEY_NAME = "devnet-proposer.key"
MIN_ETH_PER_ATTESTER = "0.1"


@attrs.frozen
class DevnetConfig:
    path: Path
    chain_id: int
    rpc_url: str
    staking_registry: Address
    rollup: Address
    provider_id: int
    safe: Address
    tx_service_url: str
    registry_first_block: int
    gse: Address
    staking_asset: Address
    multisend_call_only: Address
    proposer_key_file: Path


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
    key_path = key_path or config_path.parent / PROPOSER_KEY_NAME
    beside = key_path.parent.resolve() == config_path.parent.resolve()
    key_ref = key_path.name if beside else str(key_path.resolve())
    write_private_file(key_path, proposer_key + "\n")
    text = render_config(
        deployment, rpc_url=rpc_url, tx_service_url=tx_service_url, proposer_key_file=key_ref
    )
    _atomic_write(config_path, text, mode=0o644)
    return config_path, key_path


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

    def field(table: dict[str, object], name: str, kind: type) -> object:
        value = table.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise UsageError(f"{path}: {name}: missing or not a {kind.__name__}")
        return value

    def address(table: dict[str, object], name: str) -> Address:
        try:
            return Address.parse(str(field(table, name, str)))
        except AddressFormatError as exc:
            raise UsageError(f"{path}: {name}: {exc}") from None

    key_file = Path(str(field(data, "safe_proposer_key_file", str)))
    return DevnetConfig(
        path=path,
        chain_id=int(field(data, "chain_id", int)),  # type: ignore[call-overload]
        rpc_url=str(field(data, "rpc_url", str)),
        staking_registry=address(data, "staking_registry"),
        rollup=address(data, "rollup"),
        provider_id=int(field(data, "provider_id", int)),  # type: ignore[call-overload]
        safe=address(data, "safe_address"),
        tx_service_url=str(field(data, "safe_tx_service_url", str)),
        registry_first_block=int(field(data, "registry_first_block", int)),  # type: ignore[call-overload]
        gse=address(devnet, "gse"),
        staking_asset=address(devnet, "staking_asset"),
        multisend_call_only=address(devnet, "multisend_call_only"),
        proposer_key_file=key_file if key_file.is_absolute() else path.parent / key_file,
    )
