"""What the adapter reads of the node itself rather than of a contract: its chain id, blocks, balances."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from butler.adapters.chain.node_answers import LATEST, NodeAnswers
from butler.adapters.chain.transport import RpcCall, RpcTransport
from butler.domain.address import Address
from butler.domain.chain_evidence import BlockRef, HeadReading
from butler.domain.errors import ChainError
from butler.domain.wei import Wei


class WrongChain(ChainError):
    """The node serves another chain than the configuration names: no retry will help."""


class NodeReads:
    """Reads of a node expected to serve chain `chain_id` (of the network `network`, when named)."""

    def __init__(
        self, rpc: RpcTransport, answers: NodeAnswers, *, chain_id: int, network: str | None
    ) -> None:
        self._rpc = rpc
        self._answers = answers
        self.chain_id = chain_id
        self._network = network
        self._chain_checked = False

    def check_chain(self) -> None:
        """Checks, once, that the node serves the expected chain (`WrongChain` when not)."""
        if self._chain_checked:
            return
        reported = self._answers.quantity(self._rpc.request("eth_chainId"), "eth_chainId")
        if reported != self.chain_id:
            config = f"the config for network {self._network!r}" if self._network else "the config"
            raise WrongChain(
                f"rpc_url {self._rpc.node} reports chain id {reported} but {config} expects {self.chain_id}"
            )
        self._chain_checked = True

    def head_block(self) -> int:
        return self._answers.quantity(self._rpc.request("eth_blockNumber"), "eth_blockNumber")

    def block(self, number: int | None) -> BlockRef | None:
        raw = self._rpc.request("eth_getBlockByNumber", [LATEST if number is None else hex(number), False])
        if raw is None and number is not None:
            return None
        return self._answers.block_ref(raw, "eth_getBlockByNumber")

    def read_head(self, ancestor: int | None) -> HeadReading:
        calls = [RpcCall("eth_chainId", []), RpcCall("eth_getBlockByNumber", [LATEST, False])]
        if ancestor is not None:
            calls.append(RpcCall("eth_getBlockByNumber", [hex(ancestor), False]))
        raw_id, raw_head, *raw_ancestor = self._rpc.batch(calls)
        then = raw_ancestor[0] if raw_ancestor else None
        return HeadReading(
            self._answers.quantity(raw_id, "eth_chainId"),
            self._answers.block_ref(raw_head, "eth_getBlockByNumber"),
            None if then is None else self._answers.block_ref(then, "eth_getBlockByNumber"),
        )

    def balances(self, accounts: Sequence[Address]) -> Mapping[Address, Wei]:
        """The balances of `accounts`, which are distinct."""
        raws = self._rpc.batch([RpcCall("eth_getBalance", [a.checksum, LATEST]) for a in accounts])
        return {
            account: Wei(self._answers.quantity(raw, "eth_getBalance"))
            for account, raw in zip(accounts, raws, strict=True)
        }

    def block_hashes(self, blocks: Sequence[int]) -> Mapping[int, str]:
        """The hashes of `blocks`, which are distinct; blocks beyond the head are left out."""
        raws = self._rpc.batch([RpcCall("eth_getBlockByNumber", [hex(b), False]) for b in blocks])
        hashes = {}
        for block, raw in zip(blocks, raws, strict=True):
            if raw is not None:  # None: beyond the head
                hashes[block] = (
                    "0x" + self._answers.block_ref(raw, f"eth_getBlockByNumber({block})").hash.hex()
                )
        return hashes
