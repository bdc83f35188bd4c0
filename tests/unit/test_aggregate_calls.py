"""The aggregated eth_call's data and answers, without a node
(tests/integration/test_jsonrpc_chain_aggregated.py runs the program on anvil; tests/unit/
test_contract_artifacts.py checks that the shipped program is what its source compiles to)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.adapters.chain import aggregate_calls as agg
from butler.domain.address import Address
from butler.domain.hashing import keccak256

TARGET = Address.from_int(0x1234)


def words(n: int) -> list[bytes]:
    return [i.to_bytes(32, "big") for i in range(n)]


def test_the_data_is_the_program_then_target_size_prefix_and_items() -> None:
    prefix = bytes.fromhex("34a51ed5") + (7).to_bytes(32, "big")
    data = agg.call_data(TARGET, prefix, words(3), 352)

    arguments = data[len(agg.PROGRAM) :]
    assert data.startswith(agg.PROGRAM)
    assert arguments[:32] == bytes(12) + TARGET.raw
    assert int.from_bytes(arguments[32:64], "big") == 352
    assert int.from_bytes(arguments[64:96], "big") == len(prefix)
    assert arguments[96 : 96 + len(prefix)] == prefix
    assert arguments[96 + len(prefix) :] == b"".join(words(3))


def test_the_program_is_the_shipped_build_of_its_source() -> None:
    artifact = agg.load_artifact()

    assert artifact["contractName"] == "AggregateCalls"
    assert artifact["sources"] == ["contracts/AggregateCalls.yul"]
    assert agg.PROGRAM.hex() == artifact["bytecode"].removeprefix("0x")


def test_the_program_stays_well_inside_the_init_code_limit() -> None:
    # EIP-3860 caps init code at 49,152 bytes; a full chunk of the largest prefix we send is far below.
    biggest = agg.call_data(TARGET, bytes(36), words(agg.max_items(32)), 32)
    assert len(biggest) < 49_152 // 2


@pytest.mark.parametrize(("size", "items"), [(32, 256), (288, 85), (352, 69), (24_575, 1), (50_000, 1)])
def test_a_chunk_returns_at_most_what_a_creation_may_return(size: int, items: int) -> None:
    assert agg.max_items(size) == items
    assert items * size + 1 <= agg.MAX_CODE_SIZE or items == 1


@pytest.mark.parametrize("count", [0, 70])
def test_a_chunk_of_the_wrong_length_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match="expected 1 to 69 items"):
        agg.call_data(TARGET, b"", words(count), 352)


def test_items_must_be_words() -> None:
    with pytest.raises(ValueError, match="32-byte word"):
        agg.call_data(TARGET, b"", [bytes(20)], 32)


@given(st.lists(st.binary(min_size=5, max_size=5), min_size=1, max_size=20))
def test_answers_are_split_after_the_leading_zero_byte(answers: list[bytes]) -> None:
    returned = b"\x00" + b"".join(answers)

    assert agg.split_answers(returned, len(answers), 5) == answers


@pytest.mark.parametrize(
    "returned",
    [b"", b"\x00" + bytes(9), b"\x00" + bytes(11), b"\xef" + bytes(10)],
    ids=["empty", "short", "long", "no-zero"],
)
def test_answers_of_another_shape_are_not_split(returned: bytes) -> None:
    assert agg.split_answers(returned, 2, 5) is None


def test_a_wrong_size_revert_names_the_item_and_the_size() -> None:
    selector = keccak256(b"UnexpectedResultSize(uint256,uint256)")[:4]
    data = selector + (3).to_bytes(32, "big") + (0).to_bytes(32, "big")

    assert agg.unexpected_size(data) == (3, 0)
    assert agg.unexpected_size(data[:-1]) is None
    assert agg.unexpected_size(b"\x08\xc3\x79\xa0" + data[4:]) is None
    assert agg.unexpected_size(None) is None


def test_the_program_ships_as_package_data() -> None:
    """Installed products read the compiled program; they have no solc to build it."""
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["setuptools"]["package-data"]["butler.adapters.chain"]

    assert f"artifacts/{agg.ARTIFACT}" in shipped or "artifacts/*.json" in shipped
