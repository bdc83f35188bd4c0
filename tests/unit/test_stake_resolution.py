"""Which stake of an attester staked several times counts: the rollup's deposit events, matched to the
stakes by transaction and to their outcomes first in, first out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from butler.domain.address import Address
from butler.domain.onchain import DepositStep, RollupDepositEvent, StakedWithProvider
from butler.domain.stake_resolution import resolve_stakes

ATTESTER = Address.from_int(0xA1)
ROLLUP = Address.from_int(0x5011)


def tx(n: int) -> bytes:
    return n.to_bytes(32, "big")


def stake(n: int, block: int) -> StakedWithProvider:
    return StakedWithProvider(1, ROLLUP, ATTESTER, Address.from_int(0xC000 + n), ROLLUP, block, 1, tx(n))


def queued(n: int, block: int) -> RollupDepositEvent:
    return RollupDepositEvent(DepositStep.QUEUED, ATTESTER, block, 0, tx(n))


def outcome(ok: bool, block: int, log_index: int = 0) -> RollupDepositEvent:
    step = DepositStep.DEPOSITED if ok else DepositStep.FAILED
    return RollupDepositEvent(step, ATTESTER, block, log_index, tx(1000 + block))


@given(
    count=st.integers(2, 6),
    winner=st.integers(0, 5),
    flushed=st.integers(0, 6),
    foreign_before=st.integers(0, 2),
)
def test_the_stake_whose_deposit_succeeded_counts_and_the_others_are_named(
    count, winner, flushed, foreign_before
):
    """Stakes at blocks 10, 20, ...; deposits made directly (not through the provider) queue before them.
    The flush decides queue entries in order: the `winner`-th of ours succeeds, every other one fails."""
    winner %= count
    flushed = min(flushed, foreign_before + count)
    stakes = [stake(n, 10 * (n + 1)) for n in range(count)]
    events = [
        RollupDepositEvent(DepositStep.QUEUED, ATTESTER, 1, i, tx(500 + i)) for i in range(foreign_before)
    ]
    events += [queued(n, 10 * (n + 1)) for n in range(count)]
    outcomes = [False] * foreign_before + [n == winner for n in range(count)]
    events += [outcome(ok, 100, i) for i, ok in enumerate(outcomes[:flushed])]

    resolution = resolve_stakes(list(reversed(stakes)), events)

    ours_flushed = max(0, flushed - foreign_before)
    assert resolution.problem is None or (ours_flushed <= winner and ours_flushed > 0)
    if resolution.problem is not None:
        return  # ours failed so far, some still queued: which one the GSE takes is unknown
    if ours_flushed > winner:
        assert resolution.winner == stakes[winner]
        assert resolution.settled == (ours_flushed == count)
    else:  # nothing of ours flushed yet: first in, first out
        assert resolution.winner == stakes[0] and not resolution.settled
    fates = {o.stake: o.fate for o in resolution.others}
    assert set(fates) == set(stakes) - {resolution.winner}
    for n, s in enumerate(stakes):
        if s in fates:
            assert fates[s] is (DepositStep.FAILED if n < ours_flushed else DepositStep.QUEUED)


def test_without_any_rollup_event_the_first_stake_counts_until_a_flush_shows_more():
    resolution = resolve_stakes([stake(2, 30), stake(1, 20)], [])
    assert resolution.winner == stake(1, 20) and not resolution.settled
    assert [o.fate for o in resolution.others] == [DepositStep.QUEUED]


def test_every_deposit_failed_means_no_coinbase_counts():
    events = [queued(1, 10), queued(2, 20), outcome(False, 30, 0), outcome(False, 30, 1)]
    resolution = resolve_stakes([stake(1, 10), stake(2, 20)], events)
    assert resolution.winner is None and resolution.settled and resolution.problem is None
    assert [o.describe() for o in resolution.others] == [
        f"stake at block 10 with coinbase {stake(1, 10).coinbase}: failed (refunded) at block 30",
        f"stake at block 20 with coinbase {stake(2, 20).coinbase}: failed (refunded) at block 30",
    ]


def test_undecidable_cases_name_their_reason():
    two = [stake(1, 10), stake(2, 20)]
    cases = {
        "no deposit in the transaction of the stake at block 20": [queued(1, 10)],
        "2 deposit outcomes but only 1 deposits": [queued(1, 10), outcome(True, 11), outcome(False, 12)],
        "the GSE took 2 of its stakes": [queued(1, 10), queued(2, 20), outcome(True, 30), outcome(True, 40)],
        "all failed and others are still queued": [queued(1, 10), queued(2, 20), outcome(False, 30)],
    }
    for reason, events in cases.items():
        resolution = resolve_stakes(two, events)
        assert resolution.winner is None and not resolution.settled
        assert resolution.problem is not None and reason in resolution.problem
