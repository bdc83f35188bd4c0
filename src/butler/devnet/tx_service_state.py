"""The tx-service stand-in's store and rules, independent of HTTP: a proposal is kept only if its hash is
the SafeTx hash (and the Safe's own), its signature recovers to the sender, and the sender is an owner or a
registered delegate; executions are learnt from the Safe's events."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from butler.devnet.chain import DevChain
from butler.devnet.safe import SafeContract, recover_signer
from butler.devnet.tx_service_wire import (
    SAFE_TX_HASH,
    Confirmation,
    Proposal,
    ProposalFields,
    Rejected,
    bool_param,
    int_param,
    iso_time,
    now_iso,
    unprocessable,
)
from butler.domain.address import ZERO_ADDRESS, Address, AddressFormatError


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
            raise unprocessable(f"Checksum address validation failed: {exc}", "address") from None
        if address.checksum != text:
            raise unprocessable("Checksum address validation failed: use the EIP-55 form", "address")
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
        fields = ProposalFields.parse(body)
        expected = _checked_hash(safe, fields)
        with self._lock:
            delegates = set(self._delegates)
        now = now_iso()
        confirmations = _confirmations(fields, expected, set(safe.owners()), delegates, now)
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
        executed = bool_param(query, "executed")
        nonce = int_param(query, "nonce")
        nonce_gte = int_param(query, "nonce__gte")
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
        if not SAFE_TX_HASH.match(hash_text):
            raise unprocessable("not a Safe transaction hash", "safeTxHash")
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
                    proposal.execution_date = iso_time(int(block["timestamp"]))
                    proposal.executed = True
                    proposal.successful = ok
                    proposal.transaction_hash = log["transactionHash"].to_0x_hex()
                    proposal.block_number = int(log["blockNumber"])
                    proposal.executor = Address.parse(sent["from"])
            self._scanned_to[safe] = head


def _checked_hash(safe: SafeContract, fields: ProposalFields) -> bytes:
    """The proposal's SafeTx hash, refused unless the body, our hashing and the Safe itself agree on it."""
    current_nonce = safe.nonce()
    if fields.tx.nonce < current_nonce:
        raise unprocessable(f"nonce {fields.tx.nonce} is below the Safe's nonce {current_nonce}", "nonce")
    expected = safe.tx_hash(fields.tx)
    if fields.contract_transaction_hash != expected:
        raise unprocessable(
            f"contractTransactionHash 0x{fields.contract_transaction_hash.hex()} is not the SafeTx hash "
            f"0x{expected.hex()}",
            "contractTransactionHash",
        )
    if safe.onchain_tx_hash(fields.tx) != expected:
        raise unprocessable("the Safe's getTransactionHash disagrees with the SafeTx hash")
    return expected


def _confirmations(
    fields: ProposalFields, digest: bytes, owners: set[Address], delegates: set[Address], now: str
) -> list[Confirmation]:
    """The owners' signatures of a proposal; any signer must be an owner or a delegate, and the sender
    must be among them."""
    confirmations: list[Confirmation] = []
    signers: set[Address] = set()
    for index, signature in enumerate(fields.signatures):
        signer = recover_signer(digest, signature)
        if signer is None:
            raise unprocessable(
                f"signature {index} is not an ECDSA signature (v 27/28 or 31/32)", "signature"
            )
        if signer not in owners and signer not in delegates:
            raise unprocessable(f"signer {signer} is not an owner or delegate of the Safe", "signature")
        signers.add(signer)
        # Like the real service, only owners' signatures count as confirmations.
        if signer in owners:
            confirmations.append(Confirmation(signer, signature, now))
    if fields.sender not in signers:
        raise unprocessable(f"the signature was not made by the sender {fields.sender}", "sender")
    return confirmations
