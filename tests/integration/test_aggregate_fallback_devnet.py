"""Aggregated reads (as the scraper makes them) through a node that refuses `eth_call`s without `to`,
against the real devnet: the adapter reads the same items one call each, at the same block, with the
same answers as without aggregation, and never sends an aggregated call again. A wrong contract address
and a failing transport are still errors, and do not switch aggregation off.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain, WrongRollup
from butler.adapters.chain.read_batching import AggregationStatus
from butler.adapters.chain.transport import RpcTransport
from butler.adapters.endpoints import Endpoints
from butler.adapters.files.config_file import load_network_config
from butler.devnet.records import random_validator
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ChainError
from butler.domain.scraper_config import ScrapedAttester
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.rpc_proxy import SECRET_PATH, RpcProxy
from tests.integration.test_scraper_devnet import (
    Scraper,
    key,
    network_config,
    parse,
    running,
    scraped,
    start,
    write_scraper_config,
)

__all__ = ["running"]  # fixture used by the tests below

pytestmark = pytest.mark.devnet

REFUSAL = {"code": -32602, "message": 'invalid params: missing "to"'}
REFUSAL_SAID = 'invalid params: missing "to" (code -32602)'
# The second of anvil's dev accounts: an address without code.
EOA = Address.parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")


def lacks_to(item: Any) -> bool:
    return isinstance(item, dict) and item.get("method") == "eth_call" and "to" not in item["params"][0]


def refuse_calls_without_to(proxy: RpcProxy) -> Callable[[Any], Any | None]:
    """A node that answers each eth_call without `to` with REFUSAL and every other call as usual."""

    def intercept(body: Any) -> Any | None:
        items = body if isinstance(body, list) else [body]
        if not any(lacks_to(item) for item in items):
            return None
        others = [item for item in items if not lacks_to(item)]
        answered = json.loads(proxy.forward(json.dumps(others).encode())[1]) if others else []
        by_id = {answer["id"]: answer for answer in answered}
        answers = [
            {"jsonrpc": "2.0", "id": item["id"], "error": REFUSAL} if lacks_to(item) else by_id[item["id"]]
            for item in items
        ]
        return answers if isinstance(body, list) else answers[0]

    return intercept


def eth_calls(body: Any) -> list[dict[str, Any]]:
    return [item for item in (body if isinstance(body, list) else [body]) if item.get("method") == "eth_call"]


def calls_without_to(proxy: RpcProxy) -> int:
    return sum(lacks_to(item) for body in proxy.bodies for item in eth_calls(body))


def config_of(devnet: DevnetHandle, **fields: Any) -> NetworkConfig:
    config, _, _ = load_network_config(devnet.config_path)
    return attrs.evolve(config, **fields)


def aggregating(config: NetworkConfig, proxy: RpcProxy, **transport: Any) -> JsonRpcChain:
    """An aggregate=True adapter (as the scraper opens it) through `proxy`, chain id and rollup checked."""
    rpc = RpcTransport(proxy.url, sleep=lambda _: None, **transport)
    chain = JsonRpcChain.from_config(config, rpc, aggregate=True)
    chain.rollup()  # the one-off checks: chain id, canonical rollup
    proxy.reset()
    return chain


@pytest.fixture
def proxy(devnet: DevnetHandle) -> Iterator[RpcProxy]:
    started = RpcProxy(devnet.rpc_url).start()
    try:
        yield started
    finally:
        started.stop()


@attrs.frozen
class Queues:
    config: NetworkConfig
    provider_id: int
    attesters: list[Address]  # queued in both queues, active, and unknown
    rpc_url: str


@pytest.fixture
def queues(isolated_devnet: DevnetHandle) -> Queues:
    actions = isolated_devnet.actions
    validators = [random_validator() for _ in range(5)]
    actions.add_validators(validators)
    actions.stake(3)
    actions.flush(1)
    attesters = [*actions.provider_queue(), *actions.entry_queue(), *(v.attester for v in validators)]
    return Queues(
        config_of(isolated_devnet),
        isolated_devnet.provider_id,
        [*dict.fromkeys(attesters), random_validator().attester],
        isolated_devnet.rpc_url,
    )


READS: dict[str, Callable[[JsonRpcChain, Queues], object]] = {
    "provider_queue": lambda chain, q: list(chain.provider_queue(q.provider_id)),
    "entry_queue": lambda chain, q: list(chain.entry_queue()),
    "attester_views": lambda chain, q: dict(chain.attester_views(q.attesters)),
}


@pytest.mark.parametrize("first", list(READS))
def test_a_refused_aggregation_reads_each_item_alone_with_the_same_answers_and_is_not_tried_again(
    queues: Queues, proxy: RpcProxy, first: str
) -> None:
    plain = JsonRpcChain.from_config(queues.config, Endpoints(queues.rpc_url))
    chain = aggregating(queues.config, proxy)
    proxy.intercept = refuse_calls_without_to(proxy)

    answers = {first: READS[first](chain, queues)}
    refused = [i for i, body in enumerate(proxy.bodies) if any(map(lacks_to, eth_calls(body)))]
    refused_at = {call["params"][1] for call in eth_calls(proxy.bodies[refused[0]]) if lacks_to(call)}
    read_again_at = {call["params"][1] for call in eth_calls(proxy.bodies[refused[0] + 1])}
    after_first = calls_without_to(proxy)
    answers.update({name: read(chain, queues) for name, read in READS.items() if name != first})

    assert answers == {name: read(plain, queues) for name, read in READS.items()}
    assert all(answers.values()), "both queues hold items, and there are attesters to view"
    assert after_first == 1  # every read here fits in one aggregated call
    assert calls_without_to(proxy) == after_first, "no aggregated call after the refusal"
    assert read_again_at == refused_at, "the items are read again at the block of the refused call"
    assert not chain.read_batching.aggregating
    assert chain.read_batching.refused == REFUSAL_SAID
    assert chain.read_batching == AggregationStatus(requested=True, refused=REFUSAL_SAID)


@pytest.mark.parametrize("wrong", ["eoa", "staking_registry"])
def test_a_rollup_that_is_not_canonical_is_refused_before_any_aggregated_read(
    devnet: DevnetHandle, proxy: RpcProxy, wrong: str
) -> None:
    address = EOA if wrong == "eoa" else devnet.staking_registry
    rpc = RpcTransport(proxy.url, sleep=lambda _: None)
    chain = JsonRpcChain.from_config(config_of(devnet, rollup=address), rpc, aggregate=True)

    with pytest.raises(WrongRollup, match=f"rollup {address} is not the canonical rollup {devnet.rollup}"):
        chain.attester_views([EOA, devnet.safe])
    assert not any(lacks_to(call) for body in proxy.bodies for call in eth_calls(body)), "no aggregated read"
    assert chain.read_batching.aggregating and chain.read_batching.refused is None


def test_a_transport_failure_is_no_refusal(devnet: DevnetHandle, proxy: RpcProxy) -> None:
    chain = aggregating(config_of(devnet), proxy, max_attempts=2)
    proxy.faults.extend(["drop", "drop"])

    with pytest.raises(ChainError) as caught:
        chain.attester_views([EOA])
    views = chain.attester_views([EOA])

    assert "connection failed" in str(caught.value)
    assert chain.read_batching == AggregationStatus(requested=True)
    assert calls_without_to(proxy) == 3, "the failed aggregated call twice, then one that was answered"
    assert set(views) == {EOA}


def test_the_scraper_reads_alike_through_a_node_refusing_aggregation_and_says_so_once(
    isolated_devnet: DevnetHandle, queues: Queues, proxy: RpcProxy, tmp_path: Path, running: list[Scraper]
) -> None:
    path = write_scraper_config(
        tmp_path / "devnet-scrape-config.json", [ScrapedAttester(a) for a in queues.attesters], ()
    )
    direct = ["--config", str(isolated_devnet.config_path), "--scraper-config", str(path), "--once"]
    code, out, err = start(running, direct).finish()
    assert code == 0, err
    expected = scraped(parse(out))
    proxy.intercept = refuse_calls_without_to(proxy)
    config = network_config(isolated_devnet, tmp_path / "cfg", rpc_url=proxy.url)

    code, out, err = start(running, ["--config", str(config), *direct[2:]]).finish()

    assert code == 0, err
    series = parse(out)
    assert series[key("scrape_success", scraper="chain")] == 1
    assert scraped(series) == expected
    assert expected[key("provider_queue_length")] >= 2 and expected[key("entry_queue_length")] >= 2
    said = [line for line in err.splitlines() if "aggregated" in line]
    assert said == [
        f"the node refused aggregated calls ({REFUSAL_SAID}): reading items one call each from now on"
    ]
    assert calls_without_to(proxy) == 1
    assert SECRET_PATH not in err and "Traceback" not in err
