"""JSON-RPC transport against a real anvil behind a counting, misbehaving proxy.

Covers batching (and how many HTTP requests reads of 1,000 items cost through the chain adapter),
retries of transient failures (rate limits inside HTTP 200 among them), and the errors everything else
becomes.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.chain.transport import RpcCall, RpcError, RpcTransport
from butler.adapters.http.error_text import redact_url
from butler.adapters.http.retry import RETRY_AFTER_CAP, exponential_backoff
from butler.domain.address import Address
from butler.domain.errors import ChainError
from butler.domain.onchain import AttesterStatus, G1Point
from tests.integration.rpc_proxy import INFURA_RATE_LIMIT, SECRET_PATH, RpcProxy
from tests.integration.stub_node import ANVIL_CHAIN_ID, StubNode, proxy, stub_node

__all__ = ["proxy", "stub_node"]  # fixtures used by the tests below

MAX_BATCH = 500
ITEMS = 1000


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def transport(url: str, *, sleep: SleepRecorder | None = None, **options: Any) -> RpcTransport:
    return RpcTransport(url, sleep=sleep or SleepRecorder(), **options)


def accounts(n: int, offset: int = 0x5000) -> list[Address]:
    return [Address.from_int(offset + i) for i in range(n)]


def assert_no_secret(error: Exception) -> None:
    text = str(error)
    assert "SECRET" not in text
    assert SECRET_PATH.split("?")[0] not in text


# --- batching -------------------------------------------------------------------------------------


def test_a_batch_longer_than_the_chunk_size_is_split_and_answered_in_call_order(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    holders = accounts(1234, offset=0x9000)
    for i, holder in enumerate(holders[:50]):
        stub_node.set_balance(holder, 10**15 + i)
    rpc = transport(proxy.url, max_batch=MAX_BATCH)

    results = rpc.batch([RpcCall("eth_getBalance", [a.checksum, "latest"]) for a in holders])

    assert [int(r, 16) for r in results[:50]] == [10**15 + i for i in range(50)]
    assert all(int(r, 16) == 0 for r in results[50:])
    assert proxy.posts == math.ceil(len(holders) / MAX_BATCH)
    assert max(len(body) for body in proxy.bodies) == MAX_BATCH


def test_a_batch_is_also_cut_by_size_so_that_no_post_outgrows_what_nodes_accept(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    holders = accounts(300, offset=0xA000)
    stub_node.set_balance(holders[7], 123)
    calls = [RpcCall("eth_getBalance", [a.checksum, "latest"]) for a in holders]
    limit = 2_000
    rpc = transport(proxy.url, max_batch=MAX_BATCH, max_batch_bytes=limit)

    results = rpc.batch(calls)

    assert [int(r, 16) for r in results] == [123 if i == 7 else 0 for i in range(len(holders))]
    sizes = [len(json.dumps(body, separators=(",", ":"))) for body in proxy.bodies]
    assert max(sizes) <= limit
    assert proxy.posts == len(sizes) > len(holders) * 100 // limit
    assert sum(len(body) for body in proxy.bodies) == len(holders)


def test_a_call_larger_than_the_size_limit_is_sent_alone(proxy: RpcProxy) -> None:
    rpc = transport(proxy.url, max_batch_bytes=10)

    assert [int(r, 16) for r in rpc.batch([RpcCall("eth_chainId", []), RpcCall("eth_chainId", [])])] == [
        ANVIL_CHAIN_ID
    ] * 2
    assert proxy.posts == 2


def test_a_single_call_is_sent_as_a_plain_request(proxy: RpcProxy) -> None:
    rpc = transport(proxy.url)

    assert int(rpc.request("eth_chainId"), 16) == ANVIL_CHAIN_ID
    assert isinstance(proxy.bodies[0], dict)


def test_an_empty_batch_sends_nothing(proxy: RpcProxy) -> None:
    assert transport(proxy.url).batch([]) == []
    assert proxy.posts == 0


# --- request counts for 1,000 items ---------------------------------------------------------------


@pytest.fixture
def big_stub(stub_node: StubNode) -> StubNode:
    stub_node.set_size(ITEMS)
    return stub_node


def stub_chain(node: StubNode, url: str) -> JsonRpcChain:
    return JsonRpcChain(
        RpcTransport(url, max_batch=MAX_BATCH),
        chain_id=ANVIL_CHAIN_ID,
        staking_registry=node.address,
        rollup=node.address,
    )


def ready_chain(node: StubNode, proxy: RpcProxy) -> JsonRpcChain:
    """An adapter that has done its one-off checks, with the proxy's counter reset after them."""
    chain = stub_chain(node, proxy.url)
    chain.rollup()  # the one-off checks: chain id, canonical rollup
    proxy.reset()
    return chain


