"""The scraper's cycle for 10,000 attesters on the devnet: HTTP round trips, cycle time, memory over time.

Run: .venv/bin/python bench/bench_scraper.py [--attesters 10000] [--queued 3000] [--staked 100]
     [--active 20] [--publishers 50] [--cycles 10] [--rss-cycles 1000] [--rss-chain devnet|fake]
     [--flush-size 4] [--max-batch 500]

`./dev bench --large` runs it at 100,000 attesters (bench/run_all.py LARGE_SCRAPER).

Starts a devnet (anvil + real GSE + stand-ins) in a temporary folder and arranges, through real
transactions: `--active` validators deposited into the real GSE (status VALIDATING), `--staked` keys
waiting in the rollup entry queue, the rest of `--queued` keys in the provider queue (throwaway
registration data: the registry stores it unchecked), and the remaining attesters unknown to the chain.
The scraper config lists all of them with `--publishers` publishers, half of them funded.

The rollup then flushes `--flush-size` entries per epoch, so the entry queue's schedule spans many epochs.
Then runs the scraper's own cycle (`scrape_cycle` over `JsonRpcChain`, the local scraper-config file and
the system clock, with the transport settings of `aztec-butler-scraper`) and renders /metrics after each
cycle, as the service does. Reports HTTP requests per cycle (counted on the transport's session), the
first cycle (which saves every attester's state) and the median / worst of `--cycles` steady cycles,
and the resident memory (RSS) before and after `--rss-cycles` further cycles. `--rss-chain fake` runs
those on the in-memory fake chain holding the same arrangement instead (much faster, same code above
the chain port). Goals: <= 10 requests per cycle, <= 2 s per cycle, < 5 % RSS growth.
"""

from __future__ import annotations

import argparse
import gc
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from counting_session import CountingSession

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.chain.transport import DEFAULT_MAX_BATCH, RpcTransport
from butler.adapters.clock import SystemClock
from butler.adapters.files.json_documents import local_scraper_config_files
from butler.devnet.actions import DevnetActions
from butler.devnet.records import random_validator
from butler.devnet.runner import start_devnet
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.entry_queue import QueueConfig
from butler.domain.onchain import AttesterStatus, AttesterView, G1Point, G2Point, KeyStore
from butler.domain.scrape_status import ScrapeStatus
from butler.domain.scraper_config import ScrapedAttester, ScraperConfig
from butler.entrypoints import real_adapters
from butler.entrypoints.scraper.collector import (
    LatestStatus,
    ScraperCollector,
    metrics_registry,
    metrics_text,
)
from butler.ports.chain import Chain
from butler.ports.chain_fake import FakeChain
from butler.usecases.scrape_cycle import scrape_cycle

GOAL_REQUESTS = 10
GOAL_SECONDS = 2.0
GOAL_RSS_GROWTH = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def throwaway_keystore() -> KeyStore:
    point = G1Point(1, 2)
    return KeyStore(Address(secrets.token_bytes(20)), point, G2Point(1, 2, 3, 4), point)


def arrange(actions: DevnetActions, args: argparse.Namespace, log: Callable[[str], None]) -> list[Address]:
    """Attesters in order: active, entry queue, provider queue, unknown."""
    started = time.perf_counter()
    validators = [random_validator() for _ in range(args.active)]
    if validators:
        actions.add_validators(validators)
        actions.stake(len(validators))
        actions.flush(len(validators))
    stores = [throwaway_keystore() for _ in range(args.queued)]
    if stores:
        actions.add_keystores(stores)
    if args.staked:
        actions.stake(args.staked)
    unknown = [Address(secrets.token_bytes(20)) for _ in range(args.attesters - args.active - len(stores))]
    log(f"arranged in {time.perf_counter() - started:.1f} s")
    return [v.attester for v in validators] + [s.attester for s in stores] + unknown


def scraper_config(attesters: Sequence[Address], publishers: Sequence[Address]) -> ScraperConfig:
    return ScraperConfig(
        version=1,
        network="devnet",
        chain_id=31337,
        staking_provider_id=1,
        attesters=tuple(
            ScrapedAttester(a, publishers=(publishers[i % len(publishers)],)) for i, a in enumerate(attesters)
        ),
        publishers=tuple(publishers),
        last_updated="2026-01-01T00:00:00Z",
    )


class Loop:
    """The service's cycle without its HTTP server: scrape, publish, render /metrics."""

    def __init__(self, chain: Chain, network: NetworkConfig, path: Path) -> None:
        self.chain = chain
        self.network = network
        self.path = path
        self.files = local_scraper_config_files()
        self.clock = SystemClock()
        self.latest = LatestStatus()
        self.registry = metrics_registry(
            ScraperCollector(network=network.network, version="bench", status=self.latest.get)
        )

    def cycle(self) -> tuple[float, ScrapeStatus]:
        started = time.perf_counter()
        status = scrape_cycle(
            self.latest.get(),
            chain=self.chain,
            files=self.files,
            config_path=self.path,
            network=self.network,
            clock=self.clock,
        )
        elapsed = time.perf_counter() - started
        if not status.succeeded:
            raise SystemExit(f"a cycle failed: {status.error}")
        self.latest.set(status)
        metrics_text(self.registry)
        return elapsed, status


