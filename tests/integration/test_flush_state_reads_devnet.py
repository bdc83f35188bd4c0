"""The entry queue's flush state as the adapter reads it from the real Rollup: in the requests that read
the queue, and refused (never misread) when the rollup does not keep its queue configuration where the
Rollup 4.1.2 does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.endpoints import Endpoints
from butler.adapters.files.config_file import load_network_config
from butler.domain.errors import ChainError
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.rpc_proxy import RpcProxy

pytestmark = pytest.mark.devnet

ZERO_WORD = "0x" + "00" * 32


def test_the_flush_state_costs_no_request_beyond_the_queues_own(devnet: DevnetHandle) -> None:
    network, _, _ = load_network_config(devnet.config_path)
    proxy = RpcProxy(devnet.rpc_url).start()
    try:
        chain = JsonRpcChain.from_config(network, Endpoints(proxy.url), aggregate=True)
        chain.entry_queue()  # the chain id check and the rollup's lookup happen once, before
        before = proxy.posts
        chain.entry_queue()
        queue_only = proxy.posts - before
        before = proxy.posts
        state = chain.entry_queue_state()
        assert proxy.posts - before == queue_only
        assert state.flushes.config.normal_flush_size_min > 0
        chain.close()
    finally:
        proxy.stop()


def test_a_rollup_keeping_its_queue_configuration_elsewhere_is_refused(devnet: DevnetHandle) -> None:
    network, _, _ = load_network_config(devnet.config_path)
    proxy = RpcProxy(devnet.rpc_url).start()

    def storage_elsewhere(body: Any) -> Any | None:
        """The node's answers, but for empty words where the Rollup 4.1.2 keeps its flush fields."""
        calls = body if isinstance(body, list) else [body]
        storage = {c["id"] for c in calls if c.get("method") == "eth_getStorageAt"}
        if not storage:
            return None
        _, content = proxy.forward(json.dumps(body).encode())
        answers = json.loads(content)
        for answer in answers if isinstance(answers, list) else [answers]:
            if answer.get("id") in storage:
                answer["result"] = ZERO_WORD
        return answers

    proxy.intercept = storage_elsewhere
    try:
        chain = JsonRpcChain.from_config(network, Endpoints(proxy.url), aggregate=True)
        with pytest.raises(ChainError, match=r"does not keep its entry-queue configuration where") as refused:
            chain.entry_queue_state()
        assert "is the configured" in str(refused.value) and "\n" not in str(refused.value)
        assert chain.entry_queue() is not None  # the queue itself does not depend on it
        chain.close()
    finally:
        proxy.stop()
