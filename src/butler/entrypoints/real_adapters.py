"""The real adapters behind `bootstrap.Services`, one constructor each. Every import of an adapter is
inside the function that builds it: importing this module loads none of them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from butler.domain.keys import EthSecretKey
    from butler.domain.secret_text import SecretText
    from butler.entrypoints.bootstrap import CycleChain, LoadedNetwork, SecretStoreChoice
    from butler.ports.chain import Chain
    from butler.ports.clock import Clock
    from butler.ports.deployment_writes import DeploymentWrites
    from butler.ports.json_documents import CoinbaseMappingFiles, ScraperConfigFiles
    from butler.ports.key_files import KeyFiles
    from butler.ports.multisig import Multisig
    from butler.ports.secret_store import SecretStore
    from butler.ports.signer_keys import PublisherKeyFiles, SignerKeys

# A scraper cycle gives up on a silent node well within a minute: the next cycle tries again anyway, and
# a failure shown soon is worth more than a retry that keeps success at 1 for minutes.
SCRAPER_RPC_TIMEOUT_SECONDS = 10.0
SCRAPER_RPC_ATTEMPTS = 3


def open_chain(network: LoadedNetwork, aggregate: bool) -> Chain:
    from butler.adapters.chain.jsonrpc_chain import JsonRpcChain

    return JsonRpcChain.from_config(network.config, network.endpoints, aggregate=aggregate)


def open_safe(network: LoadedNetwork, proposer: EthSecretKey | None, api_key: SecretText | None) -> Multisig:
    from butler.adapters.safe.tx_service import SafeTxServiceMultisig

    return SafeTxServiceMultisig.from_config(network.config, network.endpoints, proposer, api_key)


def open_cycle_chain(network: LoadedNetwork, cycle_seconds: float) -> CycleChain:
    """The scraper's chain, its chain id and rollup checked now: a wrong chain, or a configured rollup
    that is not the canonical one, stops the start; an unreachable node only delays the checks to the
    first cycle that reaches it (the service keeps reporting)."""
    from butler.adapters.chain.jsonrpc_chain import JsonRpcChain, WrongChain, WrongRollup
    from butler.adapters.chain.transport import RpcTransport
    from butler.domain.errors import ChainError
    from butler.entrypoints.bootstrap import CycleChain
    from butler.entrypoints.console import note

    transport = RpcTransport(
        network.endpoints.rpc_url, timeout=SCRAPER_RPC_TIMEOUT_SECONDS, max_attempts=SCRAPER_RPC_ATTEMPTS
    )
    # Thousands of attesters: a few hundred reads per eth_call, a handful of HTTP requests per cycle.
    chain = JsonRpcChain.from_config(network.config, transport, aggregate=True)
    try:
        with transport.within(cycle_seconds):
            chain.rollup()
    except (WrongChain, WrongRollup):
        chain.close()
        raise
    except ChainError as error:
        note(f"warning: cannot check the chain id and rollup yet, retrying every cycle: {error}")
    return CycleChain(
        chain=chain,
        within=lambda: transport.within(cycle_seconds),
        aggregation_refused=lambda: chain.read_batching.refused,
        close=chain.close,
    )


def open_secret_store(choice: SecretStoreChoice) -> SecretStore:
    from butler.domain.errors import UsageError

    if choice.kind != "gcp":
        from butler.adapters.secrets.console_store import ConsoleSecretStore

        return ConsoleSecretStore()
    try:
        from butler.adapters.secrets.gcp_store import GcpSecretStore
    except ModuleNotFoundError as missing:
        if not (missing.name or "").startswith("google"):
            raise
        raise UsageError(
            "--secret-store gcp needs Google's Secret Manager client: pip install 'aztec-butler[gcp]'"
        ) from None
    assert choice.network is not None
    return GcpSecretStore.connect(
        network=choice.network,
        project=choice.project,
        endpoint=choice.endpoint,
        credentials_file=choice.credentials_file,
    )


def open_signer(keys_file: Path | None, url: str | None) -> SignerKeys | None:
    if keys_file is not None:
        from butler.adapters.files.signer_key_files import PublicKeyListFile

        return PublicKeyListFile(keys_file)
    if url is not None:
        from butler.adapters.web3signer import Web3SignerClient

        return Web3SignerClient(url)
    return None


def key_files() -> KeyFiles:
    from butler.adapters.files.key_files import LocalKeyFiles

    return LocalKeyFiles()


def publisher_key_files() -> PublisherKeyFiles:
    from butler.adapters.files.signer_key_files import LocalPublisherKeyFiles

    return LocalPublisherKeyFiles()


def scraper_configs() -> ScraperConfigFiles:
    from butler.adapters.files.json_documents import local_scraper_config_files

    return local_scraper_config_files()


def coinbase_mappings() -> CoinbaseMappingFiles:
    from butler.adapters.files.json_documents import local_coinbase_mapping_files

    return local_coinbase_mapping_files()


def deployment_writes() -> DeploymentWrites:
    from butler.adapters.files.deployment_writes import LocalDeploymentWrites

    return LocalDeploymentWrites()


def clock() -> Clock:
    from butler.adapters.clock import SystemClock

    return SystemClock()
