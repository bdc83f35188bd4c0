"""Acceptance on the real Aztec Rollup (4.1.2, deployed by the devnet): the flush schedule the product
predicts is the one the rollup keeps, bootstrap included.

A fresh devnet (no validator yet, not bootstrapped) gets a queue configuration with a bootstrap phase.
Others and then our attesters are staked; while fewer than the bootstrap size wait, nothing can move and
nothing has an ETA. Once enough wait, the prediction is read, and from then on every epoch starts with
the real flush, as much as the rollup allows: each attester must become VALIDATING in exactly the epoch
predicted for it. `queue-stats --json` and the scraper must agree on positions and ETAs all along.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.files.config_file import load_network_config
from butler.devnet.records import random_validator
from butler.devnet.runner import RunningDevnet
from butler.domain.address import Address
from butler.domain.entry_queue import QueueConfig
from butler.domain.onchain import AttesterStatus
from butler.domain.scraper_config import ScrapedAttester
from butler.entrypoints.cli import run
from tests.integration.test_scraper_devnet import write_scraper_config

pytestmark = pytest.mark.devnet

# Nothing moves until 4 wait; then 3 per epoch until 4 are active; then max(active // 4, 1), at most 2.
BOOTSTRAPPING = QueueConfig(
    bootstrap_validator_set_size=4,
    bootstrap_flush_size=3,
    normal_flush_size_min=1,
    normal_flush_size_quotient=4,
    max_queue_flush_size=2,
)
OTHERS, OURS = 2, 7


def scraper_once(config: Path, scraper_config: Path) -> dict[str, dict[str, float]]:
    """One cycle of `aztec-butler-scraper --once`: the entry-queue series by name, then attester."""
    args = ["--config", str(config), "--scraper-config", str(scraper_config), "--once"]
    result = subprocess.run(
        [sys.executable, "-m", "butler.entrypoints.scraper.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    series: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(result.stdout):
        for sample in family.samples:
            series.setdefault(sample.name, {})[sample.labels.get("attester", "")] = sample.value
    return series


def queue_stats(config: Path, scraper_config: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    code = run(["queue-stats", "-c", str(config), "-s", str(scraper_config), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def assert_agree(stats: Any, series: dict[str, dict[str, float]]) -> None:
    ours = stats["entryQueue"]["ours"]
    positions = series.get("aztec_butler_attester_entry_queue_position", {})
    etas = series.get("aztec_butler_attester_entry_queue_eta_timestamp_seconds", {})
    assert {o["attester"]: o["position"] for o in ours} == {a: int(p) for a, p in positions.items()}
    assert {o["attester"]: o["eta"] for o in ours if o["eta"] is not None} == {
        a: int(t) for a, t in etas.items()
    }
    next_eta = series.get("aztec_butler_next_missing_coinbase_eta_timestamp_seconds", {}).get("")
    assert stats["nextMissingCoinbaseEta"] == (int(next_eta) if next_eta is not None else None)
    flush_size = series["aztec_butler_entry_queue_flush_size"][""]
    assert stats["entryQueue"]["flushSize"] == int(flush_size)


def test_every_attester_becomes_active_in_the_epoch_the_schedule_predicted(
    fresh_devnet: RunningDevnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actions = fresh_devnet.actions
    config_path = fresh_devnet.config_path
    network, _, endpoints = load_network_config(config_path)
    chain = JsonRpcChain.from_config(network, endpoints, aggregate=True)
    start = chain.entry_queue_state().flushes
    assert (start.active_attester_count, start.is_bootstrapped) == (0, False), "the devnet is not fresh"
    actions.set_queue_config(BOOTSTRAPPING)

    others = [random_validator() for _ in range(OTHERS)]
    ours = [random_validator() for _ in range(OURS)]
    actions.add_validators([*others, *ours])
    our_attesters = [v.attester for v in ours]
    scraper_config = write_scraper_config(
        tmp_path / "devnet-scrape-config.json", [ScrapedAttester(a) for a in our_attesters], ()
    )

    # Fewer than the bootstrap size wait: nothing can be flushed, no ETA, and a flush moves nobody.
    actions.stake(OTHERS + 1)
    waiting = chain.entry_queue_state()
    assert waiting.flushes.flush_size == 0 and waiting.schedule().batches == ()
    stats = queue_stats(config_path, scraper_config, capsys)
    assert [(o["position"], o["eta"]) for o in stats["entryQueue"]["ours"]] == [(OTHERS, None)]
    assert_agree(stats, scraper_once(config_path, scraper_config))
    assert actions.flush_allowed() == []

    # Everybody is in: read the prediction at the start of an epoch, then flush as soon as allowed.
    actions.stake(OURS - 1)
    actions.advance_epochs(1)
    state = chain.entry_queue_state()
    schedule = state.schedule()
    predicted: dict[Address, int] = {}
    for position, entry in enumerate(state.entries):
        batch = schedule.batch_of(position)
        assert batch is not None, f"position {position} has no flush epoch"
        predicted[entry.attester] = batch.epoch
    first = state.flushes.current_epoch
    # Bootstrap: 3 and 3 (floodgate), then one per epoch (6 // 4 = 7 // 4 = 1), then 2 (8 // 4).
    assert [b.count for b in schedule.batches] == [3, 3, 1, 1, 1]
    assert [b.epoch for b in schedule.batches] == list(range(first, first + 5))
    stats = queue_stats(config_path, scraper_config, capsys)
    assert_agree(stats, scraper_once(config_path, scraper_config))
    assert [o["epoch"] for o in stats["entryQueue"]["ours"]] == [predicted[a] for a in our_attesters]

    activated: dict[Address, int] = {}
    while chain.entry_queue():
        flushed = actions.flush_allowed()
        epoch = chain.entry_queue_state().flushes.current_epoch
        assert all(f.ok for f in flushed), flushed
        activated.update((f.attester, epoch) for f in flushed)
        assert len(activated) <= len(predicted)
        if chain.entry_queue():
            # Between flushes, queue-stats and the scraper keep agreeing.
            assert_agree(
                queue_stats(config_path, scraper_config, capsys), scraper_once(config_path, scraper_config)
            )
            actions.advance_epochs(1)

    assert activated == predicted
    views = chain.attester_views(list(predicted))
    assert {v.status for v in views.values()} == {AttesterStatus.VALIDATING}
    assert chain.entry_queue_state().flushes.is_bootstrapped
    chain.close()
