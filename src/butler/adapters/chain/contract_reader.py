"""ABI-encoded `eth_call`s of the contracts the adapter reads, their answers decoded, their failures named.

Errors name the node, the function, the contract and the configured setting that led to it, and say what
a revert's data means (`Error(string)`, `Panic(uint256)`, or a custom error of the contracts spoken).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError

from butler.adapters.chain import contract_abis as abis
from butler.adapters.chain.node_answers import LATEST, NodeAnswers, hex_bytes
from butler.adapters.chain.static_abi import StaticLayout
from butler.adapters.chain.transport import RpcCall, RpcError, RpcTransport, one_line
from butler.domain.address import Address
from butler.domain.errors import ChainError

# Revert data that is not a custom error: `Error(string)` (require with a message) and `Panic(uint256)`.
_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")
# Whose custom errors a revert is named by.
_ERRORS_OF = (abis.STAKING_REGISTRY, abis.ROLLUP, abis.GSE)


class Contract(NamedTuple):
    """A contract the adapter reads, as errors name it, and the configured address that leads to it."""

    address: Address
    name: str  # "rollup 0xAbC…", "GSE 0x12…, named by rollup 0xAbC…"
    setting: str  # the config field to check when the contract misbehaves

    @classmethod
    def configured(cls, setting: str, address: Address) -> Contract:
        return cls(address, f"{setting} {address}", setting)


class Read(NamedTuple):
    """An `eth_call` of one contract function, with what an error about it has to name."""

    contract: Contract
    function: abis.AbiFunction
    call: RpcCall


@functools.cache
def static_layout(function: abis.AbiFunction) -> StaticLayout | None:
    """The fast decoder of `function`'s result, None when its size is dynamic."""
    return StaticLayout.of(function.output_types)


class ContractReader:
    """Builds `Read`s, sends plain ones, decodes their answers and names their failures."""

    def __init__(self, rpc: RpcTransport, answers: NodeAnswers) -> None:
        self._rpc = rpc
        self._answers = answers

    def call(self, to: Contract, function: abis.AbiFunction, *args: Any, block: str = LATEST) -> Read:
        data = "0x" + function.encode_call(*args).hex()
        return Read(to, function, RpcCall("eth_call", [{"to": to.address.checksum, "data": data}, block]))

    def read(self, to: Contract, function: abis.AbiFunction, *args: Any) -> tuple[Any, ...]:
        """`function(*args)` of `to` at the head, decoded."""
        (raw,) = self.read_all([self.call(to, function, *args)])
        return self.decode(function, raw, to)

    def read_all(self, reads: Sequence[Read]) -> list[Any]:
        """The raw answers to `reads`, in one JSON-RPC batch; the first one the node refused raises."""
        return unfailed(
            [self.outcome(read, result) for read, result in zip(reads, self._send(reads), strict=True)]
        )

    def _send(self, reads: Sequence[Read]) -> list[Any]:
        return self._rpc.batch_results([read.call for read in reads])

    def outcome(self, read: Read, result: Any) -> Any:
        """`result` as it came, or the `ChainError` naming the read when the node refused it."""
        return self.failed(read.contract, read.function, result) if isinstance(result, RpcError) else result

    def failed(self, contract: Contract, function: abis.AbiFunction, error: RpcError) -> ChainError:
        """The node's verdict on an eth_call, naming the function, the contract and what to check."""
        what = f"rpc {self._answers.node}: {function.signature} on {contract.name}"
        if not is_revert(error):
            return ChainError(f"{what}: eth_call failed: {one_line(error.rpc_message)} (code {error.code})")
        # Read functions do not revert on the contract they belong to: a revert, typically without
        # data, means the address holds another contract (e.g. the registry where the rollup belongs).
        return ChainError(
            f"{what} reverted{revert_reason(error.data)}: is the configured {contract.setting} address right?"
        )

    def misbehaved(self, contract: Contract, function: abis.AbiFunction, problem: str) -> ChainError:
        """An answer of `function` that the contract it belongs to would not give."""
        return ChainError(
            f"rpc {self._answers.node}: {function.signature} on {contract.name} {problem}: "
            f"is the configured {contract.setting} address right?"
        )

    def decode(self, function: abis.AbiFunction, raw: Any, contract: Contract) -> tuple[Any, ...]:
        return self.decoded(function, self._answers.data(raw, function.name), contract)

    def decoded(self, function: abis.AbiFunction, data: bytes, contract: Contract) -> tuple[Any, ...]:
        if not data:
            # A call to an address without code succeeds with empty data.
            raise self.misbehaved(contract, function, "returned no data (no contract there?)")
        layout = static_layout(function)
        try:
            return layout.decode(data) if layout is not None else function.decode_result(data)
        except (DecodingError, ValueError, OverflowError) as error:
            raise self.misbehaved(
                contract, function, f"returned undecodable data ({one_line(str(error))})"
            ) from None


def unfailed(results: list[Any]) -> list[Any]:
    """`results`, when none of them is a failure; else the first failure is raised."""
    for result in results:
        if isinstance(result, ChainError):
            raise result
    return results


def is_revert(error: RpcError) -> bool:
    # Code 3 is the standard code for reverts with data; nodes without it say so in the message.
    return error.code == 3 or "revert" in error.rpc_message.lower()


def revert_reason(data: Any) -> str:
    """What the revert data says, as a phrase to follow "reverted"."""
    raw = hex_bytes(data)
    if not raw:
        return " without data"
    selector, arguments = raw[:4], raw[4:]
    try:
        if selector == _ERROR_STRING:
            (message,) = decode(["string"], arguments)
            return f" ({one_line(message)!r})"
        if selector == _PANIC:
            (code,) = decode(["uint256"], arguments)
            return f" with panic {code:#x}"
    except (DecodingError, ValueError, OverflowError):
        pass
    names = [abis.error_names(file).get(selector) for file in _ERRORS_OF]
    return " with " + next((name for name in names if name), f"error 0x{selector.hex()}")
