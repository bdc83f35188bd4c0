"""The Safe Transaction Service's wire format, as the stand-in speaks it: proposals and confirmations as the
real service lists them, a proposal's body checked field by field, and refusals as JSON errors."""

from __future__ import annotations

import datetime
import re
from http import HTTPStatus
from typing import Any

import attrs

from butler.devnet.safe import split_signatures
from butler.domain.address import ZERO_ADDRESS, Address, AddressFormatError
from butler.domain.safe import Operation, SafeTransaction

_UINT = re.compile(r"^[0-9]+$")
_HEX = re.compile(r"^0x(?:[0-9a-fA-F]{2})*$")
SAFE_TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


class Rejected(Exception):
    """A request the service refuses; becomes a JSON error answer."""

    def __init__(self, status: HTTPStatus, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": int(self.status), "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


def unprocessable(message: str, field: str | None = None) -> Rejected:
    return Rejected(HTTPStatus.UNPROCESSABLE_ENTITY, message, field)


def iso_time(moment: datetime.datetime | int) -> str:
    if isinstance(moment, int):
        moment = datetime.datetime.fromtimestamp(moment, datetime.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def now_iso() -> str:
    return iso_time(datetime.datetime.now(datetime.UTC))


@attrs.define
class Confirmation:
    owner: Address
    signature: bytes
    submission_date: str

    def to_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner.checksum,
            "submissionDate": self.submission_date,
            "transactionHash": None,
            "signature": "0x" + self.signature.hex(),
            "signatureType": "ETH_SIGN" if self.signature[64] > 30 else "EOA",
        }


@attrs.define
class Proposal:
    safe: Address
    tx: SafeTransaction
    safe_tx_hash: bytes
    proposer: Address
    origin: str | None
    submission_date: str
    confirmations: list[Confirmation]
    executed: bool = False
    successful: bool | None = None
    transaction_hash: str | None = None
    block_number: int | None = None
    executor: Address | None = None
    execution_date: str | None = None

    def to_json(self, confirmations_required: int) -> dict[str, Any]:
        tx = self.tx
        return {
            "safe": self.safe.checksum,
            "to": tx.to.checksum,
            "value": str(tx.value),
            "data": "0x" + tx.data.hex() if tx.data else None,
            "operation": tx.operation,
            "gasToken": tx.gas_token.checksum,
            "safeTxGas": tx.safe_tx_gas,
            "baseGas": tx.base_gas,
            "gasPrice": str(tx.gas_price),
            "refundReceiver": tx.refund_receiver.checksum,
            "nonce": tx.nonce,
            "executionDate": self.execution_date,
            "submissionDate": self.submission_date,
            "modified": self.submission_date,
            "blockNumber": self.block_number,
            "transactionHash": self.transaction_hash,
            "safeTxHash": "0x" + self.safe_tx_hash.hex(),
            "proposer": self.proposer.checksum,
            "executor": self.executor.checksum if self.executor else None,
            "isExecuted": self.executed,
            "isSuccessful": self.successful,
            "origin": self.origin,
            "dataDecoded": None,
            "confirmationsRequired": confirmations_required,
            "confirmations": [c.to_json() for c in self.confirmations],
            "trusted": True,
            "signatures": None,
        }


@attrs.frozen
class ProposalFields:
    tx: SafeTransaction
    contract_transaction_hash: bytes
    sender: Address
    signatures: list[bytes]
    origin: str | None

    @classmethod
    def parse(cls, body: object) -> ProposalFields:
        if not isinstance(body, dict):
            raise unprocessable("the body must be a JSON object")
        tx = SafeTransaction(
            to=_address(body, "to"),
            value=_uint_string(body, "value"),
            data=_data(body, "data"),
            operation=_operation(body),
            safe_tx_gas=_uint_string(body, "safeTxGas"),
            base_gas=_uint_string(body, "baseGas"),
            gas_price=_uint_string(body, "gasPrice"),
            gas_token=_address(body, "gasToken", nullable=True),
            refund_receiver=_address(body, "refundReceiver", nullable=True),
            nonce=_number(body, "nonce"),
        )
        hash_text = body.get("contractTransactionHash")
        if not isinstance(hash_text, str) or not SAFE_TX_HASH.match(hash_text):
            raise unprocessable("expected 0x + 64 hex digits", "contractTransactionHash")
        sender = _address(body, "sender")
        if body["sender"] != sender.checksum:
            raise unprocessable("Checksum address validation failed: use the EIP-55 form", "sender")
        signature_text = body.get("signature")
        if not isinstance(signature_text, str) or not _HEX.match(signature_text):
            raise unprocessable("expected 0x-prefixed hex", "signature")
        try:
            signatures = split_signatures(bytes.fromhex(signature_text[2:]))
        except ValueError as exc:
            raise unprocessable(str(exc), "signature") from None
        origin = body.get("origin")
        if origin is not None and not isinstance(origin, str):
            raise unprocessable("expected a string", "origin")
        return cls(tx, bytes.fromhex(hash_text[2:]), sender, signatures, origin)


def _address(body: dict[str, Any], field: str, *, nullable: bool = False) -> Address:
    value = body.get(field)
    if value is None and nullable:
        return ZERO_ADDRESS
    if not isinstance(value, str):
        raise unprocessable("expected an address string", field)
    try:
        return Address.parse(value)
    except AddressFormatError as exc:
        raise unprocessable(str(exc), field) from None


def _uint_string(body: dict[str, Any], field: str) -> int:
    value = body.get(field)
    if not isinstance(value, str) or not _UINT.match(value) or int(value) >= 2**256:
        raise unprocessable("expected a decimal string of a uint256", field)
    return int(value)


def _number(body: dict[str, Any], field: str) -> int:
    value = body.get(field)
    if type(value) is not int or not 0 <= value < 2**256:
        raise unprocessable("expected a non-negative JSON number", field)
    return value


def _operation(body: dict[str, Any]) -> int:
    value = _number(body, "operation")
    if value not in (Operation.CALL, Operation.DELEGATE_CALL):
        raise unprocessable("expected 0 (call) or 1 (delegatecall)", "operation")
    return value


def _data(body: dict[str, Any], field: str) -> bytes:
    value = body.get(field)
    if value is None:
        return b""
    if not isinstance(value, str) or not _HEX.match(value):
        raise unprocessable("expected 0x-prefixed hex bytes", field)
    return bytes.fromhex(value[2:])


def bool_param(query: dict[str, list[str]], name: str) -> bool | None:
    values = query.get(name)
    if not values:
        return None
    text = values[-1].lower()
    if text not in ("true", "false", "1", "0"):
        raise unprocessable("expected true or false", name)
    return text in ("true", "1")


def int_param(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    if not values:
        return None
    if not _UINT.match(values[-1]):
        raise unprocessable("expected a non-negative integer", name)
    return int(values[-1])
