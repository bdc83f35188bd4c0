"""The scraper's metrics (SPEC §14): a Prometheus collector over the latest `ScrapeStatus`.

A scrape of /metrics only renders the status the last cycle left behind; it never reads the chain, so
Prometheus gets an answer at once even while the node is slow or down. Every series carries `network`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import CollectorRegistry

from butler.domain.entry_queue import FlushState
from butler.domain.lifecycle import TRANSITIONS
from butler.domain.scrape_status import ScrapeStatus, Snapshot
from butler.domain.scraper_config import AttesterState
from butler.domain.wei import eth_float

PREFIX = "aztec_butler_"
SCRAPER = "chain"  # the `scraper` label: which reading loop a success, duration or timestamp is about

# Every (kept state, observed position) pair the lifecycle can refuse: exported from zero on, so that
# rate() and increase() see the first rejection.
_REJECTABLE = tuple(pair for pair, target in TRANSITIONS.items() if target is None)


class LatestStatus:
    """The status the cycle loop publishes and the metrics server reads, from different threads."""

    def __init__(self, status: ScrapeStatus | None = None) -> None:
        self._lock = threading.Lock()
        self._status = status if status is not None else ScrapeStatus()

    def get(self) -> ScrapeStatus:
        with self._lock:
            return self._status

    def set(self, status: ScrapeStatus) -> None:
        with self._lock:
            self._status = status


class ScraperCollector:
    """Renders a `ScrapeStatus` as metric families (a prometheus_client custom collector)."""

    def __init__(self, *, network: str, version: str, status: Callable[[], ScrapeStatus]) -> None:
        self._network = network
        self._version = version
        self._status = status

    def collect(self) -> Iterator[Metric]:
        status = self._status()
        yield from self._scrape_health(status)
        yield self._gauge(
            "build_info", "The scraper's version, as a label; always 1.", [("version", self._version)]
        )
        yield self._rejected_total(status)
        if status.snapshot is not None:
            yield from self._snapshot(status.snapshot)

    def _scrape_health(self, status: ScrapeStatus) -> Iterator[Metric]:
        scraper = [("scraper", SCRAPER)]
        yield self._gauge(
            "scrape_success",
            "1 if the latest cycle read the chain and saved the states, 0 if it failed (values are then "
            "those of the last successful cycle).",
            scraper,
            1 if status.succeeded else 0,
        )
        yield self._gauge(
            "scrape_duration_seconds", "How long the latest cycle took.", scraper, status.duration_seconds
        )
        suspect = self._family(
            "scrape_suspect",
            "1, labelled with the reason, when the latest cycle failed because the node's chain was not "
            "believed (wrong_chain, head_behind, reorg, provider_missing); absent otherwise.",
            ["reason"],
        )
        if status.suspicion is not None:
            suspect.add_metric([self._network, status.suspicion.value], 1)
        yield suspect
        family = self._family(
            "last_successful_scrape_timestamp_seconds",
            "Unix time at which the last successful cycle ended; absent until one has.",
            ["scraper"],
        )
        if status.last_success_at is not None:
            family.add_metric([self._network, SCRAPER], status.last_success_at.timestamp())
        yield family

    def _rejected_total(self, status: ScrapeStatus) -> Metric:
        family = CounterMetricFamily(
            PREFIX + "attester_transitions_rejected",
            "Lifecycle moves refused since the scraper started (the attester keeps `state`; the chain "
            "showed `observed`): a lagging node, or an exited attester staked again.",
            labels=["network", "state", "observed"],
        )
        for state, position in _REJECTABLE:
            count = status.rejected_total.get((state, position), 0)
            family.add_metric([self._network, state.value, position.value], count)
        return family

    def _snapshot(self, snapshot: Snapshot) -> Iterator[Metric]:
        yield from self._publishers(snapshot)
        yield from self._attesters(snapshot)
        yield self._gauge(
            "provider_queue_length",
            "Keys waiting in the staking provider's queue.",
            [],
            snapshot.provider_queue_length,
        )
        yield self._gauge(
            "entry_queue_length",
            "Deposits waiting in the rollup entry queue (all providers).",
            [],
            snapshot.entry_queue_length,
        )
        yield from self._entry_queue(snapshot)

    def _publishers(self, snapshot: Snapshot) -> Iterator[Metric]:
        balance = self._family("publisher_balance_eth", "The publisher's ETH balance.", ["publisher"])
        topup = self._family(
            "publisher_required_topup_eth",
            "ETH the publisher lacks: attesters assigned x MIN_ETH_PER_ATTESTER - balance, at least 0 "
            "(attesters assumed split evenly when publisher_loads_assumed_even is 1).",
            ["publisher"],
        )
        for publisher, wei in snapshot.balances.items():
            balance.add_metric([self._network, publisher.checksum], eth_float(wei))
            topup.add_metric(
                [self._network, publisher.checksum], eth_float(snapshot.required_topups[publisher])
            )
        yield balance
        yield topup
        yield self._gauge(
            "publisher_loads_assumed_even",
            "1 when the scraper config names no attester's publishers (built from web3signer keys): each "
            "publisher's required top-up then assumes ceil(attesters / publishers) attesters.",
            [],
            1 if snapshot.even_split else 0,
        )

    def _attesters(self, snapshot: Snapshot) -> Iterator[Metric]:
        attesters = self._family(
            "attesters", "Attesters of the scraper config per lifecycle state.", ["state"]
        )
        for state in AttesterState:
            attesters.add_metric([self._network, state.value], snapshot.counts.get(state, 0))
        yield attesters

        yield self._gauge(
            "attesters_missing_coinbase",
            "Attesters in the rollup entry queue without a known non-zero coinbase.",
            [],
            len(snapshot.missing_coinbase),
        )
        yield self._gauge(
            "attesters_missing_coinbase_urgent",
            "Active attesters without a known non-zero coinbase.",
            [],
            len(snapshot.missing_coinbase_urgent),
        )
        info = self._family(
            "attester_missing_coinbase_info",
            "1 for each attester counted in attesters_missing_coinbase(_urgent), with its state.",
            ["attester", "state"],
        )
        for group, state in (
            (snapshot.missing_coinbase, AttesterState.IN_STAKING_QUEUE),
            (snapshot.missing_coinbase_urgent, AttesterState.ACTIVE),
        ):
            for attester in group:
                info.add_metric([self._network, attester.checksum, state.value], 1)
        yield info

        rejected = self._family(
            "attester_transition_rejected_info",
            "1 for each attester whose move the latest successful cycle refused.",
            ["attester", "state", "observed"],
        )
        for refusal in snapshot.rejected:
            rejected.add_metric(
                [self._network, refusal.attester.checksum, refusal.state.value, refusal.position.value], 1
            )
        yield rejected

    def _entry_queue(self, snapshot: Snapshot) -> Iterator[Metric]:
        yield from self._flushes(snapshot.flushes)
        yield from self._queued(snapshot)

    def _flushes(self, flushes: FlushState) -> Iterator[Metric]:
        yield self._gauge(
            "entry_queue_flush_size",
            "Entries the rollup lets one epoch flush if its allowance were granted now "
            "(getEntryQueueFlushSize).",
            [],
            flushes.flush_size,
        )
        yield self._gauge(
            "entry_queue_available_flushes",
            "Entries a flush could take right now (getAvailableValidatorFlushes).",
            [],
            flushes.available_flushes,
        )
        yield self._gauge(
            "entry_queue_next_flushable_epoch",
            "The epoch whose first flush grants the next fresh allowance (getNextFlushableEpoch).",
            [],
            flushes.next_flushable_epoch,
        )
        yield self._gauge("rollup_current_epoch", "The rollup's current epoch.", [], flushes.current_epoch)

    def _queued(self, snapshot: Snapshot) -> Iterator[Metric]:
        missing = set(snapshot.missing_coinbase)
        position = self._family(
            "attester_entry_queue_position",
            "Queue position of each of our attesters in the rollup entry queue (0: next to be flushed); "
            "coinbase: known or missing in the scraper config.",
            ["attester", "coinbase"],
        )
        eta = self._family(
            "attester_entry_queue_eta_timestamp_seconds",
            "Unix time of the start of the earliest epoch in which each of our queued attesters can be "
            "flushed into the validator set (in the past: it can be flushed now), assuming flushes happen "
            "as soon as the rollup allows and nobody joins or leaves; absent when it cannot be flushed as "
            "things stand.",
            ["attester", "coinbase"],
        )
        for attester, queued in snapshot.queued.items():
            labels = [self._network, attester.checksum, "missing" if attester in missing else "known"]
            position.add_metric(labels, queued.position)
            if queued.eta is not None:
                eta.add_metric(labels, queued.eta)
        yield position
        yield eta
        next_missing = self._family(
            "next_missing_coinbase_eta_timestamp_seconds",
            "The earliest entry-queue ETA among our queued attesters without a known coinbase (same "
            "assumption as attester_entry_queue_eta_timestamp_seconds); absent when there is none.",
            [],
        )
        if snapshot.next_missing_coinbase_eta is not None:
            next_missing.add_metric([self._network], snapshot.next_missing_coinbase_eta)
        yield next_missing

    def _family(self, name: str, documentation: str, labels: Iterable[str]) -> GaugeMetricFamily:
        return GaugeMetricFamily(PREFIX + name, documentation, labels=["network", *labels])

    def _gauge(
        self, name: str, documentation: str, labels: list[tuple[str, str]], value: float = 1
    ) -> Metric:
        family = self._family(name, documentation, [label for label, _ in labels])
        family.add_metric([self._network, *(v for _, v in labels)], value)
        return family


def metrics_registry(collector: ScraperCollector) -> CollectorRegistry:
    # No auto-describe: describing would run collect() once more at registration, for nothing.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def metrics_text(registry: CollectorRegistry) -> str:
    """The Prometheus text exposition of everything in `registry`."""
    return generate_latest(registry).decode("utf-8")
