"""Public keys from a signer's key list: every accepted form gives the account's address; anything else is
refused by index, without echoing the entry."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_keys import keys as eth_keys
from hypothesis import given

from butler.domain.address import Address
from butler.domain.secp256k1_public_keys import (
    PublicKeyFormatError,
    PublicKeyListError,
    Secp256k1PublicKey,
    addresses_of,
    parse_public_key_list,
)
from tests.strategies import eth_scalars

# secp256k1's field prime: x coordinates are below it.
P = 2**256 - 2**32 - 977


def forms(secret: int) -> dict[str, str]:
    """The key of `secret` in the three forms signers write, computed with eth_keys (not coincurve)."""
    xy = eth_keys.PrivateKey(secret.to_bytes(32, "big")).public_key.to_bytes()
    y_odd = xy[-1] & 1
    return {
        "compressed": "0x" + bytes([2 + y_odd]).hex() + xy[:32].hex(),
        "uncompressed": "0x04" + xy.hex(),
        "bare": "0x" + xy.hex(),
    }


@given(eth_scalars)
def test_every_form_of_a_key_gives_the_accounts_address(secret: int) -> None:
    expected = Address.parse(Account.from_key(secret.to_bytes(32, "big")).address)
    for text in forms(secret).values():
        assert Secp256k1PublicKey.parse(text).address == expected
    assert Secp256k1PublicKey.parse(forms(secret)["bare"].upper().replace("0X", "0x")).address == expected


def test_a_key_listed_in_two_forms_is_one_address() -> None:
    keys = parse_public_key_list([*forms(7).values(), forms(8)["compressed"]])
    assert addresses_of(keys) == (keys[0].address, keys[3].address)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("04" + "11" * 64, "must be 0x followed by"),
        ("0x" + "11" * 32, "got 32 bytes"),
        ("0x05" + "11" * 64, "must start with 04"),
        ("0x04" + "11" * 64, "not a point of secp256k1"),
        ("0x02" + f"{P + 1:064x}"[-64:], "not a point of secp256k1"),
        ("0x" + "zz" * 33, "must be 0x followed by"),
        ("0x" + "1" * 65, "must be 0x followed by"),
        ("0x06" + "11" * 32, "must start with 02 or 03"),
        (12, "not a string"),
    ],
)
def test_malformed_keys_are_refused_with_a_reason(text: object, reason: str) -> None:
    with pytest.raises(PublicKeyFormatError, match=reason) as failure:
        Secp256k1PublicKey.parse(text)
    assert "1111" not in str(failure.value)


def test_every_bad_entry_of_a_list_is_named_by_its_index() -> None:
    good = forms(5)["uncompressed"]
    with pytest.raises(PublicKeyListError) as failure:
        parse_public_key_list([good, "0x04" + "22" * 64, good, None])
    assert [p.split(":")[0] for p in failure.value.problems] == ["[1]", "[3]"]
    assert all("2222" not in p for p in failure.value.problems)


@pytest.mark.parametrize("data", [{"keys": []}, "0x04", None])
def test_a_list_is_required(data: object) -> None:
    with pytest.raises(PublicKeyListError, match="expected a JSON list"):
        parse_public_key_list(data)
