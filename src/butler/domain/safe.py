"""Safe 1.4.1 transactions (SPEC §11): calls, MultiSendCallOnly batches, the EIP-712 SafeTx hash and the
proposer's signature over it. Pure functions; the ABI pieces they need are encoded here by hand."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import attrs

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.hashing import keccak256
from butler.domain.keys import EthSecretKey

UINT256_LIMIT = 2**256
WORD = 32

# The type hashes and the selector below are keccak256 of their signatures, written out so that importing
# this module does not load the hash library (tests/unit/test_precomputed_hashes.py recomputes them).
DOMAIN_TYPE = b"EIP712Domain(uint256 chainId,address verifyingContract)"
DOMAIN_TYPEHASH = bytes.fromhex("47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218")
SAFE_TX_TYPE = (
    b"SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,"
    b"uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)
SAFE_TX_TYPEHASH = bytes.fromhex("bb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8")

# Lower case: a mixed-case literal would be checksummed, loading the hash library on import.
MULTISEND_CALL_ONLY = Address.parse("0x9641d764fc13c8b624c04430c7356c1c7c8102e2")
"""MultiSendCallOnly 1.4.1 at its canonical (CREATE2, same on every chain) address."""
MULTISEND_SIGNATURE = b"multiSend(bytes)"
MULTISEND_SELECTOR = bytes.fromhex("8d80ff0a")

SIGNATURE_SIZE = 65
# Safe reads v 27/28 as an ECDSA signature over the hash itself (v 31/32 would mean eth_sign).
_ECDSA_V_OFFSET = 27
# One packed MultiSend entry before its data: operation (1), to (20), value (32), data length (32).
_PACKED_HEAD = 1 + 20 + WORD + WORD


class Operation(enum.IntEnum):
    CALL = 0
    DELEGATE_CALL = 1


def _uint256(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or not 0 <= value < UINT256_LIMIT:
        raise ValueError(f"{attribute.name} must be a uint256, got {value!r}")


def _is_bytes(_instance: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes):
        raise TypeError(f"{attribute.name} must be bytes, got {type(value).__name__}")


@attrs.frozen
class SafeCall:
    """What a Safe transaction does: call (or delegatecall) `to` with `value` wei and `data`."""

    to: Address
    value: int = attrs.field(validator=_uint256)
    data: bytes = attrs.field(validator=_is_bytes)
    operation: Operation = attrs.field(default=Operation.CALL, converter=Operation)


@attrs.frozen
class SafeTransaction:
    """A SafeTx as the Safe hashes and executes it. The gas and refund fields stay zero for proposals
    (the executor pays its own gas)."""

    to: Address
    value: int = attrs.field(validator=_uint256)
    data: bytes = attrs.field(validator=_is_bytes)
    operation: Operation = attrs.field(converter=Operation)
    nonce: int = attrs.field(validator=_uint256)
    safe_tx_gas: int = attrs.field(default=0, validator=_uint256)
    base_gas: int = attrs.field(default=0, validator=_uint256)
    gas_price: int = attrs.field(default=0, validator=_uint256)
    gas_token: Address = ZERO_ADDRESS
    refund_receiver: Address = ZERO_ADDRESS

    @classmethod
    def for_call(cls, call: SafeCall, nonce: int) -> SafeTransaction:
        return cls(to=call.to, value=call.value, data=call.data, operation=call.operation, nonce=nonce)

    @property
    def call(self) -> SafeCall:
        return SafeCall(self.to, self.value, self.data, self.operation)


# --- ABI words ---------------------------------------------------------------------------------------


def uint_word(value: int) -> bytes:
    if not 0 <= value < UINT256_LIMIT:
        raise ValueError("not a uint256")
    return value.to_bytes(WORD, "big")


def address_word(address: Address) -> bytes:
    return bytes(WORD - 20) + address.raw


def padded(data: bytes) -> bytes:
    """`data` followed by zeros up to a whole number of words, as ABI encodes `bytes` contents."""
    return data + bytes(-len(data) % WORD)


def encode_bytes_argument(data: bytes) -> bytes:
    """The ABI encoding of a single `bytes` argument: offset, length, padded contents."""
    return uint_word(WORD) + uint_word(len(data)) + padded(data)


# --- MultiSendCallOnly -------------------------------------------------------------------------------


def multisend_packed(calls: Sequence[SafeCall]) -> bytes:
    """MultiSend's transactions blob: per call operation, to, value, data length, data, unpadded."""
    parts = []
    for call in calls:
        if call.operation is not Operation.CALL:
            raise ValueError("MultiSendCallOnly carries calls only, not delegatecalls")
        parts.append(
            bytes([call.operation])
            + call.to.raw
            + uint_word(call.value)
            + uint_word(len(call.data))
            + call.data
        )
    return b"".join(parts)


