"""The missing-coinbase ETA alerts evaluated by a real Prometheus server scraping the scraper on the devnet.

Prometheus (the binary from Debian's `prometheus` package, like promtool) scrapes `aztec-butler-scraper`
every second and evaluates `deploy/prometheus/aztec-butler-alerts.yml` every second; the alerts are
read from its HTTP API while the devnet moves: our attesters wait in a closed entry queue (no ETA, no
alert), the queue opens with the first of them about 12 hours away (warning), the flush size grows so
that they can be flushed now (page), and their coinbases are recorded (both resolve). Only the rules'
`for:` delays are shortened in the copy Prometheus loads, so that the test takes seconds; the
expressions are the shipped ones, and promtool's unit tests cover the delays.
"""

from __future__ import annotations

import json
import math
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.files.config_file import load_network_config
from butler.devnet.records import random_validator
from butler.devnet.runner import RunningDevnet
from butler.domain.address import Address
from butler.domain.entry_queue import QueueConfig
from butler.domain.scraper_config import ScrapedAttester
from butler.entrypoints.cli import run
from tests.integration.test_scraper_devnet import Scraper, write_scraper_config

pytestmark = pytest.mark.devnet

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES = REPO_ROOT / "deploy" / "prometheus" / "aztec-butler-alerts.yml"
FIND_PROMTOOL = REPO_ROOT / "deploy" / "prometheus" / "find-promtool"
UNAVAILABLE = 3
WAIT_SECONDS = 60.0
SOON, IMMINENT = "AztecButlerMissingCoinbaseActivationSoon", "AztecButlerMissingCoinbaseActivationImminent"
HOUR = 3600
MAX = 2**32 - 1
CLOSED = QueueConfig(0, 0, 0, MAX, 0)  # normal flush size min(max(active // MAX, 0), 0) = 0
ONE_PER_EPOCH = QueueConfig(0, 0, 1, MAX, 1)
WIDE_OPEN = QueueConfig(0, 0, 1_000, MAX, 1_000)


