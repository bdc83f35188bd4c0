"""How soon a JSON-RPC call gives up on a node that trickles its answer, against its deadline.

Run: .venv/bin/python bench/bench_deadlines.py

A local server answers one byte every N ms (the status line and headers too, or only the body); the
transport's per-POST deadline and the shared deadline of a scraper cycle (`within`) must end the call
near the deadline, not after the minutes the answer would take.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(REPO))
    from tests.integration.drip_server import ANSWER_BODY, dripping

    from butler.adapters.chain.transport import RpcTransport
    from butler.domain.errors import ChainError

    print(f"answer: {len(ANSWER_BODY)} bytes plus headers")
    print(
        f"{'byte every':>10}  {'trickles':>9}  {'deadline':>15}  {'gave up after':>13}  {'answer needs':>12}"
    )
    for byte_every in (0.002, 0.05, 2.0):
        for header_first, where in ((False, "all"), (True, "body")):
            for seconds, shared in ((1.0, False), (3.0, False), (3.0, True)):
                with dripping(byte_every=byte_every, header_first=header_first) as node:
                    rpc = RpcTransport(node.url, timeout=30 if shared else seconds, max_attempts=1)
                    started = time.monotonic()
                    try:
                        if shared:
                            with rpc.within(seconds):
                                rpc.request("eth_chainId")
                        else:
                            rpc.request("eth_chainId")
                        outcome = "answered"
                    except ChainError:
                        outcome = ""
                    took = time.monotonic() - started
                kind = f"{seconds:g} s {'cycle' if shared else 'per POST'}"
                needs = len(ANSWER_BODY) * byte_every
                print(
                    f"{byte_every * 1000:>8g} ms  {where:>9}  {kind:>15}  {took:>11.2f} s  {needs:>10.0f} s"
                    + (f"  {outcome}" if outcome else "")
                )


if __name__ == "__main__":
    main()
