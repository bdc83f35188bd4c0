"""`queue-stats` over the fake chain: our attesters in both queues, their ETAs and coinbases, and the same
answers the scraper exports."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from butler.domain.address import Address
from butler.domain.entry_queue import QueueConfig
from butler.domain.scrape_status import ScrapeStatus
from butler.domain.scraper_config import ScrapedAttester, ScraperConfig
from butler.entrypoints.cli import run
from butler.entrypoints.queue_stats_cmd import as_document, as_text
from butler.ports.chain_fake import FakeChain
from butler.ports.clock_fake import FixedClock
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files_fake import FakeKeyFiles
from butler.usecases.queue_stats import QueueStats, QueueStatsRequest, queue_stats
from butler.usecases.scrape_cycle import scrape_cycle
from tests.unit.command_world import real_services
from tests.unit.test_scrape_coinbases import production_keyfile
from tests.unit.test_scrape_cycle import attester, keystore, network

SCRAPER_CONFIG = Path("/data/devnet-scrape-config.json")
KEYFILE = Path("/keys/prod-devnet-keyfile.json")
COINBASE = Address.from_int(0xC0B)
KEYFILE_COINBASE = Address.from_int(0xC0C)
OTHER = Address.from_int(0x07E5)
TWO_PER_EPOCH = QueueConfig(0, 0, 2, 1_000, 2)
NETWORK = network()


@attrs.define
class World:
    chain: FakeChain = attrs.field(factory=FakeChain)
    configs: FakeJsonDocuments = attrs.field(factory=FakeJsonDocuments)
    keys: FakeKeyFiles = attrs.field(factory=FakeKeyFiles)

    def stats(self, attesters_file: Path | None = None) -> QueueStats:
        return queue_stats(
            QueueStatsRequest(SCRAPER_CONFIG, attesters_file),
            config=NETWORK,
            chain=self.chain,
            scraper_configs=self.configs,
            key_files=self.keys,
        )


def arranged() -> World:
    """Entry queue: OTHER, 1 (coinbase in the scraper config), 2 (none), 3 (coinbase in the keyfile only),
    4 (keyfile only, none); provider queue: 5. Two flushes per epoch, none taken yet in epoch 7."""
    w = World()
    w.chain.add_provider(Address.from_int(0xAD))
    w.chain.set_queue_config(TWO_PER_EPOCH)
    w.chain.advance_epochs(7)
    w.chain.enqueue_keys(1, [keystore(a) for a in (OTHER, *map(attester, (1, 2, 3, 4, 5)))])
    w.chain.stake(1, 5)
    w.configs.files[SCRAPER_CONFIG] = ScraperConfig(
        version=1,
        network="devnet",
        chain_id=31337,
        staking_provider_id=1,
        attesters=(
            ScrapedAttester(attester(1), coinbase=COINBASE),
            ScrapedAttester(attester(2)),
            ScrapedAttester(attester(3)),
            ScrapedAttester(attester(5)),
        ),
        publishers=(),
        last_updated="2026-01-01T00:00:00Z",
    )
    w.keys.files[KEYFILE] = production_keyfile((attester(3), KEYFILE_COINBASE), (attester(4), None))
    return w


def test_each_of_our_queued_attesters_has_position_epoch_eta_and_coinbase_sources() -> None:
    w = arranged()
    start = w.chain.epoch_clock.epoch_start

    stats = w.stats(KEYFILE)

    assert (stats.provider_queue_length, stats.ours_in_provider_queue) == (1, ((attester(5), 0),))
    assert stats.entry_queue_length == 5 and stats.ours == 5
    assert [(b.epoch, b.first_position, b.count) for b in stats.schedule.batches] == [
        (7, 0, 2),
        (8, 2, 2),
        (9, 4, 1),
    ]
    rows = [
        (
            q.attester,
            q.queued.position,
            q.queued.eta,
            q.scraper_config_coinbase,
            q.keyfile_coinbase,
            q.coinbase_known,
        )
        for q in stats.queued
    ]
    assert rows == [
        (attester(1), 1, start(7), COINBASE, None, True),
        (attester(2), 2, start(8), None, None, False),
        (attester(3), 3, start(8), None, KEYFILE_COINBASE, True),
        (attester(4), 4, start(9), None, None, False),
    ]
    assert stats.next_missing_coinbase_eta == start(8)


def test_without_a_keyfile_only_the_scraper_configs_attesters_are_ours() -> None:
    stats = arranged().stats()

    assert [q.attester for q in stats.queued] == [attester(1), attester(2), attester(3)]
    assert not stats.queued[2].coinbase_known


def test_the_json_and_text_reports_carry_the_same_schedule_and_etas() -> None:
    w = arranged()
    stats = w.stats(KEYFILE)

    document = json.loads(json.dumps(as_document(stats)))
    text = as_text(stats)

    entry = document["entryQueue"]
    assert entry["queueConfig"]["normalFlushSizeMin"] == 2
    assert (entry["currentEpoch"], entry["availableFlushes"], entry["unscheduled"]) == (7, 2, 0)
    assert [
        (o["attester"], o["position"], o["epoch"], o["eta"], o["coinbaseKnown"]) for o in entry["ours"]
    ] == [
        (
            str(q.attester),
            q.queued.position,
            q.queued.batch.epoch if q.queued.batch else None,
            q.queued.eta,
            q.coinbase_known,
        )
        for q in stats.queued
    ]
    assert entry["ours"][2]["keyfileCoinbase"] == str(KEYFILE_COINBASE)
    assert document["nextMissingCoinbaseEta"] == stats.next_missing_coinbase_eta
    assert document["providerQueue"] == {"length": 1, "ours": [{"attester": str(attester(5)), "position": 0}]}
    assert f"{attester(2)} 2 8 " in text and "MISSING" in text
    assert "entry queue: 5 deposits, 4 of ours" in text


def test_queue_stats_agrees_with_the_scraper() -> None:
    w = arranged()
    stats = w.stats()
    status = scrape_cycle(
        ScrapeStatus(),
        chain=w.chain,
        files=w.configs,
        config_path=SCRAPER_CONFIG,
        network=NETWORK,
        clock=FixedClock(),
    )

    assert status.snapshot is not None
    assert {q.attester: (q.queued.position, q.queued.eta) for q in stats.queued} == {
        a: (q.position, q.eta) for a, q in status.snapshot.queued.items()
    }
    assert stats.next_missing_coinbase_eta == status.snapshot.next_missing_coinbase_eta


CONFIG = """
network = "devnet"
chain_id = 31337
rpc_url = "http://127.0.0.1:{port}"
staking_registry = "0xc3860c45e5F0b1eF3000dbF93149756f16928ADB"
rollup = "0xc3860c45e5f0b1ef3000dbf93149756f16928adb"
provider_id = 1
"""


@pytest.mark.parametrize(
    ("keyfile", "expected"),
    [("missing.json", "missing.json"), (None, "127.0.0.1")],
    ids=["missing keyfile", "unreachable node"],
)
def test_a_failure_is_one_line_on_stderr_and_nothing_on_stdout(
    tmp_path: Path,
    closed_port: int,
    capsys: pytest.CaptureFixture[str],
    keyfile: str | None,
    expected: str,
) -> None:
    (tmp_path / "net.toml").write_text(CONFIG.format(port=closed_port))
    attesters = ["--attesters", str(tmp_path / keyfile)] if keyfile else []
    args = ["queue-stats", "-c", str(tmp_path / "net.toml"), "--json", *attesters]

    code = run(args, real_services(tmp_path, XDG_DATA_HOME=str(tmp_path / "data")))

    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and expected in captured.err
    assert "Traceback" not in captured.err
