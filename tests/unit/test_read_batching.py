"""Item reads aggregated or one call each, and the fallback from the first to the second, over a scripted
node (tests/integration/test_jsonrpc_chain_aggregated.py and test_aggregate_fallback_devnet.py run them
on anvil)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import pytest

from butler.adapters.chain import aggregate_calls
from butler.adapters.chain.contract_abis import AbiFunction
from butler.adapters.chain.contract_reader import Contract, ContractReader, Read
from butler.adapters.chain.node_answers import NodeAnswers
from butler.adapters.chain.read_batching import Aggregate, AggregationStatus, ReadBatching
from butler.adapters.chain.transport import RpcCall, RpcError, RpcTransport
from butler.domain.address import Address
from butler.domain.errors import ChainError

NODE = "http://node:8545"
# valueOf(uint256) answers twice its argument
VALUE_OF = AbiFunction(name="valueOf", input_types=("uint256",), output_types=("uint256",))
TARGET = Contract.configured("rollup", Address.from_int(0xC0DE))
REFUSAL = {"code": -32602, "message": 'invalid params: missing "to"'}
REFUSAL_SAID = 'invalid params: missing "to" (code -32602)'
REVERT = {"code": 3, "message": "execution reverted", "data": "0x"}
NO_BLOCK = {"code": -32000, "message": "header not found"}

Answer = Callable[[RpcCall], Any]


def doubled(word: bytes) -> str:
    return "0x" + (2 * int.from_bytes(word, "big")).to_bytes(32, "big").hex()


def error(call: RpcCall, fields: dict[str, Any]) -> RpcError:
    return RpcError(
        f"rpc {NODE}: {fields['message']}",
        method=call.method,
        code=fields["code"],
        rpc_message=fields["message"],
        data=fields.get("data"),
    )


def runs_the_program(call: RpcCall) -> str:
    """What any node answers to an aggregated call of valueOf: the program's result."""
    arguments = bytes.fromhex(call.params[0]["data"][2:])[len(aggregate_calls.PROGRAM) :]
    items = arguments[96 + int.from_bytes(arguments[64:96], "big") :]
    return "0x00" + "".join(doubled(items[i : i + 32])[2:] for i in range(0, len(items), 32))


class ScriptedNode:
    """Answers calls with `to` as valueOf does (or with `plain_error`), calls without `to` by running the
    batch-call program (or with `aggregated_error`)."""

    node = NODE

    def __init__(
        self, *, aggregated_error: dict[str, Any] | None = None, plain_error: dict[str, Any] | None = None
    ):
        self.aggregated_error = aggregated_error
        self.plain_error = plain_error
        self.sent: list[list[RpcCall]] = []

    def batch_results(self, calls: Sequence[RpcCall]) -> list[Any]:
        self.sent.append(list(calls))
        return [self._answer(call) for call in calls]

    def _answer(self, call: RpcCall) -> Any:
        if "to" in call.params[0]:
            if self.plain_error is not None:
                return error(call, self.plain_error)
            return doubled(bytes.fromhex(call.params[0]["data"][2 + 8 :]))
        if self.aggregated_error is not None:
            return error(call, self.aggregated_error)
        return runs_the_program(call)

    def aggregated_calls(self) -> int:
        return sum("to" not in call.params[0] for calls in self.sent for call in calls)


def batching(node: ScriptedNode, *, aggregate: bool) -> ReadBatching:
    rpc = cast(RpcTransport, node)
    answers = NodeAnswers(NODE)
    return ReadBatching(rpc, ContractReader(rpc, answers), answers, aggregate=aggregate)


def read_values(reads: ReadBatching, items: Sequence[int]) -> list[int]:
    item_reads = reads.item_reads(TARGET, VALUE_OF, (), items)
    return [int.from_bytes(answer, "big") for answer in reads.answers(item_reads, reads.batch(item_reads))]


ITEMS = list(range(1, 301))  # more than one aggregated call holds


def test_reads_not_asked_to_aggregate_are_one_call_each() -> None:
    node = ScriptedNode()
    reads = batching(node, aggregate=False)

    assert read_values(reads, ITEMS) == [2 * i for i in ITEMS]
    assert reads.status == AggregationStatus(requested=False)
    assert not reads.status.aggregating
    assert node.aggregated_calls() == 0
    assert all(isinstance(read, Read) for read in reads.item_reads(TARGET, VALUE_OF, (), ITEMS))


def test_aggregated_reads_give_the_same_answers_in_a_few_calls() -> None:
    node = ScriptedNode()
    reads = batching(node, aggregate=True)

    assert read_values(reads, ITEMS) == [2 * i for i in ITEMS]
    assert reads.status == AggregationStatus(requested=True)
    assert reads.status.aggregating and reads.status.refused is None
    assert node.aggregated_calls() == 2
    assert sum(len(calls) for calls in node.sent) == 2


def test_a_refused_aggregation_reads_each_item_alone_and_the_status_says_why() -> None:
    node = ScriptedNode(aggregated_error=REFUSAL)
    reads = batching(node, aggregate=True)

    assert read_values(reads, ITEMS) == [2 * i for i in ITEMS]
    assert reads.status == AggregationStatus(requested=True, refused=REFUSAL_SAID)
    assert not reads.status.aggregating
    assert node.aggregated_calls() == 2, "the two refused calls, then each item alone"
    assert not any(isinstance(read, Aggregate) for read in reads.item_reads(TARGET, VALUE_OF, (), ITEMS))
    assert read_values(reads, [7]) == [14]
    assert node.aggregated_calls() == 2, "never aggregated again"


def test_items_failing_alone_too_are_an_error_and_keep_aggregating() -> None:
    node = ScriptedNode(aggregated_error=REFUSAL, plain_error=REVERT)
    reads = batching(node, aggregate=True)

    with pytest.raises(ChainError) as caught:
        read_values(reads, ITEMS)

    assert str(caught.value) == (
        f"rpc {NODE}: valueOf(uint256) on rollup {TARGET.address} reverted without data: "
        "is the configured rollup address right?"
    )
    assert reads.status == AggregationStatus(requested=True)


def test_a_node_lacking_the_block_is_no_refusal() -> None:
    node = ScriptedNode(aggregated_error=NO_BLOCK)
    reads = batching(node, aggregate=True)

    with pytest.raises(ChainError) as caught:
        read_values(reads, ITEMS)

    assert str(caught.value) == (
        f"rpc {NODE}: valueOf(uint256) on rollup {TARGET.address}: eth_call failed: "
        "header not found (code -32000)"
    )
    assert reads.status.aggregating
    assert len(node.sent) == 1, "not read again one call each"
