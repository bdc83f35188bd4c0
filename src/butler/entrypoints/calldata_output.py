"""Showing the Safe calls a command produced (stdout, the data) and what was proposed (stderr)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TextIO

from butler.domain.address import Address
from butler.domain.redaction import shown
from butler.domain.safe import Operation, SafeCall, multisend_calls
from butler.domain.wei import format_eth
from butler.ports.multisig import Proposal


def calls_json(calls: Sequence[SafeCall]) -> list[dict[str, object]]:
    return [
        {
            "to": c.to.checksum,
            "value": str(c.value),
            "data": "0x" + c.data.hex(),
            "operation": int(c.operation),
        }
        for c in calls
    ]


def print_calls(calls: Sequence[SafeCall], *, as_json: bool, out: TextIO | None = None) -> None:
    """The calls on stdout: a JSON list of {to, value (decimal wei string), data, operation} with
    `as_json`, else one readable block per call."""
    stream = out if out is not None else sys.stdout
    if as_json:
        stream.write(json.dumps(calls_json(calls), indent=2) + "\n")
        return
    for index, call in enumerate(calls, 1):
        stream.write("\n" if index > 1 else "")
        stream.write(_block(call, f"Safe transaction {index} of {len(calls)}"))


def report_proposals(
    proposals: Sequence[Proposal], *, safe: Address | None = None, err: TextIO | None = None
) -> None:
    """One line per proposal on stderr: its nonce, its hash, and whether it was posted now."""
    stream = err if err is not None else sys.stderr
    where = f" to Safe {safe}" if safe is not None else ""
    for p in proposals:
        safe_tx_hash = shown(f"0x{p.safe_tx_hash.hex()}")
        if p.already_pending:
            stream.write(f"already pending{where} at nonce {p.nonce}: {safe_tx_hash} (not posted again)\n")
        else:
            stream.write(f"proposed{where} at nonce {p.nonce}: {safe_tx_hash}\n")


def _block(call: SafeCall, title: str) -> str:
    lines = [
        f"{title}",
        f"  to:        {call.to.checksum}",
        f"  value:     {call.value} wei ({format_eth(call.value)} ETH)",
        f"  operation: {int(call.operation)} ({_operation_name(call.operation)})",
        f"  data:      0x{call.data.hex()}",
    ]
    inner = _inner_calls(call)
    if inner:
        lines.append(f"  a MultiSendCallOnly batch of {len(inner)} calls:")
        lines += [
            f"    {i}. to {c.to.checksum} value {c.value} wei ({format_eth(c.value)} ETH)"
            + (f" data 0x{c.data.hex()}" if c.data else "")
            for i, c in enumerate(inner, 1)
        ]
    return "\n".join(lines) + "\n"


def _operation_name(operation: Operation) -> str:
    return "call" if operation is Operation.CALL else "delegatecall"


def _inner_calls(call: SafeCall) -> tuple[SafeCall, ...]:
    if call.operation is not Operation.DELEGATE_CALL:
        return ()
    try:
        return multisend_calls(call.data)
    except ValueError:
        return ()