def fake_copy(
    devnet_chain: Chain, provider_id: int, attesters: Sequence[Address], publishers: Sequence[Address]
) -> FakeChain:
    """The in-memory chain holding what the devnet holds for these attesters and publishers."""
    fake = FakeChain()
    fake.add_provider(Address.from_int(0xAD))
    deposits = list(devnet_chain.entry_queue())
    fake.enqueue_keys(
        1, [KeyStore(d.attester, d.public_key_g1, d.public_key_g2, d.proof_of_possession) for d in deposits]
    )
    fake.stake(1, len(deposits))
    fake.enqueue_keys(1, list(devnet_chain.provider_queue(provider_id)))
    for attester, view in devnet_chain.attester_views(attesters).items():
        if view.status is not AttesterStatus.NONE:
            fake.set_attester_view(
                attester, AttesterView(view.status, view.effective_balance, view.withdrawer)
            )
    for account, wei in devnet_chain.balances(publishers).items():
        fake.set_balance(account, wei)
    return fake


def rss_run(loop: Loop, cycles: int, log: Callable[[str], None]) -> tuple[int, int, float]:
    for _ in range(10):  # warm-up: caches, connection pool, allocator arenas
        loop.cycle()
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    for n in range(1, cycles + 1):
        loop.cycle()
        if n % 100 == 0:
            log(f"  {n}/{cycles} cycles, RSS {rss_bytes() / 2**20:.1f} MiB")
    gc.collect()
    return before, rss_bytes(), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--attesters", type=int, default=10_000)
    parser.add_argument("--queued", type=int, default=3_000, help="keys put in the provider queue")
    parser.add_argument("--staked", type=int, default=100, help="of those, moved on to the entry queue")
    parser.add_argument("--active", type=int, default=20, help="validators deposited into the GSE")
    parser.add_argument("--publishers", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=10, help="steady cycles timed")
    parser.add_argument("--rss-cycles", type=int, default=1000)
    parser.add_argument("--rss-chain", choices=("devnet", "fake"), default="devnet")
    parser.add_argument(
        "--flush-size",
        type=int,
        default=4,
        help="entry-queue flushes per epoch (the rollup's queue configuration), so that the queue is long",
    )
    parser.add_argument(
        "--max-batch",
        type=int,
        default=DEFAULT_MAX_BATCH,
        help="calls per JSON-RPC POST (default the scraper's; POSTs are also cut at 1 MiB of JSON)",
    )
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"ignoring arguments for other benchmarks: {' '.join(ignored)}", file=sys.stderr)
    if args.staked > args.queued or args.active + args.queued > args.attesters:
        parser.error("need --staked <= --queued and --active + --queued <= --attesters")

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with (
        tempfile.TemporaryDirectory() as folder,
        start_devnet(config_out=Path(folder) / "devnet.toml") as devnet,
    ):
        attesters = arrange(devnet.actions, args, log)
        devnet.actions.set_queue_config(QueueConfig(0, 0, args.flush_size, 2**32 - 1, args.flush_size))
        publishers = [Address(secrets.token_bytes(20)) for _ in range(args.publishers)]
        devnet.actions.fund(Decimal("0.5"), publishers[::2])
        path = Path(folder) / "devnet-scrape-config.json"
        local_scraper_config_files().write(path, scraper_config(attesters, publishers))
        network = NetworkConfig(
            network="devnet",
            chain_id=devnet.deployment.chain_id,
            staking_registry=devnet.deployment.staking_registry,
            rollup=devnet.deployment.rollup,
            provider_id=devnet.deployment.provider_id,
        )
        session = CountingSession()
        transport = RpcTransport(
            devnet.rpc_url,
            timeout=real_adapters.SCRAPER_RPC_TIMEOUT_SECONDS,
            max_attempts=real_adapters.SCRAPER_RPC_ATTEMPTS,
            max_batch=args.max_batch,
            session=session,
        )
        chain = JsonRpcChain.from_config(network, transport, aggregate=True)  # as aztec-butler-scraper
        chain.rollup()  # the start-up checks (chain id, canonical rollup), before the first cycle
        loop = Loop(chain, network, path)

        before = session.requests
        first, status = loop.cycle()
        first_requests = session.requests - before
        counts = status.snapshot.counts if status.snapshot else {}
        times, requests_per_cycle = [], []
        for _ in range(args.cycles):
            before = session.requests
            elapsed, _ = loop.cycle()
            times.append(elapsed)
            requests_per_cycle.append(session.requests - before)

        print(f"attesters {args.attesters:,}: " + ", ".join(f"{s.value} {n:,}" for s, n in counts.items()))
        print(
            f"publishers {args.publishers}; scraper config {path.stat().st_size / 2**20:.1f} MiB; "
            f"at most {args.max_batch} calls per POST"
        )
        print(f"first cycle (saves every state): {first:.2f} s, {first_requests} HTTP requests")
        steady, worst = max(requests_per_cycle), max(times)
        print(
            f"steady cycles ({args.cycles}): median {statistics.median(times):.2f} s, worst {worst:.2f} s "
            f"(goal <= {GOAL_SECONDS:g} s: {verdict(worst <= GOAL_SECONDS)}); "
            f"{steady} HTTP requests per cycle (goal <= {GOAL_REQUESTS}: {verdict(steady <= GOAL_REQUESTS)})"
        )

        if args.rss_cycles:
            rss_loop = loop
            if args.rss_chain == "fake":
                rss_loop = Loop(fake_copy(chain, 1, attesters, publishers), network, path)
            log(f"{args.rss_cycles} cycles on the {args.rss_chain} chain for RSS ...")
            start_rss, end_rss, took = rss_run(rss_loop, args.rss_cycles, log)
            growth = (end_rss - start_rss) / start_rss
            print(
                f"RSS over {args.rss_cycles} cycles ({args.rss_chain} chain, {took:.0f} s): "
                f"{start_rss / 2**20:.1f} -> {end_rss / 2**20:.1f} MiB, growth {growth * 100:+.2f} % "
                f"(goal < {GOAL_RSS_GROWTH * 100:g} %: {verdict(growth < GOAL_RSS_GROWTH)})"
            )
        chain.close()


if __name__ == "__main__":
    main()
