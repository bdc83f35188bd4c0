"""The `Multisig` port over the Safe Transaction Service (SPEC §11).

Reads (the Safe's nonce, its pending transactions, one transaction by hash, the service's chain) are
retried with backoff on connection failures and HTTP 429/502/503/504. A proposal is a POST that may
have been stored even when its answer is lost or an error: after such a failure the service is asked
whether it holds the transaction before anything is posted again, and a plain HTTP 500 is never posted
again. Errors are one line naming what was being done, the HTTP status and the service's message; they
never contain the proposer key, the API key or the service URL's path (only `scheme://host`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import requests

from butler.adapters.chain.rpc import (
    RETRY_AFTER_CAP,
    TRANSIENT_HTTP_STATUSES,
    exponential_backoff,
    redact_url,
)
from butler.adapters.http.deadline import send_within
from butler.domain import redaction
from butler.domain.address import ZERO_ADDRESS, Address, AddressFormatError
from butler.domain.config import NetworkConfig
from butler.domain.errors import ButlerError, UsageError
from butler.domain.keys import EthSecretKey, attester_address
from butler.domain.redaction import shown
from butler.domain.safe import (
    Operation,
    SafeCall,
    SafeTransaction,
    safe_tx_hash,
    sign_safe_tx_hash,
)
from butler.domain.secret_text import SecretText
from butler.ports.multisig import Multisig, Proposal

if TYPE_CHECKING:
    from butler.adapters.files.config_file import Endpoints

ORIGIN = "aztec-butler"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 5
PAGE_SIZE = 100
MESSAGE_LIMIT = 200
# Statuses after which a POST may or may not have been stored: the service is asked before anything else.
_POST_UNCERTAIN = frozenset({500, 502, 504})
# Statuses after which a POST not stored is sent again. A 500 is not among them: the service failed on
# this very request and would most likely fail the same way again.
_POST_RETRYABLE = TRANSIENT_HTTP_STATUSES
_TAG = re.compile(r"<[^>]*>")
_HASH_TEXT = re.compile(r"^0x[0-9a-fA-F]{64}$")


class TxServiceError(ButlerError):
    """The Safe Transaction Service refused a request, failed, or answered something unusable."""


@attrs.frozen
class _Pending:
    tx: SafeTransaction
    safe_tx_hash: bytes


@attrs.frozen
class _Answer:
    status: int
    body: Any  # decoded JSON, or None
    text: str
    retry_after: float | None


class _Unreachable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SafeTxServiceMultisig:
    """Proposes to `safe` on chain `chain_id` through the service at `service_url` (the part before
    `/api/...`, e.g. https://api.safe.global/tx-service/sep), signing as `proposer` (an owner or
    delegate of the Safe)."""

    def __init__(
        self,
        *,
        service_url: str,
        safe: Address,
        chain_id: int,
        proposer: EthSecretKey | None,
        api_key: SecretText | None = None,
        origin: str = ORIGIN,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: Callable[[int], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        # Paths below start at /api; a URL copied with its /api suffix means the same service.
        self._base = service_url.rstrip("/").removesuffix("/api")
        self.service = redact_url(service_url)
        self._safe = safe
        self.chain_id = chain_id
        self._proposer = proposer
        self.sender = attester_address(proposer) if proposer is not None else None
        self._api_key = api_key
        self._origin = origin
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff if backoff is not None else exponential_backoff(base=0.5)
        self._sleep = sleep
        self._session = session if session is not None else requests.Session()
        self._chain_checked = False

    @classmethod
    def from_config(
        cls,
        config: NetworkConfig,
        endpoints: Endpoints,
        proposer: EthSecretKey | None,
        api_key: SecretText | None,
    ) -> SafeTxServiceMultisig:
        """Without a proposer key the client only reads (`pending_transactions`)."""
        if config.safe_address is None or endpoints.safe_tx_service_url is None:
            missing = "safe_address" if config.safe_address is None else "safe_tx_service_url"
            raise UsageError(f"a Safe proposer key is configured but the network config has no {missing}")
        return cls(
            service_url=endpoints.safe_tx_service_url,
            safe=config.safe_address,
            chain_id=config.chain_id,
            proposer=proposer,
            api_key=api_key,
        )

    def __repr__(self) -> str:
        return f"SafeTxServiceMultisig({self.service}, safe={self._safe}, sender={self.sender})"

    def close(self) -> None:
        self._session.close()

    # --- the port ------------------------------------------------------------------------------

    def safe(self) -> Address:
        return self._safe

    def pending_transactions(self) -> Sequence[SafeTransaction]:
        self._check_chain()
        return [p.tx for p in self._pending(self._safe_nonce())]

    def propose(self, calls: Sequence[SafeCall]) -> Sequence[Proposal]:
        if not calls:
            return []
        if self._proposer is None:
            raise UsageError("proposing to the Safe needs a Safe proposer key (safe_proposer_key_file)")
        self._check_chain()
        safe_nonce = self._safe_nonce()
        pending = self._pending(safe_nonce)
        next_nonce = max([safe_nonce, *(p.tx.nonce + 1 for p in pending)])
        done: list[Proposal] = []
        for call in calls:
            same = next((p for p in pending if p.tx.call == call), None)
            if same is not None:
                done.append(Proposal(call, same.tx.nonce, same.safe_tx_hash, already_pending=True))
                continue
            tx = SafeTransaction.for_call(call, next_nonce)
            digest = safe_tx_hash(tx, self.chain_id, self._safe)
            try:
                self._post(tx, digest)
            except ButlerError as error:
                raise TxServiceError(*error.problems, *_posted_before(done)) from None
            pending.append(_Pending(tx, digest))
            done.append(Proposal(call, next_nonce, digest, already_pending=False))
            next_nonce += 1
        return done

    # --- reads ---------------------------------------------------------------------------------

    def _safe_nonce(self) -> int:
        what = f"reading Safe {self._safe}"
        answer = self._get(f"/api/v1/safes/{self._safe.checksum}/", what)
        if answer.status == 404:
            raise TxServiceError(
                f"Safe Transaction Service {self.service}: Safe {self._safe} is unknown to the service "
                f"(HTTP 404: {self._message(answer)}); check safe_address and the service's network"
            )
        body = self._expect_ok(answer, what)
        if not isinstance(body, dict):
            raise self._malformed(what, "expected a JSON object")
        return self._uint(body.get("nonce"), what, "nonce")

    def _pending(self, safe_nonce: int) -> list[_Pending]:
        """Unexecuted transactions of the Safe at or above its nonce, checked against our own hash."""
        what = f"listing pending transactions of Safe {self._safe}"
        found = []
        for item in self._pages(f"/api/v2/safes/{self._safe.checksum}/multisig-transactions/", safe_nonce):
            if not isinstance(item, dict):
                raise self._malformed(what, "a listed transaction is not a JSON object")
            if item.get("isExecuted") is True:
                continue
            tx = self._listed_tx(item, what)
            if tx.nonce < safe_nonce:
                continue  # replaced by another transaction at that nonce; can never execute
            listed = self._hash_field(item.get("safeTxHash"), what)
            digest = safe_tx_hash(tx, self.chain_id, self._safe)
            if listed != digest:
                ours = shown(f"0x{digest.hex()}")
                raise TxServiceError(
                    f"Safe Transaction Service {self.service}: {what}: transaction 0x{listed.hex()} at nonce "
                    f"{tx.nonce} hashes to {ours} for chain {self.chain_id}: the service "
                    "does not serve this chain and Safe as configured"
                )
            found.append(_Pending(tx, digest))
        return sorted(found, key=lambda p: p.tx.nonce)

    def _holds(self, digest: bytes) -> bool:
        """Whether the service stores the transaction with this Safe transaction hash."""
        what = f"looking up Safe transaction {shown('0x' + digest.hex())}"
        answer = self._get(f"/api/v1/multisig-transactions/0x{digest.hex()}/", what)
        if answer.status == 404:
            return False
        self._expect_ok(answer, what)
        return True

    def _check_chain(self) -> None:
        """The service's own chain id, where it tells it, must be the configured one."""
        if self._chain_checked:
            return
        what = "reading the service's chain"
        answer = self._get("/api/v1/about/ethereum-rpc/", what)
        if answer.status == 404:
            self._chain_checked = True  # the service does not say; hashes still bind the chain
            return
        body = self._expect_ok(answer, what)
        chain = body.get("chain_id") if isinstance(body, dict) else None
        if chain is not None:
            served = self._uint(chain, what, "chain_id")
            if served != self.chain_id:
                raise TxServiceError(
                    f"Safe Transaction Service {self.service} serves chain {served}, "
                    f"the network config says chain {self.chain_id}"
                )
        self._chain_checked = True

    def _pages(self, path: str, safe_nonce: int) -> Iterator[Any]:
        # Paged by offset rather than by following `next`: the service builds `next` from its own idea
        # of its host, and the API key must not go anywhere else.
        what = f"listing pending transactions of Safe {self._safe}"
        offset = 0
        while True:
            params = {
                "executed": "false",
                "nonce__gte": str(safe_nonce),
                "limit": str(PAGE_SIZE),
                "offset": str(offset),
            }
            body = self._expect_ok(self._get(path, what, params), what)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise self._malformed(what, "expected a page with a results list")
            results = body["results"]
            yield from results
            offset += len(results)
            count = body.get("count")
            if not results or (isinstance(count, int) and offset >= count) or body.get("next") is None:
                return

    # --- the proposal --------------------------------------------------------------------------

    def _post(self, tx: SafeTransaction, digest: bytes) -> None:
        what = f"proposing Safe transaction {shown('0x' + digest.hex())} (nonce {tx.nonce})"
        path = f"/api/v2/safes/{self._safe.checksum}/multisig-transactions/"
        payload = json.dumps(self._body(tx, digest)).encode()
        for attempt in range(1, self._max_attempts + 1):
            try:
                answer = self._send("POST", path, payload=payload)
            except _Unreachable as failure:
                # The request may have arrived before the connection failed.
                if self._holds(digest):
                    return
                reason, retry_after = failure.reason, None
            else:
                if 200 <= answer.status < 300:
                    return
                if answer.status in _POST_UNCERTAIN and self._holds(digest):
                    return
                if answer.status not in _POST_RETRYABLE:
                    raise self._http_error(answer, what)
                reason, retry_after = f"HTTP {answer.status}: {self._message(answer)}", answer.retry_after
            if attempt == self._max_attempts:
                raise self._gave_up(what, attempt, reason)
            self._pause(attempt, retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    def _body(self, tx: SafeTransaction, digest: bytes) -> dict[str, Any]:
        assert self._proposer is not None and self.sender is not None  # propose() checked
        return {
            "to": tx.to.checksum,
            "value": str(tx.value),
            "data": "0x" + tx.data.hex(),
            "operation": int(tx.operation),
            "safeTxGas": str(tx.safe_tx_gas),
            "baseGas": str(tx.base_gas),
            "gasPrice": str(tx.gas_price),
            "gasToken": tx.gas_token.checksum,
            "refundReceiver": tx.refund_receiver.checksum,
            "nonce": tx.nonce,
            "contractTransactionHash": "0x" + digest.hex(),
            "sender": self.sender.checksum,
            "signature": "0x" + sign_safe_tx_hash(self._proposer, digest).hex(),
            "origin": self._origin,
        }

    # --- HTTP ----------------------------------------------------------------------------------

    def _get(self, path: str, what: str, params: dict[str, str] | None = None) -> _Answer:
        """A GET, retried on connection failures and transient statuses; other answers returned."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                answer = self._send("GET", path, params=params)
            except _Unreachable as failure:
                reason, retry_after = failure.reason, None
            else:
                if answer.status not in TRANSIENT_HTTP_STATUSES:
                    return answer
                reason, retry_after = f"HTTP {answer.status}: {self._message(answer)}", answer.retry_after
            if attempt == self._max_attempts:
                raise self._gave_up(what, attempt, reason)
            self._pause(attempt, retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self, method: str, path: str, *, params: dict[str, str] | None = None, payload: bytes | None = None
    ) -> _Answer:
        headers = {"Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        # Exceptions from requests carry the full url, so only their class name is passed on.
        try:
            response = send_within(
                self._session,
                method,
                self._base + path,
                seconds=self._timeout,
                params=params,
                data=payload,
                headers=headers,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise _Unreachable("timed out") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise _Unreachable(f"connection failed ({type(exc).__name__})") from None
        except requests.RequestException as exc:
            raise TxServiceError(
                f"Safe Transaction Service {self.service}: {method} failed: {type(exc).__name__}"
            ) from None
        text = response.content.decode("utf-8", errors="replace")
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        return _Answer(response.status, body, text, _retry_after(response.headers.get("Retry-After")))

    def _pause(self, attempt: int, retry_after: float | None) -> None:
        delay = self._backoff(attempt)
        if retry_after is not None:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
        self._sleep(delay)

    def _expect_ok(self, answer: _Answer, what: str) -> Any:
        if answer.status != 200:
            raise self._http_error(answer, what)
        if answer.body is None:
            raise self._malformed(what, "the answer is not JSON")
        return answer.body

    def _http_error(self, answer: _Answer, what: str) -> TxServiceError:
        hint = ""
        if answer.status in (401, 403):
            hint = " (check the Safe API key)"
        elif 300 <= answer.status < 400:
            hint = " (a redirect: check safe_tx_service_url)"
        return TxServiceError(
            f"Safe Transaction Service {self.service}: {what} failed: HTTP {answer.status}: "
            f"{self._message(answer)}{hint}"
        )

    def _message(self, answer: _Answer) -> str:
        """The service's own words, on one line, trimmed, without anything secret in them."""
        text = _message_of(answer.body) if answer.body is not None else _TAG.sub(" ", answer.text)
        return redaction.one_line(text, MESSAGE_LIMIT, known=self._secrets()) or "no message"

    def _secrets(self) -> list[str]:
        secrets = (
            [] if self._proposer is None else [self._proposer.reveal_hex(), self._proposer.reveal_hex()[2:]]
        )
        if self._api_key is not None:
            secrets.append(self._api_key.reveal())
        return secrets

    def _gave_up(self, what: str, attempts: int, reason: str) -> TxServiceError:
        return TxServiceError(
            f"Safe Transaction Service {self.service}: {what} failed after {attempts} attempts: {reason}"
        )

    def _malformed(self, what: str, why: str) -> TxServiceError:
        return TxServiceError(f"Safe Transaction Service {self.service}: {what}: malformed answer: {why}")

    # --- decoding listed transactions ----------------------------------------------------------

    def _listed_tx(self, item: dict[str, Any], what: str) -> SafeTransaction:
        operation = self._uint(item.get("operation"), what, "operation")
        if operation not in (Operation.CALL, Operation.DELEGATE_CALL):
            raise self._malformed(what, f"operation {operation}")
        return SafeTransaction(
            to=self._address(item.get("to"), what, "to"),
            value=self._uint(item.get("value"), what, "value"),
            data=self._data(item.get("data"), what),
            operation=Operation(operation),
            nonce=self._uint(item.get("nonce"), what, "nonce"),
            safe_tx_gas=self._uint(item.get("safeTxGas") or 0, what, "safeTxGas"),
            base_gas=self._uint(item.get("baseGas") or 0, what, "baseGas"),
            gas_price=self._uint(item.get("gasPrice") or 0, what, "gasPrice"),
            gas_token=self._address(item.get("gasToken"), what, "gasToken", nullable=True),
            refund_receiver=self._address(item.get("refundReceiver"), what, "refundReceiver", nullable=True),
        )

    def _uint(self, value: object, what: str, field: str) -> int:
        """A uint256 the service may write as a JSON number or a decimal string."""
        if type(value) is int:
            number = value
        elif isinstance(value, str) and value.isascii() and value.isdigit():
            number = int(value)
        else:
            raise self._malformed(what, f"{field} is not a non-negative integer")
        if not 0 <= number < 2**256:
            raise self._malformed(what, f"{field} is out of range")
        return number

    def _address(self, value: object, what: str, field: str, *, nullable: bool = False) -> Address:
        if value is None and nullable:
            return ZERO_ADDRESS
        try:
            return Address.parse(value)
        except AddressFormatError as exc:
            raise self._malformed(what, f"{field}: {exc}") from None

    def _data(self, value: object, what: str) -> bytes:
        if value is None:
            return b""
        if (
            not isinstance(value, str)
            or not value.startswith("0x")
            or len(value) % 2
            or not all(c in "0123456789abcdefABCDEF" for c in value[2:])
        ):
            raise self._malformed(what, "data is not 0x-prefixed hex")
        return bytes.fromhex(value[2:])

    def _hash_field(self, value: object, what: str) -> bytes:
        if not isinstance(value, str) or not _HASH_TEXT.match(value):
            raise self._malformed(what, "safeTxHash is not 0x + 64 hex digits")
        return bytes.fromhex(value[2:])


def _message_of(body: Any) -> str:
    """What the service says went wrong, from the shapes its errors take (Django REST framework's
    field lists, `detail`, `message`, `nonFieldErrors`)."""
    if isinstance(body, str):
        return body
    if isinstance(body, list):
        return "; ".join(_message_of(item) for item in body)
    if isinstance(body, dict):
        for key in ("message", "detail", "nonFieldErrors", "non_field_errors"):
            if body.get(key):
                text = _message_of(body[key])
                field = body.get("field")
                return f"{field}: {text}" if isinstance(field, str) and field else text
        return "; ".join(f"{key}: {_message_of(value)}" for key, value in body.items() if key != "code")
    return json.dumps(body)


def _posted_before(done: Sequence[Proposal]) -> list[str]:
    return [
        f"proposed before the failure: Safe transaction {shown(f'0x{p.safe_tx_hash.hex()}')} "
        f"(nonce {p.nonce})"
        for p in done
        if not p.already_pending
    ]


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


# mypy checks this assignment against the port.
_CONFORMS: type[Multisig] = SafeTxServiceMultisig
