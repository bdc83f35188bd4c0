"""The chain adapter with `aggregate=True` (as the scraper runs it) against anvil serving ChainReadStub:
the same answers as one eth_call per item, in far fewer calls and requests, with the same errors for a
misconfigured address or a refusing node, and still no torn read of a moving queue."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from butler.adapters.chain import aggregate_calls
from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.chain.read_batching import AggregationStatus
from butler.adapters.chain.transport import RpcTransport
from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.errors import ChainError
from tests.integration.misconfigured_reads import SETTING_READS, Read, refused_rollup
from tests.integration.rpc_proxy import RpcProxy
from tests.integration.stub_node import ANVIL_CHAIN_ID, StubNode, proxy, stub_node
from tests.integration.test_jsonrpc_chain import REVERTS_ALWAYS, answer_eth_calls_with

__all__ = ["proxy", "stub_node"]  # fixtures used by the tests below

ITEMS = 1000
VIEWS_PER_CALL = aggregate_calls.max_items(11 * 32)
KEYSTORES_PER_CALL = aggregate_calls.max_items(9 * 32)


def adapter(node: StubNode, url: str, *, aggregate: bool, **addresses: Address) -> JsonRpcChain:
    contracts = {"staking_registry": node.address, "rollup": node.address, **addresses}
    return JsonRpcChain(
        RpcTransport(url, sleep=lambda _: None), chain_id=ANVIL_CHAIN_ID, aggregate=aggregate, **contracts
    )


def ready(node: StubNode, proxy: RpcProxy, **addresses: Address) -> JsonRpcChain:
    chain = adapter(node, proxy.url, aggregate=True, **addresses)
    chain.rollup()  # the one-off checks: chain id, canonical rollup
    proxy.reset()
    return chain


def attesters(n: int) -> list[Address]:
    return [Address.from_int(0x5000 + i) for i in range(n)]


@pytest.fixture
def big_stub(stub_node: StubNode) -> StubNode:
    stub_node.set_size(ITEMS)
    return stub_node


def test_views_match_one_call_each_in_one_request(big_stub: StubNode, proxy: RpcProxy) -> None:
    plain = adapter(big_stub, big_stub.rpc_url, aggregate=False)
    chain = ready(big_stub, proxy)

    views = chain.attester_views(attesters(ITEMS))

    assert views == plain.attester_views(attesters(ITEMS))
    assert proxy.posts == 1
    assert proxy.calls_of("eth_call") == math.ceil(ITEMS / VIEWS_PER_CALL)


def test_queues_match_one_call_each_in_two_requests(big_stub: StubNode, proxy: RpcProxy) -> None:
    plain = adapter(big_stub, big_stub.rpc_url, aggregate=False)
    chain = ready(big_stub, proxy)

    provider_queue = chain.provider_queue(3)
    after_provider_queue = proxy.posts
    entry_queue = chain.entry_queue()

    assert list(provider_queue) == list(plain.provider_queue(3))
    assert len(provider_queue) == ITEMS
    assert list(entry_queue) == list(plain.entry_queue())
    assert len(entry_queue) == ITEMS
    # bounds and block number, then the bounds again with the items at that block
    assert after_provider_queue == 2
    assert proxy.posts - after_provider_queue == 2


def test_the_adapter_says_when_and_why_it_stopped_aggregating(big_stub: StubNode, proxy: RpcProxy) -> None:
    plain = adapter(big_stub, big_stub.rpc_url, aggregate=False)
    chain = ready(big_stub, proxy)
    assert chain.read_batching == AggregationStatus(requested=True)
    refusal = {"code": -32602, "message": 'invalid params: missing "to"'}
    proxy.intercept = answer_eth_calls_with(refusal, "0x" + aggregate_calls.PROGRAM[:4].hex())

    views = chain.attester_views(attesters(ITEMS))

    assert views == plain.attester_views(attesters(ITEMS))
    said = 'invalid params: missing "to" (code -32602)'
    assert chain.read_batching == AggregationStatus(requested=True, refused=said)
    assert not chain.read_batching.aggregating
    assert chain.read_batching.refused == said
    assert adapter(big_stub, proxy.url, aggregate=False).read_batching == AggregationStatus(requested=False)


def test_empty_queues_and_no_attesters_cost_no_item_calls(stub_node: StubNode, proxy: RpcProxy) -> None:
    stub_node.set_size(0)
    chain = ready(stub_node, proxy)

    assert chain.entry_queue() == []
    assert chain.provider_queue(1) == []
    assert chain.attester_views([]) == {}
    items = [item for body in proxy.bodies for item in (body if isinstance(body, list) else [body])]
    assert all("to" in item["params"][0] for item in items if item["method"] == "eth_call")


def test_a_queue_that_grows_between_the_two_phases_is_read_at_the_pinned_block(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    stub_node.set_size(100)
    chain = ready(stub_node, proxy)
    raced = False

    def race(body: Any) -> Any | None:
        nonlocal raced
        if raced or not isinstance(body, list) or body[-1]["method"] != "eth_blockNumber":
            return None
        raced = True
        _, bounds = proxy.forward(json.dumps(body[:-1]).encode())
        stub_node.set_size(250)
        _, block = proxy.forward(json.dumps(body[-1]).encode())
        return [*json.loads(bounds), json.loads(block)]

    proxy.intercept = race
    queue = chain.entry_queue()

    assert raced
    assert [d.attester for d in queue] == [Address.from_int(0xB0000 + i) for i in range(250)]
    assert proxy.posts == 3


@pytest.mark.parametrize(("setting", "read", "signature"), SETTING_READS)
def test_a_misconfigured_address_is_named_as_without_aggregation(
    stub_node: StubNode, proxy: RpcProxy, setting: str, read: Read, signature: str
) -> None:
    other_contract, nothing_there = Address.from_int(0xC0DE), Address.from_int(0xDEAD)
    stub_node.rpc("anvil_setCode", [other_contract.checksum, REVERTS_ALWAYS])
    stub_node.set_size(3)  # so that the queue reads get as far as their items
    said = []
    for address in (other_contract, nothing_there):
        for aggregate in (False, True):
            chain = adapter(stub_node, proxy.url, aggregate=aggregate, **{setting: address})
            with pytest.raises(ChainError) as caught:
                read(chain)
            said.append(str(caught.value))

    assert said[0] == said[1]
    assert said[2] == said[3]
    if setting == "rollup":  # a rollup that is not the canonical one is refused before any read of it
        assert said[1] == refused_rollup(other_contract, *[stub_node.address] * 3)
        assert said[3] == refused_rollup(nothing_there, *[stub_node.address] * 3)
        return
    assert said[1].endswith(
        f"{signature} on {setting} {other_contract} reverted without data: "
        f"is the configured {setting} address right?"
    )
    assert said[3].endswith(
        f"{signature} on {setting} {nothing_there} returned no data (no contract there?): "
        f"is the configured {setting} address right?"
    )


@pytest.mark.parametrize("aggregate", [False, True])
def test_a_node_refusing_the_reads_is_quoted_alike(
    stub_node: StubNode, proxy: RpcProxy, aggregate: bool
) -> None:
    chain = adapter(stub_node, proxy.url, aggregate=aggregate)
    chain.rollup()  # the one-off checks: chain id, canonical rollup
    proxy.intercept = answer_eth_calls_with({"code": -32000, "message": "header not found"})

    with pytest.raises(ChainError) as caught:
        chain.attester_views(attesters(3))

    assert str(caught.value) == (
        f"rpc {proxy.node}: getAttesterView(address) on rollup {stub_node.address}: eth_call failed: "
        "header not found (code -32000)"
    )


def test_an_answer_of_another_size_is_an_error_naming_the_function(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    # PUSH1 32 PUSH1 0 RETURN: answers every call with one zero word
    one_word = Address.from_int(0x0E0E)
    stub_node.rpc("anvil_setCode", [one_word.checksum, "0x60206000f3"])
    stub_node.set_canonical_rollup(one_word)  # as the Aztec Registry: the configured rollup is canonical
    try:
        chain = ready(stub_node, proxy, rollup=one_word)
        with pytest.raises(ChainError) as caught:
            chain.attester_views(attesters(2))
    finally:
        stub_node.set_canonical_rollup(ZERO_ADDRESS)  # the stub itself again

    assert str(caught.value) == (
        f"rpc {proxy.node}: getAttesterView(address) on rollup {one_word} returned 32 bytes where 352 were "
        "expected: is the configured rollup address right?"
    )
