"""A Safe Transaction Service stand-in: the endpoints the product uses, checked like the real service.

POST   /api/v{1,2}/safes/{safe}/multisig-transactions/   propose (the reference client's wire format)
GET    /api/v{1,2}/safes/{safe}/multisig-transactions/   list, paged; filters executed, nonce, nonce__gte
GET    /api/v{1,2}/multisig-transactions/{safeTxHash}/   one proposal
GET    /api/v1/safes/{safe}/                              address, nonce, threshold, owners, ...
GET    /api/v1/about/ethereum-rpc/                        chain_id

A proposal is accepted only if its hash is the SafeTx EIP-712 hash (and the Safe's own
getTransactionHash), its signature recovers to `sender`, and the sender is an owner of the Safe or a
registered delegate. Executions are learnt from the Safe's ExecutionSuccess/ExecutionFailure events.
Bearer tokens are accepted and ignored; nothing secret is logged.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

from butler.devnet.chain import DevChain
from butler.devnet.safe import SafeContract, recover_signer, split_signatures
from butler.domain.address import ZERO_ADDRESS, Address, AddressFormatError
from butler.domain.redaction import shown
from butler.domain.safe import Operation, SafeTransaction

_UINT = re.compile(r"^[0-9]+$")
_HEX = re.compile(r"^0x(?:[0-9a-fA-F]{2})*$")
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_SAFE_PATH = re.compile(r"^/api/v[12]/safes/(?P<safe>[^/]+)/(?P<rest>multisig-transactions/)?$")
_TX_PATH = re.compile(r"^/api/v[12]/multisig-transactions/(?P<hash>[^/]+)/$")
DEFAULT_PAGE = 100
MAX_BODY = 4 * 1024 * 1024


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


def _unprocessable(message: str, field: str | None = None) -> Rejected:
    return Rejected(HTTPStatus.UNPROCESSABLE_ENTITY, message, field)


def _iso(moment: datetime.datetime | int) -> str:
    if isinstance(moment, int):
        moment = datetime.datetime.fromtimestamp(moment, datetime.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _now() -> str:
    return _iso(datetime.datetime.now(datetime.UTC))


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


class TxServiceState:
    """The service's store and rules, independent of HTTP."""

    def __init__(self, chain: DevChain, delegates: Iterable[Address] = ()) -> None:
        self.chain = chain
        self._lock = threading.RLock()
        self._delegates: set[Address] = set(delegates)
        self._proposals: dict[bytes, Proposal] = {}
        self._scanned_to: dict[Address, int] = {}

    # --- delegates and isolation ---------------------------------------------------------------

    def add_delegate(self, delegate: Address) -> None:
        with self._lock:
            self._delegates.add(delegate)

    def remove_delegate(self, delegate: Address) -> None:
        with self._lock:
            self._delegates.discard(delegate)

    def snapshot(self) -> object:
        with self._lock:
            return copy.deepcopy((self._delegates, self._proposals, self._scanned_to))

    def restore(self, snapshot: object) -> None:
        with self._lock:
            self._delegates, self._proposals, self._scanned_to = copy.deepcopy(snapshot)  # type: ignore[misc]

    # --- requests ------------------------------------------------------------------------------

    def safe(self, text: str) -> SafeContract:
        try:
            address = Address.parse(text)
        except AddressFormatError as exc:
            raise _unprocessable(f"Checksum address validation failed: {exc}", "address") from None
        if address.checksum != text:
            raise _unprocessable("Checksum address validation failed: use the EIP-55 form", "address")
        safe = SafeContract(self.chain, address)
        try:
            safe.nonce()
        except Exception:
            raise Rejected(HTTPStatus.NOT_FOUND, f"Safe {address} not found") from None
        return safe

    def safe_info(self, safe_text: str) -> dict[str, Any]:
        safe = self.safe(safe_text)
        return {
            "address": safe.address.checksum,
            "nonce": safe.nonce(),
            "threshold": safe.threshold(),
            "owners": [o.checksum for o in safe.owners()],
            "masterCopy": None,
            "modules": [],
            "fallbackHandler": None,
            "guard": ZERO_ADDRESS.checksum,
            "version": "1.4.1",
        }

    def propose(self, safe_text: str, body: object) -> Proposal:
        safe = self.safe(safe_text)
        fields = _ProposalFields.parse(body)
        current_nonce = safe.nonce()
        if fields.tx.nonce < current_nonce:
            raise _unprocessable(
                f"nonce {fields.tx.nonce} is below the Safe's nonce {current_nonce}", "nonce"
            )
        expected = safe.tx_hash(fields.tx)
        if fields.contract_transaction_hash != expected:
            raise _unprocessable(
                f"contractTransactionHash 0x{fields.contract_transaction_hash.hex()} is not the SafeTx hash "
                f"0x{expected.hex()}",
                "contractTransactionHash",
            )
        if safe.onchain_tx_hash(fields.tx) != expected:
            raise _unprocessable("the Safe's getTransactionHash disagrees with the SafeTx hash")
        owners = set(safe.owners())
        with self._lock:
            delegates = set(self._delegates)
        confirmations: list[Confirmation] = []
        signers: set[Address] = set()
        now = _now()
        for index, signature in enumerate(fields.signatures):
            signer = recover_signer(expected, signature)
            if signer is None:
                raise _unprocessable(
                    f"signature {index} is not an ECDSA signature (v 27/28 or 31/32)", "signature"
                )
            if signer not in owners and signer not in delegates:
                raise _unprocessable(f"signer {signer} is not an owner or delegate of the Safe", "signature")
            signers.add(signer)
            # Like the real service, only owners' signatures count as confirmations.
            if signer in owners:
                confirmations.append(Confirmation(signer, signature, now))
        if fields.sender not in signers:
            raise _unprocessable(f"the signature was not made by the sender {fields.sender}", "sender")
        with self._lock:
            existing = self._proposals.get(expected)
            if existing is not None:  # the same transaction again: add any new owner signature
                known = {c.owner for c in existing.confirmations}
                existing.confirmations.extend(c for c in confirmations if c.owner not in known)
                return existing
            proposal = Proposal(
                safe=safe.address,
                tx=fields.tx,
                safe_tx_hash=expected,
                proposer=fields.sender,
                origin=fields.origin,
                submission_date=now,
                confirmations=confirmations,
            )
            self._proposals[expected] = proposal
            return proposal

    def list_proposals(self, safe_text: str, query: dict[str, list[str]]) -> tuple[list[Proposal], int]:
        safe = self.safe(safe_text)
        self.sync_executions(safe.address)
        executed = _bool_param(query, "executed")
        nonce = _int_param(query, "nonce")
        nonce_gte = _int_param(query, "nonce__gte")
        with self._lock:
            found = [
                p
                for p in self._proposals.values()
                if p.safe == safe.address
                and (executed is None or p.executed == executed)
                and (nonce is None or p.tx.nonce == nonce)
                and (nonce_gte is None or p.tx.nonce >= nonce_gte)
            ]
        # The real service's default order: newest nonce first, then newest submission.
        found.sort(key=lambda p: (p.tx.nonce, p.submission_date), reverse=True)
        return found, safe.threshold()

    def get(self, hash_text: str) -> tuple[Proposal, int]:
        if not _HASH.match(hash_text):
            raise _unprocessable("not a Safe transaction hash", "safeTxHash")
        with self._lock:
            proposal = self._proposals.get(bytes.fromhex(hash_text[2:]))
        if proposal is None:
            raise Rejected(HTTPStatus.NOT_FOUND, "No MultisigTransaction matches the given query.")
        self.sync_executions(proposal.safe)
        safe = SafeContract(self.chain, proposal.safe)
        return proposal, safe.threshold()

    def pending(self, safe: Address) -> list[Proposal]:
        """Not yet executed proposals of `safe`, in nonce order (then submission order)."""
        self.sync_executions(safe)
        with self._lock:
            found = [p for p in self._proposals.values() if p.safe == safe and not p.executed]
        return sorted(found, key=lambda p: (p.tx.nonce, p.submission_date))

    def sync_executions(self, safe: Address) -> None:
        """Mark proposals executed from the Safe's ExecutionSuccess/ExecutionFailure events."""
        contract = SafeContract(self.chain, safe).contract
        with self._lock, self.chain.lock:
            head = int(self.chain.w3.eth.block_number)
            start = self._scanned_to.get(safe, -1) + 1
            if start > head:
                return
            for event, ok in (
                (contract.events.ExecutionSuccess, True),
                (contract.events.ExecutionFailure, False),
            ):
                for log in event().get_logs(from_block=start, to_block=head):
                    proposal = self._proposals.get(bytes(log["args"]["txHash"]))
                    if proposal is None:
                        continue
                    sent = self.chain.w3.eth.get_transaction(log["transactionHash"])
                    block = self.chain.w3.eth.get_block(log["blockNumber"])
                    proposal.execution_date = _iso(int(block["timestamp"]))
                    proposal.executed = True
                    proposal.successful = ok
                    proposal.transaction_hash = log["transactionHash"].to_0x_hex()
                    proposal.block_number = int(log["blockNumber"])
                    proposal.executor = Address.parse(sent["from"])
            self._scanned_to[safe] = head


