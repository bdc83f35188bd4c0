"""The devnet end to end: the real Aztec L1 contracts and Safe, our StakingRegistry stand-in, and the
devnet actions on them."""

from __future__ import annotations

import json
import stat
import tomllib
from decimal import Decimal

import pytest

from butler.devnet import accounts, artifacts, tools
from butler.devnet.chain import DevnetError
from butler.devnet.records import random_validator
from butler.domain.address import Address
from butler.domain.onchain import AttesterStatus
from tests.integration.devnet_fixture import DevnetHandle

pytestmark = pytest.mark.devnet


def test_the_config_file_describes_the_running_devnet(devnet: DevnetHandle) -> None:
    data = tomllib.loads(devnet.config_path.read_text())
    assert data["network"] == "devnet"
    assert data["chain_id"] == devnet.chain_id == 31337
    assert data["rpc_url"] == devnet.rpc_url
    assert data["staking_registry"] == devnet.staking_registry.checksum
    assert data["rollup"] == devnet.rollup.checksum
    assert data["provider_id"] == 1
    assert data["safe_address"] == devnet.safe.checksum
    assert data["safe_tx_service_url"] == devnet.tx_service_url
    assert data["min_eth_per_attester"] == "0.1"
    assert data["devnet"] == {
        "gse": devnet.gse.checksum,
        "staking_asset": devnet.staking_asset.checksum,
        "multisend_call_only": devnet.multisend.checksum,
    }
    key_file = devnet.config_path.parent / data["safe_proposer_key_file"]
    assert key_file == devnet.proposer_key_path
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == devnet.owner_keys[0]


def test_the_products_config_loader_reads_the_devnet_config(devnet: DevnetHandle) -> None:
    from butler.adapters.files.config_file import load_network_config

    config, secrets, _ = load_network_config(devnet.config_path)
    assert (config.rollup, config.staking_registry, config.safe_address) == (
        devnet.rollup,
        devnet.staking_registry,
        devnet.safe,
    )
    assert config.provider_id == 1
    assert secrets.safe_proposer_key_file == str(devnet.proposer_key_path)


def test_registry_first_block_is_the_block_that_deployed_the_registry(devnet: DevnetHandle) -> None:
    # From the block's receipts: the devnet keeps only recent states (historical reads of old blocks
    # may be pruned once many blocks were mined), but every block and receipt.
    block = devnet.chain.rpc("eth_getBlockByNumber", [hex(devnet.registry_first_block), False])
    created = [
        devnet.chain.rpc("eth_getTransactionReceipt", [tx_hash])["contractAddress"]
        for tx_hash in block["transactions"]
    ]
    assert devnet.staking_registry in [Address.parse(a) for a in created if a]


def test_the_safe_is_the_real_safe_and_administers_provider_1(devnet: DevnetHandle) -> None:
    safe = devnet.actions.safe
    assert set(safe.owners()) == set(devnet.owners)
    assert safe.threshold() == 1
    assert devnet.chain.call(safe.contract.functions.VERSION()) == "1.4.1"
    registry = devnet.actions.registry
    admin, _, _ = devnet.chain.call(registry.functions.providerConfigurations(1))
    assert Address.parse(admin) == devnet.safe


@pytest.mark.parametrize(
    ("relative", "address"),
    [
        ("Safe", "0x41675C099F32341bf84BFc5382aF534df5C7461a"),
        ("libraries/MultiSendCallOnly", "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"),
    ],
)
def test_safe_contracts_are_the_released_code_at_canonical_addresses(
    devnet: DevnetHandle, relative: str, address: str
) -> None:
    name = relative.rsplit("/", 1)[-1]
    path = (
        tools.package_dir(tools.SAFE_ARTIFACTS)
        / "build"
        / "artifacts"
        / "contracts"
        / f"{relative}.sol"
        / f"{name}.json"
    )
    released = json.loads(path.read_text())["deployedBytecode"]
    assert "0x" + devnet.chain.code(Address.parse(address)).hex() == released


def test_the_rollup_is_the_real_registrys_canonical_one_in_front_of_the_real_gse(
    devnet: DevnetHandle,
) -> None:
    actions = devnet.actions
    rollup = actions.rollup
    assert Address.parse(devnet.chain.call(rollup.functions.getGSE())) == devnet.gse
    assert devnet.chain.call(actions.gse.functions.isRollupRegistered(devnet.rollup.checksum))
    aztec_registry = devnet.chain.call(actions.registry.functions.ROLLUP_REGISTRY())
    registry = devnet.chain.contract(artifacts.aztec("Registry"), Address.parse(aztec_registry))
    assert Address.parse(devnet.chain.call(registry.functions.getCanonicalRollup())) == devnet.rollup
    assert (
        Address.parse(devnet.chain.call(registry.functions.getRollup(actions.rollup_version)))
        == devnet.rollup
    )
    # The real Rollup's code, not a stand-in's.
    real = artifacts.aztec("Rollup")
    assert len(devnet.chain.code(devnet.rollup)) > 10_000
    assert {e["name"] for e in real.abi if e["type"] == "function"} >= {"flushEntryQueue", "initiateWithdraw"}


