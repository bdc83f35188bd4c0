"""The scraper against a node that stops telling the truth about our chain, on the real devnet: a reorg
that drops the registrations (anvil's evm_snapshot/evm_revert), a node lagging behind (an anvil forked
from the devnet at an earlier block), and another chain with the same chain id (a bare anvil). The
scraper runs as its own process behind a proxy that is pointed at those nodes.

Every time: cycles fail (`scrape_success 0`, with the reason), the metrics keep the last good values
(the urgent missing-coinbase alert included), the scraper config keeps its states, and the scraper
recovers when the node shows our chain again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from butler.devnet.anvil import Anvil
from butler.devnet.records import random_validator
from butler.devnet.tools import anvil_binary
from butler.domain.scraper_config import ScrapedAttester
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.rpc_proxy import RpcProxy
from tests.integration.test_scraper_devnet import (
    INTERVAL,
    Scraper,
    Series,
    key,
    network_config,
    running,
    scraped,
    start,
    write_scraper_config,
)

__all__ = ["running"]  # the fixture, used below

pytestmark = pytest.mark.devnet

SUCCESS = key("scrape_success", scraper="chain")


def suspect(reason: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return key("scrape_suspect", reason=reason)


def rpc(url: str, method: str, params: list[object]) -> object:
    answer = requests.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30
    )
    body = answer.json()
    assert "error" not in body, body
    return body["result"]


def register(devnet: DevnetHandle, validators: list) -> None:  # type: ignore[type-arg]
    """Queues, stakes and flushes so that the first validator is active and the second waits in the
    entry queue (after whatever other tests left in the queues)."""
    actions = devnet.actions
    leftover_queue = len(actions.provider_queue())
    leftover_entries = len(actions.entry_queue())
    actions.add_validators(validators)
    actions.stake(leftover_queue + 2)
    actions.flush(leftover_entries + leftover_queue + 1)


def saved_states(path: Path) -> dict[str, str]:
    return {a["address"]: a["lastSeenState"] for a in json.loads(path.read_text())["attesters"]}


@pytest.fixture
def proxy(isolated_devnet: DevnetHandle) -> Iterator[RpcProxy]:
    running_proxy = RpcProxy(isolated_devnet.rpc_url).start()
    yield running_proxy
    running_proxy.stop()


def scraping(
    devnet: DevnetHandle, proxy: RpcProxy, tmp_path: Path, running: list[Scraper]
) -> tuple[Scraper, Path, Series, list]:  # type: ignore[type-arg]
    validators = [random_validator() for _ in range(2)]
    register(devnet, validators)
    active, queued = (v.attester for v in validators)
    path = write_scraper_config(
        tmp_path / "data" / "devnet-scrape-config.json",
        [ScrapedAttester(active), ScrapedAttester(queued)],
        (),
    )
    config = network_config(devnet, tmp_path / "cfg", rpc_url=proxy.url)
    args = ["--config", str(config), "--scraper-config", str(path), "--listen", "127.0.0.1:0"]
    scraper = start(running, [*args, "--interval", INTERVAL]).serving()
    good = scraper.wait_for_metrics("a successful cycle", lambda s: s.get(SUCCESS) == 1)
    assert good[key("attesters_missing_coinbase_urgent")] == 1
    assert saved_states(path) == {active.checksum: "ACTIVE", queued.checksum: "IN_STAKING_QUEUE"}
    return scraper, path, good, validators


def assert_kept(scraper: Scraper, path: Path, good: Series, states: dict[str, str], reason: str) -> None:
    failed = scraper.wait_for_metrics(f"a cycle refused as {reason}", lambda s: s.get(suspect(reason)) == 1)
    assert failed[SUCCESS] == 0
    assert scraped(failed) == scraped(good), "the last good values stay, the urgent alert with them"
    assert saved_states(path) == states
    scraper.wait_for("the reason in the log", lambda: f"scrape failed [{reason}]" in scraper.stderr)


def test_a_reorg_that_drops_the_registrations_is_refused_until_they_are_back(
    isolated_devnet: DevnetHandle, proxy: RpcProxy, tmp_path: Path, running: list[Scraper]
) -> None:
    before = isolated_devnet.chain.snapshot()
    scraper, path, good, validators = scraping(isolated_devnet, proxy, tmp_path, running)
    states = saved_states(path)

    isolated_devnet.chain.revert(before)
    rpc(isolated_devnet.rpc_url, "anvil_mine", ["0x40"])  # a longer chain without them

    assert_kept(scraper, path, good, states, "reorg")
    register(isolated_devnet, validators)  # the registrations land again
    back = scraper.wait_for_metrics("recovery", lambda s: s.get(SUCCESS) == 1)
    assert scraped(back)[key("attesters_missing_coinbase_urgent")] == 1
    assert saved_states(path) == states
    assert scraper.stop() == 0


def test_a_lagging_node_and_another_chain_with_the_same_id_are_refused_and_left_behind(
    isolated_devnet: DevnetHandle, proxy: RpcProxy, tmp_path: Path, running: list[Scraper]
) -> None:
    before = int(str(rpc(isolated_devnet.rpc_url, "eth_blockNumber", [])), 16)
    scraper, path, good, _ = scraping(isolated_devnet, proxy, tmp_path, running)
    states = saved_states(path)
    fork = ["--fork-url", isolated_devnet.rpc_url, "--fork-block-number", str(before)]

    with Anvil(anvil_binary(), extra_args=fork) as lagging:
        proxy.retarget(lagging.rpc_url)
        assert_kept(scraper, path, good, states, "head_behind")
        proxy.retarget(isolated_devnet.rpc_url)

    with Anvil(anvil_binary()) as other:
        head = int(str(rpc(isolated_devnet.rpc_url, "eth_blockNumber", [])), 16)
        rpc(other.rpc_url, "anvil_mine", [hex(head + 20)])  # higher than our head, other blocks
        failures = scraper.stderr.count("scrape failed")
        proxy.retarget(other.rpc_url)
        scraper.wait_for(
            "two failed cycles on the other chain",
            lambda: scraper.stderr.count("scrape failed") >= failures + 2,
        )
        refused = scraper.metrics()
        assert refused[SUCCESS] == 0
        assert scraped(refused) == scraped(good)
        assert saved_states(path) == states
        proxy.retarget(isolated_devnet.rpc_url)

    back = scraper.wait_for_metrics("recovery", lambda s: s.get(SUCCESS) == 1)
    assert scraped(back) == scraped(good)
    assert saved_states(path) == states
    assert scraper.stop() == 0