@attrs.frozen
class _ProposalFields:
    tx: SafeTransaction
    contract_transaction_hash: bytes
    sender: Address
    signatures: list[bytes]
    origin: str | None

    @classmethod
    def parse(cls, body: object) -> _ProposalFields:
        if not isinstance(body, dict):
            raise _unprocessable("the body must be a JSON object")
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
        if not isinstance(hash_text, str) or not _HASH.match(hash_text):
            raise _unprocessable("expected 0x + 64 hex digits", "contractTransactionHash")
        sender = _address(body, "sender")
        if body["sender"] != sender.checksum:
            raise _unprocessable("Checksum address validation failed: use the EIP-55 form", "sender")
        signature_text = body.get("signature")
        if not isinstance(signature_text, str) or not _HEX.match(signature_text):
            raise _unprocessable("expected 0x-prefixed hex", "signature")
        try:
            signatures = split_signatures(bytes.fromhex(signature_text[2:]))
        except ValueError as exc:
            raise _unprocessable(str(exc), "signature") from None
        origin = body.get("origin")
        if origin is not None and not isinstance(origin, str):
            raise _unprocessable("expected a string", "origin")
        return cls(tx, bytes.fromhex(hash_text[2:]), sender, signatures, origin)


def _address(body: dict[str, Any], field: str, *, nullable: bool = False) -> Address:
    value = body.get(field)
    if value is None and nullable:
        return ZERO_ADDRESS
    if not isinstance(value, str):
        raise _unprocessable("expected an address string", field)
    try:
        return Address.parse(value)
    except AddressFormatError as exc:
        raise _unprocessable(str(exc), field) from None


