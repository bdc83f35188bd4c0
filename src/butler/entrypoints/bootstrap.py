"""The composition root of the product's entry points: `Settings` (what a run reads from outside its
arguments) and `Services` (the ports the commands use, built from them).

Each entry point reads the process's environment and working folder in one place,
`process_settings()`, builds `Services` from them and hands those to the command it runs; a test hands
in `Settings` of its own (a dict, a temporary folder) and fakes for any port. Adapters are imported
only when a port is first used, so that `--help` loads none of them and a command that needs no chain
never opens one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar, cast

import attrs

if TYPE_CHECKING:
    from butler.adapters.endpoints import Endpoints
    from butler.domain.config import NetworkConfig, SecretSources
    from butler.domain.keys import EthSecretKey
    from butler.domain.secret_text import SecretText
    from butler.ports.chain import Chain
    from butler.ports.clock import Clock
    from butler.ports.deployment_writes import DeploymentWrites
    from butler.ports.json_documents import CoinbaseMappingFiles, ScraperConfigFiles
    from butler.ports.key_files import KeyFiles
    from butler.ports.multisig import Multisig, SafeQueue
    from butler.ports.secret_store import SecretStore
    from butler.ports.signer_keys import PublisherKeyFiles, SignerKeys

T = TypeVar("T")

GCP_CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"


def _read_only(environ: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(environ))


@attrs.frozen
class Settings:
    """What a run depends on besides its arguments, read once: the environment (variables naming the
    network config, secrets and data folders), the working folder (where outputs go by default) and
    whether the operator is at a terminal (whether a command may ask)."""

    environ: Mapping[str, str] = attrs.field(converter=_read_only, repr=False)
    working_folder: Path
    terminal: bool = False


def process_settings() -> Settings:
    """The only place an entry point reads its process's environment and working folder."""
    return Settings(os.environ, Path.cwd(), terminal=sys.stdin is not None and sys.stdin.isatty())


@attrs.frozen
class LoadedNetwork:
    """A network config as read: its file, its public settings, where its secrets are and where its
    node and Safe Transaction Service answer."""

    path: Path
    config: NetworkConfig
    secrets: SecretSources
    endpoints: Endpoints


@attrs.frozen
class CycleChain:
    """The scraper's chain: the port, the deadline every cycle runs inside, whether the node refused
    aggregated reads (why, or None), and how to release it."""

    chain: Chain
    within: Callable[[], AbstractContextManager[None]]
    aggregation_refused: Callable[[], str | None]
    close: Callable[[], None]


# (network, aggregate queue and attester reads) -> the chain
ChainOpener = Callable[[LoadedNetwork, bool], "Chain"]
# (network, proposer key or None to only read, Safe API key) -> the Safe
SafeOpener = Callable[[LoadedNetwork, "EthSecretKey | None", "SecretText | None"], "Multisig"]
# (network, seconds a cycle's node calls may take) -> the scraper's chain, its chain id and rollup checked
CycleChainOpener = Callable[[LoadedNetwork, float], CycleChain]


@attrs.frozen
class SecretStoreChoice:
    """`--secret-store`: `console`, or `gcp` with the network that names the secrets and the
    credentials file Google's Application Default Credentials name (None: found as Google finds them)."""

    kind: str
    network: str | None = None
    project: str | None = None
    endpoint: str | None = None
    credentials_file: str | None = None


