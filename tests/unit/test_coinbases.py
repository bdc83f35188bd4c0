"""The coinbase mapping's rules: order-free merging, the problems that stop a scan, incremental ranges."""

from __future__ import annotations

import itertools

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.coinbase_reorgs import reorg_point, rolled_back
from butler.domain.coinbases import (
    KEPT_CHECKPOINTS,
    BlockRange,
    Checkpoint,
    CoinbaseMapping,
    CoinbaseRecord,
    ScanScope,
    contradictions,
    merged_coinbases,
    ranges_to_scan,
    report,
    reuse_problem,
    scanned_mapping,
    staked_twice,
)
from butler.domain.errors import CheckFailed
from butler.domain.onchain import StakedWithProvider

ROLLUP = Address.from_int(0x5011)
STAKER = Address.from_int(0x5743)
SCOPE = ScanScope("devnet", 31337, Address.from_int(0x4E6), 1)
LAST_BLOCK = 60


def attester(n: int) -> Address:
    return Address.from_int(0xA000 + n)


def coinbase(n: int) -> Address:
    return Address.from_int(0xC000 + n) if n else ZERO_ADDRESS


def event(who: int, cb: int, block: int, log_index: int = 0) -> StakedWithProvider:
    return StakedWithProvider(1, ROLLUP, attester(who), coinbase(cb), STAKER, block, log_index)


def outcome(known: dict[Address, CoinbaseRecord], events: list[StakedWithProvider]) -> object:
    try:
        return merged_coinbases(known, events)
    except CheckFailed as failure:
        return failure.problems


@st.composite
def staked_events(draw: st.DrawFn) -> StakedWithProvider:
    """Mostly each attester's own coinbase, sometimes another one or zero: problems occur, not always."""
    who = draw(st.integers(1, 6))
    cb = draw(st.sampled_from([who, who, who, who, 9, 0]))
    return event(who, cb, draw(st.integers(0, LAST_BLOCK)), draw(st.integers(0, 3)))


def problem_keys(problems: object) -> set[tuple[str, str]]:
    """(attester, kind) of each problem: the blocks named may differ while a scan is still partial."""
    return {(p.split(":")[0], "zero" if "zero address" in p else "two") for p in problems}  # type: ignore[attr-defined]


@given(
    events=st.lists(staked_events(), max_size=12),
    cuts=st.lists(st.integers(0, LAST_BLOCK - 1), unique=True, max_size=8),
    order=st.randoms(use_true_random=False),
)
def test_scanning_in_pieces_in_any_order_equals_one_scan(events, cuts, order) -> None:
    bounds = [-1, *sorted(cuts), LAST_BLOCK]
    pieces = [BlockRange(a + 1, b) for a, b in itertools.pairwise(bounds)]
    order.shuffle(pieces)
    whole = outcome({}, sorted(events, key=lambda e: (e.block_number, e.log_index)))

    known: dict[Address, CoinbaseRecord] = {}
    for piece in pieces:
        step = outcome(known, [e for e in events if piece.first <= e.block_number <= piece.last])
        if not isinstance(step, dict):
            # A problem stops the scan as soon as its events are in; one scan of everything reports it too.
            assert not isinstance(whole, dict)
            assert problem_keys(step) <= problem_keys(whole)
            break
        known = step
    else:
        assert known == whole


def test_each_problem_is_named_with_its_blocks() -> None:
    found = [event(1, 1, 10), event(2, 0, 11), event(1, 9, 12), event(3, 3, 13), event(1, 1, 14)]
    with pytest.raises(CheckFailed) as failure:
        merged_coinbases({}, found)
    assert failure.value.problems == (
        f"attester {attester(2)}: StakedWithProvider at block 11 names the zero address as its coinbase",
        f"attester {attester(1)}: two different coinbases on chain: {coinbase(1)} (block 10), "
        f"{coinbase(9)} (block 12)",
    )


def test_a_coinbase_named_twice_is_recorded_at_its_first_block() -> None:
    assert merged_coinbases({}, [event(1, 1, 30), event(1, 1, 20)]) == {
        attester(1): CoinbaseRecord(coinbase(1), 20)
    }