def multisend_unpacked(packed: bytes) -> tuple[SafeCall, ...]:
    """The calls of a MultiSend transactions blob; ValueError when it is not one."""
    calls = []
    at = 0
    while at < len(packed):
        if len(packed) - at < _PACKED_HEAD:
            raise ValueError(f"MultiSend entry at byte {at} is truncated")
        operation = packed[at]
        if operation not in (Operation.CALL, Operation.DELEGATE_CALL):
            raise ValueError(f"MultiSend entry at byte {at} has operation {operation}")
        to = Address(packed[at + 1 : at + 21])
        value = int.from_bytes(packed[at + 21 : at + 53], "big")
        length = int.from_bytes(packed[at + 53 : at + 85], "big")
        start = at + _PACKED_HEAD
        if start + length > len(packed):
            raise ValueError(f"MultiSend entry at byte {at} claims {length} data bytes past the end")
        calls.append(SafeCall(to, value, packed[start : start + length], Operation(operation)))
        at = start + length
    return tuple(calls)


def multisend_call_data(calls: Sequence[SafeCall]) -> bytes:
    """Calldata of `multiSend(bytes)` executing `calls` in order."""
    return MULTISEND_SELECTOR + encode_bytes_argument(multisend_packed(calls))


def multisend_calls(call_data: bytes) -> tuple[SafeCall, ...]:
    """The calls inside `multiSend(bytes)` calldata; ValueError when it is not such calldata."""
    if call_data[:4] != MULTISEND_SELECTOR:
        raise ValueError("not multiSend(bytes) calldata")
    body = call_data[4:]
    if len(body) < 2 * WORD or int.from_bytes(body[:WORD], "big") != WORD:
        raise ValueError("multiSend(bytes) calldata without the usual single bytes argument")
    length = int.from_bytes(body[WORD : 2 * WORD], "big")
    contents = body[2 * WORD :]
    if length > len(contents) or len(contents) != len(padded(contents[:length])):
        raise ValueError("multiSend(bytes) argument length does not match the calldata")
    return multisend_unpacked(contents[:length])


def batched(calls: Sequence[SafeCall], multisend: Address = MULTISEND_CALL_ONLY) -> SafeCall:
    """One Safe call doing all of `calls`: the call itself when there is one, else a delegatecall of
    `multiSend` on MultiSendCallOnly (which reverts the whole batch if any call fails)."""
    if not calls:
        raise ValueError("nothing to batch")
    if len(calls) == 1:
        return calls[0]
    return SafeCall(multisend, 0, multisend_call_data(calls), Operation.DELEGATE_CALL)


# --- EIP-712 -----------------------------------------------------------------------------------------


def domain_separator(chain_id: int, safe: Address) -> bytes:
    return keccak256(DOMAIN_TYPEHASH + uint_word(chain_id) + address_word(safe))


def safe_tx_struct_hash(tx: SafeTransaction) -> bytes:
    return keccak256(
        SAFE_TX_TYPEHASH
        + address_word(tx.to)
        + uint_word(tx.value)
        + keccak256(tx.data)
        + uint_word(tx.operation)
        + uint_word(tx.safe_tx_gas)
        + uint_word(tx.base_gas)
        + uint_word(tx.gas_price)
        + address_word(tx.gas_token)
        + address_word(tx.refund_receiver)
        + uint_word(tx.nonce)
    )


def safe_tx_hash(tx: SafeTransaction, chain_id: int, safe: Address) -> bytes:
    """The hash the Safe's owners sign, equal to the Safe's own `getTransactionHash`."""
    return keccak256(b"\x19\x01" + domain_separator(chain_id, safe) + safe_tx_struct_hash(tx))


def sign_safe_tx_hash(key: EthSecretKey, digest: bytes) -> bytes:
    """r ‖ s ‖ v (v 27/28): the ECDSA signature over the typed-data hash that Safe accepts from an owner
    or delegate. Deterministic (RFC 6979)."""
    if len(digest) != WORD:
        raise ValueError("a Safe transaction hash has 32 bytes")
    import coincurve  # loaded by the one function that signs, so that --help never loads it

    raw = coincurve.PrivateKey(key.scalar.to_bytes(WORD, "big")).sign_recoverable(digest, hasher=None)
    return raw[:64] + bytes([raw[64] + _ECDSA_V_OFFSET])