def test_1000_attester_views_cost_one_post_per_500(big_stub: StubNode, proxy: RpcProxy) -> None:
    chain = ready_chain(big_stub, proxy)
    attesters = accounts(ITEMS)

    views = chain.attester_views(attesters)

    assert list(views) == attesters
    assert all(views[a].status == AttesterStatus(int.from_bytes(a.raw, "big") % 4) for a in attesters)
    assert all(views[a].withdrawer == Address.from_int(int.from_bytes(a.raw, "big") + 1) for a in attesters)
    assert proxy.posts == math.ceil(ITEMS / MAX_BATCH)


def test_1000_balances_cost_one_post_per_500(big_stub: StubNode, proxy: RpcProxy) -> None:
    holders = accounts(ITEMS, offset=0x7000)
    for i, holder in enumerate(holders[::100]):
        big_stub.set_balance(holder, 5 * 10**17 + i)
    chain = ready_chain(big_stub, proxy)

    balances = chain.balances(holders)

    assert [balances[h] for h in holders[::100]] == [5 * 10**17 + i for i in range(len(holders[::100]))]
    assert proxy.posts == math.ceil(ITEMS / MAX_BATCH)


def test_a_provider_queue_of_1000_costs_the_bounds_then_the_items(
    big_stub: StubNode, proxy: RpcProxy
) -> None:
    chain = ready_chain(big_stub, proxy)

    queue = chain.provider_queue(3)

    first = big_stub.first_queue_index
    assert [k.attester for k in queue] == [Address.from_int(0xA0000 + first + i) for i in range(ITEMS)]
    assert all(k.public_key_g1 == G1Point(first + i, 3) for i, k in enumerate(queue))
    # One POST for the bounds and the block number, then the items with the bounds re-read at that block.
    assert proxy.posts == 1 + math.ceil((ITEMS + 2) / MAX_BATCH)


def test_an_entry_queue_of_1000_costs_the_length_then_the_items(big_stub: StubNode, proxy: RpcProxy) -> None:
    chain = ready_chain(big_stub, proxy)

    queue = chain.entry_queue()

    assert [d.attester for d in queue] == [Address.from_int(0xB0000 + i) for i in range(ITEMS)]
    assert [d.move_with_latest_rollup for d in queue] == [i % 2 == 1 for i in range(ITEMS)]
    assert proxy.posts == 1 + math.ceil((ITEMS + 1) / MAX_BATCH)


def test_1000_registration_digests_cost_the_gse_lookup_once_then_one_post_per_500(
    big_stub: StubNode, proxy: RpcProxy
) -> None:
    chain = ready_chain(big_stub, proxy)
    keys = [G1Point(i, i + 7) for i in range(ITEMS)]

    first = chain.registration_digests(keys)
    posts_first = proxy.posts
    second = chain.registration_digests(keys)

    assert list(first) == [G1Point(k.x + 1, k.y + 2) for k in keys] == list(second)
    assert posts_first == 1 + math.ceil(ITEMS / MAX_BATCH)
    assert proxy.posts - posts_first == math.ceil(ITEMS / MAX_BATCH)


def test_finding_a_provider_among_1000_by_admin_costs_the_count_then_the_configurations(
    big_stub: StubNode, proxy: RpcProxy
) -> None:
    chain = ready_chain(big_stub, proxy)

    # Providers 277 and 777 share this admin (the stub repeats admins every 500 ids).
    provider = chain.provider_by_admin(Address.from_int(0x1000 + 277))

    assert provider is not None
    assert provider.id == 277
    assert proxy.posts == 1 + math.ceil(ITEMS / MAX_BATCH)


