"""A world for running the product's commands through their composition roots over the in-memory fakes:
`Settings` from a dict and a temporary folder (no monkeypatching), the network config a real file in
that folder, every other port a fake the test arranges and inspects."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from butler.domain.address import Address
from butler.domain.coinbases import CoinbaseMapping
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.entrypoints import cli
from butler.entrypoints.bootstrap import (
    CycleChain,
    LoadedNetwork,
    SecretStoreChoice,
    Services,
    Settings,
    build_services,
)
from butler.entrypoints.scraper import main as scraper_main
from butler.ports.chain_fake import FAKE_ROLLUP, FakeChain
from butler.ports.clock_fake import FixedClock
from butler.ports.deployment_writes_fake import FakeDeploymentWrites
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files_fake import FakeKeyFiles
from butler.ports.multisig_fake import FakeMultisig
from butler.ports.secret_store_fake import FakeSecretStore
from butler.ports.signer_keys_fake import FakePublisherKeyFiles, FakeSignerKeys

NETWORK = "devnet"
SAFE = Address.from_int(0x5AFE)
REGISTRY = Address.from_int(0x4E61)
# anvil's first test key: a proposer key the fake Safe accepts (nothing is signed for real).
PROPOSER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
NETWORK_TOML = f"""\
network = "{NETWORK}"
chain_id = 31337
rpc_url = "http://127.0.0.1:1/node-key"
staking_registry = "{REGISTRY}"
rollup = "{FAKE_ROLLUP}"
provider_id = 1
safe_address = "{SAFE}"
safe_tx_service_url = "http://127.0.0.1:1/tx-service"
min_eth_per_attester = "0.1"
"""


class CommandWorld:
    """`run(...)` is `aztec-butler ...`, `scrape(...)` is `aztec-butler-scraper ...`, both in `folder`
    with `environ` as their environment. `opened` records each chain a command opened (aggregated or
    not), `secret_stores_opened` each secret store asked for; `signer` is what --web3signer-url and
    --web3signer-keys give."""

    def __init__(self, folder: Path, *, proposer: bool = False) -> None:
        self.folder = folder
        self.environ = {"XDG_CONFIG_HOME": str(folder / "config"), "XDG_DATA_HOME": str(folder / "data")}
        if proposer:
            self.environ["AZTEC_BUTLER_SAFE_PROPOSER_KEY"] = PROPOSER_KEY
        self.config_path = folder / "config" / "aztec-butler" / f"{NETWORK}.toml"
        self.config_path.parent.mkdir(parents=True)
        self.config_path.write_text(NETWORK_TOML)
        self.scraper_config_path = folder / "data" / "aztec-butler" / f"{NETWORK}-scrape-config.json"
        self.mapping_path = folder / "data" / "aztec-butler" / f"{NETWORK}-coinbases.json"
        self.terminal = False
        self.chain = FakeChain()
        self.provider_id = self.chain.add_provider(SAFE)
        self.multisig = FakeMultisig(SAFE)
        self.key_files = FakeKeyFiles()
        self.scraper_configs: FakeJsonDocuments[ScraperConfig] = FakeJsonDocuments()
        self.mappings: FakeJsonDocuments[CoinbaseMapping] = FakeJsonDocuments()
        self.writes = FakeDeploymentWrites(self.key_files, self.scraper_configs)
        self.secrets = FakeSecretStore()
        self.publisher_key_files = FakePublisherKeyFiles()
        self.signer: FakeSignerKeys | None = None
        self.clock = FixedClock()
        self.opened: list[str] = []
        self.secret_stores_opened: list[SecretStoreChoice] = []

    def configure(self, line: str) -> None:
        """One more line in the network config (before any table)."""
        self.config_path.write_text(line + "\n" + self.config_path.read_text())

    def services(self) -> Services:
        return Services(
            Settings(self.environ, self.folder, terminal=self.terminal),
            chains=self._open_chain,
            safes=lambda network, proposer, api_key: self.multisig,
            cycle_chains=self._open_cycle_chain,
            secret_stores=self._open_secret_store,
            signers=lambda keys_file, url: self.signer,
            key_files=self.key_files,
            publisher_key_files=self.publisher_key_files,
            scraper_configs=self.scraper_configs,
            coinbase_mappings=self.mappings,
            deployment_writes=self.writes,
            clock=self.clock,
        )

    def run(self, *argv: str) -> int:
        return cli.run(list(argv), self.services())

    def scrape(self, *argv: str) -> int:
        return scraper_main.run(list(argv), self.services())

    def watch(self, *attesters: Address, publishers: tuple[Address, ...] = ()) -> None:
        """A scraper config at the network's default place naming `attesters` (NEW) and `publishers`."""
        self.scraper_configs.files[self.scraper_config_path] = ScraperConfig(
            version=1,
            network=NETWORK,
            chain_id=31337,
            staking_provider_id=self.provider_id,
            attesters=tuple(ScrapedAttester(a, last_seen_state=AttesterState.NEW) for a in attesters),
            publishers=publishers,
            last_updated="2026-01-01T00:00:00Z",
        )

    def _open_secret_store(self, choice: SecretStoreChoice) -> FakeSecretStore:
        self.secret_stores_opened.append(choice)
        return self.secrets

    def _open_chain(self, network: LoadedNetwork, aggregate: bool) -> FakeChain:
        self.opened.append("aggregated" if aggregate else "plain")
        return self.chain

    def _open_cycle_chain(self, network: LoadedNetwork, cycle_seconds: float) -> CycleChain:
        self.opened.append("cycle")
        return CycleChain(
            chain=self.chain, within=nullcontext, aggregation_refused=lambda: None, close=lambda: None
        )


def real_services(folder: Path, **environ: str) -> Services:
    """The real adapters, with `folder` as the working folder and `environ` as the whole environment."""
    return build_services(Settings(environ, folder))
