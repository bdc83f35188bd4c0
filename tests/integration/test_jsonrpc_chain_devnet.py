"""Configuration mistakes against the real contracts on the devnet: what the operator reads when a config
names the wrong address for the rollup or the staking registry.
"""

from __future__ import annotations

import attrs
import pytest

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.endpoints import Endpoints
from butler.adapters.files.config_file import load_network_config
from butler.adapters.http.error_text import redact_url
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ChainError
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.misconfigured_reads import SETTING_READS, Read, refused_rollup

pytestmark = pytest.mark.devnet

# The second of anvil's dev accounts: an address without code.
EOA = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")


def config_of(devnet: DevnetHandle) -> NetworkConfig:
    config, _, _ = load_network_config(devnet.config_path)
    return config


def failure(devnet: DevnetHandle, config: NetworkConfig, read: Read) -> str:
    chain = JsonRpcChain.from_config(config, Endpoints(devnet.rpc_url))
    try:
        with pytest.raises(ChainError) as caught:
            read(chain)
    finally:
        chain.close()
    assert len(caught.value.problems) == 1
    assert "\n" not in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize(("setting", "read", "signature"), SETTING_READS)
def test_a_contract_address_set_to_the_other_contract_names_function_address_and_hint(
    devnet: DevnetHandle, setting: str, read: Read, signature: str
) -> None:
    # The rollup and the registry are each other's most likely mix-up.
    wrong = devnet.staking_registry if setting == "rollup" else devnet.rollup
    config = attrs.evolve(config_of(devnet), **{setting: wrong})

    assert failure(devnet, config, read) == (
        refused(devnet, wrong)
        if setting == "rollup"
        else f"rpc {redact_url(devnet.rpc_url)}: {signature} on {setting} {wrong} reverted "
        f"without data: is the configured {setting} address right?"
    )


@pytest.mark.parametrize("wrong", ["gse", "safe"])
def test_a_rollup_set_to_another_deployed_contract_is_refused_as_not_canonical(
    devnet: DevnetHandle, wrong: str
) -> None:
    address: Address = getattr(devnet, wrong)
    config = attrs.evolve(config_of(devnet), rollup=address)

    assert failure(devnet, config, lambda chain: chain.entry_queue()) == refused(devnet, address)


def test_a_rollup_set_to_an_account_without_code_is_refused_as_not_canonical(devnet: DevnetHandle) -> None:
    config = attrs.evolve(config_of(devnet), rollup=EOA)

    assert failure(devnet, config, lambda chain: chain.attester_views([EOA])) == refused(devnet, EOA)


def test_without_a_configured_rollup_the_canonical_one_is_read(devnet: DevnetHandle) -> None:
    config = attrs.evolve(config_of(devnet), rollup=None)
    chain = JsonRpcChain.from_config(config, Endpoints(devnet.rpc_url))
    try:
        assert chain.rollup() == devnet.rollup
        assert chain.entry_queue() == []
    finally:
        chain.close()


def refused(devnet: DevnetHandle, configured: Address) -> str:
    aztec_registry = Address.parse(devnet.chain.call(devnet.actions.registry.functions.ROLLUP_REGISTRY()))
    return refused_rollup(configured, devnet.rollup, aztec_registry, devnet.staking_registry)


def test_the_right_config_reads_without_error(devnet: DevnetHandle) -> None:
    chain = JsonRpcChain.from_config(config_of(devnet), Endpoints(devnet.rpc_url))
    try:
        provider = chain.provider_by_id(devnet.provider_id)
        chain.entry_queue()
        chain.attester_views([EOA])
    finally:
        chain.close()

    assert provider is not None
    assert provider.admin == devnet.safe