def _uint_string(body: dict[str, Any], field: str) -> int:
    value = body.get(field)
    if not isinstance(value, str) or not _UINT.match(value) or int(value) >= 2**256:
        raise _unprocessable("expected a decimal string of a uint256", field)
    return int(value)


def _number(body: dict[str, Any], field: str) -> int:
    value = body.get(field)
    if type(value) is not int or not 0 <= value < 2**256:
        raise _unprocessable("expected a non-negative JSON number", field)
    return value


def _operation(body: dict[str, Any]) -> int:
    value = _number(body, "operation")
    if value not in (Operation.CALL, Operation.DELEGATE_CALL):
        raise _unprocessable("expected 0 (call) or 1 (delegatecall)", "operation")
    return value


def _data(body: dict[str, Any], field: str) -> bytes:
    value = body.get(field)
    if value is None:
        return b""
    if not isinstance(value, str) or not _HEX.match(value):
        raise _unprocessable("expected 0x-prefixed hex bytes", field)
    return bytes.fromhex(value[2:])


def _bool_param(query: dict[str, list[str]], name: str) -> bool | None:
    values = query.get(name)
    if not values:
        return None
    text = values[-1].lower()
    if text not in ("true", "false", "1", "0"):
        raise _unprocessable("expected true or false", name)
    return text in ("true", "1")


