"""The web3 chain adapter against a real anvil serving ChainReadStub, behind the counting proxy.

What the shared contract suite cannot arrange on the devnet lives here: a queue that moves between
the two phases of a read, a node that limits eth_getLogs, a misconfigured address, malformed logs.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from eth_abi.abi import encode

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.chain.transport import RpcTransport
from butler.adapters.endpoints import Endpoints
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ChainError
from butler.domain.hashing import keccak256
from butler.domain.onchain import G1Point, Provider, StakedWithProvider
from tests.integration.misconfigured_reads import SETTING_READS, Read, refused_rollup
from tests.integration.rpc_proxy import RpcProxy
from tests.integration.stub_node import ANVIL_CHAIN_ID, StubNode, proxy, stub_node

__all__ = ["proxy", "stub_node"]  # fixtures used by the tests below

STAKER_IMPLEMENTATION = Address.from_int(0xBEEF)
COINBASE_OFFSET = 0xC0FFEE


def chain_for(node: StubNode, url: str, **options: Any) -> JsonRpcChain:
    return JsonRpcChain(
        RpcTransport(url, sleep=lambda _: None),
        chain_id=ANVIL_CHAIN_ID,
        staking_registry=node.address,
        rollup=node.address,
        **options,
    )


# --- providers ------------------------------------------------------------------------------------


def test_providers_by_id_and_unknown_ids(stub_node: StubNode, proxy: RpcProxy) -> None:
    stub_node.set_size(6)
    chain = chain_for(stub_node, proxy.url)

    assert chain.provider_by_id(5) == Provider(
        id=5, admin=Address.from_int(0x1005), take_rate=5, rewards_recipient=Address.from_int(0x2005)
    )
    assert chain.provider_by_id(0) is None
    assert chain.provider_by_id(7) is None


def test_provider_by_admin_scans_every_registered_id(stub_node: StubNode, proxy: RpcProxy) -> None:
    stub_node.set_size(6)
    chain = chain_for(stub_node, proxy.url)

    found = chain.provider_by_admin(Address.from_int(0x1006))

    assert found is not None
    assert found.id == 6
    assert chain.provider_by_admin(Address.from_int(0x1007)) is None


# --- reads pinned to one block --------------------------------------------------------------------


def test_a_queue_that_shrinks_after_its_bounds_were_read_is_still_read_whole(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    stub_node.set_size(40)
    chain = chain_for(stub_node, proxy.url)
    chain.rollup()  # the one-off checks: chain id, canonical rollup
    shrunk = False

    def shrink_after_first_phase(body: Any) -> None:
        nonlocal shrunk
        if not shrunk and isinstance(body, list) and body[-1]["method"] == "eth_blockNumber":
            shrunk = True
            stub_node.set_size(10)

    proxy.after_forward = shrink_after_first_phase
    queue = chain.provider_queue(1)

    assert shrunk
    first = stub_node.first_queue_index
    assert [k.attester for k in queue] == [Address.from_int(0xA0000 + first + i) for i in range(40)]
    assert len(chain.provider_queue(1)) == 10


@pytest.mark.parametrize(("before", "after"), [(5, 12), (12, 5)])
def test_bounds_newer_than_the_block_number_are_read_again_at_that_block(
    stub_node: StubNode, proxy: RpcProxy, before: int, after: int
) -> None:
    """The node answered the bounds before a block landed and the block number after it."""
    stub_node.set_size(before)
    chain = chain_for(stub_node, proxy.url)
    chain.rollup()  # the one-off checks: chain id, canonical rollup
    proxy.reset()
    raced = False

    def race(body: Any) -> Any | None:
        nonlocal raced
        if raced or not isinstance(body, list) or body[-1]["method"] != "eth_blockNumber":
            return None
        raced = True
        _, bounds = proxy.forward(json.dumps(body[:-1]).encode())
        stub_node.set_size(after)
        _, block = proxy.forward(json.dumps(body[-1]).encode())
        return [*json.loads(bounds), json.loads(block)]

    proxy.intercept = race
    queue = chain.entry_queue()

    assert raced
    assert [d.attester for d in queue] == [Address.from_int(0xB0000 + i) for i in range(after)]
    assert proxy.posts == 3


# --- StakedWithProvider logs ----------------------------------------------------------------------


@pytest.fixture
def staked_blocks(stub_node: StubNode) -> tuple[int, int, list[tuple[int, int]]]:
    """Events over a dozen blocks: (first block, last block, [(provider, attester)] in chain order)."""
    expected: list[tuple[int, int]] = []
    first = stub_node.head() + 1
    for round_ in range(6):
        stub_node.emit_staked(1, 0x100 + 10 * round_, 3)
        expected += [(1, 0x100 + 10 * round_ + i) for i in range(3)]
        stub_node.emit_staked(2, 0x900 + round_, 1)
        expected.append((2, 0x900 + round_))
    return first, stub_node.head(), expected


def expected_events(node: StubNode, wanted: list[tuple[int, int]], provider: int) -> list[tuple[Any, ...]]:
    return [
        (
            provider,
            node.address,
            Address.from_int(a),
            Address.from_int(a + COINBASE_OFFSET),
            STAKER_IMPLEMENTATION,
        )
        for p, a in wanted
        if p == provider
    ]


def observed(events: list[StakedWithProvider] | Any) -> list[tuple[Any, ...]]:
    return [(e.provider_id, e.rollup, e.attester, e.coinbase, e.staker_implementation) for e in events]


def test_staked_with_provider_events_come_decoded_in_chain_order(
    stub_node: StubNode, proxy: RpcProxy, staked_blocks: tuple[int, int, list[tuple[int, int]]]
) -> None:
    first, last, wanted = staked_blocks
    chain = chain_for(stub_node, proxy.url)

    events = chain.staked_with_provider(1, first, last)

    assert observed(events) == expected_events(stub_node, wanted, 1)
    positions = [(e.block_number, e.log_index) for e in events]
    assert positions == sorted(positions)
    assert first <= positions[0][0] and positions[-1][0] <= last
    assert observed(chain.staked_with_provider(2, first, last)) == expected_events(stub_node, wanted, 2)
    assert chain.staked_with_provider(1, last + 1, last) == []


def getlogs_ranges(proxy: RpcProxy) -> list[tuple[int, int]]:
    ranges = []
    for body in proxy.bodies:
        for item in body if isinstance(body, list) else [body]:
            if item["method"] == "eth_getLogs":
                ranges.append(
                    (int(item["params"][0]["fromBlock"], 16), int(item["params"][0]["toBlock"], 16))
                )
    return ranges


def refuse_ranges_wider_than(limit: int, error: dict[str, Any]) -> Any:
    def intercept(body: Any) -> Any | None:
        if isinstance(body, dict) and body["method"] == "eth_getLogs":
            log_filter = body["params"][0]
            if int(log_filter["toBlock"], 16) - int(log_filter["fromBlock"], 16) + 1 > limit:
                return {"jsonrpc": "2.0", "id": body["id"], "error": error}
        return None

    return intercept


@pytest.mark.parametrize(
    "error",
    [
        {"code": -32005, "message": "query returned more than 10000 results"},
        {
            "code": -32602,
            "message": "Log response size exceeded. You can make eth_getLogs requests with up to a 2K "
            "block range",
        },
        {"code": -32000, "message": "exceed maximum block range: 3"},
        {"code": -32600, "message": "block range is too wide"},
    ],
)
def test_a_range_the_node_refuses_as_too_large_is_split_until_it_is_accepted(
    stub_node: StubNode,
    proxy: RpcProxy,
    staked_blocks: tuple[int, int, list[tuple[int, int]]],
    error: dict[str, Any],
) -> None:
    first, last, wanted = staked_blocks
    chain = chain_for(stub_node, proxy.url)
    proxy.intercept = refuse_ranges_wider_than(3, error)

    events = chain.staked_with_provider(1, first, last)

    assert observed(events) == expected_events(stub_node, wanted, 1)
    accepted = [r for r in getlogs_ranges(proxy) if r[1] - r[0] + 1 <= 3]
    assert accepted[0][0] == first and accepted[-1][1] == last
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(accepted))


def test_a_configured_log_span_bounds_every_request(
    stub_node: StubNode, proxy: RpcProxy, staked_blocks: tuple[int, int, list[tuple[int, int]]]
) -> None:
    first, last, wanted = staked_blocks
    chain = chain_for(stub_node, proxy.url, max_log_span=2)

    events = chain.staked_with_provider(1, first, last)

    assert observed(events) == expected_events(stub_node, wanted, 1)
    assert all(b - a + 1 <= 2 for a, b in getlogs_ranges(proxy))


def test_a_rate_limit_is_not_mistaken_for_a_range_limit(
    stub_node: StubNode, proxy: RpcProxy, staked_blocks: tuple[int, int, list[tuple[int, int]]]
) -> None:
    first, last, _ = staked_blocks
    chain = chain_for(stub_node, proxy.url)
    proxy.intercept = refuse_ranges_wider_than(
        0, {"code": -32005, "message": "daily request count exceeded, request rate limited"}
    )

    with pytest.raises(ChainError, match="rate limited"):
        chain.staked_with_provider(1, first, last)
    # Retried as it came (a rate limit is transient), never split.
    assert set(getlogs_ranges(proxy)) == {(first, last)}


def test_a_single_block_the_node_still_refuses_is_an_error(
    stub_node: StubNode, proxy: RpcProxy, staked_blocks: tuple[int, int, list[tuple[int, int]]]
) -> None:
    first, last, _ = staked_blocks
    chain = chain_for(stub_node, proxy.url)
    proxy.intercept = refuse_ranges_wider_than(
        0, {"code": -32005, "message": "query returned more than 10000 results"}
    )

    with pytest.raises(ChainError, match="more than 10000 results"):
        chain.staked_with_provider(1, first, last)


def test_a_log_from_another_contract_is_an_error_not_an_event(
    stub_node: StubNode, proxy: RpcProxy, staked_blocks: tuple[int, int, list[tuple[int, int]]]
) -> None:
    first, last, _ = staked_blocks
    chain = chain_for(stub_node, proxy.url)

    def foreign_address(body: Any) -> Any | None:
        _, content = proxy.forward(json.dumps(body).encode())
        answer = json.loads(content)
        if isinstance(body, dict) and body["method"] == "eth_getLogs":
            answer["result"][0]["address"] = Address.from_int(0xBAD).checksum
        return answer

    proxy.intercept = foreign_address

    with pytest.raises(ChainError, match="not a StakedWithProvider event of the registry"):
        chain.staked_with_provider(1, first, last)


# --- configuration mistakes -----------------------------------------------------------------------


def test_a_node_on_another_chain_is_refused_before_any_read(stub_node: StubNode, proxy: RpcProxy) -> None:
    config = NetworkConfig(
        network="mainnet",
        chain_id=1,
        staking_registry=stub_node.address,
        rollup=stub_node.address,
    )
    chain = JsonRpcChain.from_config(config, Endpoints(proxy.url))

    with pytest.raises(ChainError) as caught:
        chain.balances([Address.from_int(1)])

    assert str(caught.value) == (
        f"rpc_url {proxy.node} reports chain id {ANVIL_CHAIN_ID} "
        "but the config for network 'mainnet' expects 1"
    )
    assert proxy.calls_of("eth_getBalance") == 0
    with pytest.raises(ChainError, match="reports chain id"):
        chain.head_block()


# PUSH1 0 PUSH1 0 REVERT: what a contract without the called function (and no fallback) does.
REVERTS_ALWAYS = "0x60006000fd"


def misconfigured(node: StubNode, url: str, field: str, address: Address) -> JsonRpcChain:
    """An adapter whose `field` ("rollup" or "staking_registry") is `address`, the other one right."""
    addresses = {"staking_registry": node.address, "rollup": node.address, field: address}
    return JsonRpcChain(RpcTransport(url), chain_id=ANVIL_CHAIN_ID, **addresses)


def one_line_without_secrets(error: ChainError) -> str:
    text = str(error)
    assert len(error.problems) == 1
    assert "\n" not in text
    assert "SECRET" not in text
    return text


@pytest.fixture(scope="module")
def other_contract(stub_node: StubNode) -> Address:
    address = Address.from_int(0xC0DE)
    stub_node.rpc("anvil_setCode", [address.checksum, REVERTS_ALWAYS])
    return address


@pytest.mark.parametrize(("setting", "read", "signature"), SETTING_READS)
def test_an_address_holding_another_contract_is_named_with_function_and_hint(
    stub_node: StubNode, proxy: RpcProxy, other_contract: Address, setting: str, read: Read, signature: str
) -> None:
    chain = misconfigured(stub_node, proxy.url, setting, other_contract)

    with pytest.raises(ChainError) as caught:
        read(chain)

    assert one_line_without_secrets(caught.value) == (
        # The stub is its own Aztec Registry and canonical rollup: another rollup is refused outright.
        refused_rollup(other_contract, *[stub_node.address] * 3)
        if setting == "rollup"
        else f"rpc {proxy.node}: {signature} on {setting} {other_contract} reverted without data: "
        f"is the configured {setting} address right?"
    )


@pytest.mark.parametrize(("setting", "read", "signature"), SETTING_READS)
def test_an_address_without_a_contract_is_named_with_function_and_hint(
    stub_node: StubNode, proxy: RpcProxy, setting: str, read: Read, signature: str
) -> None:
    nothing_there = Address.from_int(0xDEAD)
    chain = misconfigured(stub_node, proxy.url, setting, nothing_there)

    with pytest.raises(ChainError) as caught:
        read(chain)

    assert one_line_without_secrets(caught.value) == (
        refused_rollup(nothing_there, *[stub_node.address] * 3)
        if setting == "rollup"
        else f"rpc {proxy.node}: {signature} on {setting} {nothing_there} returned no data (no contract "
        f"there?): is the configured {setting} address right?"
    )


def answer_eth_calls_with(error: dict[str, Any], selector: str = "0x") -> Callable[[Any], Any | None]:
    """A node that answers every eth_call whose data starts with `selector` with `error`."""

    def intercept(body: Any) -> Any | None:
        items = body if isinstance(body, list) else [body]
        if not all(i["method"] == "eth_call" and i["params"][0]["data"].startswith(selector) for i in items):
            return None
        answers = [{"jsonrpc": "2.0", "id": i["id"], "error": error} for i in items]
        return answers if isinstance(body, list) else answers[0]

    return intercept


def revert_data(signature: str, types: list[str], args: list[Any]) -> str:
    return "0x" + (keccak256(signature.encode())[:4] + encode(types, args)).hex()


HINT = ": is the configured rollup address right?"


@pytest.mark.parametrize(
    ("error", "said"),
    [
        pytest.param(
            {
                "code": 3,
                "message": "execution reverted: not\nhere",
                "data": revert_data("Error(string)", ["string"], ["not\nhere\x07"]),
            },
            " reverted ('not here')" + HINT,
            id="reason",
        ),
        pytest.param(
            {
                "code": 3,
                "message": "execution reverted",
                "data": revert_data("Panic(uint256)", ["uint256"], [0x32]),
            },
            " reverted with panic 0x32" + HINT,
            id="panic",
        ),
        pytest.param(
            {
                "code": 3,
                "message": "execution reverted",
                "data": revert_data("QueueIndexOutOfBounds()", [], []),
            },
            " reverted with QueueIndexOutOfBounds" + HINT,
            id="known-custom-error",
        ),
        pytest.param(
            {
                "code": 3,
                "message": "execution reverted",
                "data": revert_data("Nope(uint256)", ["uint256"], [1]),
            },
            f" reverted with error 0x{keccak256(b'Nope(uint256)')[:4].hex()}" + HINT,
            id="unknown-custom-error",
        ),
        pytest.param(
            {"code": -32000, "message": "execution reverted"},
            " reverted without data" + HINT,
            id="no-data-field",
        ),
        pytest.param(
            {"code": -32000, "message": "header not found"},
            ": eth_call failed: header not found (code -32000)",
            id="not-a-revert",
        ),
    ],
)
def test_what_a_failed_read_says_follows_the_nodes_error(
    stub_node: StubNode, proxy: RpcProxy, error: dict[str, Any], said: str
) -> None:
    chain = chain_for(stub_node, proxy.url)
    chain.rollup()  # the one-off checks: chain id, canonical rollup
    proxy.intercept = answer_eth_calls_with(error)

    with pytest.raises(ChainError) as caught:
        chain.attester_views([Address.from_int(1)])

    assert one_line_without_secrets(caught.value) == (
        f"rpc {proxy.node}: getAttesterView(address) on rollup {stub_node.address}{said}"
    )


def test_a_gse_that_reverts_is_named_with_the_rollup_that_named_it(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    chain = chain_for(stub_node, proxy.url)
    chain.rollup()  # the one-off checks: chain id, canonical rollup
    digest_selector = "0x" + keccak256(b"getRegistrationDigest((uint256,uint256))")[:4].hex()
    proxy.intercept = answer_eth_calls_with(
        {"code": 3, "message": "execution reverted", "data": "0x"}, selector=digest_selector
    )

    with pytest.raises(ChainError) as caught:
        chain.registration_digests([G1Point(1, 2), G1Point(3, 4)])

    assert one_line_without_secrets(caught.value) == (
        f"rpc {proxy.node}: getRegistrationDigest((uint256,uint256)) on GSE {stub_node.address}, named by "
        f"rollup {stub_node.address} reverted without data: is the configured rollup address right?"
    )


def test_head_block_follows_the_chain(stub_node: StubNode, proxy: RpcProxy) -> None:
    chain = chain_for(stub_node, proxy.url)
    before = chain.head_block()

    stub_node.set_size(3)

    assert chain.head_block() == before + 1 == stub_node.head()


# --- block hashes and the rollup's deposit events -------------------------------------------------


def answer_method_with(proxy: RpcProxy, method: str, result: Any) -> Callable[[Any], Any | None]:
    def intercept(body: Any) -> Any | None:
        if isinstance(body, list):
            if not any(call.get("method") == method for call in body):
                return None
            return [{"jsonrpc": "2.0", "id": call["id"], "result": result} for call in body]
        if body.get("method") != method:
            return None
        return {"jsonrpc": "2.0", "id": body["id"], "result": result}

    return intercept


def test_a_malformed_block_hash_is_an_error_and_a_missing_block_is_absent(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    chain = chain_for(stub_node, proxy.url)
    head = chain.head_block()
    assert set(chain.block_hashes([head, head + 100])) == {head}

    proxy.intercept = answer_method_with(proxy, "eth_getBlockByNumber", {"hash": "0x1234"})
    with pytest.raises(ChainError, match=r"malformed answer to eth_getBlockByNumber"):
        chain.block_hashes([head])


def test_a_deposit_log_of_another_event_is_an_error_not_an_outcome(
    stub_node: StubNode, proxy: RpcProxy
) -> None:
    chain = chain_for(stub_node, proxy.url)
    head = chain.head_block()
    attester = Address.from_int(0xA77E)
    log = {
        "address": stub_node.address.checksum,
        "topics": [
            "0x" + keccak256(b"Other(address,address)").hex(),
            "0x" + bytes(12).hex() + attester.raw.hex(),
            "0x" + "00" * 32,
        ],
        "data": "0x",
        "blockNumber": hex(head),
        "logIndex": "0x0",
        "transactionHash": "0x" + "ab" * 32,
    }
    proxy.intercept = answer_method_with(proxy, "eth_getLogs", [log])

    with pytest.raises(ChainError, match="not a deposit event of the rollup"):
        chain.rollup_deposit_events([attester], 0, head)
