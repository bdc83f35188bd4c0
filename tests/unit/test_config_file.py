"""Network config files: where they are found, what they must hold, and how problems are named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from butler.adapters.files.config_file import find_config, load_network_config
from butler.domain.address import Address
from butler.domain.errors import UsageError

REGISTRY = "0xc3860c45e5F0b1eF3000dbF93149756f16928ADB"
VALID = f"""
network = "testnet"
chain_id = 11155111
rpc_url = "https://rpc.example/v1/KEY"
staking_registry = "{REGISTRY}"
rollup = "{REGISTRY.lower()}"
provider_id = 7
safe_address = "{REGISTRY}"
safe_tx_service_url = "https://tx.example"
safe_proposer_key_file = "keys/proposer.key"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "net.toml"
    path.write_text(text)
    return path


def test_the_rollup_may_be_left_to_the_chain(tmp_path):
    """Without `rollup`, the adapter reads the canonical one from the staking registry's Aztec Registry."""
    config, _, _ = load_network_config(write(tmp_path, VALID.replace(f'rollup = "{REGISTRY.lower()}"\n', "")))
    assert config.rollup is None


def test_a_complete_config(tmp_path):
    config, secrets, endpoints = load_network_config(write(tmp_path, VALID))
    assert endpoints.rpc_url == "https://rpc.example/v1/KEY"
    assert config.chain_id == 11155111 and config.provider_id == 7
    assert config.rollup == Address.parse(REGISTRY)
    assert config.min_eth_per_attester == Decimal("0.1")
    assert config.min_wei_per_attester == 10**17
    assert secrets.safe_proposer_key_file == str(tmp_path / "keys/proposer.key")


def test_the_repr_never_shows_a_url_that_may_carry_an_api_key(tmp_path):
    config, _, endpoints = load_network_config(write(tmp_path, VALID))
    for shown in (repr(config), repr(endpoints)):
        assert "/v1/KEY" not in shown and "tx.example" not in shown
    assert "testnet" in repr(config)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("chain_id = 11155111", ""), "chain_id: required field missing"),
        (("chain_id = 11155111", 'chain_id = "1"'), "chain_id: expected a non-negative integer"),
        (("provider_id = 7", ""), "provider_id: set provider_id or provider_admin"),
        (("provider_id = 7", "provider_id = 0"), "provider_id: provider ids start at 1"),
        (
            (f'rollup = "{REGISTRY.lower()}"', 'rollup = "0x12"'),
            "rollup: must be 0x followed by exactly 40 hex digits",
        ),
        (
            (f'rollup = "{REGISTRY.lower()}"', f'rollup = "{REGISTRY[:-1]}b"'),
            "rollup: mixed-case address with a wrong EIP-55 checksum",
        ),
        (
            ('rpc_url = "https://rpc.example/v1/KEY"', 'rpc_url = "ws://x"'),
            "rpc_url: expected an http:// or https:// URL",
        ),
        (
            ("network", "min_eth_per_attester = -1\nnetwork"),
            "min_eth_per_attester: expected a non-negative number",
        ),
    ],
)
def test_problems_name_file_and_field(tmp_path, change, problem):
    path = write(tmp_path, VALID.replace(*change))
    with pytest.raises(UsageError) as failure:
        load_network_config(path)
    assert str(failure.value).startswith(f"{path}: {problem}")


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(UsageError, match="not valid TOML"):
        load_network_config(write(tmp_path, "network = "))
    with pytest.raises(UsageError, match="config file not found"):
        load_network_config(tmp_path / "absent.toml")
    with pytest.raises(UsageError, match="a number has too many digits"):
        load_network_config(write(tmp_path, VALID + "registry_first_block = " + "9" * 5000))
    with pytest.raises(UsageError, match="nested too deeply"):
        load_network_config(write(tmp_path, "network = " + "[" * 100_000))


def test_lookup_order(tmp_path):
    env = {"AZTEC_BUTLER_CONFIG": "/env.toml", "XDG_CONFIG_HOME": "/xdg", "HOME": "/home/op"}
    assert find_config("/explicit.toml", "testnet", env) == Path("/explicit.toml")
    assert find_config(None, "testnet", env) == Path("/env.toml")
    del env["AZTEC_BUTLER_CONFIG"]
    assert find_config(None, "testnet", env) == Path("/xdg/aztec-butler/testnet.toml")
    del env["XDG_CONFIG_HOME"]
    assert find_config(None, "testnet", env) == Path("/home/op/.config/aztec-butler/testnet.toml")
    with pytest.raises(UsageError, match="no network config"):
        find_config(None, None, env)
