"""Proposing Safe transactions for the provider's multisig to sign (SPEC §11)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from butler.domain.address import Address
from butler.domain.safe import SafeCall, SafeTransaction


@attrs.frozen
class Proposal:
    """One Safe transaction as proposed: its call, its Safe nonce and the hash the owners sign.

    `already_pending` says an identical transaction was already waiting to be signed, so nothing was
    posted for it this time."""

    call: SafeCall
    nonce: int
    safe_tx_hash: bytes
    already_pending: bool


class SafeQueue(Protocol):
    """What a Safe's owners have yet to sign, as its transaction service lists it. Failures (the service
    unreachable, or answering for another chain or Safe) raise ButlerError: never an empty answer."""

    def safe(self) -> Address: ...

    def pending_transactions(self) -> Sequence[SafeTransaction]:
        """Every transaction waiting to be executed (nonce at or above the Safe's nonce), in nonce order;
        several may share a nonce (only one of them can execute)."""
        ...


class Multisig(SafeQueue, Protocol):
    """A Safe and the service its owners sign proposals in. Failures raise ButlerError."""

    def propose(self, calls: Sequence[SafeCall]) -> Sequence[Proposal]:
        """One Safe transaction per call, in order, at consecutive nonces after the Safe's nonce and
        after every pending transaction. A call identical (to, value, data, operation) to a pending
        transaction is reported with that transaction's nonce and hash, `already_pending`, and not
        posted again."""
        ...