def test_stake_pulls_the_activation_threshold_from_the_staker(isolated_devnet: DevnetHandle) -> None:
    actions = isolated_devnet.actions
    token = isolated_devnet.chain.contract(artifacts.aztec("TestERC20"), isolated_devnet.staking_asset)
    delegator = accounts.DELEGATOR.address.checksum
    threshold = int(isolated_devnet.chain.call(actions.rollup.functions.getActivationThreshold()))
    actions.add_keys(1)
    before = int(isolated_devnet.chain.call(token.functions.balanceOf(delegator)))
    (staked,) = actions.stake(1)
    assert before - int(isolated_devnet.chain.call(token.functions.balanceOf(delegator))) == threshold
    # The coinbase is a split contract, as on the real chain.
    assert isolated_devnet.chain.code(staked.coinbase)


def test_flush_moves_the_clock_to_the_next_flushable_epoch(isolated_devnet: DevnetHandle) -> None:
    actions = isolated_devnet.actions
    rollup = actions.rollup
    flush_size = int(isolated_devnet.chain.call(rollup.functions.getEntryQueueFlushSize()))
    actions.add_keys(flush_size + 2)
    actions.stake(flush_size + 2)
    epoch = int(isolated_devnet.chain.call(rollup.functions.getCurrentEpoch()))
    flushed = actions.flush(flush_size + 2)
    assert len(flushed) == flush_size + 2 and all(f.ok for f in flushed)
    assert int(isolated_devnet.chain.call(rollup.functions.getCurrentEpoch())) > epoch
    assert actions.entry_queue() == []


def test_finalize_ends_an_exit_after_the_delay(isolated_devnet: DevnetHandle) -> None:
    actions = isolated_devnet.actions
    (added,) = actions.add_keys(1)
    actions.stake(1)
    actions.flush(1)
    actions.exit(added.attester)
    done = actions.finalize(added.attester)
    assert done.recipient == accounts.DELEGATOR.address
    assert done.amount == int(isolated_devnet.chain.call(actions.rollup.functions.getActivationThreshold()))
    assert actions.attester_status(added.attester) == AttesterStatus.NONE
    with pytest.raises(DevnetError, match="Staking__NotExiting"):
        actions.finalize(added.attester)


def test_slash_below_the_ejection_threshold_makes_a_zombie(isolated_devnet: DevnetHandle) -> None:
    actions = isolated_devnet.actions
    (added,) = actions.add_keys(1)
    actions.stake(1)
    actions.flush(1)
    slashed = actions.slash(added.attester)
    assert slashed.status == AttesterStatus.ZOMBIE
    assert actions.attester_status(added.attester) == AttesterStatus.ZOMBIE
    # The withdrawer can still take the rest out.
    assert actions.exit(added.attester).status == AttesterStatus.EXITING


def test_a_duplicate_registration_fails_on_flush_as_already_registered(isolated_devnet: DevnetHandle) -> None:
    actions = isolated_devnet.actions
    added = actions.add_validators([random_validator()], duplicate=True)
    assert [a.repeated for a in added] == [False, True]
    assert added[0].attester == added[1].attester
    actions.stake(2)
    first, second = actions.flush(2)
    assert (first.ok, second.ok) == (True, False)
    assert second.error is not None and second.error.startswith("GSE__AlreadyRegistered")


def test_keys_flow_from_the_safe_through_staking_into_the_real_gse(isolated_devnet: DevnetHandle) -> None:
    actions = isolated_devnet.actions
    added = actions.add_keys(3)
    attesters = [a.attester for a in added]
    assert actions.provider_queue() == attesters

    staked = actions.stake(3)
    assert [s.attester for s in staked] == attesters
    coinbases = [s.coinbase for s in staked]
    assert all(not c.is_zero for c in coinbases)
    assert len(set(coinbases)) == 3
    assert actions.provider_queue() == []
    assert actions.entry_queue() == attesters
    assert all(actions.attester_status(a) == AttesterStatus.NONE for a in attesters)

    flushed = actions.flush(3)
    assert [(f.attester, f.ok, f.error) for f in flushed] == [(a, True, None) for a in attesters]
    assert actions.entry_queue() == []
    assert all(actions.attester_status(a) == AttesterStatus.VALIDATING for a in attesters)

    exited = actions.exit(attesters[0])
    assert exited.status == AttesterStatus.EXITING
    assert actions.attester_status(attesters[0]) == AttesterStatus.EXITING
    assert actions.attester_status(attesters[1]) == AttesterStatus.VALIDATING


def test_the_real_gse_rejects_a_wrong_proof_of_possession(isolated_devnet: DevnetHandle) -> None:
    actions = isolated_devnet.actions
    good = actions.add_keys(1)[0].attester
    bad = actions.add_keys(1, corrupt_proof=True)[0].attester
    actions.stake(2)

    flushed = {f.attester: f for f in actions.flush(2)}
    assert flushed[good].ok
    assert not flushed[bad].ok
    assert flushed[bad].error == "GSE__InvalidProofOfPossession"
    assert actions.attester_status(bad) == AttesterStatus.NONE
    assert actions.attester_status(good) == AttesterStatus.VALIDATING


def test_stake_refuses_more_than_the_provider_queue_holds(isolated_devnet: DevnetHandle) -> None:
    with pytest.raises(DevnetError, match="has 0 queued"):
        isolated_devnet.actions.stake(1)


def test_exit_of_an_unknown_attester_names_the_rollups_error(devnet: DevnetHandle) -> None:
    with pytest.raises(DevnetError, match="Staking__NothingToExit"):
        devnet.actions.exit(Address.from_int(0xB0B))


def test_fund_sends_eth(devnet: DevnetHandle) -> None:
    target = Address.from_int(0xF00D0001)
    before = devnet.chain.balance(target)
    devnet.actions.fund(Decimal("1.25"), [target])
    assert devnet.chain.balance(target) - before == 1_250_000_000_000_000_000
