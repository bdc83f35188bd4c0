"""Transactions as the Safe Transaction Service lists them, decoded strictly: a field the service
writes in an unexpected form is a malformed answer, never a guess."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from butler.domain.address import ZERO_ADDRESS, Address, AddressFormatError
from butler.domain.safe import Operation, SafeTransaction

_HASH_TEXT = re.compile(r"^0x[0-9a-fA-F]{64}$")

# Builds the error for an answer that is not what it should be, from why.
Malformed = Callable[[str], Exception]


def listed_tx(item: dict[str, Any], malformed: Malformed) -> SafeTransaction:
    operation = uint(item.get("operation"), "operation", malformed)
    if operation not in (Operation.CALL, Operation.DELEGATE_CALL):
        raise malformed(f"operation {operation}")
    return SafeTransaction(
        to=_address(item.get("to"), "to", malformed),
        value=uint(item.get("value"), "value", malformed),
        data=_data(item.get("data"), malformed),
        operation=Operation(operation),
        nonce=uint(item.get("nonce"), "nonce", malformed),
        safe_tx_gas=uint(item.get("safeTxGas") or 0, "safeTxGas", malformed),
        base_gas=uint(item.get("baseGas") or 0, "baseGas", malformed),
        gas_price=uint(item.get("gasPrice") or 0, "gasPrice", malformed),
        gas_token=_address(item.get("gasToken"), "gasToken", malformed, nullable=True),
        refund_receiver=_address(item.get("refundReceiver"), "refundReceiver", malformed, nullable=True),
    )


def uint(value: object, field: str, malformed: Malformed) -> int:
    """A uint256 the service may write as a JSON number or a decimal string."""
    if type(value) is int:
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        raise malformed(f"{field} is not a non-negative integer")
    if not 0 <= number < 2**256:
        raise malformed(f"{field} is out of range")
    return number


def hash_field(value: object, malformed: Malformed) -> bytes:
    if not isinstance(value, str) or not _HASH_TEXT.match(value):
        raise malformed("safeTxHash is not 0x + 64 hex digits")
    return bytes.fromhex(value[2:])


def _address(value: object, field: str, malformed: Malformed, *, nullable: bool = False) -> Address:
    if value is None and nullable:
        return ZERO_ADDRESS
    try:
        return Address.parse(value)
    except AddressFormatError as exc:
        raise malformed(f"{field}: {exc}") from None


def _data(value: object, malformed: Malformed) -> bytes:
    if value is None:
        return b""
    if (
        not isinstance(value, str)
        or not value.startswith("0x")
        or len(value) % 2
        or not all(c in "0123456789abcdefABCDEF" for c in value[2:])
    ):
        raise malformed("data is not 0x-prefixed hex")
    return bytes.fromhex(value[2:])