def test_a_new_event_contradicting_the_known_mapping_is_a_problem() -> None:
    known = {attester(1): CoinbaseRecord(coinbase(1), 5)}
    with pytest.raises(CheckFailed, match="two different coinbases"):
        merged_coinbases(known, [event(1, 9, 40)])


def test_only_a_different_non_zero_recorded_coinbase_contradicts() -> None:
    found = {attester(1): CoinbaseRecord(coinbase(1), 5), attester(2): CoinbaseRecord(coinbase(2), 6)}
    recorded = {
        attester(1): coinbase(1),
        attester(2): coinbase(9),
        attester(3): coinbase(3),
        attester(4): ZERO_ADDRESS,
        attester(5): None,
    }
    recorded[attester(6)] = ZERO_ADDRESS
    found[attester(6)] = CoinbaseRecord(coinbase(6), 7)
    assert contradictions(found, recorded, "keys.json") == [
        f"attester {attester(2)}: coinbase on chain is {coinbase(2)} (block 6) but keys.json records "
        f"{coinbase(9)}"
    ]


@given(
    covered=st.none()
    | st.tuples(st.integers(0, 50), st.integers(0, 50)).map(lambda t: BlockRange(*sorted(t))),
    start=st.integers(0, 60),
    safe_head=st.integers(0, 60),
)
def test_ranges_to_scan_fill_exactly_what_the_mapping_lacks(covered, start, safe_head) -> None:
    ranges = ranges_to_scan(covered, start, safe_head)

    blocks = [b for r in ranges for b in range(r.first, r.last + 1)]
    assert blocks == sorted(set(blocks))
    old = set(range(covered.first, covered.last + 1)) if covered else set()
    assert not old & set(blocks)
    union = old | set(blocks)
    if union:
        # Coverage stays one range: from the earliest start wanted to the latest block seen.
        assert union == set(range(min(union), max(union) + 1))
        assert min(union) == min(start, covered.first) if covered else min(union) == start
        assert max(union) == max(covered.last, safe_head) if covered else max(union) == safe_head
    else:
        assert start > safe_head


def test_a_mapping_extended_by_its_scanned_ranges_covers_them_all() -> None:
    first = scanned_mapping(None, SCOPE, [BlockRange(100, 200)], {})
    later = scanned_mapping(first, SCOPE, [BlockRange(40, 99), BlockRange(201, 300)], {})
    assert (later.first_block, later.last_scanned_block) == (40, 300)
    assert (later.network, later.chain_id, later.staking_registry, later.provider_id) == attrs.astuple(
        SCOPE, recurse=False
    )


def mapping(**changes: object) -> CoinbaseMapping:
    fields: dict[str, object] = {
        "version": 1,
        "network": "devnet",
        "chain_id": SCOPE.chain_id,
        "staking_registry": SCOPE.staking_registry,
        "provider_id": SCOPE.provider_id,
        "first_block": 0,
        "last_scanned_block": 10,
        "coinbases": {},
    }
    fields.update(changes)
    return CoinbaseMapping(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"chain_id": 1}, "the coinbase mapping is for chain 1"),
        ({"provider_id": 2}, "provider 2; this run is for"),
        (
            {"staking_registry": Address.from_int(7)},
            "staking registry 0x0000000000000000000000000000000000000007",
        ),
        ({"first_block": 11}, "are not a range of blocks"),
        ({"first_block": -1}, "are not a range of blocks"),
        ({"coinbases": {attester(1): CoinbaseRecord(coinbase(1), -3)}}, "negative block"),
    ],
)
def test_a_mapping_of_another_scope_or_malformed_is_not_reused(changes, reason) -> None:
    problem = reuse_problem(mapping(**changes), SCOPE)
    assert problem is not None and reason in problem


def test_a_mapping_of_the_scope_is_reused_whatever_the_network_is_called() -> None:
    assert reuse_problem(mapping(network="renamed"), SCOPE) is None


def test_equal_mappings_are_equal_whatever_order_they_were_built_in() -> None:
    a = {attester(1): CoinbaseRecord(coinbase(1), 5), attester(2): CoinbaseRecord(coinbase(2), 3)}
    b = dict(reversed(a.items()))
    assert mapping(coinbases=a) == mapping(coinbases=b)
    assert list(mapping(coinbases=a).coinbases) == [attester(2), attester(1)]


