"""eth_getLogs ranges of the web3 adapter against a real anvil: they shrink to what the node takes, the
limit learnt lasts across calls, they grow again once the node takes more, and rate limits (HTTP 429 or a
JSON-RPC 429) are never mistaken for a range limit."""

from __future__ import annotations

from typing import Any

import pytest

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.chain.transport import RpcTransport
from butler.domain.address import Address
from butler.domain.errors import ChainError
from tests.integration.rpc_proxy import RpcProxy
from tests.integration.stub_node import ANVIL_CHAIN_ID, StubNode, proxy, stub_node

__all__ = ["proxy", "stub_node"]  # fixtures used by the tests below

TOO_LARGE = {"code": -32005, "message": "query returned more than 10000 results"}


def chain_for(node: StubNode, url: str) -> JsonRpcChain:
    return JsonRpcChain(
        RpcTransport(url, sleep=lambda _: None),
        chain_id=ANVIL_CHAIN_ID,
        staking_registry=node.address,
        rollup=node.address,
    )


def getlogs_ranges(proxy: RpcProxy) -> list[tuple[int, int]]:
    ranges = []
    for body in proxy.bodies:
        for item in body if isinstance(body, list) else [body]:
            if isinstance(item, dict) and item.get("method") == "eth_getLogs":
                log_filter = item["params"][0]
                ranges.append((int(log_filter["fromBlock"], 16), int(log_filter["toBlock"], 16)))
    return ranges


class WidthLimit:
    """Refuses eth_getLogs ranges wider than `limit` blocks (None: no limit), like many RPC services."""

    def __init__(self, limit: int | None, error: dict[str, Any] = TOO_LARGE) -> None:
        self.limit = limit
        self.error = error

    def __call__(self, body: Any) -> Any | None:
        if isinstance(body, dict) and body.get("method") == "eth_getLogs" and self.limit is not None:
            log_filter = body["params"][0]
            if int(log_filter["toBlock"], 16) - int(log_filter["fromBlock"], 16) + 1 > self.limit:
                return {"jsonrpc": "2.0", "id": body["id"], "error": self.error}
        return None


@pytest.fixture
def events(stub_node: StubNode) -> tuple[int, int, list[Address]]:
    """Staked events spread over 40 blocks: (first block, last block, attesters in chain order)."""
    first = stub_node.head() + 1
    attesters = []
    for n in range(40):
        stub_node.emit_staked(1, 0x7000 + n, 1)
        attesters.append(Address.from_int(0x7000 + n))
    return first, stub_node.head(), attesters


def test_the_limit_learnt_lasts_across_calls(
    stub_node: StubNode, proxy: RpcProxy, events: tuple[int, int, list[Address]]
) -> None:
    first, last, attesters = events
    chain = chain_for(stub_node, proxy.url)
    proxy.intercept = WidthLimit(4)
    middle = first + 19

    found = [*chain.staked_with_provider(1, first, middle), *chain.staked_with_provider(1, middle + 1, last)]

    assert [e.attester for e in found] == attesters
    ranges = getlogs_ranges(proxy)
    second_call = [r for r in ranges if r[0] > middle]
    refused_second = [r for r in second_call if r[1] - r[0] + 1 > 4]
    # The second call starts near the limit instead of halving its way down from 20 blocks again.
    assert len(refused_second) <= 1
    assert all(r[1] - r[0] + 1 >= 2 for r in second_call[:-1])


def test_ranges_grow_again_when_the_node_takes_more(
    stub_node: StubNode, proxy: RpcProxy, events: tuple[int, int, list[Address]]
) -> None:
    first, last, attesters = events
    chain = chain_for(stub_node, proxy.url)
    dense_end = first + 9

    def dense_start(body: Any) -> Any | None:
        """The first ten blocks are "dense": the node refuses a range holding more than two of them."""
        if isinstance(body, dict) and body.get("method") == "eth_getLogs":
            log_filter = body["params"][0]
            start, end = int(log_filter["fromBlock"], 16), int(log_filter["toBlock"], 16)
            if min(end, dense_end) - start + 1 > 2:
                return {"jsonrpc": "2.0", "id": body["id"], "error": TOO_LARGE}
        return None

    proxy.intercept = dense_start

    found = chain.staked_with_provider(1, first, last)

    assert [e.attester for e in found] == attesters
    after_dense = [(a, b) for a, b in getlogs_ranges(proxy) if a > dense_end]
    assert max(b - a + 1 for a, b in after_dense) > 2
    # At two blocks a request, the 30 blocks after the dense ones would take 15 requests.
    assert len(after_dense) < 10


@pytest.mark.parametrize(
    "error",
    [
        {"code": 429, "message": "Too Many Requests"},
        {"code": -32005, "message": "too many requests, please slow down"},
    ],
)
def test_a_json_rpc_rate_limit_is_not_taken_for_a_range_limit(
    stub_node: StubNode, proxy: RpcProxy, events: tuple[int, int, list[Address]], error: dict[str, Any]
) -> None:
    first, last, _ = events
    chain = chain_for(stub_node, proxy.url)
    proxy.intercept = WidthLimit(0, error)

    with pytest.raises(ChainError, match=r"(?i)too many requests"):
        chain.staked_with_provider(1, first, last)
    # Retried as it came (a rate limit is transient), never split.
    assert set(getlogs_ranges(proxy)) == {(first, last)}


def test_http_429_answers_are_retried_and_the_scan_completes(
    stub_node: StubNode, proxy: RpcProxy, events: tuple[int, int, list[Address]]
) -> None:
    first, last, attesters = events
    chain = chain_for(stub_node, proxy.url)
    chain.head_block()  # the chain-id check is behind us: the faults below hit eth_getLogs
    proxy.intercept = WidthLimit(5)
    proxy.every_nth = (3, 429)

    found = chain.staked_with_provider(1, first, last)

    assert [e.attester for e in found] == attesters
    assert proxy.faulted >= 3
