"""Network configuration files (TOML), and where to find them.

Lookup order: the path the command was given, then `$AZTEC_BUTLER_CONFIG`, then
`$XDG_CONFIG_HOME/aztec-butler/<network>.toml` (`~/.config/...` when unset).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

import attrs

from butler.adapters.endpoints import Endpoints
from butler.adapters.files.json_objects import unknown_field
from butler.domain.address import Address, AddressFormatError
from butler.domain.config import NetworkConfig, SecretSources
from butler.domain.errors import Problem, UsageError
from butler.domain.wei import ETH_DECIMALS, wei_of

CONFIG_ENV = "AZTEC_BUTLER_CONFIG"
# A network name becomes part of file names (config, scraper config, coinbase mapping): a plain word only.
NETWORK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
NETWORK_NAME_RULE = "a letter or digit, then up to 63 letters, digits, '-' or '_'"
# The whole ETH supply is far below this; a larger amount per attester is a typo.
MAX_ETH_PER_ATTESTER = Decimal(1_000_000)
MAX_CHAIN_ID = 2**64 - 1

T = TypeVar("T")

# Tables that other tools keep in a network config: `aztec-butler-devnet up` writes its own `[devnet]`.
_TABLES_OF_OTHER_TOOLS = ("devnet",)


def config_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "aztec-butler"


def find_config(explicit: str | None, network: str | None, environ: Mapping[str, str]) -> Path:
    if explicit:
        return Path(explicit)
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    if network:
        if not NETWORK_NAME.fullmatch(network):
            raise UsageError(Problem("{network}: expected {rule}", rule=NETWORK_NAME_RULE))
        return config_dir(environ) / f"{network}.toml"
    raise UsageError(
        Problem(
            "no network config: pass {config} PATH, set AZTEC_BUTLER_CONFIG, or pass {network} NAME "
            "to read {folder}/NAME.toml",
            folder=config_dir(environ),
        )
    )


def load_network_config(path: Path) -> tuple[NetworkConfig, SecretSources, Endpoints]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read config: {exc}") from None
    return parse_network_config(path, text)


def parse_network_config(path: Path, text: str) -> tuple[NetworkConfig, SecretSources, Endpoints]:
    """The config in `text`, as if read from `path` (which errors name and key-file paths are relative to)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except ValueError:
        # tomllib's only other ValueError: an integer beyond Python's digit limit for str -> int.
        raise UsageError(f"{path}: not valid TOML for a config: a number has too many digits") from None
    except RecursionError:
        raise UsageError(f"{path}: not valid TOML for a config: nested too deeply") from None
    declared = tuple(
        f.name for model in (NetworkConfig, SecretSources, Endpoints) for f in attrs.fields(model)
    )
    unknown = [name for name in data if name not in declared and name not in _TABLES_OF_OTHER_TOOLS]
    if unknown:
        raise UsageError(*(f"{path}: {unknown_field('', name, declared)}" for name in unknown))
    fields = _Fields(path, data)
    return fields.network_config(), fields.secret_sources(), fields.endpoints()


class _Fields:
    """Typed access to the TOML table; every problem names the file and the field."""

    def __init__(self, path: Path, data: Mapping[str, object]) -> None:
        self.path = path
        self.data = data

    def _fail(self, field: str, reason: str) -> UsageError:
        return UsageError(f"{self.path}: {field}: {reason}")

    def _required(self, field: str, value: T | None) -> T:
        if value is None:
            raise self._fail(field, "required field missing")
        return value

    def optional_text(self, field: str) -> str | None:
        value = self.data.get(field)
        if value is not None and (not isinstance(value, str) or not value):
            raise self._fail(field, "expected a non-empty string")
        return value

    def text(self, field: str) -> str:
        return self._required(field, self.optional_text(field))

    def optional_integer(self, field: str) -> int | None:
        value = self.data.get(field)
        if value is not None and (type(value) is not int or value < 0):
            raise self._fail(field, "expected a non-negative integer")
        return value

    def integer(self, field: str) -> int:
        return self._required(field, self.optional_integer(field))

    def optional_address(self, field: str) -> Address | None:
        text = self.optional_text(field)
        if text is None:
            return None
        try:
            return Address.parse(text)
        except AddressFormatError as exc:
            raise self._fail(field, str(exc)) from None

    def address(self, field: str) -> Address:
        return self._required(field, self.optional_address(field))

    def decimal(self, field: str, default: str) -> Decimal:
        value = self.data.get(field, default)
        try:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise InvalidOperation
            number = Decimal(str(value))
        except InvalidOperation:
            raise self._fail(field, 'expected a number of ETH, e.g. "0.1"') from None
        if not number.is_finite() or number < 0:
            raise self._fail(field, "expected a non-negative number of ETH")
        if number > MAX_ETH_PER_ATTESTER:
            raise self._fail(field, f"expected at most {MAX_ETH_PER_ATTESTER:,} ETH")
        try:
            wei_of(number)
        except ValueError:
            raise self._fail(field, f"expected at most {ETH_DECIMALS} decimals (1 wei)") from None
        return number

    def optional_url(self, field: str) -> str | None:
        text = self.optional_text(field)
        if text is not None and not text.startswith(("http://", "https://")):
            raise self._fail(field, "expected an http:// or https:// URL")
        return text

    def url(self, field: str) -> str:
        return self._required(field, self.optional_url(field))

    def key_path(self, field: str) -> str | None:
        text = self.optional_text(field)
        if text is None:
            return None
        path = Path(text).expanduser()
        return str(path if path.is_absolute() else self.path.parent / path)

    def network_config(self) -> NetworkConfig:
        provider_id = self.optional_integer("provider_id")
        provider_admin = self.optional_address("provider_admin")
        if provider_id is None and provider_admin is None:
            raise self._fail("provider_id", "set provider_id or provider_admin")
        if provider_id == 0:
            raise self._fail("provider_id", "provider ids start at 1")
        network = self.text("network")
        if not NETWORK_NAME.fullmatch(network):
            raise self._fail("network", f"expected {NETWORK_NAME_RULE}")
        chain_id = self.integer("chain_id")
        if not 1 <= chain_id <= MAX_CHAIN_ID:
            raise self._fail("chain_id", f"expected a chain id from 1 to {MAX_CHAIN_ID}")
        return NetworkConfig(
            network=network,
            chain_id=chain_id,
            staking_registry=self.address("staking_registry"),
            rollup=self.optional_address("rollup"),
            provider_id=provider_id,
            provider_admin=provider_admin,
            safe_address=self.optional_address("safe_address"),
            min_eth_per_attester=self.decimal("min_eth_per_attester", "0.1"),
            registry_first_block=self.optional_integer("registry_first_block") or 0,
        )

    def endpoints(self) -> Endpoints:
        return Endpoints(
            rpc_url=self.url("rpc_url"), safe_tx_service_url=self.optional_url("safe_tx_service_url")
        )

    def secret_sources(self) -> SecretSources:
        return SecretSources(
            safe_proposer_key_file=self.key_path("safe_proposer_key_file"),
            safe_api_key_file=self.key_path("safe_api_key_file"),
        )
