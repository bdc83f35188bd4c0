"""Start and stop a whole devnet: anvil, the contracts, the tx-service stand-in, the config files."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from butler.devnet import accounts, tools
from butler.devnet.actions import DevnetActions
from butler.devnet.anvil import Anvil
from butler.devnet.chain import DevChain
from butler.devnet.config import DevnetConfig, read_config, write_devnet_files
from butler.devnet.deploy import Deployment, deploy_all
from butler.devnet.tx_service import TxService, TxServiceState
from butler.domain.address import Address

Log = Callable[[str], None]


@attrs.define
class RunningDevnet:
    """Everything `start_devnet` started. `stop()` ends it all (anvil, the HTTP server)."""

    anvil: Anvil
    chain: DevChain
    deployment: Deployment
    service: TxService
    config_path: Path
    key_path: Path
    startup_seconds: float
    _actions: DevnetActions | None = None

    @property
    def rpc_url(self) -> str:
        return self.anvil.rpc_url

    @property
    def tx_service_url(self) -> str:
        return self.service.url

    @property
    def config(self) -> DevnetConfig:
        return read_config(self.config_path)

    @property
    def actions(self) -> DevnetActions:
        if self._actions is None:
            self._actions = DevnetActions(self.config, self.chain)
        return self._actions

    def stop(self) -> None:
        self.service.stop()
        self.anvil.stop()

    def __enter__(self) -> RunningDevnet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_devnet(
    *,
    config_out: Path,
    key_out: Path | None = None,
    port: int = 0,
    delegates: Iterable[Address] = (),
    log: Log = lambda _: None,
) -> RunningDevnet:
    started = time.monotonic()
    binary = tools.anvil_binary()
    log(f"starting anvil ({binary})")
    anvil = Anvil(binary, port=port).start()
    service: TxService | None = None
    try:
        log(f"anvil listening on {anvil.rpc_url}")
        chain = DevChain(anvil.rpc_url)
        deployment = deploy_all(chain, progress=log)
        service = TxService(TxServiceState(chain, delegates), log=log).start()
        log(f"Safe Transaction Service stand-in on {service.url}")
        config_path, key_path = write_devnet_files(
            config_out,
            deployment,
            rpc_url=anvil.rpc_url,
            tx_service_url=service.url,
            proposer_key=accounts.SAFE_OWNER_1.key_hex,
            key_path=key_out,
        )
    except BaseException:
        if service is not None:
            service.stop()
        anvil.stop()
        raise
    return RunningDevnet(anvil, chain, deployment, service, config_path, key_path, time.monotonic() - started)
