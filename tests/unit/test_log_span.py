"""The eth_getLogs span: shrinks to what a node takes, grows back when it takes more, covers every block."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.adapters.chain.log_span import LogSpan

Node = Callable[[int, int], bool]  # (first, last) -> accepted?


def scan(span: LogSpan, first: int, last: int, node: Node) -> tuple[list[tuple[int, int]], int]:
    """What the web3 adapter does with a span: the accepted ranges and the number of refusals."""
    accepted, refused = [], 0
    cursor = first
    while cursor <= last:
        end = cursor + span.size(last - cursor + 1) - 1
        if node(cursor, end):
            span.accepted(end - cursor + 1)
            accepted.append((cursor, end))
            cursor = end + 1
        else:
            refused += 1
            span.refused(end - cursor + 1)
    return accepted, refused


def width_limit(limit: int) -> Node:
    return lambda first, last: last - first + 1 <= limit


@given(
    limit=st.integers(1, 5_000),
    first=st.integers(0, 1_000),
    length=st.integers(1, 60_000),
    maximum=st.none() | st.integers(1, 20_000),
)
def test_every_block_is_covered_once_in_order_within_the_limits(limit, first, length, maximum) -> None:
    last = first + length - 1
    accepted, _ = scan(LogSpan(maximum), first, last, width_limit(limit))

    assert accepted[0][0] == first and accepted[-1][1] == last
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(accepted))
    assert all(b - a + 1 <= limit and (maximum is None or b - a + 1 <= maximum) for a, b in accepted)


def test_a_fixed_limit_is_found_quickly_and_then_costs_few_refusals() -> None:
    span = LogSpan()
    accepted, refused = scan(span, 0, 1_000_000, width_limit(2_000))

    # Close to the limit: the scan needs barely more requests than the limit allows.
    assert len(accepted) <= 1_000_001 // 2_000 * 9 // 8 + 2
    assert refused <= 10 + len(accepted) // 64


def test_the_span_grows_again_after_a_dense_stretch() -> None:
    # Blocks 0-9,999 are dense (the node refuses more than 100 of them), the rest sparse (up to 50,000).
    def node(first: int, last: int) -> bool:
        dense = max(0, min(last, 9_999) - first + 1)
        return dense <= 100 and last - first + 1 <= 50_000

    span = LogSpan()
    accepted, _ = scan(span, 0, 400_000, node)

    sparse = [b - a + 1 for a, b in accepted if a >= 10_000]
    assert max(sparse) > 10_000
    # At 97 blocks a request the sparse part would take ~4,000 requests.
    assert len(sparse) < 50


def test_a_maximum_caps_the_span_from_the_first_request() -> None:
    span = LogSpan(500)
    assert span.size(10_000) == 500
    span.accepted(500)
    assert span.size(10_000) == 500


def test_without_a_maximum_the_first_request_asks_for_everything() -> None:
    span = LogSpan()
    assert span.size(123_456) == 123_456
    span.accepted(123_456)
    assert span.current is None


def test_a_single_block_cannot_be_refused() -> None:
    with pytest.raises(ValueError, match="single block"):
        LogSpan().refused(1)
