"""The Safe transaction hash, the proposer's signature and MultiSend packing, checked against eth_account's
EIP-712 encoder and eth_abi (used here only, as an independent implementation)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_abi.packed import encode_packed
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.keys import EthSecretKey, attester_address
from butler.domain.safe import (
    MULTISEND_CALL_ONLY,
    Operation,
    SafeCall,
    SafeTransaction,
    batched,
    multisend_call_data,
    multisend_calls,
    multisend_packed,
    multisend_unpacked,
    safe_tx_hash,
    sign_safe_tx_hash,
)
from tests.strategies import addresses, chain_ids, eth_secret_keys, uint256

SAFE_TX_TYPES = [
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "data", "type": "bytes"},
    {"name": "operation", "type": "uint8"},
    {"name": "safeTxGas", "type": "uint256"},
    {"name": "baseGas", "type": "uint256"},
    {"name": "gasPrice", "type": "uint256"},
    {"name": "gasToken", "type": "address"},
    {"name": "refundReceiver", "type": "address"},
    {"name": "nonce", "type": "uint256"},
]
SAFES = addresses


def typed_data(tx: SafeTransaction, chain_id: int, safe: Address) -> dict[str, Any]:
    """The SafeTx typed data as the Safe's own clients build it."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "SafeTx": SAFE_TX_TYPES,
        },
        "primaryType": "SafeTx",
        "domain": {"chainId": chain_id, "verifyingContract": safe.checksum},
        "message": {
            "to": tx.to.checksum,
            "value": tx.value,
            "data": tx.data,
            "operation": int(tx.operation),
            "safeTxGas": tx.safe_tx_gas,
            "baseGas": tx.base_gas,
            "gasPrice": tx.gas_price,
            "gasToken": tx.gas_token.checksum,
            "refundReceiver": tx.refund_receiver.checksum,
            "nonce": tx.nonce,
        },
    }


def reference_hash(tx: SafeTransaction, chain_id: int, safe: Address) -> bytes:
    signable = encode_typed_data(full_message=typed_data(tx, chain_id, safe))
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def reference_multisend(calls: list[SafeCall]) -> bytes:
    packed = b"".join(
        encode_packed(
            ["uint8", "address", "uint256", "uint256", "bytes"],
            [int(c.operation), c.to.checksum, c.value, len(c.data), c.data],
        )
        for c in calls
    )
    return keccak(b"multiSend(bytes)")[:4] + abi_encode(["bytes"], [packed])


transactions = st.builds(
    SafeTransaction,
    to=addresses,
    value=uint256,
    data=st.binary(max_size=300),
    operation=st.sampled_from(Operation),
    nonce=uint256,
    safe_tx_gas=uint256,
    base_gas=uint256,
    gas_price=uint256,
    gas_token=addresses,
    refund_receiver=addresses,
)
plain_calls = st.builds(SafeCall, to=addresses, value=uint256, data=st.binary(max_size=200))


def test_the_hash_of_a_proposal_is_the_eip712_safetx_hash() -> None:
    registry = Address.parse("0xc3860c45e5F0b1eF3000dbF93149756f16928ADB")
    safe = Address.parse("0x41675C099F32341bf84BFc5382aF534df5C7461a")
    tx = SafeTransaction.for_call(SafeCall(registry, 0, bytes.fromhex("e2530fd1") + bytes(64)), nonce=7)

    assert safe_tx_hash(tx, 11155111, safe) == reference_hash(tx, 11155111, safe)
    # Chain and Safe are part of the hash: a signature cannot be replayed on another of either.
    assert safe_tx_hash(tx, 1, safe) != safe_tx_hash(tx, 11155111, safe)
    assert safe_tx_hash(tx, 11155111, registry) != safe_tx_hash(tx, 11155111, safe)


@settings(max_examples=60, deadline=None)
@given(tx=transactions, chain_id=chain_ids, safe=SAFES)
def test_every_field_enters_the_hash_as_eip712_encodes_it(
    tx: SafeTransaction, chain_id: int, safe: Address
) -> None:
    assert safe_tx_hash(tx, chain_id, safe) == reference_hash(tx, chain_id, safe)


