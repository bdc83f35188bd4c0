"""A bare anvil with ChainReadStub deployed, for adapter and transport tests that need no devnet
(and for bench/bench_chain_reads.py).

Arranging goes straight to anvil (never through the proxy under test), from its first unlocked dev
account.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_abi.abi import encode

from butler.devnet.anvil import Anvil
from butler.devnet.tools import anvil_binary
from butler.domain.address import Address
from butler.domain.hashing import keccak256
from tests.integration.rpc_proxy import RpcProxy

STUB_ARTIFACT = Path(__file__).resolve().parent / "chain_read_stub" / "ChainReadStub.json"
DEV_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ANVIL_CHAIN_ID = 31337


class StubNode:
    def __init__(self, rpc_url: str) -> None:
        self.rpc_url = rpc_url
        self._session = requests.Session()
        self._ids = itertools.count(1)
        artifact = json.loads(STUB_ARTIFACT.read_text())
        receipt = self._transact({"data": artifact["bytecode"]})
        self.address = Address.parse(receipt["contractAddress"])
        self.first_queue_index = int(
            self.rpc(
                "eth_call",
                [{"to": self.address.checksum, "data": "0x" + _selector("FIRST()").hex()}, "latest"],
            ),
            16,
        )

    def rpc(self, method: str, params: list[Any]) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        answer = self._session.post(self.rpc_url, json=body, timeout=30).json()
        if "error" in answer:
            raise AssertionError(f"{method} failed: {answer['error']}")
        return answer["result"]

    def set_size(self, size: int) -> None:
        self._call_stub("setSize(uint256)", ["uint256"], [size])

    def set_canonical_rollup(self, rollup: Address) -> None:
        """The rollup the stub, as the Aztec Registry, calls canonical (itself by default)."""
        self._call_stub("setCanonicalRollup(address)", ["address"], [rollup.checksum])

    def emit_staked(self, provider_id: int, first_attester: int, count: int) -> int:
        """Emits `count` events in one transaction; returns its block number."""
        receipt = self._call_stub(
            "emitStaked(uint256,uint160,uint160)",
            ["uint256", "uint160", "uint160"],
            [provider_id, first_attester, count],
        )
        return int(receipt["blockNumber"], 16)

    def set_balance(self, account: Address, wei: int) -> None:
        self.rpc("anvil_setBalance", [account.checksum, hex(wei)])

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber", []), 16)

    def _call_stub(self, signature: str, types: list[str], args: list[Any]) -> dict[str, Any]:
        data = _selector(signature) + encode(types, args)
        return self._transact({"to": self.address.checksum, "data": "0x" + data.hex()})

    def _transact(self, tx: dict[str, Any]) -> dict[str, Any]:
        tx_hash = self.rpc("eth_sendTransaction", [{"from": DEV_ACCOUNT, "gas": hex(25_000_000), **tx}])
        # anvil answers before the automined block is indexed; the receipt follows within moments.
        deadline = time.monotonic() + 10
        receipt: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                break
            time.sleep(0.01)
        assert receipt is not None, f"no receipt for {tx_hash}"
        assert receipt["status"] == "0x1", f"transaction reverted: {receipt}"
        return receipt


def _selector(signature: str) -> bytes:
    return keccak256(signature.encode())[:4]


@contextlib.contextmanager
def running_stub_node() -> Iterator[StubNode]:
    """A fresh anvil on a free port with ChainReadStub deployed, stopped on leaving (also on errors)."""
    # A higher gas limit lets one transaction emit the hundreds of events the log tests need.
    with Anvil(anvil_binary(), extra_args=["--gas-limit", "100000000"]) as anvil:
        yield StubNode(anvil.rpc_url)


@pytest.fixture(scope="module")
def stub_node() -> Iterator[StubNode]:
    with running_stub_node() as node:
        yield node


@pytest.fixture
def proxy(stub_node: StubNode) -> Iterator[RpcProxy]:
    running = RpcProxy(stub_node.rpc_url).start()
    yield running
    running.stop()
