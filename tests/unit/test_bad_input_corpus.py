"""A corpus of bad inputs at the edges (network config, command arguments, publishers, scraper config):
each is refused with one-line errors naming the file or option and the reason, exit 2 for usage and 1
for a failed check, no traceback, and nothing written anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from butler.domain.address import Address
from butler.entrypoints import cli
from butler.entrypoints.scraper import main as scraper
from tests.unit.command_world import real_services

GOOD_CONFIG = {
    "network": '"devnet"',
    "chain_id": "31337",
    "rpc_url": '"http://127.0.0.1:1"',
    "staking_registry": f'"{Address.from_int(0x5E).checksum}"',
    "rollup": f'"{Address.from_int(0x70).checksum}"',
    "provider_id": "1",
    "min_eth_per_attester": '"0.1"',
}
KEY = "a1" * 32

CONFIG_CORPUS = [
    ("network", '"../../../outside"', "network: expected a letter or digit"),
    ("network", '"a b"', "network: expected a letter or digit"),
    ("network", '"-dash-first"', "network: expected a letter or digit"),
    ("network", '""', "network: expected a non-empty string"),
    ("network", '"' + "n" * 65 + '"', "network: expected a letter or digit"),
    ("chain_id", "0", "chain_id: expected a chain id from 1 to"),
    ("chain_id", "-1", "chain_id: expected a non-negative integer"),
    ("chain_id", str(2**70), "chain_id: expected a chain id from 1 to"),
    ("min_eth_per_attester", '"1e60"', "min_eth_per_attester: expected at most 1,000,000 ETH"),
    ("min_eth_per_attester", '"1e400"', "min_eth_per_attester: expected at most 1,000,000 ETH"),
    ("min_eth_per_attester", "1e400", "min_eth_per_attester: expected a non-negative number of ETH"),
    ("min_eth_per_attester", '"-1"', "min_eth_per_attester: expected a non-negative number of ETH"),
    ("min_eth_per_attester", '"NaN"', "min_eth_per_attester: expected a non-negative number of ETH"),
    ("min_eth_per_attester", '"0.0000000000000000001"', "min_eth_per_attester: expected at most 18 decimals"),
    ("provider_id", "0", "provider_id: provider ids start at 1"),
    ("rpc_url", '"ftp://node"', "rpc_url: expected an http:// or https:// URL"),
]


def write_config(folder: Path, **changes: str) -> Path:
    fields = {**GOOD_CONFIG, **changes}
    path = folder / "net.toml"
    path.write_text("".join(f"{name} = {value}\n" for name, value in fields.items()))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_refused(code: int, expected_code: int, err: str, *fragments: str) -> None:
    assert code == expected_code, err
    lines = err.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), err
    for fragment in fragments:
        assert any(fragment in line for line in lines), f"{fragment!r} not in {err!r}"
    assert "Traceback" not in err


@pytest.mark.parametrize(("field", "value", "said"), CONFIG_CORPUS)
def test_a_bad_network_config_is_a_usage_error_naming_file_and_field(
    field: str,
    value: str,
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, **{field: value})
    before = snapshot(tmp_path)

    code = scraper.run(
        ["--config", str(config), "--once"], real_services(tmp_path, XDG_DATA_HOME=str(tmp_path / "data"))
    )

    assert_refused(code, 2, capsys.readouterr().err, f"{config}: {said}")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["../../../outside", "a/b", ".hidden", "x" * 80])
def test_a_network_name_that_is_no_plain_word_is_refused(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["prepare-deployment", "-p", "p.json", "-k", "k.json", "-a", "a.json", "--network", name]

    code = cli.run(argv, real_services(tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config")))

    assert_refused(code, 2, capsys.readouterr().err, "--network: expected a letter or digit")


def scraper_config(attester_address: object) -> dict[str, object]:
    return {
        "version": 1,
        "network": "devnet",
        "chainId": 31337,
        "stakingProviderId": 1,
        "attesters": [{"address": attester_address}],
        "publishers": [],
        "lastUpdated": "2026-01-01T00:00:00Z",
    }


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({**scraper_config("0x" + "11" * 20), "note": f"0x{KEY}"}, "note"),
        ({**scraper_config("0x" + "11" * 20), "note": f"remember {KEY} later"}, "note"),
        ({**scraper_config("0x" + "11" * 20), "note": KEY[1:]}, "note"),
        ({**scraper_config("0x" + "11" * 20), "note": str(int(KEY, 16))}, "note"),
        ({**scraper_config("0x" + "11" * 20), "note": int(KEY, 16)}, "note"),
        ({**scraper_config("0x" + "11" * 20), f"0x{KEY}": 1}, "top level: a field name"),
    ],
    ids=["hex", "inside-text", "63-digits", "decimal-text", "json-number", "field-name"],
)
def test_a_scraper_config_holding_a_key_in_any_form_is_refused_without_showing_it(
    document: dict[str, object],
    where: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path)
    path = tmp_path / "scrape.json"
    path.write_text(json.dumps(document))
    before = snapshot(tmp_path)

    argv = ["--config", str(config), "--scraper-config", str(path), "--once"]
    code = scraper.run(argv, real_services(tmp_path))

    err = capsys.readouterr().err
    assert_refused(code, 1, err, f"{path}: {where}", "looks like a private key")
    assert KEY[8:40] not in err and str(int(KEY, 16))[8:40] not in err
    assert snapshot(tmp_path) == before


def test_the_zero_address_is_no_publisher(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reference_dir: Path
) -> None:
    phase2 = reference_dir / "key-flow/after_phase2/on-dev-machine"
    (tmp_path / "prod.json").write_bytes((phase2 / "prod-testnet-keyfile.json").read_bytes())
    (tmp_path / "new.json").write_bytes((phase2 / "new-public-keys.json").read_bytes())
    publishers = json.loads((phase2 / "testnet_available_publisher_addresses.json").read_text())
    (tmp_path / "pubs.json").write_text(json.dumps([*publishers, "0x" + "00" * 20]))
    config = write_config(tmp_path)
    before = snapshot(tmp_path)

    inputs = ("-p", tmp_path / "prod.json", "-k", tmp_path / "new.json", "-a", tmp_path / "pubs.json")
    argv = [*map(str, inputs), "--config", str(config)]

    code = cli.run(
        ["prepare-deployment", *argv], real_services(tmp_path, XDG_DATA_HOME=str(tmp_path / "data"))
    )

    err = capsys.readouterr().err
    assert_refused(code, 1, err, f"publishers[{len(publishers)}]: the zero address cannot publish")
    assert snapshot(tmp_path) == before
