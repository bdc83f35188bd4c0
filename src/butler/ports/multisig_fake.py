"""An in-memory Safe and transaction service for tests of the commands that propose."""

from __future__ import annotations

from collections.abc import Sequence

from butler.domain.address import Address
from butler.domain.errors import ButlerError
from butler.domain.safe import SafeCall, SafeTransaction, safe_tx_hash
from butler.ports.multisig import Multisig, Proposal

FAKE_CHAIN_ID = 31337


class FakeMultisig:
    """Pending proposals live in `.pending` (nonce -> call) until `execute_next()`; every proposal
    answered by `propose`, posted or already pending, is recorded in `.proposals`, those posted in
    `.posted`.

    `fail_with` makes the next `propose` raise that error before anything is posted; `unreachable` makes
    every read of the pending transactions raise it."""

    def __init__(self, safe: Address | None = None, *, chain_id: int = FAKE_CHAIN_ID, nonce: int = 0) -> None:
        self._safe = safe if safe is not None else Address.from_int(0x5AFE)
        self.chain_id = chain_id
        self.nonce = nonce
        self.pending: dict[int, SafeCall] = {}
        self.proposals: list[Proposal] = []
        self.posted: list[Proposal] = []
        self.fail_with: ButlerError | None = None
        self.unreachable: ButlerError | None = None

    def safe(self) -> Address:
        return self._safe

    def pending_transactions(self) -> Sequence[SafeTransaction]:
        if self.unreachable is not None:
            raise self.unreachable
        return [SafeTransaction.for_call(self.pending[n], n) for n in sorted(self.pending) if n >= self.nonce]

    def propose(self, calls: Sequence[SafeCall]) -> Sequence[Proposal]:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        answered = []
        for call in calls:
            # Transactions below the Safe's nonce were replaced by others executed there: never pending.
            live = sorted(n for n in self.pending if n >= self.nonce)
            pending_nonce = next((n for n in live if self.pending[n] == call), None)
            if pending_nonce is not None:
                answered.append(Proposal(call, pending_nonce, self._hash(call, pending_nonce), True))
                continue
            nonce = max([self.nonce, *(n + 1 for n in live)])
            proposal = Proposal(call, nonce, self._hash(call, nonce), False)
            self.pending[nonce] = call
            self.posted.append(proposal)
            answered.append(proposal)
        self.proposals += answered
        return answered

    def execute_next(self) -> SafeCall:
        """What the owners would do: execute the pending transaction at the Safe's nonce."""
        call = self.pending.pop(self.nonce)
        self.nonce += 1
        return call

    def execute_other(self) -> None:
        """The owners execute some other transaction at the Safe's nonce; one pending there goes stale."""
        self.nonce += 1

    def _hash(self, call: SafeCall, nonce: int) -> bytes:
        return safe_tx_hash(SafeTransaction.for_call(call, nonce), self.chain_id, self._safe)


# mypy checks this assignment against the port, so the fake cannot drift from it unnoticed.
_CONFORMS: type[Multisig] = FakeMultisig
