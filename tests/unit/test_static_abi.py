"""The fast decoder of fixed-size ABI values agrees with eth_abi: same values for everything eth_abi
encodes, and a refusal wherever eth_abi refuses a malformed word."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError
from hypothesis import given
from hypothesis import strategies as st

from butler.adapters.chain import contract_abis as abis
from butler.adapters.chain.static_abi import WORD, StaticLayout
from tests.strategies import addresses

Type = tuple[str, st.SearchStrategy[Any]]  # an ABI type and the values it holds

bits = st.integers(min_value=1, max_value=32).map(lambda n: n * 8)


def leaf() -> st.SearchStrategy[Type]:
    return st.one_of(
        bits.map(lambda b: (f"uint{b}", st.integers(min_value=0, max_value=2**b - 1))),
        bits.map(lambda b: (f"int{b}", st.integers(min_value=-(2 ** (b - 1)), max_value=2 ** (b - 1) - 1))),
        st.just(("address", addresses.map(lambda address: "0x" + address.raw.hex()))),
        st.just(("bool", st.booleans())),
        st.integers(min_value=1, max_value=32).map(
            lambda n: (f"bytes{n}", st.binary(min_size=n, max_size=n))
        ),
    )


def composite(children: st.SearchStrategy[Type]) -> st.SearchStrategy[Type]:
    tuples = st.lists(children, min_size=1, max_size=4).map(
        lambda parts: (
            "(" + ",".join(kind for kind, _ in parts) + ")",
            st.tuples(*(values for _, values in parts)),
        )
    )
    arrays = st.tuples(children, st.integers(min_value=1, max_value=3)).map(
        lambda pair: (
            f"{pair[0][0]}[{pair[1]}]",
            st.lists(pair[0][1], min_size=pair[1], max_size=pair[1]).map(tuple),
        )
    )
    return st.one_of(tuples, arrays)


types = st.recursive(leaf(), composite, max_leaves=8)


def normalised(value: Any) -> Any:
    """eth_abi checksums addresses; the fast decoder writes them in lowercase."""
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, tuple | list):
        return tuple(normalised(v) for v in value)
    return value


@st.composite
def typed_values(draw: st.DrawFn) -> tuple[list[str], list[Any]]:
    chosen = draw(st.lists(types, min_size=1, max_size=4))
    return [kind for kind, _ in chosen], [draw(values) for _, values in chosen]


@given(typed_values())
def test_values_come_out_as_eth_abi_encoded_them(case: tuple[list[str], list[Any]]) -> None:
    kinds, values = case
    data = encode(kinds, values)
    layout = StaticLayout.of(kinds)

    assert layout is not None
    assert layout.size == len(data)
    assert normalised(layout.decode(data)) == normalised(decode(kinds, data))


@given(typed_values(), st.data())
def test_a_malformed_word_is_refused_where_eth_abi_refuses_it(
    case: tuple[list[str], list[Any]], data: st.DataObject
) -> None:
    kinds, values = case
    encoded = bytearray(encode(kinds, values))
    # Garble the first bytes of one word: where a word's padding or range is checked, this breaks it.
    word = data.draw(st.integers(min_value=0, max_value=len(encoded) // WORD - 1))
    encoded[word * WORD : word * WORD + 12] = data.draw(st.binary(min_size=12, max_size=12))
    layout = StaticLayout.of(kinds)
    assert layout is not None

    try:
        expected = normalised(decode(kinds, bytes(encoded)))
    except DecodingError:
        with pytest.raises(ValueError):
            layout.decode(bytes(encoded))
    else:
        assert normalised(layout.decode(bytes(encoded))) == expected


@pytest.mark.parametrize(
    "kinds", [["bytes"], ["string"], ["uint256[]"], ["(uint256,bytes)"], ["(address[])[2]"]]
)
def test_dynamic_types_have_no_static_layout(kinds: list[str]) -> None:
    assert StaticLayout.of(kinds) is None


def test_short_data_is_refused() -> None:
    layout = StaticLayout.of(["uint256", "address"])
    assert layout is not None

    with pytest.raises(ValueError, match="expected at least 64 bytes, got 63"):
        layout.decode(bytes(63))


@pytest.mark.parametrize(
    ("file", "name", "words"),
    [
        (abis.ROLLUP, "getAttesterView", 11),
        (abis.ROLLUP, "getEntryQueueAt", 11),
        (abis.STAKING_REGISTRY, "getValueAtIndexInQueue", 9),
    ],
)
def test_the_reads_the_scraper_aggregates_have_static_results(file: str, name: str, words: int) -> None:
    layout = StaticLayout.of(abis.function(file, name).output_types)

    assert layout is not None and layout.size == words * WORD
