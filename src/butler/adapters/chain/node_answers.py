"""A node's raw JSON-RPC answers parsed into bytes, numbers, blocks and addresses; a malformed answer is a
`ChainError` naming the node and the call."""

from __future__ import annotations

from typing import Any

from butler.domain.address import Address
from butler.domain.chain_evidence import BlockRef
from butler.domain.errors import ChainError

LATEST = "latest"  # the block tag of the head


class NodeAnswers:
    """Parses what the node `node` (as errors name it: no path, no key) answered."""

    def __init__(self, node: str) -> None:
        self.node = node

    def data(self, raw: Any, what: str) -> bytes:
        if not isinstance(raw, str) or not raw.startswith("0x"):
            raise ChainError(f"rpc {self.node}: malformed answer to {what}: expected hex data")
        try:
            return bytes.fromhex(raw[2:])
        except ValueError:
            raise ChainError(f"rpc {self.node}: malformed answer to {what}: bad hex data") from None

    def quantity(self, raw: Any, what: str) -> int:
        if not isinstance(raw, str) or not raw.startswith("0x") or len(raw) < 3:
            raise ChainError(f"rpc {self.node}: malformed answer to {what}: expected a hex quantity")
        try:
            return int(raw, 16)
        except ValueError:
            raise ChainError(f"rpc {self.node}: malformed answer to {what}: bad hex quantity") from None

    def block_ref(self, raw: Any, what: str) -> BlockRef:
        """One `eth_getBlockByNumber` answer."""
        if not isinstance(raw, dict):
            raise ChainError(f"rpc {self.node}: malformed answer to {what}: not a block")
        block_hash = hex_bytes(raw.get("hash"))
        if block_hash is None or len(block_hash) != 32:
            raise ChainError(f"rpc {self.node}: malformed answer to {what}: no block hash")
        return BlockRef(self.quantity(raw.get("number"), what), block_hash)

    def transaction_hash(self, log: dict[str, Any]) -> bytes:
        """The hash of the transaction that emitted `log` (one of `eth_getLogs`' answers)."""
        # Pending logs carry none; mined ones always do.
        raw = log.get("transactionHash")
        return b"" if raw is None else self.data(raw, "eth_getLogs")


def hex_bytes(data: Any) -> bytes | None:
    """`0x`-prefixed hex as bytes; None for anything else."""
    if not isinstance(data, str) or not data.startswith("0x"):
        return None
    try:
        return bytes.fromhex(data[2:])
    except ValueError:
        return None


def address(value: str) -> Address:
    """An address as eth_abi or a node writes it (0x + 40 hex digits, any case)."""
    try:
        return Address(bytes.fromhex(value[2:]))
    except ValueError as error:
        raise ChainError(f"malformed address in a node's answer: {value!r:.60}") from error


def address_topic(account: Address) -> str:
    """`account` as an indexed event argument: a topic to filter logs by."""
    return "0x" + bytes(12).hex() + account.raw.hex()
