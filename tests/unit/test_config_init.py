"""`aztec-butler config init`: a preset plus the operator's three answers, written where --network finds
it, never replacing a config unasked, never holding a secret."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from butler.adapters.files.config_file import find_config, load_network_config
from butler.domain.address import Address
from butler.entrypoints import cli
from butler.entrypoints.bootstrap import Settings, build_services

SAFE = "0x" + "5a" * 20
ROLLUP = "0x" + "70" * 20
KEY = "0x" + "ab" * 32


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def xdg(tmp_path: Path) -> Path:
    """Where the configs go: $XDG_CONFIG_HOME/aztec-butler, $XDG_CONFIG_HOME a temporary folder."""
    return tmp_path / "config" / "aztec-butler"


def environ(xdg: Path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(xdg.parent)}


def run(xdg: Path, argv: list[str], *, terminal: bool = False) -> int:
    """`aztec-butler ARGV` with $XDG_CONFIG_HOME above `xdg`, at a terminal or not."""
    settings = Settings(environ(xdg), xdg.parent.parent, terminal=terminal)
    return cli.run(argv, build_services(settings))


def flags(network: str = "testnet", *extra: str) -> list[str]:
    args = ["config", "init", "--network", network, "--rpc-url", "https://sepolia.example/v3/s3cr3t-api"]
    return [*args, "--provider-id", "7", "--safe", SAFE, "--rollup", ROLLUP, *extra]


@pytest.mark.parametrize(
    ("network", "chain_id", "registry", "first_block"),
    [
        ("testnet", 11155111, "0xc3860c45e5F0b1eF3000dbF93149756f16928ADB", 9_595_580),
        ("testnet-registry2", 11155111, "0xC6EcC1832c8BF6a41c927BEb4E9ec610FBeDd1C2", 0),
        ("mainnet", 1, "0x042dF8f42790d6943F41C25C2132400fd727f452", 23_786_836),
    ],
)
def test_each_preset_becomes_a_config_that_network_finds(
    xdg, network, chain_id, registry, first_block, capsys
):
    assert run(xdg, flags(network)) == 0
    path = find_config(None, network, environ(xdg))
    assert path == xdg / f"{network}.toml"
    config, secrets, endpoints = load_network_config(path)
    assert (config.network, config.chain_id, config.staking_registry) == (
        network,
        chain_id,
        Address.parse(registry),
    )
    assert config.registry_first_block == first_block
    assert (config.provider_id, config.safe_address, config.rollup) == (
        7,
        Address.parse(SAFE),
        Address.parse(ROLLUP),
    )
    assert endpoints.safe_tx_service_url is not None and endpoints.safe_tx_service_url.startswith(
        "https://api.safe.global/"
    )
    assert secrets.safe_proposer_key_file is None
    assert "s3cr3t-api" not in capsys.readouterr().err, "the RPC URL may carry an API key: never printed"


def test_an_existing_config_is_kept_unless_forced(xdg, capsys):
    assert run(xdg, flags()) == 0
    before = (xdg / "testnet.toml").read_bytes()
    assert run(xdg, flags("testnet", "--provider-id", "8")) == 1
    assert "already exists; pass --force" in capsys.readouterr().err
    assert (xdg / "testnet.toml").read_bytes() == before
    assert run(xdg, [*flags(), "--force"]) == 0
    assert sorted(os.listdir(xdg)) == ["testnet.toml"], "no temporary file stays"


def test_a_key_given_as_the_proposer_key_file_is_refused_and_nothing_written(xdg, capsys):
    assert run(xdg, flags("testnet", "--safe-proposer-key-file", KEY)) == 2
    err = capsys.readouterr().err
    assert "that is a key, not a file path" in err and KEY[2:] not in err
    assert not xdg.exists() or os.listdir(xdg) == []


def test_the_proposer_key_file_path_is_kept_as_a_path(xdg, tmp_path):
    assert run(xdg, flags("mainnet", "--safe-proposer-key-file", "~/.secrets/proposer.key")) == 0
    _, secrets, _ = load_network_config(xdg / "mainnet.toml")
    assert secrets.safe_proposer_key_file == str(Path("~/.secrets/proposer.key").expanduser())


def test_without_a_terminal_every_missing_flag_is_named(xdg, capsys):
    assert run(xdg, ["config", "init", "--network", "testnet"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: not on a terminal, so nothing can be asked: give --rpc-url, --provider-id, --safe"
    ]
    assert not xdg.exists()


def test_on_a_terminal_only_the_missing_values_are_asked_and_bad_answers_asked_again(
    xdg, monkeypatch, capsys
):
    answers = "ftp://nope\nhttps://rpc.example\n0xAD00000000000000000000000000000000000000\nnot-an-address\n"
    monkeypatch.setattr("sys.stdin", Terminal(answers + f"{SAFE}\n"))
    assert run(xdg, ["config", "init", "-n", "mainnet", "--rollup", ROLLUP], terminal=True) == 0
    err = capsys.readouterr().err
    assert err.count("Ethereum JSON-RPC URL: ") == 2 and err.count("your Safe's address: ") == 2
    assert "rollup" not in err.split("wrote")[0], "given as a flag, so not asked"
    config, _, endpoints = load_network_config(xdg / "mainnet.toml")
    assert config.provider_admin == Address.parse("0xAD00000000000000000000000000000000000000")
    assert config.provider_id is None and endpoints.rpc_url == "https://rpc.example"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--network", "devnet"],
            "--network: no preset 'devnet'; the presets are mainnet, testnet, testnet-registry2",
        ),
        ([*flags()[2:], "--provider-admin", SAFE], "give --provider-id or --provider-admin, not both"),
        (["--network", "testnet", "--safe", "0x12"], "--safe: "),
        ([*flags()[2:6], "--provider-id", "0"], "--provider-id: a provider id is a whole number from 1"),
    ],
)
def test_usage_errors(xdg, args, said, capsys):
    assert run(xdg, ["config", "init", *args]) == 2
    assert said in capsys.readouterr().err