def test_the_report_lists_the_wanted_attesters_once_each_with_none_for_unknown() -> None:
    known = {attester(1): CoinbaseRecord(coinbase(1), 5)}
    assert report(known, [attester(2), attester(1), attester(2)]) == (
        (attester(2), None),
        (attester(1), CoinbaseRecord(coinbase(1), 5)),
    )
    assert report(known, None) == ((attester(1), CoinbaseRecord(coinbase(1), 5)),)


def test_block_ranges_cut_into_pieces_cover_them_exactly() -> None:
    assert BlockRange(5, 29).pieces(10) == (BlockRange(5, 14), BlockRange(15, 24), BlockRange(25, 29))
    assert BlockRange(5, 5).pieces(10) == (BlockRange(5, 5),)


def block_hash(block: int, fork: int = 0) -> str:
    return "0x" + (block * 1000 + fork).to_bytes(32, "big").hex()


@given(
    blocks=st.lists(st.integers(0, 200), min_size=1, max_size=8, unique=True),
    fork_at=st.integers(0, 220),
    head=st.integers(0, 220),
)
def test_a_reorganisation_is_found_at_the_first_checkpoint_that_changed(blocks, fork_at, head) -> None:
    """The chain now has other blocks from `fork_at` on and ends at `head`; the checkpoints were taken
    on the old chain. The point found is the newest checkpoint both chains share."""
    checkpoints = tuple(Checkpoint(b, block_hash(b)) for b in sorted(blocks))
    now = {b: block_hash(b, fork=1 if b >= fork_at else 0) for b in blocks if b <= head}

    point = reorg_point(checkpoints, now)

    agreed = [b for b in sorted(blocks) if b < fork_at and b <= head]
    if len(agreed) == len(blocks):
        assert point is None
    else:
        assert point == (agreed[-1] if agreed else -1)


def test_rolling_back_drops_what_came_after_the_point() -> None:
    mapping = scanned_mapping(
        None,
        SCOPE,
        [BlockRange(5, 40)],
        {attester(1): CoinbaseRecord(coinbase(1), 10), attester(2): CoinbaseRecord(coinbase(2), 30)},
        checkpoint=Checkpoint(40, block_hash(40)),
    )
    mapping = scanned_mapping(
        mapping, SCOPE, [BlockRange(41, 60)], mapping.coinbases, checkpoint=Checkpoint(60, block_hash(60))
    )

    back = rolled_back(mapping, 40)

    assert back is not None
    assert (back.first_block, back.last_scanned_block) == (5, 40)
    assert dict(back.coinbases) == {
        attester(1): CoinbaseRecord(coinbase(1), 10),
        attester(2): CoinbaseRecord(coinbase(2), 30),
    }
    assert back.checkpoints == (Checkpoint(40, block_hash(40)),)
    assert rolled_back(mapping, 20) is not None and attester(2) not in rolled_back(mapping, 20).coinbases  # type: ignore[union-attr]
    assert rolled_back(mapping, 4) is None


def test_a_mapping_keeps_the_latest_checkpoints_only() -> None:
    mapping = None
    for last in range(10, 10 * (KEPT_CHECKPOINTS + 3), 10):
        mapping = scanned_mapping(
            mapping, SCOPE, [BlockRange(last - 9, last)], {}, checkpoint=Checkpoint(last, block_hash(last))
        )
    assert mapping is not None
    assert [c.block for c in mapping.checkpoints] == list(range(10 * (KEPT_CHECKPOINTS + 3) - 10, 0, -10))[
        :KEPT_CHECKPOINTS
    ][::-1]


def test_attesters_staked_with_two_coinbases_are_found_and_resolved_as_told() -> None:
    known = {attester(1): CoinbaseRecord(coinbase(1), 5)}
    events = [event(1, 7, 9), event(2, 2, 10), event(3, 3, 11), event(3, 8, 12)]

    assert staked_twice(known, events) == (attester(1), attester(3))
    merged = merged_coinbases(known, events, {attester(1): CoinbaseRecord(coinbase(7), 9), attester(3): None})
    assert merged == {
        attester(1): CoinbaseRecord(coinbase(7), 9),
        attester(2): CoinbaseRecord(coinbase(2), 10),
    }