def _int_param(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    if not values:
        return None
    if not _UINT.match(values[-1]):
        raise _unprocessable("expected a non-negative integer", name)
    return int(values[-1])


Log = Callable[[str], None]


class TxService:
    """The HTTP server on 127.0.0.1, serving from a background thread."""

    def __init__(self, state: TxServiceState, *, port: int = 0, log: Log | None = None) -> None:
        self.state = state
        self._log = log
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> TxService:
        self._thread = threading.Thread(target=self._server.serve_forever, name="tx-service", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def log(self, line: str) -> None:
        if self._log is not None:
            self._log(line)


def _handler_class(service: TxService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "butler-devnet-tx-service"

        def do_GET(self) -> None:
            self._answer(self._get)

        def do_POST(self) -> None:
            self._answer(self._post)

        def _get(self, path: str, query: dict[str, list[str]]) -> tuple[HTTPStatus, Any]:
            state = service.state
            if match := _SAFE_PATH.match(path):
                if not match.group("rest"):
                    return HTTPStatus.OK, state.safe_info(match.group("safe"))
                found, threshold = state.list_proposals(match.group("safe"), query)
                return HTTPStatus.OK, self._page(path, query, [p.to_json(threshold) for p in found])
            if match := _TX_PATH.match(path):
                proposal, threshold = state.get(match.group("hash"))
                return HTTPStatus.OK, proposal.to_json(threshold)
            if path in ("/api/v1/about/", "/api/v2/about/"):
                return HTTPStatus.OK, {
                    "name": "butler devnet Safe Transaction Service stand-in",
                    "version": "1",
                }
            if path == "/api/v1/about/ethereum-rpc/":
                return HTTPStatus.OK, {"chain_id": state.chain.chain_id, "syncing": False}
            raise Rejected(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")

        def _post(self, path: str, query: dict[str, list[str]]) -> tuple[HTTPStatus, Any]:
            match = _SAFE_PATH.match(path)
            if not match or not match.group("rest"):
                raise Rejected(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise Rejected(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                raise Rejected(HTTPStatus.BAD_REQUEST, "the body is not JSON") from None
            proposal = service.state.propose(match.group("safe"), body)
            safe_tx_hash = shown(f"0x{proposal.safe_tx_hash.hex()}")
            service.log(
                f"tx-service: proposal {safe_tx_hash} (Safe nonce {proposal.tx.nonce}) "
                f"from {proposal.proposer}"
            )
            return HTTPStatus.CREATED, None

        def _page(self, path: str, query: dict[str, list[str]], items: list[Any]) -> dict[str, Any]:
            limit = _int_param(query, "limit") or DEFAULT_PAGE
            offset = _int_param(query, "offset") or 0
            host = self.headers.get("Host") or service.url.removeprefix("http://")
            nxt = (
                f"http://{host}{path}?limit={limit}&offset={offset + limit}"
                if offset + limit < len(items)
                else None
            )
            prev = (
                f"http://{host}{path}?limit={limit}&offset={max(offset - limit, 0)}" if offset > 0 else None
            )
            return {
                "count": len(items),
                "next": nxt,
                "previous": prev,
                "results": items[offset : offset + limit],
            }

        def _answer(self, route: Callable[[str, dict[str, list[str]]], tuple[HTTPStatus, Any]]) -> None:
            parts = urlsplit(self.path)
            try:
                status, body = route(parts.path, parse_qs(parts.query))
            except Rejected as rejected:
                status, body = rejected.status, rejected.body()
            except Exception as exc:
                status, body = HTTPStatus.INTERNAL_SERVER_ERROR, {"message": f"{type(exc).__name__}: {exc}"}
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if payload:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            if status >= 400:
                service.log(
                    f"tx-service: {self.command} {parts.path} -> {int(status)} {body.get('message', '')}"
                )

        def log_message(self, format: str, *args: Any) -> None:
            # The default logs every request line to stderr; rejections are logged in _answer instead.
            return

    return Handler
