"""Every Rollup read the product makes, pinned to the real Aztec Rollup's own answer in each status an
attester goes through on the devnet: queued (NONE, in the entry queue), VALIDATING after a real flush,
EXITING after initiateWithdraw, NONE again after finalizeWithdraw, and ZOMBIE after a slash.

The product reads through JsonRpcChain (eth-abi over its subset ABIs); the reference answers come from
web3 with the full 4.1.2 Rollup artifact, so a subset ABI or decoder drifting from the real contract
fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from butler.adapters.chain import contract_abis as abis
from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.files.config_file import load_network_config
from butler.devnet import accounts, artifacts
from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.onchain import AttesterStatus, AttesterView, DepositArgs, G1Point, G2Point
from tests.integration.devnet_fixture import DevnetHandle

pytestmark = pytest.mark.devnet


@pytest.fixture
def product_chain(isolated_devnet: DevnetHandle) -> Iterator[JsonRpcChain]:
    config, _, endpoints = load_network_config(isolated_devnet.config_path)
    chain = JsonRpcChain.from_config(config, endpoints)
    yield chain
    chain.close()


def real_view(devnet: DevnetHandle, attester: Address) -> AttesterView:
    status, balance, _exit, (_key, withdrawer) = devnet.chain.call(
        devnet.actions.rollup.functions.getAttesterView(attester.checksum)
    )
    return AttesterView(AttesterStatus(status), int(balance), Address.parse(withdrawer))


def real_entry_queue(devnet: DevnetHandle) -> list[DepositArgs]:
    rollup = devnet.actions.rollup.functions
    length = int(devnet.chain.call(rollup.getEntryQueueLength()))
    entries = []
    for index in range(length):
        attester, withdrawer, g1, g2, pop, move = devnet.chain.call(rollup.getEntryQueueAt(index))
        entries.append(
            DepositArgs(
                Address.parse(attester),
                Address.parse(withdrawer),
                G1Point(*g1),
                G2Point(*g2),
                G1Point(*pop),
                bool(move),
            )
        )
    return entries


def threshold(devnet: DevnetHandle) -> int:
    return int(devnet.chain.call(devnet.actions.rollup.functions.getActivationThreshold()))


def test_each_rollup_read_equals_the_real_rollups_answer_in_each_status(
    isolated_devnet: DevnetHandle, product_chain: JsonRpcChain
) -> None:
    devnet, actions = isolated_devnet, isolated_devnet.actions
    delegator = accounts.DELEGATOR.address
    exiting, zombie, staying = (a.attester for a in actions.add_keys(3))
    ours = [exiting, zombie, staying]

    # Staked: in the real entry queue, unknown to the rollup.
    actions.stake(3)
    queued = real_entry_queue(devnet)
    assert [e.attester for e in queued] == ours
    assert all(e.withdrawer == delegator and not e.move_with_latest_rollup for e in queued)
    assert list(product_chain.entry_queue()) == queued
    views = product_chain.attester_views(ours)
    assert {a: views[a] for a in ours} == {a: real_view(devnet, a) for a in ours}
    assert views[exiting] == AttesterView(AttesterStatus.NONE, 0, ZERO_ADDRESS)

    # Flushed: deposited into the real GSE.
    actions.flush(3)
    assert list(product_chain.entry_queue()) == real_entry_queue(devnet) == []
    views = product_chain.attester_views(ours)
    assert {a: views[a] for a in ours} == {a: real_view(devnet, a) for a in ours}
    assert views[exiting] == AttesterView(AttesterStatus.VALIDATING, threshold(devnet), delegator)

    # Exit started: the stake left the GSE, the exit waits for its delay.
    actions.exit(exiting)
    # Slashed below the local ejection threshold: removed, the rest held for the withdrawer.
    actions.slash(zombie)
    views = product_chain.attester_views(ours)
    assert {a: views[a] for a in ours} == {a: real_view(devnet, a) for a in ours}
    assert views[exiting] == AttesterView(AttesterStatus.EXITING, 0, delegator)
    assert views[zombie] == AttesterView(AttesterStatus.ZOMBIE, 0, delegator)
    assert views[staying].status == AttesterStatus.VALIDATING

    # Exit finalized: the rollup forgets the attester; the GSE keeps its withdrawer on record.
    actions.finalize(exiting)
    views = product_chain.attester_views(ours)
    assert {a: views[a] for a in ours} == {a: real_view(devnet, a) for a in ours}
    assert views[exiting] == AttesterView(AttesterStatus.NONE, 0, delegator)


def test_the_gse_the_product_asks_for_digests_is_the_real_rollups(
    devnet: DevnetHandle,
) -> None:
    config, _, endpoints = load_network_config(devnet.config_path)
    chain = JsonRpcChain.from_config(config, endpoints)
    try:
        point = G1Point(1, 2)
        (digest,) = chain.registration_digests([point])
    finally:
        chain.close()
    x, y = devnet.chain.call(devnet.actions.gse.functions.getRegistrationDigest((1, 2)))
    assert digest == G1Point(int(x), int(y))
    assert Address.parse(devnet.chain.call(devnet.actions.rollup.functions.getGSE())) == devnet.gse


@pytest.mark.parametrize(
    ("file_name", "artifact"),
    [(abis.ROLLUP, "Rollup"), (abis.GSE, "GSE"), (abis.REGISTRY, "Registry")],
)
def test_the_products_subset_abis_are_entries_of_the_deployed_4_1_2_artifacts(
    file_name: str, artifact: str
) -> None:
    real = {(e["type"], e.get("name")): e for e in artifacts.aztec(artifact).abi}
    for entry in abis.abi_json(file_name):
        assert dict(entry) == real[(entry["type"], entry["name"])], entry["name"]