def test_the_chain_id_is_checked_once_per_adapter(big_stub: StubNode, proxy: RpcProxy) -> None:
    chain = stub_chain(big_stub, proxy.url)

    chain.head_block()
    chain.balances(accounts(3))
    chain.provider_by_id(1)

    assert proxy.calls_of("eth_chainId") == 1


# --- retries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [429, 502, 503, 504, "drop"])
def test_a_transient_failure_is_retried_with_backoff(proxy: RpcProxy, fault: int | str) -> None:
    sleep = SleepRecorder()
    backoff = exponential_backoff(base=0.5, factor=3.0, cap=100.0)
    rpc = transport(proxy.url, sleep=sleep, backoff=backoff, max_attempts=4)
    proxy.faults.extend([fault, fault])

    results = rpc.batch([RpcCall("eth_chainId", []), RpcCall("eth_blockNumber", [])])

    assert int(results[0], 16) == ANVIL_CHAIN_ID
    assert proxy.posts == 3
    assert sleep.delays == [backoff(1), backoff(2)] == [0.5, 1.5]


def test_a_stalled_request_times_out_and_is_retried(proxy: RpcProxy) -> None:
    proxy.stall_seconds = 1.0
    rpc = transport(proxy.url, timeout=0.2, max_attempts=2)
    proxy.faults.append("stall")

    assert int(rpc.request("eth_chainId"), 16) == ANVIL_CHAIN_ID
    assert proxy.posts == 2


def test_retries_are_bounded_and_the_error_names_the_node_without_its_secrets(proxy: RpcProxy) -> None:
    sleep = SleepRecorder()
    rpc = transport(proxy.url, sleep=sleep, max_attempts=3)
    proxy.faults.extend([503, 503, 503, 503])

    with pytest.raises(ChainError) as caught:
        rpc.request("eth_blockNumber")

    assert proxy.posts == 3
    assert len(sleep.delays) == 2
    assert proxy.node in str(caught.value)
    assert "HTTP 503" in str(caught.value)
    assert_no_secret(caught.value)
    assert caught.value.__cause__ is None


def test_a_refused_connection_is_retried_then_reported_without_the_url_path(closed_port: int) -> None:
    sleep = SleepRecorder()
    node = f"http://127.0.0.1:{closed_port}"
    rpc = transport(node + SECRET_PATH, sleep=sleep, max_attempts=3)

    with pytest.raises(ChainError) as caught:
        rpc.request("eth_chainId")

    assert len(sleep.delays) == 2
    assert f"rpc {node}: " in str(caught.value)
    assert "connection failed" in str(caught.value)
    assert_no_secret(caught.value)


def test_a_server_error_that_is_not_transient_fails_at_once(proxy: RpcProxy) -> None:
    rpc = transport(proxy.url)
    proxy.faults.append(500)

    with pytest.raises(ChainError, match="HTTP 500") as caught:
        rpc.request("eth_chainId")

    assert proxy.posts == 1
    assert_no_secret(caught.value)


# --- rate limits answered with HTTP 200 and a JSON-RPC error ------------------------------------

ALCHEMY_RATE_LIMIT = {
    "code": 429,
    "message": "Your app has exceeded its compute units per second capacity. If you have retries enabled, "
    "you can safely ignore this message. If not, check out https://docs.alchemy.com/reference/throughput",
}
RATE_LIMITS_WITHOUT_HINT = [
    ALCHEMY_RATE_LIMIT,
    {"code": -32007, "message": "100/second request limit reached - reduce calls per second"},
    {"code": -32029, "message": "Too many requests"},
    {"code": -32090, "message": "Too Many Requests"},
    {"code": -32000, "message": "rate limit exceeded, retry later"},
]
FLAT_BACKOFF = exponential_backoff(base=0.5, factor=1.0)


