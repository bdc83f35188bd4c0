"""Reading 1,000 attester views and 1,000 balances: batched JSON-RPC against one call per HTTP request.

Run: .venv/bin/python bench/bench_chain_reads.py [--items 1000] [--repeat 3] [--max-batch 500]

Starts a bare anvil on a free port with the chain-read stub (the contract the adapter tests read), then
reads the same items through `JsonRpcChain` twice: over a transport that batches up to `--max-batch` calls
per POST, and over one that sends every call in its own POST, one after the other (the naive way). Both
sides do the same ABI encoding and decoding, so the difference is the batching. Reports the best wall
time of `--repeat` runs, the HTTP requests one read sends, the ratios, and the peak Python memory
(tracemalloc, measured in a separate run) of the batched views read. anvil is stopped at the end, also
on errors.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counting_session import CountingSession

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.chain.transport import RpcTransport
from butler.domain.address import Address

if TYPE_CHECKING:
    from tests.integration.stub_node import StubNode

REPO = Path(__file__).resolve().parents[1]
ANVIL_CHAIN_ID = 31337
FUNDED_EVERY = 100  # every 100th account gets a balance, so the balances read is not all zeros


def running_stub_node() -> AbstractContextManager[StubNode]:
    # The startup helper lives with the integration tests, which use the same stub node.
    sys.path.insert(0, str(REPO))
    from tests.integration.stub_node import running_stub_node as start

    return start()


def adapter(node: StubNode, max_batch: int) -> tuple[JsonRpcChain, CountingSession]:
    session = CountingSession()
    chain = JsonRpcChain(
        RpcTransport(node.rpc_url, max_batch=max_batch, session=session),
        chain_id=ANVIL_CHAIN_ID,
        staking_registry=node.address,
        rollup=node.address,
    )
    chain.rollup()  # the one-off checks (chain id, canonical rollup) and a warm connection, untimed
    return chain, session


def timed(
    read: Callable[[], Mapping[Address, Any]], session: CountingSession, repeat: int
) -> tuple[float, int, Mapping[Address, Any]]:
    """Best wall time of `repeat` reads, the HTTP requests one read sent, and the answer."""
    best = float("inf")
    answer: Mapping[Address, Any] = {}
    posts = 0
    for _ in range(repeat):
        before = session.requests
        start = time.perf_counter()
        answer = read()
        best = min(best, time.perf_counter() - start)
        posts = session.requests - before
    return best, posts, answer


def peak_bytes(node: StubNode, max_batch: int, attesters: list[Address]) -> int:
    """Peak traced Python memory while one adapter reads the views of `attesters`."""
    chain, _ = adapter(node, max_batch)
    try:
        tracemalloc.start()
        try:
            chain.attester_views(attesters)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    finally:
        chain.close()


def addresses(count: int, offset: int) -> list[Address]:
    return [Address.from_int(offset + i) for i in range(count)]


def rows(args: argparse.Namespace, node: StubNode) -> Iterator[tuple[str, float, int, float, int]]:
    """(what, batched seconds, batched requests, sequential seconds, sequential requests) per read."""
    attesters = addresses(args.items, 0x5000)
    holders = addresses(args.items, 0x7000)
    for i, holder in enumerate(holders[::FUNDED_EVERY]):
        node.set_balance(holder, 10**17 + i)
    batched, batched_session = adapter(node, args.max_batch)
    sequential, sequential_session = adapter(node, 1)
    reads: list[tuple[str, Callable[[JsonRpcChain], Mapping[Address, Any]]]] = [
        (f"{args.items} attester views", lambda chain: chain.attester_views(attesters)),
        (f"{args.items} balances", lambda chain: chain.balances(holders)),
    ]
    try:
        for what, read in reads:
            fast, fast_posts, fast_answer = timed(partial(read, batched), batched_session, args.repeat)
            slow, slow_posts, slow_answer = timed(partial(read, sequential), sequential_session, args.repeat)
            if fast_answer != slow_answer or len(fast_answer) != args.items:
                raise SystemExit(f"{what}: the batched and the sequential reads disagree")
            yield what, fast, fast_posts, slow, slow_posts
    finally:
        batched.close()
        sequential.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=1000, help="attesters and accounts to read")
    parser.add_argument("--repeat", type=int, default=3, help="runs per read; the best is reported")
    parser.add_argument("--max-batch", type=int, default=500, help="calls per POST when batching")
    # bench/run_all.py hands every script the same arguments; those meant for other scripts are ignored.
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"ignoring arguments for other benchmarks: {' '.join(ignored)}", file=sys.stderr)

    start = time.perf_counter()
    with running_stub_node() as node:
        startup = time.perf_counter() - start
        results = list(rows(args, node))
        attesters = addresses(args.items, 0x9000)
        batched_peak = peak_bytes(node, args.max_batch, attesters)
        sequential_peak = peak_bytes(node, 1, attesters)

    print(f"anvil + stub contract startup: {startup * 1000:.0f} ms; best of {args.repeat} runs per read")
    print(
        f"{'read':<22} {'batched ms':>10} {'POSTs':>6} {'1 call/POST ms':>15} {'POSTs':>6}"
        f" {'time ratio':>10} {'POST ratio':>10}"
    )
    for what, fast, fast_posts, slow, slow_posts in results:
        print(
            f"{what:<22} {fast * 1000:>10.1f} {fast_posts:>6} {slow * 1000:>15.1f} {slow_posts:>6}"
            f" {slow / fast:>9.1f}x {slow_posts / fast_posts:>9.0f}x"
        )
    print(
        f"peak Python memory (tracemalloc), {args.items} attester views: batched "
        f"{batched_peak / 2**20:.2f} MiB, 1 call/POST {sequential_peak / 2**20:.2f} MiB"
    )


if __name__ == "__main__":
    main()
