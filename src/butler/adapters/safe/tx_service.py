"""The `Multisig` port over the Safe Transaction Service (SPEC §11).

Reads (the Safe's nonce, its pending transactions, one transaction by hash, the service's chain) are
retried with backoff on connection failures and HTTP 429/502/503/504, as long as a Retry-After asks
(capped). A proposal is a POST that may have been stored even when its answer is lost or an error:
after such a failure the service is asked whether it holds the transaction before anything is posted
again, and a plain HTTP 500 is never posted again (`adapters.http.stored_post`). Errors are one line
naming what was being done, the HTTP status and the service's message; they never contain the
proposer key, the API key or the service URL's path (only `scheme://host`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import attrs
import requests

from butler.adapters.http.error_text import redact_url
from butler.adapters.http.retry import RetryPolicy, exponential_backoff
from butler.adapters.safe.listed_tx import hash_field, listed_tx, uint
from butler.adapters.safe.service_http import ServiceHttp, TxServiceError
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ButlerError, UsageError
from butler.domain.keys import EthSecretKey, attester_address
from butler.domain.redaction import shown
from butler.domain.safe import SafeCall, SafeTransaction, safe_tx_hash, sign_safe_tx_hash
from butler.domain.secret_text import SecretText
from butler.ports.multisig import Multisig, Proposal

if TYPE_CHECKING:
    from butler.adapters.endpoints import Endpoints

ORIGIN = "aztec-butler"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 5
PAGE_SIZE = 100


@attrs.frozen
class _Pending:
    tx: SafeTransaction
    safe_tx_hash: bytes


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
        # Paths below start at /api; a URL copied with its /api suffix means the same service.
        self._http = ServiceHttp(
            base=service_url.rstrip("/").removesuffix("/api"),
            service=redact_url(service_url),
            api_key=api_key,
            secrets=lambda: [] if proposer is None else [proposer.reveal_hex()],
            timeout=timeout,
            retry=RetryPolicy(
                max_attempts, backoff if backoff is not None else exponential_backoff(base=0.5), sleep=sleep
            ),
            session=session if session is not None else requests.Session(),
        )
        self.service = self._http.service
        self._safe = safe
        self.chain_id = chain_id
        self._proposer = proposer
        self.sender = attester_address(proposer) if proposer is not None else None
        self._origin = origin
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
        self._http.close()

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
        answer = self._http.get(f"/api/v1/safes/{self._safe.checksum}/", what)
        if answer.status == 404:
            raise TxServiceError(
                f"Safe Transaction Service {self.service}: Safe {self._safe} is unknown to the service "
                f"(HTTP 404: {self._http.message(answer)}); check safe_address and the service's network"
            )
        body = self._http.expect_ok(answer, what)
        if not isinstance(body, dict):
            raise self._http.malformed(what, "expected a JSON object")
        return uint(body.get("nonce"), "nonce", partial(self._http.malformed, what))

    def _pending(self, safe_nonce: int) -> list[_Pending]:
        """Unexecuted transactions of the Safe at or above its nonce, checked against our own hash."""
        what = f"listing pending transactions of Safe {self._safe}"
        malformed = partial(self._http.malformed, what)
        found = []
        for item in self._pages(f"/api/v2/safes/{self._safe.checksum}/multisig-transactions/", safe_nonce):
            if not isinstance(item, dict):
                raise self._http.malformed(what, "a listed transaction is not a JSON object")
            if item.get("isExecuted") is True:
                continue
            tx = listed_tx(item, malformed)
            if tx.nonce < safe_nonce:
                continue  # replaced by another transaction at that nonce; can never execute
            listed = hash_field(item.get("safeTxHash"), malformed)
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
        answer = self._http.get(f"/api/v1/multisig-transactions/0x{digest.hex()}/", what)
        if answer.status == 404:
            return False
        self._http.expect_ok(answer, what)
        return True

    def _check_chain(self) -> None:
        """The service's own chain id, where it tells it, must be the configured one."""
        if self._chain_checked:
            return
        what = "reading the service's chain"
        answer = self._http.get("/api/v1/about/ethereum-rpc/", what)
        if answer.status == 404:
            self._chain_checked = True  # the service does not say; hashes still bind the chain
            return
        body = self._http.expect_ok(answer, what)
        chain = body.get("chain_id") if isinstance(body, dict) else None
        if chain is not None:
            served = uint(chain, "chain_id", partial(self._http.malformed, what))
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
            body = self._http.expect_ok(self._http.get(path, what, params), what)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise self._http.malformed(what, "expected a page with a results list")
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
        self._http.post(path, payload, what, stored=lambda: self._holds(digest))

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


def _posted_before(done: Sequence[Proposal]) -> list[str]:
    return [
        f"proposed before the failure: Safe transaction {shown(f'0x{p.safe_tx_hash.hex()}')} "
        f"(nonce {p.nonce})"
        for p in done
        if not p.already_pending
    ]


# mypy checks this assignment against the port.
_CONFORMS: type[Multisig] = SafeTxServiceMultisig
