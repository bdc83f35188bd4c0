"""Scanning StakedWithProvider logs over many empty blocks: blocks per second and requests per scan.

Run: .venv/bin/python bench/bench_coinbase_scan.py [--blocks 10000] [--limits 1000,100]

Starts the devnet on free ports, stakes two attesters, mines `--blocks` empty blocks (anvil mines each
block in time growing with the chain's length, so 50,000 blocks take a quarter of an hour to prepare),
stakes one more, then runs the scrape-coinbases use case with the real adapters:
- straight to anvil;
- through the counting proxy of the tests, forwarding only (its own cost per request);
- through the proxy refusing eth_getLogs ranges wider than each of `--limits` blocks, with an HTTP 429
  answer every 10th request.
Each scan is a full one (no mapping file yet). Then the requests of incremental runs: right after a scan,
and after one more stake. Everything started is stopped at the end, also on errors.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from counting_session import CountingSession

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.rpc_proxy import RpcProxy  # noqa: E402

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain  # noqa: E402
from butler.adapters.chain.transport import RpcTransport  # noqa: E402
from butler.adapters.clock import SystemClock  # noqa: E402
from butler.domain.coinbases import CoinbaseMapping  # noqa: E402
from butler.domain.config import NetworkConfig  # noqa: E402
from butler.ports.json_documents_fake import FakeJsonDocuments  # noqa: E402
from butler.ports.key_files_fake import FakeKeyFiles  # noqa: E402
from butler.usecases.scrape_coinbases import ScrapeRequest, scrape_coinbases  # noqa: E402

MAPPING = Path("/bench/coinbases.json")
# Blocks per anvil_mine call: a call mining 1,000 blocks outlasted the devnet client's 30 s timeout on a
# loaded 2-core machine, and the time per block grows with the chain's length.
MINE_CHUNK = 100


def range_limit(limit: int) -> Any:
    def refuse(body: Any) -> Any | None:
        if isinstance(body, dict) and body.get("method") == "eth_getLogs":
            log_filter = body["params"][0]
            if int(log_filter["toBlock"], 16) - int(log_filter["fromBlock"], 16) + 1 > limit:
                error = {"code": -32602, "message": f"eth_getLogs is limited to a {limit} block range"}
                return {"jsonrpc": "2.0", "id": body["id"], "error": error}
        return None

    return refuse


def scan(
    config: NetworkConfig,
    url: str,
    mappings: FakeJsonDocuments[CoinbaseMapping],
    session: requests.Session | None = None,
) -> tuple[float, int, Any]:
    chain = JsonRpcChain.from_config(config, RpcTransport(url, sleep=lambda _: None, session=session))
    started = time.perf_counter()
    result = scrape_coinbases(
        # The devnet lowers the safe confirmation depth explicitly: the last stake is in the newest blocks.
        ScrapeRequest(mapping_path=MAPPING, scraper_config_path=Path("/bench/none.json"), confirmations=0),
        config=config,
        chain=chain,
        mappings=mappings,
        scraper_configs=FakeJsonDocuments(),
        key_files=FakeKeyFiles(),
        clock=SystemClock(),
        progress=lambda done, total: None,
    )
    elapsed = time.perf_counter() - started
    chain.close()
    return elapsed, result.blocks_scanned, result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--blocks", type=int, default=10_000, help="empty blocks to mine (default 10,000)")
    parser.add_argument("--limits", default="1000,100", help="range limits of the proxy, comma-separated")
    options = parser.parse_args()
    limits = [int(x) for x in options.limits.split(",") if x]

    from butler.adapters.files.config_file import load_network_config
    from butler.devnet.runner import start_devnet

    with (
        tempfile.TemporaryDirectory() as folder,
        start_devnet(config_out=Path(folder) / "devnet.toml") as devnet,
    ):
        config, _, _ = load_network_config(devnet.config_path)
        devnet.actions.add_keys(4)
        devnet.actions.stake(2)
        started = time.perf_counter()
        left = options.blocks
        while left:
            chunk = min(MINE_CHUNK, left)
            devnet.chain.rpc("anvil_mine", [hex(chunk)])
            left -= chunk
            if left % 1_000 == 0:
                mined = options.blocks - left
                print(f"mined {mined:,}/{options.blocks:,} blocks", file=sys.stderr, flush=True)
        devnet.actions.stake(1)
        print(f"prepared {options.blocks:,} empty blocks in {time.perf_counter() - started:.0f} s")

        rows = []
        session = CountingSession()
        seconds, blocks, result = scan(config, devnet.rpc_url, FakeJsonDocuments(), session)
        reference = dict(result.mapping.coinbases)
        rows.append(("direct to anvil", seconds, blocks, session.requests, "-"))
        scenarios: list[tuple[str, int | None]] = [("proxy, no limit", None)]
        scenarios += [(f"proxy, {limit:,}-block limit, 429 every 10th", limit) for limit in limits]
        for name, limit in scenarios:
            proxy = RpcProxy(devnet.rpc_url).start()
            try:
                if limit is not None:
                    proxy.intercept = range_limit(limit)
                    proxy.every_nth = (10, 429)
                seconds, blocks, result = scan(config, proxy.url, FakeJsonDocuments())
                assert dict(result.mapping.coinbases) == reference, "a different mapping through the proxy"
                rows.append((name, seconds, blocks, proxy.posts, proxy.calls_of("eth_getLogs")))
            finally:
                proxy.stop()

        print(f"\nfull scans of {blocks:,} blocks ({len(reference)} coinbases):")
        print(f"  {'node':<45} {'seconds':>8} {'blocks/s':>10} {'requests':>9} {'getLogs':>8}")
        for name, seconds, blocks, posts, getlogs in rows:
            print(f"  {name:<45} {seconds:>8.2f} {blocks / seconds:>10,.0f} {posts!s:>9} {getlogs!s:>8}")

        mappings = FakeJsonDocuments()
        proxy = RpcProxy(devnet.rpc_url).start()
        try:
            scan(config, proxy.url, mappings)
            proxy.reset()
            scan(config, proxy.url, mappings)
            quiet = (proxy.posts, proxy.calls_of("eth_getLogs"))
            devnet.actions.stake(1)
            proxy.reset()
            _, blocks, _ = scan(config, proxy.url, mappings)
            after_stake = (proxy.posts, proxy.calls_of("eth_getLogs"), blocks)
        finally:
            proxy.stop()
        print("\nincremental runs (requests = HTTP requests to the node):")
        print(f"  right after a scan:       {quiet[0]} requests, {quiet[1]} eth_getLogs")
        print(
            f"  after one more stake:     {after_stake[0]} requests, {after_stake[1]} eth_getLogs "
            f"over {after_stake[2]} new block(s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