@pytest.fixture(scope="module")
def prometheus_binary() -> Path:
    result = subprocess.run(
        ["bash", str(FIND_PROMTOOL), "prometheus"], capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode == UNAVAILABLE:
        pytest.skip(f"prometheus cannot be obtained on this machine: {result.stderr.strip()}")
    assert result.returncode == 0, f"find-promtool prometheus failed: {result.stderr.strip()}"
    return Path(result.stdout.strip())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Prometheus:
    """A Prometheus server on 127.0.0.1 scraping one scraper, with the alert rules loaded."""

    def __init__(self, binary: Path, folder: Path, scraper_port: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        rules = folder / "rules.yml"
        rules.write_text(re.sub(r"(?m)^(\s+for:) \d+m$", r"\1 2s", RULES.read_text()))
        config = folder / "prometheus.yml"
        config.write_text(
            json.dumps(
                {
                    "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                    "rule_files": [str(rules)],
                    "scrape_configs": [
                        {
                            "job_name": "aztec-butler",
                            "honor_labels": True,
                            "static_configs": [
                                {"targets": [f"127.0.0.1:{scraper_port}"], "labels": {"network": "devnet"}}
                            ],
                        }
                    ],
                }
            )
        )
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = (folder / "prometheus.log").open("w")
        self.process = subprocess.Popen(
            [
                str(binary),
                f"--config.file={config}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address={self.url.removeprefix('http://')}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.folder = folder

    def wait_for(self, what: str, check: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"prometheus exited:\n{self.log_text()}"
            try:
                found = check()
            except requests.ConnectionError:
                found = None
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; alerts: {self.alerts()}")

    def log_text(self) -> str:
        return (self.folder / "prometheus.log").read_text()

    def ready(self) -> Prometheus:
        self.wait_for("prometheus to be ready", lambda: requests.get(self.url + "/-/ready", timeout=5).ok)
        return self

    def alerts(self) -> dict[str, list[dict[str, Any]]]:
        """Active alerts (pending or firing) by name."""
        response = requests.get(self.url + "/api/v1/alerts", timeout=5)
        response.raise_for_status()
        found: dict[str, list[dict[str, Any]]] = {}
        for alert in response.json()["data"]["alerts"]:
            found.setdefault(alert["labels"]["alertname"], []).append(alert)
        return found

    def firing(self) -> set[str]:
        return {name for name, alerts in self.alerts().items() if any(a["state"] == "firing" for a in alerts)}

    def query(self, expr: str) -> list[dict[str, Any]]:
        response = requests.get(self.url + "/api/v1/query", params={"query": expr}, timeout=5)
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()["data"]["result"]
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def processes() -> Iterator[list[Scraper | Prometheus]]:
    started: list[Scraper | Prometheus] = []
    yield started
    for process in reversed(started):
        process.stop()


def cli_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    code = run(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_the_eta_alerts_fire_and_resolve_in_prometheus_as_the_devnet_moves(
    fresh_devnet: RunningDevnet,
    prometheus_binary: Path,
    tmp_path: Path,
    processes: list[Scraper | Prometheus],
    capsys: pytest.CaptureFixture[str],
) -> None:
    actions = fresh_devnet.actions
    config_path = str(fresh_devnet.config_path)
    actions.set_queue_config(CLOSED)

    # Enough others ahead that, one flush per epoch, the first of ours is ~12 hours away.
    network, _, endpoints = load_network_config(fresh_devnet.config_path)
    chain = JsonRpcChain.from_config(network, endpoints)
    flushes = chain.entry_queue_state().flushes
    epoch_seconds = flushes.clock.slot_duration * flushes.clock.epoch_duration
    ahead = math.ceil(
        (time.time() + 12 * HOUR - flushes.clock.epoch_start(flushes.current_epoch)) / epoch_seconds
    )
    assert ahead > 0, "the devnet's clock runs more than 12 hours ahead"
    ours = [random_validator() for _ in range(2)]
    actions.add_validators([*(random_validator() for _ in range(ahead)), *ours])
    staked = {s.attester: s.coinbase for s in actions.stake(ahead + len(ours))}
    our_attesters = [v.attester for v in ours]
    scraper_config = write_scraper_config(
        tmp_path / "data" / "devnet-scrape-config.json", [ScrapedAttester(a) for a in our_attesters], ()
    )

    args = ["--config", config_path, "--scraper-config", str(scraper_config), "--listen", "127.0.0.1:0"]
    scraper = Scraper([*args, "--interval", "1"])
    processes.append(scraper)
    scraper.serving()
    prometheus = Prometheus(prometheus_binary, tmp_path / "prometheus", scraper.port).ready()
    processes.append(prometheus)

    # Queued, but the queue does not move: positions, no ETA, no alert.
    positions = prometheus.wait_for(
        "our queue positions",
        lambda: len(found := prometheus.query("aztec_butler_attester_entry_queue_position")) == 2 and found,
    )
    assert {r["metric"]["attester"]: int(r["value"][1]) for r in positions} == {
        our_attesters[0].checksum: ahead,
        our_attesters[1].checksum: ahead + 1,
    }
    assert prometheus.query("aztec_butler_next_missing_coinbase_eta_timestamp_seconds") == []
    assert not {SOON, IMMINENT} & set(prometheus.alerts())

    # The queue opens, one per epoch: ~12 hours to go is a warning, not a page.
    actions.set_queue_config(ONE_PER_EPOCH)
    prometheus.wait_for("the warning", lambda: SOON in prometheus.firing())
    assert IMMINENT not in prometheus.alerts()
    (warning,) = prometheus.alerts()[SOON]
    assert warning["labels"]["network"] == "devnet" and warning["labels"]["severity"] == "warning"
    assert 6 * HOUR <= float(warning["value"]) < 48 * HOUR
    # queue-stats tells what the scraper exports (read again should an epoch begin in between).
    for _ in range(3):
        exported = {
            r["metric"]["attester"]: int(float(r["value"][1]))
            for r in prometheus.query("aztec_butler_attester_entry_queue_eta_timestamp_seconds")
        }
        scraped_epoch = int(float(prometheus.query("aztec_butler_rollup_current_epoch")[0]["value"][1]))
        stats = cli_json(["queue-stats", "-c", config_path, "-s", str(scraper_config), "--json"], capsys)
        if stats["entryQueue"]["currentEpoch"] == scraped_epoch:
            break
    assert {o["attester"]: o["eta"] for o in stats["entryQueue"]["ours"]} == exported
    assert [o["position"] for o in stats["entryQueue"]["ours"]] == [ahead, ahead + 1]
    assert stats["nextMissingCoinbaseEta"] == min(exported.values())

    # The flush size grows: they can be flushed now, which pages.
    actions.set_queue_config(WIDE_OPEN)
    prometheus.wait_for("the page", lambda: IMMINENT in prometheus.firing())
    prometheus.wait_for("the warning to resolve", lambda: SOON not in prometheus.alerts())
    (page,) = prometheus.alerts()[IMMINENT]
    # Flushable in the chain's current epoch (each devnet block moves its clock a little ahead of ours).
    assert page["labels"]["severity"] == "critical" and float(page["value"]) < 6 * HOUR

    # The coinbases are found and recorded: nothing is missing, both resolve.
    capsys.readouterr()
    mapping = str(tmp_path / "coinbases.json")
    # The devnet never reorganises: its latest blocks, the stakes, need no confirmations.
    scrape = ["scrape-coinbases", "-c", config_path, "-s", str(scraper_config), "-o", mapping]
    assert run([*scrape, "--update-scraper-config", "--confirmations", "0"]) == 0
    recorded = json.loads(scraper_config.read_text())["attesters"]
    assert {Address.parse(a["address"]): Address.parse(a["coinbase"]) for a in recorded} == {
        a: staked[a] for a in our_attesters
    }
    prometheus.wait_for("the page to resolve", lambda: not {SOON, IMMINENT} & set(prometheus.alerts()))
    assert prometheus.query("aztec_butler_next_missing_coinbase_eta_timestamp_seconds") == []
    known = prometheus.query('aztec_butler_attester_entry_queue_eta_timestamp_seconds{coinbase="known"}')
    assert {r["metric"]["attester"] for r in known} == {a.checksum for a in our_attesters}
    chain.close()
