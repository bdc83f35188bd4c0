"""Key lists from files: a signer's exported public keys, and publisher private keys in either format.
Errors name the file and the entry; no key is ever repeated in them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_keys import keys as eth_keys

from butler.adapters.files.signer_key_files import LocalPublisherKeyFiles, PublicKeyListFile
from butler.domain.address import Address
from butler.domain.errors import InputError
from butler.domain.keys import attester_address

KEYS = [f"0x{0x5EC0000 + n:064x}" for n in range(3)]


def addresses(keys: list[str]) -> list[Address]:
    return [Address.parse(Account.from_key(key).address) for key in keys]


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(data))
    return path


def test_a_json_list_of_publisher_keys(tmp_path):
    keys = LocalPublisherKeyFiles().read_publisher_keys(write(tmp_path, KEYS))
    assert [attester_address(k) for k in keys] == addresses(KEYS)


def test_the_publisher_entries_of_a_private_keys_file(tmp_path):
    doc = {
        "schemaVersion": 1,
        "validators": [
            {
                "attester": {"eth": f"0x{7:064x}", "bls": f"0x{8:064x}"},
                "publisher": KEYS[0],
                "feeRecipient": "0x" + "0" * 64,
                "coinbase": "0x" + "0" * 40,
            },
            {
                "attester": {"eth": f"0x{9:064x}", "bls": f"0x{10:064x}"},
                "publisher": KEYS[1:],
                "feeRecipient": "0x" + "0" * 64,
                "coinbase": "0x" + "0" * 40,
            },
        ],
    }
    keys = LocalPublisherKeyFiles().read_publisher_keys(write(tmp_path, doc))
    assert [attester_address(k) for k in keys] == addresses(KEYS)


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (
            [KEYS[0], KEYS[1][:-1], 5],
            [
                "[1]: must be 0x followed by exactly 64 hex digits; found 63",
                "[2]: must be 0x followed by exactly 64 hex digits as a string, got int",
            ],
        ),
        ([], ["holds no publisher key"]),
        ("0x12", ["top level: expected a JSON list of publisher private keys or a private-keys file"]),
        ({"schemaVersion": 1}, ["validators: required field missing"]),
    ],
    ids=["bad-entries", "empty", "text", "not-a-keys-file"],
)
def test_bad_publisher_files_are_refused_by_entry_without_showing_keys(tmp_path, data, problems):
    path = write(tmp_path, data)
    with pytest.raises(InputError) as failure:
        LocalPublisherKeyFiles().read_publisher_keys(path)
    assert failure.value.problems == tuple(f"{path}: {p}" for p in problems)
    assert all(key[2:] not in str(failure.value) for key in KEYS)


def test_a_public_key_list_file_names_itself_and_each_bad_entry(tmp_path):
    public = eth_keys.PrivateKey(bytes.fromhex(KEYS[0][2:])).public_key.to_hex()
    path = write(tmp_path, [public, "0x1234", public])
    source = PublicKeyListFile(path)
    assert source.source == str(path)
    with pytest.raises(InputError) as failure:
        source.public_keys()
    assert failure.value.problems == (
        f"{path}: [1]: must be 0x followed by the hex of a secp256k1 public key: 33 bytes (compressed), 65 "
        "bytes (uncompressed, prefix 04) or 64 bytes (uncompressed without prefix); got 2 bytes",
    )
    path.write_text("[" + json.dumps(public) + ",]")
    with pytest.raises(InputError, match=f"{path}: not valid JSON"):
        source.public_keys()
    path.write_text(json.dumps([public]))
    assert [k.address for k in source.public_keys()] == addresses(KEYS[:1])
