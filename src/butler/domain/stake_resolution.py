"""Which of an attester's stakes counts when delegators staked it more than once.

The StakingRegistry does not de-duplicate its queue, so one attester can be staked several times, each
stake with its own coinbase. Each stake deposits into the rollup's entry queue in its own transaction
(`ValidatorQueued`); flushing takes deposits first in, first out, and only the first that reaches the GSE
is taken (`Deposit`); the GSE refuses the others as already registered and they are refunded
(`FailedDeposit`). So the coinbase that earns rewards is the one of the stake whose deposit succeeded.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from butler.domain.onchain import DepositStep, RollupDepositEvent, StakedWithProvider

_FATES = {
    DepositStep.DEPOSITED: "deposited",
    DepositStep.FAILED: "failed (refunded)",
    DepositStep.QUEUED: "still in the entry queue",
}


@attrs.frozen
class StakeOutcome:
    stake: StakedWithProvider
    fate: DepositStep
    """Where its deposit stands: still QUEUED, or DEPOSITED or FAILED at the flush."""
    block: int | None
    """Block of the flush that decided it; None while it waits in the entry queue."""

    def describe(self) -> str:
        at = f" at block {self.block}" if self.block is not None else ""
        return (
            f"stake at block {self.stake.block_number} with coinbase {self.stake.coinbase}: "
            f"{_FATES[self.fate]}{at}"
        )


@attrs.frozen
class Resolution:
    """The stake whose coinbase counts (None: none does, or `problem` says why it cannot be told), what
    became of each other stake, and whether the answer can still change (a deposit still queued)."""

    winner: StakedWithProvider | None
    others: tuple[StakeOutcome, ...]
    settled: bool
    problem: str | None = None


def _order(event: StakedWithProvider | RollupDepositEvent) -> tuple[int, int]:
    return (event.block_number, event.log_index)


def resolve_stakes(
    stakes: Sequence[StakedWithProvider], rollup_events: Sequence[RollupDepositEvent]
) -> Resolution:
    """Resolve one attester's `stakes` (at least one) with the rollup's deposit events of that attester,
    both read from the registry's first block on.

    Without any rollup event (nothing flushed yet, or a rollup that logs none), FIFO decides: the first
    stake's deposit is ahead of the others and is the one the GSE will take. Otherwise each stake is
    matched to the deposit queued in its own transaction and that deposit to its outcome by queue order.
    Undecidable (`problem` set): a stake without a deposit in its transaction, more outcomes than
    deposits, several successful deposits, or failures followed by deposits still queued.
    """
    if not stakes:
        raise ValueError("nothing to resolve")
    ordered = sorted(stakes, key=_order)
    if not rollup_events:
        waiting = tuple(StakeOutcome(s, DepositStep.QUEUED, None) for s in ordered)
        return Resolution(ordered[0], waiting[1:], settled=False)
    fates = _fates(ordered, sorted(rollup_events, key=_order))
    if isinstance(fates, str):
        return Resolution(None, (), settled=False, problem=fates)
    deposited = [f for f in fates if f.fate is DepositStep.DEPOSITED]
    waiting = tuple(f for f in fates if f.fate is DepositStep.QUEUED)
    if len(deposited) > 1:
        blocks = ", ".join(str(f.block) for f in deposited)
        problem = f"the GSE took {len(deposited)} of its stakes (flushed at blocks {blocks})"
    elif deposited:
        (won,) = deposited
        return Resolution(won.stake, tuple(f for f in fates if f is not won), settled=not waiting)
    elif not waiting:
        return Resolution(None, tuple(fates), settled=True)
    elif len(waiting) == len(fates):
        return Resolution(waiting[0].stake, waiting[1:], settled=False)
    else:
        problem = (
            "its flushed deposits all failed and others are still queued: which one the GSE takes is unknown"
        )
    return Resolution(None, (), settled=False, problem=problem)


def _fates(
    stakes: Sequence[StakedWithProvider], events: Sequence[RollupDepositEvent]
) -> list[StakeOutcome] | str:
    """What became of each stake's deposit, or why that cannot be told."""
    queued = [e for e in events if e.step is DepositStep.QUEUED]
    outcomes = [e for e in events if e.step is not DepositStep.QUEUED]
    if len(outcomes) > len(queued):
        return f"the rollup logged {len(outcomes)} deposit outcomes but only {len(queued)} deposits"
    position = {e.transaction_hash: index for index, e in enumerate(queued) if e.transaction_hash}
    fates = []
    for stake in stakes:
        index = position.get(stake.transaction_hash) if stake.transaction_hash else None
        if index is None:
            return (
                f"the rollup logged no deposit in the transaction of the stake at block {stake.block_number}"
            )
        if index >= len(outcomes):
            fates.append(StakeOutcome(stake, DepositStep.QUEUED, None))
            continue
        outcome = outcomes[index]
        fates.append(StakeOutcome(stake, outcome.step, outcome.block_number))
    return fates
