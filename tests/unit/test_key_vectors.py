"""The reference vectors (SPEC §4): every entry must derive exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from butler.domain import bn254
from butler.domain.keys import (
    SECP256K1_N,
    BlsPublicKey,
    KeyFormatError,
    attester_address,
    bls_public_key,
    parse_bls_secret_key,
    parse_eth_secret_key,
)

EXPECTED_FIELDS = {"eth", "eth_address", "bls", "bls_pubkey"}


@pytest.fixture(scope="module")
def key_vectors(reference_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reference_dir / "vectors" / "key-vectors.json").read_text())
    assert data["format"] == "butler-key-vectors-v1"
    return data


def test_the_file_agrees_with_our_constants(key_vectors: dict[str, Any]) -> None:
    constants = key_vectors["constants"]
    assert int(constants["bn254_r"], 16) == bn254.R
    assert int(constants["bn254_p"], 16) == bn254.P
    assert int(constants["secp256k1_n"], 16) == SECP256K1_N
    generator = constants["bn254_g1_generator"]
    assert (int(generator["x"], 16), int(generator["y"], 16)) == (bn254.G1.x, bn254.G1.y)


def test_every_vector_derives_exactly(key_vectors: dict[str, Any]) -> None:
    vectors = key_vectors["vectors"]
    assert len(vectors) == 62
    mismatches = []
    for index, vector in enumerate(vectors):
        assert set(vector) == EXPECTED_FIELDS, f"vector {index} has an unknown shape; handle it explicitly"
        address = attester_address(parse_eth_secret_key(vector["eth"]))
        public = bls_public_key(parse_bls_secret_key(vector["bls"]))
        if str(address) != vector["eth_address"] or public.to_hex() != vector["bls_pubkey"]:
            mismatches.append(index)
        # A public key read back from the file is the same point.
        assert BlsPublicKey.parse(vector["bls_pubkey"]) == public
    assert mismatches == []


def test_a_vector_key_made_out_of_range_is_rejected(key_vectors: dict[str, Any]) -> None:
    # The same digits plus r are still 64 hex digits, and must be refused rather than reduced.
    for vector in key_vectors["vectors"]:
        shifted = int(vector["bls"], 16) + bn254.R
        if shifted < 2**256:
            with pytest.raises(KeyFormatError, match="out of range"):
                parse_bls_secret_key(f"0x{shifted:064x}")
