"""Key parsing policy (SPEC §4), redaction of secrets, and public-key derivation."""

from __future__ import annotations

import traceback
from collections.abc import Callable

import attrs
import pytest
from eth_account import Account
from hypothesis import example, given
from hypothesis import strategies as st

from butler.domain import bn254
from butler.domain.keys import (
    SECP256K1_N,
    BlsPublicKey,
    BlsSecretKey,
    EthSecretKey,
    KeyFormatError,
    attester_address,
    bls_public_key,
    parse_bls_secret_key,
    parse_eth_secret_key,
)
from butler.domain.onchain import G1Point
from tests.strategies import bls_scalars, eth_scalars

Parser = Callable[[object], object]
PARSERS: dict[str, tuple[Parser, int]] = {
    "eth": (parse_eth_secret_key, SECP256K1_N),
    "bls": (parse_bls_secret_key, bn254.R),
}

hex_body = st.text(alphabet="0123456789abcdefABCDEF", min_size=64, max_size=64)
whitespace = st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u2003", "\u3000"])
non_hex_chars = st.characters(exclude_characters="0123456789abcdefABCDEF", exclude_categories=["Cs"]).filter(
    lambda c: not c.isspace()
)


def hex_of(k: int) -> str:
    return f"0x{k:064x}"


def malformed_forms(body: str) -> st.SearchStrategy[str]:
    """Every way SPEC §4 lets a 64-digit key be written wrongly, built around the same digits."""
    return st.one_of(
        st.just(body),  # no prefix
        st.just("0X" + body),
        st.just("x" + body),
        st.just("0x0x" + body),
        st.sampled_from(["+", "-"]).map(lambda sign: sign + "0x" + body),
        st.integers(min_value=1, max_value=8).map(lambda n: "0x" + body[:-n]),  # too short
        st.integers(min_value=1, max_value=8).map(lambda n: "0x" + body + body[:n]),  # too long
        st.tuples(st.integers(0, 66), whitespace).map(
            lambda t: ("0x" + body)[: t[0]] + t[1] + ("0x" + body)[t[0] :]
        ),
        st.tuples(st.integers(2, 65), non_hex_chars).map(
            lambda t: ("0x" + body)[: t[0]] + t[1] + ("0x" + body)[t[0] + 1 :]
        ),
        st.integers(2, 64).map(lambda i: ("0x" + body)[:i] + "_" + ("0x" + body)[i + 1 :]),
        st.just("0x" + body.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))).filter(
            lambda s: s[2:] != body
        ),
        st.just(str(int(body, 16))),  # decimal
    )


def assert_no_leak(exc: BaseException, body: str) -> None:
    """Neither the message nor anything chained to it shows the key digits, not even a part of them."""
    rendered = "".join(traceback.format_exception(exc)).lower()
    for start in range(len(body) - 8):
        assert body[start : start + 8].lower() not in rendered


@pytest.mark.parametrize("which", ["eth", "bls"])
@given(data=st.data(), body=hex_body)
def test_malformed_forms_are_rejected_without_echoing_the_key(
    which: str, data: st.DataObject, body: str
) -> None:
    parse, _ = PARSERS[which]
    text = data.draw(malformed_forms(body))
    with pytest.raises(KeyFormatError) as caught:
        parse(text)
    assert_no_leak(caught.value, body)


@pytest.mark.parametrize("which", ["eth", "bls"])
@given(st.integers(min_value=0, max_value=130).filter(lambda n: n != 64))
def test_every_other_length_is_rejected(which: str, length: int) -> None:
    parse, _ = PARSERS[which]
    with pytest.raises(KeyFormatError, match="exactly 64 hex digits"):
        parse("0x" + "1" * length)


NON_STRINGS = [1, 0, 2**200, 1.0, b"0x" + b"1" * 64, bytearray(b"01"), None, True, ["0x" + "1" * 64]]


@pytest.mark.parametrize("which", ["eth", "bls"])
@pytest.mark.parametrize("value", NON_STRINGS)
def test_non_strings_are_rejected(which: str, value: object) -> None:
    parse, _ = PARSERS[which]
    with pytest.raises(KeyFormatError, match="as a string"):
        parse(value)


@pytest.mark.parametrize("which", ["eth", "bls"])
@given(data=st.data())
def test_out_of_range_keys_are_rejected_not_reduced(which: str, data: st.DataObject) -> None:
    parse, order = PARSERS[which]
    k = data.draw(st.one_of(st.just(0), st.just(order), st.integers(min_value=order, max_value=2**256 - 1)))
    with pytest.raises(KeyFormatError, match="out of range") as caught:
        parse(hex_of(k))
    if k:
        assert_no_leak(caught.value, f"{k:064x}")


def test_bls_range_is_the_bn254_order_not_the_secp256k1_one() -> None:
    between = hex_of(bn254.R)  # valid for eth, out of range for bls
    assert parse_eth_secret_key(between).scalar == bn254.R
    with pytest.raises(KeyFormatError, match="out of range"):
        parse_bls_secret_key(between)


