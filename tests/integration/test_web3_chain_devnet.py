"""Configuration mistakes against the real contracts on the devnet: what the operator reads when a config
names the wrong address for the rollup or the staking registry.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from butler.adapters.config_file import load_network_config
from butler.adapters.rpc import redact_url
from butler.adapters.web3_chain import Web3Chain
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ChainError
from butler.domain.onchain import G1Point
from tests.integration.devnet_fixture import DevnetHandle

pytestmark = pytest.mark.devnet

Read = Callable[[Web3Chain], object]

# The second of anvil's dev accounts: an address without code.
EOA = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")

ROLLUP_READS = [
    pytest.param(lambda chain: chain.entry_queue(), "getEntryQueueLength()", id="entry_queue"),
    pytest.param(lambda chain: chain.attester_views([EOA]), "getAttesterView(address)", id="attester_views"),
    pytest.param(lambda chain: chain.registration_digests([G1Point(1, 2)]), "getGSE()", id="digests"),
]
REGISTRY_READS = [
    pytest.param(lambda chain: chain.provider_by_id(1), "providerConfigurations(uint256)", id="by_id"),
    pytest.param(lambda chain: chain.provider_by_admin(EOA), "nextProviderIdentifier()", id="by_admin"),
    pytest.param(lambda chain: chain.provider_queue(1), "getFirstIndexInQueue(uint256)", id="queue"),
]


def config_of(devnet: DevnetHandle) -> NetworkConfig:
    config, _ = load_network_config(devnet.config_path)
    return config


def failure(config: NetworkConfig, read: Read) -> str:
    chain = Web3Chain.from_config(config)
    try:
        with pytest.raises(ChainError) as caught:
            read(chain)
    finally:
        chain.close()
    assert len(caught.value.problems) == 1
    assert "\n" not in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize(("read", "signature"), ROLLUP_READS)
def test_a_rollup_set_to_the_staking_registry_names_function_address_and_hint(
    devnet: DevnetHandle, read: Read, signature: str
) -> None:
    config = attrs.evolve(config_of(devnet), rollup=devnet.staking_registry)

    assert failure(config, read) == (
        f"rpc {redact_url(devnet.rpc_url)}: {signature} on rollup {devnet.staking_registry} reverted "
        "without data: is the configured rollup address right?"
    )


@pytest.mark.parametrize(("read", "signature"), REGISTRY_READS)
def test_a_staking_registry_set_to_the_rollup_names_function_address_and_hint(
    devnet: DevnetHandle, read: Read, signature: str
) -> None:
    config = attrs.evolve(config_of(devnet), staking_registry=devnet.rollup)

    assert failure(config, read) == (
        f"rpc {redact_url(devnet.rpc_url)}: {signature} on staking_registry {devnet.rollup} reverted "
        "without data: is the configured staking_registry address right?"
    )


@pytest.mark.parametrize("wrong", ["gse", "safe"])
def test_a_rollup_set_to_another_deployed_contract_is_reported_the_same_way(
    devnet: DevnetHandle, wrong: str
) -> None:
    address: Address = getattr(devnet, wrong)
    config = attrs.evolve(config_of(devnet), rollup=address)

    assert failure(config, lambda chain: chain.entry_queue()) == (
        f"rpc {redact_url(devnet.rpc_url)}: getEntryQueueLength() on rollup {address} reverted "
        "without data: is the configured rollup address right?"
    )


def test_a_rollup_set_to_an_account_without_code_says_there_is_no_contract(devnet: DevnetHandle) -> None:
    config = attrs.evolve(config_of(devnet), rollup=EOA)

    assert failure(config, lambda chain: chain.attester_views([EOA])) == (
        f"rpc {redact_url(devnet.rpc_url)}: getAttesterView(address) on rollup {EOA} returned no data "
        "(no contract there?): is the configured rollup address right?"
    )


def test_the_right_config_reads_without_error(devnet: DevnetHandle) -> None:
    chain = Web3Chain.from_config(config_of(devnet))
    try:
        provider = chain.provider_by_id(devnet.provider_id)
        chain.entry_queue()
        chain.attester_views([EOA])
    finally:
        chain.close()

    assert provider is not None
    assert provider.admin == devnet.safe
