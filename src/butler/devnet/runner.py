"""Start and stop a whole devnet: anvil, the contracts, the tx-service stand-in, the config files."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
import requests

from butler.devnet import accounts, clock, tools
from butler.devnet.actions import DevnetActions
from butler.devnet.anvil import Anvil
from butler.devnet.chain import DevChain, DevnetError
from butler.devnet.config import DevnetConfig, default_key_path, read_config, write_devnet_files
from butler.devnet.deploy import Deployment
from butler.devnet.state_cache import saved_devnet
from butler.devnet.tx_service import TxService
from butler.devnet.tx_service_state import TxServiceState
from butler.domain.address import Address
from butler.domain.errors import UsageError
from butler.domain.redaction import shown

Log = Callable[[str], None]
KEPT_STATES = 256


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
        try:
            self.service.stop()
        finally:
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
    key_out = key_out or default_key_path(config_out)
    _check_outputs(config_out, key_out)
    binary = tools.anvil_binary()
    saved = saved_devnet(binary, log)
    # The file is named by a hash of the pins: our own value, shown so the operator can find the file.
    log(f"starting anvil ({binary}) from the saved deployment {shown(saved.state.name)}")
    # Recent states only, in memory: by default anvil writes older ones to disk, which makes every block
    # of a devnet holding the whole Aztec system slower than the last. Blocks and receipts all stay.
    state_args = ["--load-state", str(saved.state), "--prune-history", str(KEPT_STATES)]
    anvil = Anvil(binary, port=port, extra_args=state_args)
    service: TxService | None = None
    # Everything up to the return is undone on any exception, Ctrl-C included.
    try:
        anvil.start()
        log(f"anvil listening on {anvil.rpc_url}")
        chain = DevChain(anvil.rpc_url)
        clock.resume(chain)
        deployment = saved.deployment
        if not chain.code(deployment.rollup) or not chain.code(deployment.staking_registry):
            raise DevnetError(f"the saved state {saved.state} lacks the deployment it was saved with")
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
        return RunningDevnet(
            anvil, chain, deployment, service, config_path, key_path, time.monotonic() - started
        )
    except BaseException:
        if service is not None:
            service.stop()
        anvil.stop()
        raise


def _check_outputs(config_out: Path, key_out: Path) -> None:
    """Refuse, before starting anything, to replace a file that `up` did not write, or the config of a
    devnet that still runs (that devnet would run on with nothing pointing at it)."""
    if key_out.exists() and key_out.read_text(errors="replace").strip() != accounts.SAFE_OWNER_1.key_hex:
        raise UsageError(f"{key_out} exists and is not the devnet proposer key: not replacing it")
    if not config_out.exists():
        return
    try:
        rpc_url = read_config(config_out).rpc_url
    except UsageError:
        raise UsageError(f"{config_out} exists and is not a devnet config: not replacing it") from None
    if _node_answers(rpc_url):
        raise UsageError(
            f"{config_out} belongs to a devnet that still runs at {rpc_url}: stop it first, "
            "or give another --config-out"
        )


def _node_answers(rpc_url: str) -> bool:
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    try:
        return requests.post(rpc_url, json=request, timeout=2).ok
    except requests.RequestException:
        return False