@settings(max_examples=25, deadline=None)
@given(tx=transactions, chain_id=chain_ids, safe=SAFES, key=eth_secret_keys)
def test_the_proposer_signs_the_typed_data_hash_with_v_27_or_28(
    tx: SafeTransaction, chain_id: int, safe: Address, key: EthSecretKey
) -> None:
    digest = safe_tx_hash(tx, chain_id, safe)
    signature = sign_safe_tx_hash(key, digest)

    assert len(signature) == 65 and signature[64] in (27, 28)
    signable = encode_typed_data(full_message=typed_data(tx, chain_id, safe))
    assert Address.parse(Account.recover_message(signable, signature=signature)) == attester_address(key)


def test_a_call_becomes_a_transaction_with_zero_gas_fields() -> None:
    call = SafeCall(Address.from_int(5), 10, b"\x01", Operation.DELEGATE_CALL)
    tx = SafeTransaction.for_call(call, 3)
    assert (tx.nonce, tx.safe_tx_gas, tx.base_gas, tx.gas_price) == (3, 0, 0, 0)
    assert tx.gas_token == tx.refund_receiver == ZERO_ADDRESS
    assert tx.call == call


@pytest.mark.parametrize("value", [-1, 2**256])
def test_values_outside_uint256_are_refused(value: int) -> None:
    with pytest.raises(ValueError, match="uint256"):
        SafeCall(Address.from_int(1), value, b"")


def test_multisend_packing_matches_the_reference_encoding() -> None:
    calls = [
        SafeCall(Address.from_int(0xA11CE), 3 * 10**17, b""),
        SafeCall(Address.from_int(0xB0B), 0, bytes.fromhex("deadbeef00")),
        SafeCall(Address.from_int(0xCAFE), 2**255, bytes(33)),
    ]
    assert multisend_call_data(calls) == reference_multisend(calls)
    # DEVNET.md §Safe 5: 1 + 20 + 32 + 32 bytes before each call's data, no padding between calls.
    assert len(multisend_packed(calls)) == 3 * 85 + 0 + 5 + 33


@settings(max_examples=100, deadline=None)
@given(calls=st.lists(plain_calls, min_size=1, max_size=8))
def test_multisend_calldata_round_trips_and_matches_the_reference(calls: list[SafeCall]) -> None:
    data = multisend_call_data(calls)
    assert data == reference_multisend(calls)
    assert multisend_calls(data) == tuple(calls)


def test_batched_is_the_call_itself_when_there_is_one() -> None:
    call = SafeCall(Address.from_int(9), 1, b"")
    assert batched([call]) == call


def test_batched_delegatecalls_multisend_call_only_for_several() -> None:
    calls = [SafeCall(Address.from_int(i), i, b"") for i in (1, 2, 3)]
    batch = batched(calls)
    assert batch.to == MULTISEND_CALL_ONLY
    assert batch.to.checksum == "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
    assert batch.operation is Operation.DELEGATE_CALL
    assert batch.value == 0
    assert multisend_calls(batch.data) == tuple(calls)
    assert batched(calls, Address.from_int(0x99)).to == Address.from_int(0x99)


def test_batched_refuses_nothing_and_delegatecalls() -> None:
    with pytest.raises(ValueError, match="nothing"):
        batched([])
    inner = SafeCall(Address.from_int(1), 0, b"", Operation.DELEGATE_CALL)
    with pytest.raises(ValueError, match="calls only"):
        batched([inner, inner])


@pytest.mark.parametrize(
    "blob",
    [
        b"\x00" + bytes(20),  # truncated head
        b"\x02" + bytes(84),  # operation 2
        b"\x00" + bytes(20 + 32) + (5).to_bytes(32, "big") + b"\x01",  # data runs past the end
    ],
)
def test_malformed_multisend_blobs_are_refused(blob: bytes) -> None:
    with pytest.raises(ValueError):
        multisend_unpacked(blob)


def test_calldata_of_another_function_is_not_a_multisend() -> None:
    with pytest.raises(ValueError, match="not multiSend"):
        multisend_calls(bytes.fromhex("a9059cbb") + bytes(64))