@pytest.mark.parametrize("which", ["eth", "bls"])
@given(data=st.data())
def test_well_formed_keys_parse_to_their_value_in_either_case(which: str, data: st.DataObject) -> None:
    parse, order = PARSERS[which]
    k = data.draw(st.one_of(st.sampled_from([1, order - 1]), st.integers(min_value=1, max_value=order - 1)))
    for text in (hex_of(k), "0x" + f"{k:064x}".upper()):
        key = parse(text)
        assert isinstance(key, EthSecretKey | BlsSecretKey)
        assert key.scalar == k
        assert key.reveal_hex() == hex_of(k)


@given(eth=eth_scalars, bls=bls_scalars)
def test_secret_keys_never_show_their_value(eth: int, bls: int) -> None:
    for key in (parse_eth_secret_key(hex_of(eth)), parse_bls_secret_key(hex_of(bls))):
        body = f"{key.scalar:064x}"
        shown = [repr(key), str(key), f"{key}", f"{key!r}", repr([key]), repr({"k": key})]
        for text in shown:
            assert body not in text.lower()
            assert str(key.scalar) not in text
            assert "<redacted>" in text


@given(bls_scalars)
def test_secret_key_comparisons_fail_without_showing_the_value(k: int) -> None:
    key = parse_bls_secret_key(hex_of(k))
    assert key == parse_bls_secret_key(hex_of(k))
    assert key != parse_eth_secret_key(hex_of(k))  # type: ignore[comparison-overlap]
    for operation in (lambda: key < key, lambda: key + 1, lambda: attrs.evolve(key, scalar=0)):  # type: ignore[operator]
        with pytest.raises((TypeError, KeyFormatError)) as caught:
            operation()
        assert_no_leak(caught.value, f"{k:064x}")


def test_secret_keys_are_immutable() -> None:
    key = parse_bls_secret_key(hex_of(5))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        key.scalar = 6  # type: ignore[misc]
    assert not hasattr(key, "__dict__")


@pytest.mark.parametrize("scalar", [0, -1, bn254.R, True, 1.0])
def test_constructing_a_secret_key_directly_checks_the_scalar(scalar: object) -> None:
    with pytest.raises(KeyFormatError):
        BlsSecretKey(scalar)  # type: ignore[arg-type]


@given(eth_scalars)
@example(1)
@example(SECP256K1_N - 1)
def test_attester_address_matches_eth_account(k: int) -> None:
    address = attester_address(parse_eth_secret_key(hex_of(k)))
    assert str(address) == Account.from_key(k.to_bytes(32, "big")).address


def test_key_one_and_r_minus_one_give_the_spec_public_keys() -> None:
    assert bls_public_key(parse_bls_secret_key(hex_of(1))).to_hex() == "0x" + "00" * 31 + "01"
    assert bls_public_key(parse_bls_secret_key(hex_of(bn254.R - 1))).to_hex() == "0x80" + "00" * 30 + "01"


@given(bls_scalars)
def test_bls_public_key_round_trips_through_its_text(k: int) -> None:
    public = bls_public_key(parse_bls_secret_key(hex_of(k)))
    text = public.to_hex()
    assert text == text.lower() and text.startswith("0x") and len(text) == 66
    assert public.compressed == bytes.fromhex(text[2:])
    assert BlsPublicKey.parse(text) == public
    assert BlsPublicKey.parse(text.upper().replace("0X", "0x")) == public
    assert public.point == bn254.g1_generator_mul(k)
    assert str(public) == text
    assert text in repr(public)


@given(data=st.data(), k=bls_scalars)
def test_bls_public_key_parse_is_as_strict_as_private_keys(data: st.DataObject, k: int) -> None:
    body = bls_public_key(parse_bls_secret_key(hex_of(k))).to_hex()[2:]
    with pytest.raises(KeyFormatError):
        BlsPublicKey.parse(data.draw(malformed_forms(body)))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0x" + "00" * 32, "infinity"),
        ("0x80" + "00" * 31, "infinity"),
        ("0x40" + "00" * 31, "flag"),
        ("0xc0" + "00" * 31, "flag"),
        ("0x40" + "00" * 30 + "01", "flag"),  # G1 with a 0x40 bit
        ("0xc0" + "00" * 30 + "01", "flag"),
        ("0x" + "00" * 31 + "04", "not the coordinate"),  # 4^3 + 3 is not a square mod p
        (f"0x{bn254.P:064x}", "field modulus"),
        (f"0x{bn254.P | (0x80 << 248):064x}", "field modulus"),
        ("0x3fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "field modulus"),
        (None, "as a string"),
        (12345, "as a string"),
    ],
)
def test_bls_public_key_parse_rejects_invalid_points(text: object, reason: str) -> None:
    with pytest.raises(KeyFormatError, match=reason):
        BlsPublicKey.parse(text)


@pytest.mark.parametrize("point", [bn254.INFINITY, G1Point(1, 3), G1Point(bn254.P + 1, 2)])
def test_bls_public_key_holds_only_curve_points(point: G1Point) -> None:
    with pytest.raises(KeyFormatError):
        BlsPublicKey(point)
