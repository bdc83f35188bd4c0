"""The Safe Transaction Service stand-in: the reference wire format in, the real Safe executing out."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests

from butler.devnet import accounts
from butler.devnet.safe import sign_hash, sign_hash_eth_message
from butler.domain.address import Address
from butler.domain.safe import Operation, SafeCall, SafeTransaction, multisend_call_data, safe_tx_hash
from butler.domain.wei import WEI_PER_ETH as ETH
from tests.integration.devnet_fixture import DevnetHandle

pytestmark = pytest.mark.devnet

Signer = Callable[[bytes, bytes], bytes]
FORMS: dict[str, Signer] = {"typed-data v27/28": sign_hash, "eth_sign v31/32": sign_hash_eth_message}


def transfer(devnet: DevnetHandle, to: Address, value: int, nonce: int | None = None) -> SafeTransaction:
    nonce = devnet.actions.safe.nonce() if nonce is None else nonce
    return SafeTransaction(to=to, value=value, data=b"", operation=0, nonce=nonce)


def body(
    devnet: DevnetHandle, tx: SafeTransaction, key: bytes, sign: Signer = sign_hash, **override: Any
) -> dict[str, Any]:
    digest = safe_tx_hash(tx, devnet.chain_id, devnet.safe)
    sender = accounts.DevAccount(0, "0x" + key.hex()).address
    fields: dict[str, Any] = {
        "to": tx.to.checksum,
        "value": str(tx.value),
        "data": "0x" + tx.data.hex(),
        "operation": tx.operation,
        "safeTxGas": str(tx.safe_tx_gas),
        "baseGas": str(tx.base_gas),
        "gasPrice": str(tx.gas_price),
        "gasToken": tx.gas_token.checksum,
        "refundReceiver": tx.refund_receiver.checksum,
        "nonce": tx.nonce,
        "contractTransactionHash": "0x" + digest.hex(),
        "sender": sender.checksum,
        "signature": "0x" + sign(key, digest).hex(),
        "origin": "aztec-butler tests",
    }
    fields.update(override)
    return fields


def post(devnet: DevnetHandle, fields: dict[str, Any], safe: str | None = None) -> requests.Response:
    url = f"{devnet.tx_service_url}/api/v2/safes/{safe or devnet.safe.checksum}/multisig-transactions/"
    return requests.post(url, json=fields, headers={"Authorization": "Bearer test-api-key"}, timeout=10)


def pending(devnet: DevnetHandle) -> list[dict[str, Any]]:
    url = f"{devnet.tx_service_url}/api/v2/safes/{devnet.safe.checksum}/multisig-transactions/"
    response = requests.get(url, params={"executed": "false"}, timeout=10)
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == len(page["results"])
    return page["results"]  # type: ignore[no-any-return]


@pytest.fixture
def funded_safe(isolated_devnet: DevnetHandle) -> DevnetHandle:
    isolated_devnet.actions.fund(Decimal(2), [isolated_devnet.safe])
    return isolated_devnet


@pytest.mark.parametrize("form", FORMS)
def test_a_signed_proposal_is_listed_and_executed_through_the_real_safe(
    funded_safe: DevnetHandle, form: str
) -> None:
    devnet = funded_safe
    recipient = Address.from_int(0xC0FFEE00 + len(form))
    nonce = devnet.actions.safe.nonce()
    tx = transfer(devnet, recipient, ETH // 4)
    fields = body(devnet, tx, accounts.SAFE_OWNER_1.key, FORMS[form])

    assert post(devnet, fields).status_code == 201
    assert post(devnet, fields).status_code == 201  # the same proposal again changes nothing

    listed = pending(devnet)
    assert [p["safeTxHash"] for p in listed] == [fields["contractTransactionHash"]]
    assert listed[0]["nonce"] == nonce and listed[0]["value"] == str(ETH // 4)
    assert listed[0]["isExecuted"] is False
    assert [(c["owner"], c["signature"]) for c in listed[0]["confirmations"]] == [
        (accounts.SAFE_OWNER_1.address.checksum, fields["signature"])
    ]

    before = devnet.chain.balance(recipient)
    executed = devnet.actions.execute_pending()
    assert [(e.safe_tx_hash, e.nonce, e.added_owner_signature) for e in executed] == [
        (fields["contractTransactionHash"], nonce, False)
    ]
    assert devnet.chain.balance(recipient) - before == ETH // 4
    assert devnet.actions.safe.nonce() == nonce + 1
    assert pending(devnet) == []

    one = requests.get(
        f"{devnet.tx_service_url}/api/v2/multisig-transactions/{fields['contractTransactionHash']}/",
        timeout=10,
    ).json()
    assert one["isExecuted"] is True and one["isSuccessful"] is True
    assert one["transactionHash"] == executed[0].tx_hash
    assert one["executionDate"] is not None


def test_pending_proposals_execute_in_nonce_order(funded_safe: DevnetHandle) -> None:
    devnet = funded_safe
    nonce = devnet.actions.safe.nonce()
    second = body(
        devnet, transfer(devnet, Address.from_int(0xBEEF02), 2, nonce + 1), accounts.SAFE_OWNER_2.key
    )
    first = body(devnet, transfer(devnet, Address.from_int(0xBEEF01), 1, nonce), accounts.SAFE_OWNER_1.key)
    assert post(devnet, second).status_code == 201
    assert post(devnet, first).status_code == 201

    executed = devnet.actions.execute_pending()
    assert [e.safe_tx_hash for e in executed] == [
        first["contractTransactionHash"],
        second["contractTransactionHash"],
    ]
    assert devnet.actions.safe.nonce() == nonce + 2


def test_a_delegates_proposal_is_accepted_and_executed_with_an_owner_signature(
    funded_safe: DevnetHandle,
) -> None:
    devnet = funded_safe
    delegate = accounts.DELEGATOR
    fields = body(devnet, transfer(devnet, Address.from_int(0xDE1E), ETH // 10), delegate.key)
    assert post(devnet, fields).status_code == 422  # not yet a delegate

    devnet.tx_service.add_delegate(delegate.address)
    assert post(devnet, fields).status_code == 201
    assert pending(devnet)[0]["proposer"] == delegate.address.checksum

    executed = devnet.actions.execute_pending()
    assert [(e.safe_tx_hash, e.added_owner_signature) for e in executed] == [
        (fields["contractTransactionHash"], True)
    ]


def _rejection(devnet: DevnetHandle, fields: dict[str, Any], safe: str | None = None) -> str:
    response = post(devnet, fields, safe)
    assert response.status_code == 422, response.text
    assert pending(devnet) == []
    return str(response.json()["message"])


def test_a_signature_by_a_non_owner_is_rejected(isolated_devnet: DevnetHandle) -> None:
    devnet = isolated_devnet
    outsider = accounts.DEV_ACCOUNTS[5]
    fields = body(devnet, transfer(devnet, Address.from_int(1), 1), outsider.key)
    assert "not an owner or delegate" in _rejection(devnet, fields)


def test_a_hash_that_is_not_the_safetx_hash_is_rejected(isolated_devnet: DevnetHandle) -> None:
    devnet = isolated_devnet
    fields = body(devnet, transfer(devnet, Address.from_int(1), 1), accounts.SAFE_OWNER_1.key)
    fields["value"] = "2"  # signed for value 1
    assert "not the SafeTx hash" in _rejection(devnet, fields)


def test_a_signature_by_someone_other_than_the_sender_is_rejected(isolated_devnet: DevnetHandle) -> None:
    devnet = isolated_devnet
    fields = body(
        devnet,
        transfer(devnet, Address.from_int(1), 1),
        accounts.SAFE_OWNER_1.key,
        sender=accounts.SAFE_OWNER_2.address.checksum,
    )
    assert "not made by the sender" in _rejection(devnet, fields)


def test_a_nonce_below_the_safes_nonce_is_rejected(funded_safe: DevnetHandle) -> None:
    devnet = funded_safe
    devnet.actions.execute_as_owner(Address.from_int(2), 1, b"")  # the Safe's nonce moves on
    stale = devnet.actions.safe.nonce() - 1
    fields = body(devnet, transfer(devnet, Address.from_int(1), 1, stale), accounts.SAFE_OWNER_1.key)
    assert "below the Safe's nonce" in _rejection(devnet, fields)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("value", 1),  # a number where the wire format has a string
        ("nonce", "0"),  # a string where it has a number
        ("operation", 2),
        ("to", "0x1234"),
        ("signature", "0x1234"),
    ],
)
def test_malformed_fields_are_rejected(isolated_devnet: DevnetHandle, field: str, value: object) -> None:
    devnet = isolated_devnet
    fields = body(devnet, transfer(devnet, Address.from_int(1), 1), accounts.SAFE_OWNER_1.key)
    fields[field] = value
    response = post(devnet, fields)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_the_safe_address_in_the_path_must_be_checksummed(isolated_devnet: DevnetHandle) -> None:
    devnet = isolated_devnet
    fields = body(devnet, transfer(devnet, Address.from_int(1), 1), accounts.SAFE_OWNER_1.key)
    assert "Checksum" in _rejection(devnet, fields, safe=devnet.safe.checksum.lower())


def test_safe_info(devnet: DevnetHandle) -> None:
    info = requests.get(f"{devnet.tx_service_url}/api/v1/safes/{devnet.safe.checksum}/", timeout=10).json()
    assert info["address"] == devnet.safe.checksum
    assert info["nonce"] == devnet.actions.safe.nonce()
    assert info["threshold"] == 1
    assert sorted(info["owners"]) == sorted(o.checksum for o in devnet.owners)


def test_an_unknown_safe_is_not_found(devnet: DevnetHandle) -> None:
    response = requests.get(
        f"{devnet.tx_service_url}/api/v1/safes/{Address.from_int(0xAB).checksum}/", timeout=10
    )
    assert response.status_code == 404


def test_the_safetx_hash_is_the_safes_own_for_every_field(devnet: DevnetHandle) -> None:
    tx = SafeTransaction(
        to=Address.from_int(0x1234),
        value=5,
        data=bytes.fromhex("deadbeef"),
        operation=Operation.DELEGATE_CALL,
        nonce=77,
        safe_tx_gas=21_000,
        base_gas=1,
        gas_price=2,
        gas_token=Address.from_int(0x77),
        refund_receiver=Address.from_int(0x88),
    )
    assert safe_tx_hash(tx, devnet.chain_id, devnet.safe) == devnet.actions.safe.onchain_tx_hash(tx)


def test_a_multisend_batch_runs_through_the_real_multisend_call_only(funded_safe: DevnetHandle) -> None:
    devnet = funded_safe
    first, second = Address.from_int(0xA11CE), Address.from_int(0xB0B0)
    before = devnet.chain.balance(first), devnet.chain.balance(second)
    payload = multisend_call_data([SafeCall(first, 3, b""), SafeCall(second, 4, b"")])
    devnet.actions.execute_as_owner(devnet.multisend, 0, payload, Operation.DELEGATE_CALL)
    assert (devnet.chain.balance(first) - before[0], devnet.chain.balance(second) - before[1]) == (3, 4)
