"""Ready-made network configs (`presets/*.toml`, shipped with the package) and writing one, completed with
what only the operator knows, as a network config file.

A preset holds what is the same for every operator of a network: chain id, StakingRegistry and its first
block, the Safe Transaction Service, the default minimum ETH per attester. The RPC URL, the provider and
the Safe are the operator's; secrets are never written: the proposer key stays a file path or an
environment variable.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from importlib import resources
from pathlib import Path

import attrs

from butler.adapters.files.atomic_file import LeftBehind, create_atomically, write_atomically
from butler.adapters.files.config_file import parse_network_config
from butler.domain.address import Address
from butler.domain.errors import ButlerError, CheckFailed, Problem, UsageError

_PRESETS = "presets"
# The order the fields are written in: the preset's, then the operator's.
_PRESET_FIELDS = (
    "network",
    "chain_id",
    "staking_registry",
    "rollup",
    "registry_first_block",
    "safe_tx_service_url",
    "min_eth_per_attester",
)
# 0x and 64 hex digits, or 64 hex digits alone: what a pasted private key looks like.
_KEY_SHAPED = re.compile(r"(?:0x)?[0-9a-fA-F]{64}")


@attrs.frozen
class Preset:
    name: str
    description: str
    fields: dict[str, object] = attrs.field(eq=False)

    @property
    def network(self) -> str:
        return str(self.fields["network"])


@attrs.frozen
class OperatorSettings:
    """What config init asks for. Exactly one of `provider_id` and `provider_admin`."""

    rpc_url: str
    provider_id: int | None
    provider_admin: Address | None
    safe_address: Address
    rollup: Address | None = None
    safe_proposer_key_file: str | None = None


def preset_names() -> list[str]:
    folder = resources.files(__package__).joinpath(_PRESETS)
    return sorted(
        entry.name.removesuffix(".toml") for entry in folder.iterdir() if entry.name.endswith(".toml")
    )


def read_preset(name: str) -> Preset:
    if name not in preset_names():
        raise UsageError(
            Problem(
                "{network}: no preset {name}; the presets are {names}",
                name=repr(name),
                names=", ".join(preset_names()),
            )
        )
    text = resources.files(__package__).joinpath(_PRESETS, f"{name}.toml").read_text(encoding="utf-8")
    fields = tomllib.loads(text)
    description = str(fields.pop("description", name))
    return Preset(name, description, fields)


def looks_like_a_private_key(text: str) -> bool:
    return _KEY_SHAPED.fullmatch(text.strip()) is not None


def render_config(preset: Preset, settings: OperatorSettings) -> str:
    """The network config file: the preset's fields, then the operator's, with a header naming the preset."""
    if settings.safe_proposer_key_file is not None and looks_like_a_private_key(
        settings.safe_proposer_key_file
    ):
        raise UsageError(
            Problem(
                "{safe_proposer_key_file}: that is a key, not a file path; keys never go into the config: "
                "put the key in a file (mode 0600) and give its path, or set AZTEC_BUTLER_SAFE_PROPOSER_KEY"
            )
        )
    fields = {name: preset.fields[name] for name in _PRESET_FIELDS if name in preset.fields}
    if settings.rollup is not None:
        fields["rollup"] = settings.rollup.checksum
    operator: dict[str, object] = {"rpc_url": settings.rpc_url}
    if settings.provider_id is not None:
        operator["provider_id"] = settings.provider_id
    if settings.provider_admin is not None:
        operator["provider_admin"] = settings.provider_admin.checksum
    operator["safe_address"] = settings.safe_address.checksum
    lines = [
        f"# aztec-butler network config, from the preset {preset.name!r}: {preset.description}.",
        *(f"{name} = {_toml_value(value)}" for name, value in fields.items()),
        "",
        "# This operator's settings.",
        *(f"{name} = {_toml_value(value)}" for name, value in operator.items()),
    ]
    if settings.safe_proposer_key_file is not None:
        lines.append(f"safe_proposer_key_file = {_toml_value(settings.safe_proposer_key_file)}")
    else:
        lines += [
            "# The Safe proposer key: a file holding it (never the key itself), or",
            "# $AZTEC_BUTLER_SAFE_PROPOSER_KEY.",
            '# safe_proposer_key_file = "~/.secrets/aztec-butler-proposer.key"',
        ]
    return "\n".join(lines) + "\n"


def check_config_text(path: Path, text: str) -> None:
    """Raise the loader's own UsageError when `text` would not load as a network config."""
    parse_network_config(path, text)


def write_config(path: Path, text: str, *, replace: bool) -> None:
    """Write `path` atomically; an existing file is kept (CheckFailed) unless `replace`."""
    if not replace and os.path.lexists(path):
        raise CheckFailed(_exists(path))
    try:
        os.makedirs(path.parent, exist_ok=True)
        if replace:
            write_atomically(path, text)
        else:
            create_atomically(path, text)
    except FileExistsError:
        raise CheckFailed(_exists(path)) from None
    except LeftBehind as failure:
        raise ButlerError(
            f"{path}: cannot write: {failure.cause.strerror or type(failure.cause).__name__}"
        ) from None
    except OSError as error:
        raise ButlerError(f"{path}: cannot write: {error.strerror or type(error).__name__}") from None


def _toml_value(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"cannot write {type(value).__name__} into a network config")
    # A JSON string is a valid TOML basic string: the same quotes and escapes.
    return json.dumps(value) if isinstance(value, str) else str(value)


def _exists(path: Path) -> Problem:
    return Problem("{path}: already exists; pass {force} to replace it (nothing was written)", path=path)
