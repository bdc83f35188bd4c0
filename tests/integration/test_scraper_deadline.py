"""The scraper against a node that trickles its answers one byte at a time: the start-up check and the
cycle each give up within the cycle's deadline (0.9 x --interval), and the cycle is reported failed,
instead of hanging for the minutes the answer would take. The bound asserted is generous (this is not a
speed test; bench/bench_deadlines.py measures it)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from butler.adapters.files.json_documents import local_scraper_config_files
from butler.domain.address import Address
from butler.domain.scraper_config import ScrapedAttester, ScraperConfig
from tests.integration.drip_server import ANSWER_BODY, dripping

BYTE_EVERY = 0.05


def test_a_trickling_node_fails_the_cycle_within_its_deadline(tmp_path: Path) -> None:
    scraper_config = tmp_path / "devnet-scrape-config.json"
    local_scraper_config_files().write(
        scraper_config,
        ScraperConfig(
            version=1,
            network="devnet",
            chain_id=31337,
            staking_provider_id=1,
            attesters=(ScrapedAttester(Address.from_int(0xA1)),),
            publishers=(),
            last_updated="2026-01-01T00:00:00Z",
        ),
    )
    with dripping(byte_every=BYTE_EVERY) as node:
        config = tmp_path / "devnet.toml"
        config.write_text(
            f'network = "devnet"\nchain_id = 31337\nrpc_url = "{node.url}"\n'
            f'staking_registry = "{Address.from_int(0x5E).checksum}"\n'
            f'rollup = "{Address.from_int(0x70).checksum}"\nprovider_id = 1\n'
        )
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "butler.entrypoints.scraper.main",
                "--config",
                str(config),
                "--scraper-config",
                str(scraper_config),
                "--once",
                "--interval",
                "2",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        took = time.monotonic() - started

    assert done.returncode == 1, done.stderr
    assert 'aztec_butler_scrape_success{network="devnet",scraper="chain"} 0.0' in done.stdout
    assert "no complete answer within" in done.stderr
    assert "Traceback" not in done.stderr
    assert took < len(ANSWER_BODY) * BYTE_EVERY / 5
