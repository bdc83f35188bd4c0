"""The `devnet` fixtures: one real devnet per test session (per xdist worker), started in-process.

- `devnet` (session): anvil on a free port with the real GSE and Safe, our stand-ins, the provider's
  Safe and the tx-service stand-in on a free port; a config TOML and proposer key in a tmp dir.
  State accumulates over the session: tests that only add things (fresh random keys, new proposals)
  can share it freely, reading values before and after rather than assuming a fresh chain.
- `isolated_devnet` (function): the same devnet, rolled back after the test with anvil's
  evm_snapshot/evm_revert, together with the tx-service's store. Use it when a test needs known queue
  contents (e.g. it stakes or flushes, which take whatever is at the head of a queue).

Mark tests that use either with `@pytest.mark.devnet`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest

if TYPE_CHECKING:  # imported lazily so that sessions without devnet tests never load web3
    from butler.devnet.actions import DevnetActions
    from butler.devnet.chain import DevChain
    from butler.devnet.runner import RunningDevnet
    from butler.devnet.tx_service_state import TxServiceState
    from butler.domain.address import Address


@attrs.frozen
class DevnetHandle:
    rpc_url: str
    chain_id: int
    config_path: Path
    proposer_key_path: Path
    tx_service_url: str
    staking_registry: Address
    rollup: Address
    gse: Address
    safe: Address
    staking_asset: Address
    multisend: Address
    registry_first_block: int
    provider_id: int
    owners: tuple[Address, ...]
    owner_keys: tuple[str, ...]  # anvil's public test keys, hex
    actions: DevnetActions  # fund, add_keys, stake, flush, exit, execute_pending, reads
    chain: DevChain
    tx_service: TxServiceState  # add_delegate / remove_delegate, pending(safe)


def handle_for(running: RunningDevnet) -> DevnetHandle:
    from butler.devnet import accounts

    d = running.deployment
    return DevnetHandle(
        rpc_url=running.rpc_url,
        chain_id=d.chain_id,
        config_path=running.config_path,
        proposer_key_path=running.key_path,
        tx_service_url=running.tx_service_url,
        staking_registry=d.staking_registry,
        rollup=d.rollup,
        gse=d.gse,
        safe=d.safe,
        staking_asset=d.staking_asset,
        multisend=d.multisend_call_only,
        registry_first_block=d.registry_first_block,
        provider_id=d.provider_id,
        owners=tuple(o.address for o in accounts.SAFE_OWNERS),
        owner_keys=tuple(o.key_hex for o in accounts.SAFE_OWNERS),
        actions=running.actions,
        chain=running.chain,
        tx_service=running.service.state,
    )


@pytest.fixture(scope="session")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnetHandle]:
    from butler.devnet.runner import start_devnet

    folder = tmp_path_factory.mktemp("devnet")
    with start_devnet(config_out=folder / "devnet.toml") as running:
        yield handle_for(running)


@pytest.fixture
def isolated_devnet(devnet: DevnetHandle) -> Iterator[DevnetHandle]:
    snapshot = devnet.chain.snapshot()
    store = devnet.tx_service.snapshot()
    try:
        yield devnet
    finally:
        devnet.chain.revert(snapshot)
        devnet.tx_service.restore(store)