@pytest.mark.parametrize("error", RATE_LIMITS_WITHOUT_HINT, ids=lambda e: str(e["code"]))
def test_a_rate_limited_request_is_sent_again_until_answered(proxy: RpcProxy, error: dict[str, Any]) -> None:
    sleep = SleepRecorder()
    rpc = transport(proxy.url, sleep=sleep, backoff=FLAT_BACKOFF, max_attempts=4)
    proxy.rate_limit_error = error
    proxy.faults.extend(["rate-limited", "rate-limited"])

    assert int(rpc.request("eth_chainId"), 16) == ANVIL_CHAIN_ID
    assert proxy.posts == 3
    assert proxy.bodies[0] == proxy.bodies[1] == proxy.bodies[2]
    assert sleep.delays == [0.5, 0.5]


def test_a_batch_with_one_rate_limited_answer_is_sent_again_whole(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    holders = accounts(4, offset=0xC000)
    for i, holder in enumerate(holders):
        stub_node.set_balance(holder, 7 * 10**15 + i)
    rpc = transport(proxy.url)
    proxy.faults.append("rate-limited-one")

    results = rpc.batch([RpcCall("eth_getBalance", [h.checksum, "latest"]) for h in holders])

    assert [int(r, 16) for r in results] == [7 * 10**15 + i for i in range(4)]
    assert proxy.posts == 2
    assert proxy.bodies[0] == proxy.bodies[1]
    assert len(proxy.bodies[1]) == 4


def test_a_batch_refused_with_a_single_rate_limit_error_is_sent_again(proxy: RpcProxy) -> None:
    rpc = transport(proxy.url)
    proxy.rate_limit_error = ALCHEMY_RATE_LIMIT
    proxy.faults.append("rate-limited")

    results = rpc.batch_results([RpcCall("eth_chainId", []), RpcCall("eth_blockNumber", [])])

    assert int(results[0], 16) == ANVIL_CHAIN_ID
    assert not any(isinstance(r, RpcError) for r in results)
    assert proxy.posts == 2


def test_the_backoff_a_rate_limit_error_asks_for_is_honoured(proxy: RpcProxy) -> None:
    sleep = SleepRecorder()
    rpc = transport(proxy.url, sleep=sleep, backoff=FLAT_BACKOFF)
    proxy.faults.extend(["rate-limited", "rate-limited-one"])

    rpc.batch([RpcCall("eth_chainId", []), RpcCall("eth_blockNumber", [])])

    assert INFURA_RATE_LIMIT["data"]["rate"]["backoff_seconds"] == 30
    assert sleep.delays == [30.0, 30.0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"rate": {"backoff_seconds": 3600}}, RETRY_AFTER_CAP),
        ({"backoff_seconds": 2.5}, 2.5),  # Infura's older answers
        ({"rate": {"backoff_seconds": 0.1}}, 0.5),  # never sooner than the transport's own backoff
        ({"rate": {"backoff_seconds": "soon"}}, 0.5),
    ],
)
def test_a_backoff_hint_is_capped_and_never_shortens_the_backoff(
    proxy: RpcProxy, data: dict[str, Any], expected: float
) -> None:
    sleep = SleepRecorder()
    rpc = transport(proxy.url, sleep=sleep, backoff=FLAT_BACKOFF)
    proxy.rate_limit_error = {"code": -32005, "message": "project ID request rate exceeded", "data": data}
    proxy.faults.append("rate-limited")

    assert int(rpc.request("eth_chainId"), 16) == ANVIL_CHAIN_ID
    assert sleep.delays == [expected]


@pytest.mark.parametrize(
    "error",
    [
        {"code": 3, "message": "execution reverted: rate limit exceeded", "data": "0x08c379a0"},
        {"code": -32000, "message": "execution reverted: too many requests"},
        {"code": -32005, "message": "query returned more than 10000 results"},
    ],
    ids=["revert-with-data", "revert-message", "getlogs-too-large"],
)
def test_an_error_that_is_not_a_rate_limit_is_not_sent_again(proxy: RpcProxy, error: dict[str, Any]) -> None:
    sleep = SleepRecorder()
    rpc = transport(proxy.url, sleep=sleep)
    proxy.intercept = lambda body: {"jsonrpc": "2.0", "id": body["id"], "error": error}

    with pytest.raises(RpcError) as caught:
        rpc.request("eth_call", [{"to": "0x" + "11" * 20, "data": "0x"}, "latest"])

    assert caught.value.code == error["code"]
    assert proxy.posts == 1
    assert sleep.delays == []


