"""`eth_getLogs` over a block range of any length, in requests the node accepts (sized by `LogSpan`)."""

from __future__ import annotations

from typing import Any

from butler.adapters.chain.log_span import LogSpan
from butler.adapters.chain.transport import RpcError, RpcTransport
from butler.domain.address import Address
from butler.domain.errors import ChainError

# Words of an error message by which nodes and RPC services say an eth_getLogs range or its result is
# too large. Rate limits use similar words ("limit exceeded"); those are not helped by smaller ranges.
_TOO_LARGE_WORDS = (
    "range",
    "too many",
    "too large",
    "too big",
    "more than",
    "max results",
    "response size",
    "result set",
    "limit",
    "exceed",
)


class LogScanner:
    """Finds logs block range by block range. `max_span` bounds the blocks per request (None: try the
    whole range first); ranges the node refuses as too large are halved until it accepts them, and grow
    again while it accepts them. What the scanner learns about the node's limit lasts across scans."""

    def __init__(self, rpc: RpcTransport, max_span: int | None = None) -> None:
        if max_span is not None and max_span < 1:
            raise ValueError("max_log_span must be at least 1")
        self._rpc = rpc
        self._span = LogSpan(max_span)

    def logs(
        self, address: Address, topics: list[Any], from_block: int, to_block: int
    ) -> list[dict[str, Any]]:
        """Every log `eth_getLogs` gives for the filter, in order, removed ones included."""
        found: list[dict[str, Any]] = []
        cursor = from_block
        while cursor <= to_block:
            end = cursor + self._span.size(to_block - cursor + 1) - 1
            log_filter = {
                "address": address.checksum,
                "fromBlock": hex(cursor),
                "toBlock": hex(end),
                "topics": topics,
            }
            try:
                logs = self._rpc.request("eth_getLogs", [log_filter])
            except RpcError as error:
                if end == cursor or not _says_too_large(error):
                    raise
                self._span.refused(end - cursor + 1)
                continue
            self._span.accepted(end - cursor + 1)
            if not isinstance(logs, list) or not all(isinstance(log, dict) for log in logs):
                raise ChainError(
                    f"rpc {self._rpc.node}: malformed answer to eth_getLogs: expected a list of logs"
                )
            found.extend(logs)
            cursor = end + 1
        return found


def _says_too_large(error: RpcError) -> bool:
    # Rate limits never get here: the transport retries them and then fails the call outright.
    return error.code == -32005 or any(word in error.rpc_message.lower() for word in _TOO_LARGE_WORDS)
