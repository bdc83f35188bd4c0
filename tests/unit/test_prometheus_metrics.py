"""The scraper's metrics as Prometheus reads them: names, labels and values rendered from a status, and
the /metrics server with and without a bearer token (real HTTP on a free local port)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import attrs
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from butler.domain.address import Address
from butler.domain.chain_evidence import Suspicion
from butler.domain.entry_queue import FlushBatch, QueuedAttester
from butler.domain.lifecycle import Position
from butler.domain.scrape_status import RejectedTransition, ScrapeStatus, Snapshot
from butler.domain.scraper_config import AttesterState
from butler.entrypoints.scraper.collector import (
    LatestStatus,
    ScraperCollector,
    metrics_registry,
    metrics_text,
)
from butler.entrypoints.scraper.server import MetricsServer, metrics_app
from butler.ports.chain_fake import FakeChain
from tests.conftest import REPO_ROOT

S = AttesterState
PUB_A = Address.from_int(0xA1)
PUB_B = Address.from_int(0xB1)
QUEUED = Address.from_int(0xE0)
ACTIVE = Address.from_int(0xAC)
LAGGING = Address.from_int(0x1A6)
QUEUED_WITH_COINBASE = Address.from_int(0xE1)
STUCK = Address.from_int(0xE2)
ETA = 1_800_000_000
TAKEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
TOKEN = "s3cret-Token"

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def snapshot() -> Snapshot:
    return Snapshot(
        taken_at=TAKEN,
        states={
            QUEUED: S.IN_STAKING_QUEUE,
            QUEUED_WITH_COINBASE: S.IN_STAKING_QUEUE,
            STUCK: S.IN_STAKING_QUEUE,
            ACTIVE: S.ACTIVE,
            LAGGING: S.ACTIVE,
        },
        counts={
            S.NEW: 0,
            S.IN_STAKING_PROVIDER_QUEUE: 0,
            S.IN_STAKING_QUEUE: 3,
            S.ACTIVE: 2,
            S.NO_LONGER_ACTIVE: 0,
        },
        missing_coinbase=(QUEUED, STUCK),
        missing_coinbase_urgent=(ACTIVE,),
        balances={PUB_A: 1_250_000_000_000_000_000, PUB_B: 0},
        required_topups={PUB_A: 0, PUB_B: 200_000_000_000_000_000},
        provider_queue_length=4,
        entry_queue_length=7,
        flushes=attrs.evolve(
            FakeChain().entry_queue_state().flushes,
            current_epoch=12,
            next_flushable_epoch=13,
            available_flushes=0,
            flush_size=2,
        ),
        queued={
            QUEUED_WITH_COINBASE: QueuedAttester(2, FlushBatch(13, 2, 2, ETA - 60)),
            QUEUED: QueuedAttester(3, FlushBatch(13, 2, 2, ETA)),
            STUCK: QueuedAttester(6, None),
        },
        next_missing_coinbase_eta=ETA,
        changes=(),
        rejected=(RejectedTransition(LAGGING, S.ACTIVE, Position.ENTRY_QUEUE),),
    )


def good_status() -> ScrapeStatus:
    return ScrapeStatus(
        snapshot=snapshot(),
        cycles=3,
        succeeded=True,
        duration_seconds=0.25,
        last_success_at=TAKEN,
        rejected_total={(S.ACTIVE, Position.ENTRY_QUEUE): 3},
    )


def render(status: ScrapeStatus, network: str = "devnet") -> str:
    collector = ScraperCollector(network=network, version="1.2.3", status=lambda: status)
    return metrics_text(metrics_registry(collector))


def series(text: str) -> Series:
    found: Series = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, frozenset(sample.labels.items())] = sample.value
    return found


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return "aztec_butler_" + name, frozenset({"network": "devnet", **labels}.items())


def test_a_good_cycle_exports_every_series_with_its_labels() -> None:
    found = series(render(good_status()))

    expected = {
        key("publisher_balance_eth", publisher=PUB_A.checksum): 1.25,
        key("publisher_balance_eth", publisher=PUB_B.checksum): 0.0,
        key("publisher_required_topup_eth", publisher=PUB_A.checksum): 0.0,
        key("publisher_required_topup_eth", publisher=PUB_B.checksum): 0.2,
        key("attesters", state="NEW"): 0,
        key("attesters", state="IN_STAKING_PROVIDER_QUEUE"): 0,
        key("attesters", state="IN_STAKING_QUEUE"): 3,
        key("attesters", state="ACTIVE"): 2,
        key("attesters", state="NO_LONGER_ACTIVE"): 0,
        key("attesters_missing_coinbase"): 2,
        key("attesters_missing_coinbase_urgent"): 1,
        key("attester_missing_coinbase_info", attester=QUEUED.checksum, state="IN_STAKING_QUEUE"): 1,
        key("attester_missing_coinbase_info", attester=STUCK.checksum, state="IN_STAKING_QUEUE"): 1,
        key("attester_missing_coinbase_info", attester=ACTIVE.checksum, state="ACTIVE"): 1,
        key("provider_queue_length"): 4,
        key("entry_queue_length"): 7,
        key("entry_queue_flush_size"): 2,
        key("entry_queue_available_flushes"): 0,
        key("entry_queue_next_flushable_epoch"): 13,
        key("rollup_current_epoch"): 12,
        key("attester_entry_queue_position", attester=QUEUED_WITH_COINBASE.checksum, coinbase="known"): 2,
        key("attester_entry_queue_position", attester=QUEUED.checksum, coinbase="missing"): 3,
        key("attester_entry_queue_position", attester=STUCK.checksum, coinbase="missing"): 6,
        # STUCK cannot be flushed as things stand: no ETA
        key(
            "attester_entry_queue_eta_timestamp_seconds",
            attester=QUEUED_WITH_COINBASE.checksum,
            coinbase="known",
        ): (ETA - 60),
        key("attester_entry_queue_eta_timestamp_seconds", attester=QUEUED.checksum, coinbase="missing"): ETA,
        key("next_missing_coinbase_eta_timestamp_seconds"): ETA,
        key("publisher_loads_assumed_even"): 0,
        key("scrape_success", scraper="chain"): 1,
        key("scrape_duration_seconds", scraper="chain"): 0.25,
        key("last_successful_scrape_timestamp_seconds", scraper="chain"): TAKEN.timestamp(),
        key("build_info", version="1.2.3"): 1,
        key(
            "attester_transition_rejected_info",
            attester=LAGGING.checksum,
            state="ACTIVE",
            observed="ENTRY_QUEUE",
        ): 1,
        key("attester_transitions_rejected_total", state="ACTIVE", observed="ENTRY_QUEUE"): 3,
        key("attester_transitions_rejected_total", state="ACTIVE", observed="PROVIDER_QUEUE"): 0,
        key("attester_transitions_rejected_total", state="NO_LONGER_ACTIVE", observed="PROVIDER_QUEUE"): 0,
        key("attester_transitions_rejected_total", state="NO_LONGER_ACTIVE", observed="ENTRY_QUEUE"): 0,
        key("attester_transitions_rejected_total", state="NO_LONGER_ACTIVE", observed="VALIDATING"): 0,
    }
    assert found == expected


def test_every_series_on_metrics_is_in_the_docs_table() -> None:
    docs = (REPO_ROOT / "docs" / "scraper.md").read_text()
    section = docs.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    documented = {
        "aztec_butler_" + row.split("`")[1] for row in section.splitlines() if row.startswith("| `")
    }
    suspect = attrs.evolve(good_status(), succeeded=False, suspicion=Suspicion.REORG)
    exported = {name for status in (good_status(), suspect) for name, _ in series(render(status))}
    assert exported - documented == set()
    assert documented - exported == set(), "the table documents a series /metrics does not have"


def test_a_failed_cycle_keeps_the_last_values_and_says_it_failed() -> None:
    failed = attrs.evolve(good_status(), succeeded=False, duration_seconds=10.0, error="rpc down")

    good, down = series(render(good_status())), series(render(failed))

    assert down[key("scrape_success", scraper="chain")] == 0
    assert down[key("scrape_duration_seconds", scraper="chain")] == 10.0
    assert down[key("last_successful_scrape_timestamp_seconds", scraper="chain")] == TAKEN.timestamp()
    unchanged = [k for k in good if "scrape_" not in k[0]]
    assert unchanged and all(down[k] == good[k] for k in unchanged)


def test_before_any_success_only_the_scraper_health_is_exported() -> None:
    status = ScrapeStatus(cycles=1, succeeded=False, duration_seconds=1.5, error="rpc down")

    names = {name for name, _ in series(render(status))}

    assert names == {
        "aztec_butler_scrape_success",
        "aztec_butler_scrape_duration_seconds",
        "aztec_butler_build_info",
        "aztec_butler_attester_transitions_rejected_total",
    }
    assert series(render(status))[key("scrape_success", scraper="chain")] == 0


def test_every_series_carries_the_network() -> None:
    text = render(good_status(), network="mainnet")

    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]

    assert samples and all(s.labels.get("network") == "mainnet" for s in samples)


@pytest.fixture
def latest() -> LatestStatus:
    return LatestStatus(good_status())


def serve(latest: LatestStatus, token: str | None) -> MetricsServer:
    collector = ScraperCollector(network="devnet", version="1.2.3", status=latest.get)
    return MetricsServer(metrics_app(metrics_registry(collector), token), "127.0.0.1", 0).start()


@pytest.fixture
def open_server(latest: LatestStatus) -> Iterator[str]:
    server = serve(latest, None)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


@pytest.fixture
def guarded_server(latest: LatestStatus) -> Iterator[str]:
    server = serve(latest, TOKEN)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_metrics_are_served_over_http_from_the_latest_status(open_server: str, latest: LatestStatus) -> None:
    first = requests.get(f"{open_server}/metrics", timeout=5)
    latest.set(attrs.evolve(good_status(), succeeded=False))
    second = requests.get(f"{open_server}/metrics", timeout=5)

    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("text/plain")
    assert series(first.text)[key("scrape_success", scraper="chain")] == 1
    assert series(second.text)[key("scrape_success", scraper="chain")] == 0


def test_other_paths_are_not_found(open_server: str) -> None:
    assert requests.get(f"{open_server}/metricsx", timeout=5).status_code == 404
    assert requests.get(f"{open_server}/", timeout=5).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}],
)
def test_a_token_is_required_when_set(guarded_server: str, headers: dict[str, str]) -> None:
    response = requests.get(f"{guarded_server}/metrics", headers=headers, timeout=5)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "aztec_butler" not in response.text


def test_the_right_token_opens_the_metrics(guarded_server: str) -> None:
    response = requests.get(
        f"{guarded_server}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )

    assert response.status_code == 200
    assert key("attesters", state="ACTIVE") in series(response.text)


def test_a_taken_port_is_a_clear_error(open_server: str, latest: LatestStatus) -> None:
    port = int(open_server.rsplit(":", 1)[1])

    with pytest.raises(Exception, match=rf"cannot listen on 127\.0\.0\.1:{port}: "):
        MetricsServer(
            metrics_app(
                metrics_registry(ScraperCollector(network="x", version="1", status=latest.get)), None
            ),
            "127.0.0.1",
            port,
        )


def test_without_a_queued_attester_missing_its_coinbase_there_is_no_next_eta() -> None:
    status = good_status()
    assert status.snapshot is not None
    calm = attrs.evolve(
        status, snapshot=attrs.evolve(status.snapshot, next_missing_coinbase_eta=None, queued={})
    )

    names = {name for name, _ in series(render(calm))}

    assert "aztec_butler_next_missing_coinbase_eta_timestamp_seconds" not in names
    assert "aztec_butler_attester_entry_queue_eta_timestamp_seconds" not in names
    assert "aztec_butler_entry_queue_flush_size" in names
