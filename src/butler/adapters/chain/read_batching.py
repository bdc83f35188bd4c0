"""How reads of many items reach the node: aggregated, up to a few hundred per `eth_call` (see
`aggregate_calls`), or one `eth_call` each; always in JSON-RPC batches.

Nodes that refuse aggregated calls (no `to`, too much gas or data) get the same items one `eth_call` each,
at the same block; once those answer, reads stop being aggregated for good. `AggregationStatus` says which
way reads go, and why they fell back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import attrs
from eth_abi.abi import encode

from butler.adapters.chain import aggregate_calls
from butler.adapters.chain import contract_abis as abis
from butler.adapters.chain.contract_reader import (
    Contract,
    ContractReader,
    Read,
    is_revert,
    static_layout,
    unfailed,
)
from butler.adapters.chain.node_answers import LATEST, NodeAnswers, hex_bytes
from butler.adapters.chain.transport import RpcCall, RpcError, RpcTransport, one_line
from butler.domain.address import Address
from butler.domain.errors import ChainError

# Words of errors that say the node lacks the block just asked for (a load-balanced service whose
# backends lag behind each other): the same read soon succeeds, aggregated or not.
_BLOCK_UNKNOWN_WORDS = ("header not found", "unknown block", "block not found")


@attrs.frozen
class AggregationStatus:
    """Whether item reads are aggregated: asked for (`requested`), and not refused by the node."""

    requested: bool
    refused: str | None = None  # how the node refused aggregated reads (its message and code), once it has

    @property
    def aggregating(self) -> bool:
        return self.requested and self.refused is None


class Aggregate(NamedTuple):
    """One `eth_call` reading `function` for `items` items (see `aggregate_calls`): its result is the
    list of their answers, each `size` bytes. `unaggregated` gives the same reads one `eth_call` each."""

    contract: Contract
    function: abis.AbiFunction
    call: RpcCall
    items: int
    size: int
    unaggregated: Callable[[], list[Read]]


Request = Read | Aggregate | RpcCall
ItemReads = list[Read | Aggregate]


class ReadBatching:
    """Sends reads in batches, aggregating the items of one function when `aggregate` is asked for."""

    def __init__(
        self, rpc: RpcTransport, reader: ContractReader, answers: NodeAnswers, *, aggregate: bool
    ) -> None:
        self._rpc = rpc
        self._reader = reader
        self._answers = answers
        self._status = AggregationStatus(requested=aggregate)

    @property
    def status(self) -> AggregationStatus:
        return self._status

    def item_reads(
        self,
        contract: Contract,
        function: abis.AbiFunction,
        leading: tuple[Any, ...],
        items: Sequence[int] | Sequence[Address],
        block: str = LATEST,
    ) -> ItemReads:
        """Reads of `function(*leading, item)` for each item: one eth_call each, or aggregated."""
        if not self._status.aggregating:
            return [*self._plain_reads(contract, function, leading, items, block)]
        layout = static_layout(function)
        if layout is None:
            raise TypeError(f"{function.signature} has a result of dynamic size: it cannot be aggregated")
        # With static arguments only, the call is the selector, the leading arguments' words, then the item's.
        prefix = function.selector + encode(list(function.input_types[:-1]), list(leading))
        chunk = aggregate_calls.max_items(layout.size)
        reads: ItemReads = []
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            words = [bytes(12) + i.raw if isinstance(i, Address) else i.to_bytes(32, "big") for i in part]
            data = aggregate_calls.call_data(contract.address, prefix, words, layout.size)
            call = RpcCall("eth_call", [{"data": "0x" + data.hex()}, block])
            plain = functools.partial(self._plain_reads, contract, function, leading, part, block)
            reads.append(Aggregate(contract, function, call, len(part), layout.size, plain))
        return reads

    def _plain_reads(
        self,
        contract: Contract,
        function: abis.AbiFunction,
        leading: tuple[Any, ...],
        items: Sequence[int] | Sequence[Address],
        block: str,
    ) -> list[Read]:
        return [
            self._reader.call(
                contract,
                function,
                *leading,
                item.checksum if isinstance(item, Address) else item,
                block=block,
            )
            for item in items
        ]

    def answers(self, reads: Sequence[Request], results: Sequence[Any]) -> list[bytes]:
        """The answer to every item of `reads` (their successful `results`), in order; a storage word
        as its 32 bytes."""
        answers: list[bytes] = []
        for read, result in zip(reads, results, strict=True):
            if isinstance(read, Aggregate):
                answers.extend(result)
            elif isinstance(read, RpcCall):
                answers.append(self._answers.quantity(result, read.method).to_bytes(32, "big"))
            else:
                answers.append(self._answers.data(result, read.function.name))
        return answers

    def batch(self, requests: Sequence[Request]) -> list[Any]:
        """Results of all `requests` in order; the first call the node refused raises its `ChainError`."""
        return unfailed(self.batch_results(requests))

    def batch_results(self, requests: Sequence[Request]) -> list[Any]:
        """Like `batch`, but a refused call yields its `ChainError` in its place.

        An `Aggregate`'s result is the list of its items' answers."""
        calls = [request if isinstance(request, RpcCall) else request.call for request in requests]
        results = [
            self._aggregated(request, result)
            if isinstance(request, Aggregate)
            else self._reader.outcome(request, result)
            if isinstance(request, Read)
            else result
            for request, result in zip(requests, self._rpc.batch_results(calls), strict=True)
        ]
        refused = [
            (i, request, result)
            for i, (request, result) in enumerate(zip(requests, results, strict=True))
            if isinstance(request, Aggregate) and isinstance(result, RpcError)
        ]
        if refused:
            unaggregated = self._unaggregated([request for _, request, _ in refused], refused[0][2])
            for (i, _, _), answers in zip(refused, unaggregated, strict=True):
                results[i] = answers
        return results

    def _unaggregated(self, refused: Sequence[Aggregate], error: RpcError) -> list[list[bytes] | ChainError]:
        """The results of `refused` aggregated reads, read again one `eth_call` per item at the same block.

        When every item answers, the node refused the aggregation, not the reads (it may forbid calls
        without `to`, or cap their gas or size): reads stop being aggregated. Otherwise each read fails
        as it would without aggregation (e.g. the contract reverts) and aggregation stays on."""
        reads = [each for aggregate in refused for each in aggregate.unaggregated()]
        results = iter(self.batch_results(reads))
        per_aggregate = [[next(results) for _ in range(aggregate.items)] for aggregate in refused]
        failures = [
            next((r for r in answers if isinstance(r, ChainError)), None) for answers in per_aggregate
        ]
        if not any(failures):
            refusal = f"{one_line(error.rpc_message)} (code {error.code})"
            self._status = attrs.evolve(self._status, refused=refusal)
        return [
            failure or [self._answers.data(r, aggregate.function.name) for r in answers]
            for aggregate, answers, failure in zip(refused, per_aggregate, failures, strict=True)
        ]

    def _aggregated(self, read: Aggregate, result: Any) -> list[bytes] | ChainError | RpcError:
        """The answers to an aggregated read, or its error; an `RpcError` (as the node said it) when
        the node may have refused the aggregation itself, for `_unaggregated` to read the items again."""
        if isinstance(result, RpcError):
            wrong_size = (
                aggregate_calls.unexpected_size(hex_bytes(result.data)) if is_revert(result) else None
            )
            if wrong_size is None:
                return (
                    self._reader.failed(read.contract, read.function, result)
                    if _lacks_block(result)
                    else result
                )
            _, size = wrong_size
            if size == 0:
                return self._reader.misbehaved(
                    read.contract, read.function, "returned no data (no contract there?)"
                )
            problem = f"returned {size} bytes where {read.size} were expected"
            return self._reader.misbehaved(read.contract, read.function, problem)
        answers = aggregate_calls.split_answers(
            self._answers.data(result, read.function.name), read.items, read.size
        )
        if answers is None:
            return ChainError(
                f"rpc {self._answers.node}: malformed answer to an aggregated {read.function.signature}"
            )
        return answers

    def pinned(
        self,
        bounds: Callable[[str], list[Read]],
        items: Callable[[Sequence[Any], str], Sequence[Request]],
    ) -> list[bytes]:
        """Items of a queue, all read at one block although their count is only known after a read.

        First the bounds (at `latest`) and the block number; then the bounds again and the items, both
        at that block. If the bounds moved in between (a stake or flush landed), the items are read once
        more for the bounds seen at the pinned block. Usually two round trips, never a torn read.
        Returns the items' answers, in order.
        """
        n_bounds = len(bounds(LATEST))
        *seen, head = self.batch([*bounds(LATEST), RpcCall("eth_blockNumber", [])])
        block = hex(self._answers.quantity(head, "eth_blockNumber"))
        item_reads = items(seen, block)
        results = self.batch_results([*bounds(block), *item_reads])
        pinned, found = unfailed(results[:n_bounds]), results[n_bounds:]
        if pinned != seen or any(isinstance(result, ChainError) for result in found):
            item_reads = items(pinned, block)
            found = self.batch(item_reads)
        return self.answers(item_reads, found)


def _lacks_block(error: RpcError) -> bool:
    """Whether the node said it lacks the block asked for: the same call soon succeeds, so it is no sign of
    what calls the node accepts."""
    return any(word in error.rpc_message.lower() for word in _BLOCK_UNKNOWN_WORDS)