def test_an_injected_revert_in_a_batch_is_not_sent_again(proxy: RpcProxy) -> None:
    proxy.faults.append("error-one")

    results = transport(proxy.url).batch_results([RpcCall("eth_chainId", []), RpcCall("eth_blockNumber", [])])

    assert isinstance(results[0], RpcError)
    assert proxy.posts == 1


def test_a_rate_limit_that_outlasts_the_attempts_is_one_line_without_secrets(proxy: RpcProxy) -> None:
    sleep = SleepRecorder()
    rpc = transport(proxy.url, sleep=sleep, max_attempts=3)
    proxy.faults.extend(["rate-limited"] * 4)

    with pytest.raises(ChainError) as caught:
        rpc.request("eth_blockNumber")

    message = str(caught.value)
    assert proxy.posts == 3
    assert len(sleep.delays) == 2
    assert not isinstance(caught.value, RpcError)
    assert message.startswith(f"rpc {proxy.node}: eth_blockNumber failed after 3 attempts: rate limited")
    assert "daily request count exceeded" in message
    assert "\n" not in message
    assert_no_secret(caught.value)
    assert caught.value.__cause__ is None


# --- errors that are not retried ------------------------------------------------------------------


def test_an_answer_that_is_not_json_is_an_error(proxy: RpcProxy) -> None:
    proxy.faults.append("garbage")

    with pytest.raises(ChainError, match="not JSON"):
        transport(proxy.url).request("eth_chainId")
    assert proxy.posts == 1


def test_a_batch_answer_missing_an_id_is_an_error_not_a_short_result(proxy: RpcProxy) -> None:
    proxy.faults.append("lose-one")
    calls = [RpcCall("eth_getBalance", [a.checksum, "latest"]) for a in accounts(5)]

    with pytest.raises(ChainError, match="unanswered") as caught:
        transport(proxy.url).batch(calls)
    assert proxy.posts == 1
    assert_no_secret(caught.value)


def test_an_error_object_in_a_batch_fails_the_batch_or_is_returned_in_its_place(proxy: RpcProxy) -> None:
    calls = [RpcCall("eth_getBalance", [a.checksum, "latest"]) for a in accounts(3)]
    rpc = transport(proxy.url)

    proxy.faults.append("error-one")
    with pytest.raises(RpcError, match="execution reverted: injected"):
        rpc.batch(calls)

    proxy.faults.append("error-one")
    results = rpc.batch_results(calls)
    assert isinstance(results[0], RpcError)
    assert results[0].code == 3
    assert [int(r, 16) for r in results[1:]] == [0, 0]


def test_a_json_rpc_error_from_the_node_names_method_and_message(proxy: RpcProxy) -> None:
    with pytest.raises(RpcError) as caught:
        transport(proxy.url).request("eth_noSuchMethod", [])

    assert caught.value.method == "eth_noSuchMethod"
    assert "eth_noSuchMethod failed" in str(caught.value)
    assert proxy.node in str(caught.value)
    assert proxy.posts == 1


def test_a_revert_surfaces_as_a_chain_error(stub_node: StubNode, proxy: RpcProxy) -> None:
    calls = [
        RpcCall(
            "eth_call",
            [{"to": stub_node.address.checksum, "data": "0x6a4e3a5d" + "00" * 32}, "latest"],
        )
    ]

    with pytest.raises(ChainError, match="eth_call failed: execution reverted") as caught:
        transport(proxy.url).batch(calls)
    assert proxy.node in str(caught.value)


# --- url redaction --------------------------------------------------------------------------------


def test_the_transport_names_its_node_by_scheme_and_host_only() -> None:
    # The cases of url redaction are in tests/unit/test_http_foundation.py.
    rpc = RpcTransport("https://user:pass@rpc.example.org:8545/v2/KEY123?key=abc")
    assert rpc.node == redact_url("https://rpc.example.org:8545") == "https://rpc.example.org:8545"
    assert repr(rpc) == "RpcTransport(https://rpc.example.org:8545)"