class Services:
    """The ports the commands use, each built on first use; `build_services` gives the real adapters,
    a test passes fakes for the ports it arranges."""

    def __init__(
        self,
        settings: Settings,
        *,
        chains: ChainOpener | None = None,
        safes: SafeOpener | None = None,
        cycle_chains: CycleChainOpener | None = None,
        secret_stores: Callable[[SecretStoreChoice], SecretStore] | None = None,
        signers: Callable[[Path | None, str | None], SignerKeys | None] | None = None,
        key_files: KeyFiles | None = None,
        publisher_key_files: PublisherKeyFiles | None = None,
        scraper_configs: ScraperConfigFiles | None = None,
        coinbase_mappings: CoinbaseMappingFiles | None = None,
        deployment_writes: DeploymentWrites | None = None,
        clock: Clock | None = None,
    ) -> None:
        from butler.entrypoints import real_adapters as real

        self.settings = settings
        self._real = real
        self._chains = chains or real.open_chain
        self._safes = safes or real.open_safe
        self._cycle_chains = cycle_chains or real.open_cycle_chain
        self._secret_stores = secret_stores or real.open_secret_store
        self._signers = signers or real.open_signer
        given = {
            "key_files": key_files,
            "publisher_key_files": publisher_key_files,
            "scraper_configs": scraper_configs,
            "coinbase_mappings": coinbase_mappings,
            "deployment_writes": deployment_writes,
            "clock": clock,
        }
        self._ports: dict[str, object] = {name: port for name, port in given.items() if port is not None}

    def _port(self, name: str, build: Callable[[], T]) -> T:
        if name not in self._ports:
            self._ports[name] = build()
        return cast(T, self._ports[name])

    @property
    def key_files(self) -> KeyFiles:
        return self._port("key_files", self._real.key_files)

    @property
    def publisher_key_files(self) -> PublisherKeyFiles:
        return self._port("publisher_key_files", self._real.publisher_key_files)

    @property
    def scraper_configs(self) -> ScraperConfigFiles:
        return self._port("scraper_configs", self._real.scraper_configs)

    @property
    def coinbase_mappings(self) -> CoinbaseMappingFiles:
        return self._port("coinbase_mappings", self._real.coinbase_mappings)

    @property
    def deployment_writes(self) -> DeploymentWrites:
        return self._port("deployment_writes", self._real.deployment_writes)

    @property
    def clock(self) -> Clock:
        return self._port("clock", self._real.clock)

    def network(self, config: str | None, network: str | None) -> LoadedNetwork:
        """The network config `--config`/`$AZTEC_BUTLER_CONFIG`/`--network` name."""
        from butler.adapters.files.config_file import find_config, load_network_config

        path = find_config(config, network, self.settings.environ)
        return LoadedNetwork(path, *load_network_config(path))

    def chain(self, network: LoadedNetwork, *, aggregate: bool = False) -> Chain:
        """With `aggregate`, queue items and attester views are read a few hundred per call."""
        return self._chains(network, aggregate)

    def cycle_chain(self, network: LoadedNetwork, cycle_seconds: float) -> CycleChain:
        return self._cycle_chains(network, cycle_seconds)

    def multisig(self, network: LoadedNetwork, *, printed: str | None = None) -> Multisig | None:
        """The configured Safe, to propose to, or None when no proposer key is set.

        `printed` names calldata already on stdout: an error opening the Safe then says it was not
        proposed and that the printed calldata is still good."""
        from butler.adapters.secrets.sources import safe_api_key, safe_proposer_key
        from butler.domain.errors import ButlerError, UsageError
        from butler.entrypoints.console import remember_secret

        try:
            proposer = safe_proposer_key(network.secrets, self.settings.environ)
            if proposer is None:
                return None
            remember_secret(proposer.reveal_hex())
            api_key = safe_api_key(network.secrets, self.settings.environ)
            if api_key is not None:
                remember_secret(api_key.reveal())
            return self._safes(network, proposer, api_key)
        except ButlerError as error:
            if printed is None:
                raise
            kind = UsageError if isinstance(error, UsageError) else ButlerError
            raise kind(
                *error.problems, f"not proposed: {printed} is on stdout for a Safe owner to propose"
            ) from None

    def safe_queue(self, network: LoadedNetwork) -> SafeQueue | None:
        """A reader of the configured Safe's pending transactions (no proposer key needed), or None when
        the network config names no Safe or no transaction service."""
        from butler.adapters.secrets.sources import safe_api_key

        if network.config.safe_address is None or network.endpoints.safe_tx_service_url is None:
            return None
        return self._safes(network, None, safe_api_key(network.secrets, self.settings.environ))

    def secret_store(self, choice: SecretStoreChoice) -> SecretStore:
        """The store `--secret-store` names; gcp's credentials file, unless given, is the one the
        environment names."""
        if choice.kind == "gcp" and choice.credentials_file is None:
            credentials = self.settings.environ.get(GCP_CREDENTIALS_ENV)
            choice = attrs.evolve(choice, credentials_file=credentials)
        return self._secret_stores(choice)

    def signer(self, keys_file: Path | None, url: str | None) -> SignerKeys | None:
        """web3signer's key list: from a saved file, from the running signer, or None."""
        return self._signers(keys_file, url)

    def scraper_config_path(self, given: Path | None, network: str) -> Path:
        """The scraper config a command works on: the path given, else the network's default."""
        from butler.adapters.files.scraper_config_location import default_scraper_config_path

        return given if given is not None else default_scraper_config_path(network, self.settings.environ)

    def coinbase_mapping_path(self, given: Path | None, network: str) -> Path:
        """The coinbase mapping a command works on: the path given, else the network's default."""
        from butler.adapters.files.scraper_config_location import default_coinbase_mapping_path

        return given if given is not None else default_coinbase_mapping_path(network, self.settings.environ)


def build_services(settings: Settings) -> Services:
    """The real adapters, each built when a command first uses it."""
    return Services(settings)
