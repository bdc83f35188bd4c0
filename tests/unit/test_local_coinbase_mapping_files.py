"""The coinbase mapping on disk: its layout, its default place, and what a malformed file is told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from butler.adapters.files.json_documents import local_coinbase_mapping_files
from butler.adapters.files.scraper_config_location import default_coinbase_mapping_path
from butler.domain.address import Address
from butler.domain.coinbases import Checkpoint, CoinbaseMapping, CoinbaseRecord
from butler.domain.errors import InputError

ATTESTER = Address.parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
COINBASE = Address.parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
KEY = "0x" + "ab" * 32


def written(tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "m.json"
    mapping = CoinbaseMapping(
        1,
        "devnet",
        31337,
        Address.from_int(0x4E6),
        1,
        0,
        99,
        {ATTESTER: CoinbaseRecord(COINBASE, 42)},
        checkpoints=(Checkpoint(99, "0x" + "ab" * 32),),
        unsettled=(ATTESTER,),
    )
    local_coinbase_mapping_files().write(path, mapping)
    return path, json.loads(path.read_text())


def test_the_file_maps_each_attester_to_its_coinbase_and_block(tmp_path):
    path, data = written(tmp_path)
    assert data == {
        "version": 1,
        "network": "devnet",
        "chainId": 31337,
        "stakingRegistry": Address.from_int(0x4E6).checksum,
        "providerId": 1,
        "firstBlock": 0,
        "lastScannedBlock": 99,
        "coinbases": {ATTESTER.checksum: {"coinbase": COINBASE.checksum, "block": 42}},
        "checkpoints": [{"block": 99, "hash": "0x" + "ab" * 32}],
        "unsettled": [ATTESTER.checksum],
    }
    assert path.read_text().endswith("}\n")


def test_the_default_place_is_per_network_in_the_data_home():
    assert default_coinbase_mapping_path("testnet", {"XDG_DATA_HOME": "/xdg"}) == Path(
        "/xdg/aztec-butler/testnet-coinbases.json"
    )
    assert default_coinbase_mapping_path("devnet", {"HOME": "/home/op"}) == Path(
        "/home/op/.local/share/aztec-butler/devnet-coinbases.json"
    )


@pytest.mark.parametrize(
    ("plant", "problem"),
    [
        (
            lambda d: d["coinbases"].update({ATTESTER.checksum.lower(): d["coinbases"][ATTESTER.checksum]}),
            f"coinbases: attester {ATTESTER.checksum.lower()} appears twice (in another case)",
        ),
        (
            lambda d: d["coinbases"][ATTESTER.checksum].update(block="42"),
            f"coinbases['{ATTESTER.checksum}'].block: expected an integer, got a string",
        ),
        (lambda d: d.pop("lastScannedBlock"), "lastScannedBlock: required field missing"),
        (
            lambda d: d["coinbases"][ATTESTER.checksum].update(coinbase=KEY),
            f"coinbases.{ATTESTER.checksum}.coinbase: looks like a private key; a coinbase mapping holds "
            "public data only",
        ),
        (
            lambda d: d["checkpoints"][0].update(hash="0x1234"),
            "checkpoints[0]: hash: a block hash is 0x and 64 lowercase hex digits",
        ),
    ],
    ids=["same-attester-twice", "block-as-text", "missing-field", "key-shaped", "bad-block-hash"],
)
def test_a_malformed_file_is_refused_naming_the_field(tmp_path, plant, problem):
    path, data = written(tmp_path)
    plant(data)
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as failure:
        local_coinbase_mapping_files().read(path)
    assert failure.value.problems == (f"{path}: {problem}",)
    assert "abab" not in str(failure.value)
