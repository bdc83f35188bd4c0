"""`aztec-butler-scraper` against the real devnet, as a separate process read over real HTTP.

Attesters in every lifecycle state are arranged with real transactions (keys through the Safe into the
provider queue, stakes, a flush into the real GSE, an exit); /metrics must show exactly those counts,
exception series, balances and top-ups. The node then goes away behind a fault-injecting proxy: the
scraper keeps serving the last values, marked failed and ageing, and recovers when the node is back.
Start-up refusals (wrong chain, a private key in the scraper config) and the bearer token are checked
on the same devnet. The chain is rolled back after each test that changes it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.adapters.files.config_file import load_network_config
from butler.adapters.files.json_documents import local_scraper_config_files
from butler.devnet.records import random_validator
from butler.domain.address import Address
from butler.domain.entry_queue import FlushState
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.domain.wei import WEI_PER_ETH as WEI
from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.rpc_proxy import RpcProxy

pytestmark = pytest.mark.devnet

S = AttesterState
MIN_WEI_PER_ATTESTER = WEI // 10  # the devnet config's min_eth_per_attester = "0.1"
INTERVAL = "1"
WAIT_SECONDS = 30.0
TOKEN = "scrape-me-7Qx"

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return "aztec_butler_" + name, frozenset({"network": "devnet", **labels}.items())


def parse(text: str) -> Series:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def without_scrape_health(series: Series) -> Series:
    return {k: v for k, v in series.items() if "scrape" not in k[0]}


class Scraper:
    """A running `aztec-butler-scraper` process; stderr is collected as it arrives."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "butler.entrypoints.scraper.main", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = 0

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, what: str, check: Callable[[], object]) -> object:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            assert self.process.poll() is None, f"the scraper exited while waiting for {what}:\n{self.stderr}"
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; stderr:\n{self.stderr}")

    def serving(self) -> Scraper:
        def port() -> int | None:
            for line in self.lines:
                found = re.search(r"serving http://127\.0\.0\.1:(\d+)/metrics", line)
                if found:
                    return int(found.group(1))
            return None

        self.port = int(self.wait_for("the metrics server", port))  # type: ignore[call-overload]
        return self

    def get(self, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(f"http://127.0.0.1:{self.port}/metrics", headers=headers, timeout=5)

    def metrics(self, token: str | None = None) -> Series:
        response = self.get(token)
        assert response.status_code == 200, response.text
        return parse(response.text)

    def wait_for_metrics(
        self, what: str, check: Callable[[Series], bool], token: str | None = None
    ) -> Series:
        def matching() -> Series | None:
            series = self.metrics(token)
            return series if check(series) else None

        return self.wait_for(what, matching)  # type: ignore[return-value]

    def settle_on(self, expected: Series) -> Series:
        """The metrics of the first successful cycle that shows `expected`; failing that, the difference
        from the last metrics served, with the scraper's log."""
        last: Series = {}

        def settled(series: Series) -> bool:
            nonlocal last
            last = series
            return series.get(key("scrape_success", scraper="chain")) == 1 and scraped(series) == expected

        try:
            return self.wait_for_metrics("the expected metrics", settled)
        except AssertionError:
            assert scraped(last) == expected, f"no cycle showed the expected metrics; stderr:\n{self.stderr}"
            raise

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"the scraper did not stop on SIGTERM:\n{self.stderr}") from None
        self._reader.join(timeout=5)
        return code

    def finish(self) -> tuple[int, str, str]:
        """For a process that ends by itself: exit code, stdout, stderr."""
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"the scraper did not exit:\n{self.stderr}") from None
        assert self.process.stdout is not None
        out = self.process.stdout.read()
        self._reader.join(timeout=5)
        return code, out, self.stderr


@pytest.fixture
def running() -> Iterator[list[Scraper]]:
    """Scrapers a test starts; any still running at the end is stopped."""
    started: list[Scraper] = []
    yield started
    for scraper in started:
        if scraper.process.poll() is None:
            scraper.process.kill()
            scraper.process.wait(timeout=10)


def start(running: list[Scraper], args: list[str], env: dict[str, str] | None = None) -> Scraper:
    scraper = Scraper(args, env)
    running.append(scraper)
    return scraper


def network_config(devnet: DevnetHandle, folder: Path, **fields: str | int) -> Path:
    """The devnet's TOML with some top-level fields replaced."""
    text = devnet.config_path.read_text()
    for name, value in fields.items():
        rendered = f'"{value}"' if isinstance(value, str) else str(value)
        text, replaced = re.subn(rf"(?m)^{name} = .*$", f"{name} = {rendered}", text, count=1)
        assert replaced == 1, f"no {name} in the devnet config"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "devnet.toml"
    path.write_text(text)
    return path


def write_scraper_config(
    path: Path, attesters: list[ScrapedAttester], publishers: tuple[Address, ...], chain_id: int = 31337
) -> Path:
    local_scraper_config_files().write(
        path,
        ScraperConfig(
            version=1,
            network="devnet",
            chain_id=chain_id,
            staking_provider_id=1,
            attesters=tuple(attesters),
            publishers=publishers,
            last_updated="2026-01-01T00:00:00Z",
        ),
    )
    return path


@attrs.frozen
class Scenario:
    states: dict[Address, AttesterState]
    missing: Address
    urgent: Address
    publishers: dict[Address, tuple[int, int]]  # balance and required top-up, in wei
    provider_queue_length: int
    entry_queue_length: int
    next_in_entry_queue: Address  # the one a flush of 1 activates next
    scraper_config: Path
    flushes: FlushState  # the rollup's flush state right after arranging


@pytest.fixture
def scenario(isolated_devnet: DevnetHandle, tmp_path: Path) -> Scenario:
    """Seven attesters, one per case: NEW; provider queue; entry queue with and without coinbase;
    active with and without coinbase; exited. Three publishers: short of ETH, empty, and well funded."""
    actions = isolated_devnet.actions
    # Other tests may have left keys in the queues: stake and flush them out of the way first.
    leftover_queue = len(actions.provider_queue())
    leftover_entries = len(actions.entry_queue())
    new = random_validator().attester
    validators = [random_validator() for _ in range(6)]
    active_cb, active_nocb, exited, staked_cb, staked_nocb, queued = (v.attester for v in validators)
    actions.add_validators(validators)
    staked = actions.stake(leftover_queue + 5)
    coinbase = {s.attester: s.coinbase for s in staked}
    actions.flush(leftover_entries + leftover_queue + 3)
    actions.exit(exited)

    short, empty, rich = (random_validator().attester for _ in range(3))
    actions.fund(Decimal("0.25"), [short])
    actions.fund(Decimal("1"), [rich])
    attesters = [
        ScrapedAttester(new, publishers=(short,)),
        ScrapedAttester(queued, publishers=(short,)),
        ScrapedAttester(staked_cb, coinbase=coinbase[staked_cb], publishers=(short,)),
        ScrapedAttester(staked_nocb, publishers=(short,)),
        ScrapedAttester(active_cb, coinbase=coinbase[active_cb], publishers=(empty,)),
        ScrapedAttester(active_nocb, publishers=(empty,)),
        ScrapedAttester(exited, coinbase=coinbase[exited], publishers=(empty,)),
    ]
    path = write_scraper_config(
        tmp_path / "data" / "devnet-scrape-config.json", attesters, (short, empty, rich)
    )
    return Scenario(
        states={
            new: S.NEW,
            queued: S.IN_STAKING_PROVIDER_QUEUE,
            staked_cb: S.IN_STAKING_QUEUE,
            staked_nocb: S.IN_STAKING_QUEUE,
            active_cb: S.ACTIVE,
            active_nocb: S.ACTIVE,
            exited: S.NO_LONGER_ACTIVE,
        },
        missing=staked_nocb,
        urgent=active_nocb,
        publishers={
            short: (WEI // 4, 4 * MIN_WEI_PER_ATTESTER - WEI // 4),
            empty: (0, 2 * MIN_WEI_PER_ATTESTER),  # the exited attester needs no funds
            rich: (WEI, 0),
        },
        provider_queue_length=len(actions.provider_queue()),
        entry_queue_length=len(actions.entry_queue()),
        next_in_entry_queue=staked_cb,
        scraper_config=path,
        flushes=flush_state(isolated_devnet),
    )


def flush_state(devnet: DevnetHandle) -> FlushState:
    network, _, endpoints = load_network_config(devnet.config_path)
    chain = JsonRpcChain.from_config(network, endpoints)
    try:
        return chain.entry_queue_state().flushes
    finally:
        chain.close()


def expected_metrics(scenario: Scenario) -> Series:
    expected: Series = {}
    for state in AttesterState:
        expected[key("attesters", state=state.value)] = sum(s is state for s in scenario.states.values())
    expected[key("attesters_missing_coinbase")] = 1
    expected[key("attesters_missing_coinbase_urgent")] = 1
    expected[
        key("attester_missing_coinbase_info", attester=scenario.missing.checksum, state="IN_STAKING_QUEUE")
    ] = 1
    expected[key("attester_missing_coinbase_info", attester=scenario.urgent.checksum, state="ACTIVE")] = 1
    for publisher, (balance, topup) in scenario.publishers.items():
        expected[key("publisher_balance_eth", publisher=publisher.checksum)] = balance / WEI
        expected[key("publisher_required_topup_eth", publisher=publisher.checksum)] = topup / WEI
    expected[key("provider_queue_length")] = scenario.provider_queue_length
    expected[key("entry_queue_length")] = scenario.entry_queue_length
    expected[key("entry_queue_flush_size")] = scenario.flushes.flush_size
    staked = [a for a, state in scenario.states.items() if state is S.IN_STAKING_QUEUE]
    for position, attester in enumerate(staked):
        coinbase = "missing" if attester == scenario.missing else "known"
        expected[key("attester_entry_queue_position", attester=attester.checksum, coinbase=coinbase)] = (
            position
        )
    expected[key("publisher_loads_assumed_even")] = 0  # the scenario's config names every publisher
    return expected


# Series that change when the chain's clock crosses an epoch boundary: checked on their own.
EPOCH_BOUND = frozenset(
    "aztec_butler_" + name
    for name in (
        "rollup_current_epoch",
        "entry_queue_next_flushable_epoch",
        "entry_queue_available_flushes",
        "attester_entry_queue_eta_timestamp_seconds",
        "next_missing_coinbase_eta_timestamp_seconds",
    )
)


def scraped(series: Series) -> Series:
    """The series about the network (not about the scraper itself or rejected moves), but for those
    that move with the epoch."""
    return {
        k: v
        for k, v in without_scrape_health(series).items()
        if "rejected" not in k[0] and k[0] != "aztec_butler_build_info" and k[0] not in EPOCH_BOUND
    }


def test_metrics_show_every_state_and_survive_a_node_outage(
    isolated_devnet: DevnetHandle, scenario: Scenario, tmp_path: Path, running: list[Scraper]
) -> None:
    assert scenario.provider_queue_length == 1 and scenario.entry_queue_length == 2
    proxy = RpcProxy(isolated_devnet.rpc_url).start()
    try:
        config = network_config(isolated_devnet, tmp_path / "cfg", rpc_url=proxy.url)
        scraper = start(
            running,
            [
                "--config",
                str(config),
                "--scraper-config",
                str(scenario.scraper_config),
                "--listen",
                "127.0.0.1:0",
                "--interval",
                INTERVAL,
            ],
        ).serving()

        good = scraper.wait_for_metrics(
            "a successful cycle", lambda s: s.get(key("scrape_success", scraper="chain")) == 1
        )

        assert scraped(good) == expected_metrics(scenario)
        # This epoch's allowance covers both entries: their ETAs are the start of the current epoch.
        assert scenario.flushes.available_flushes >= 2
        epoch_start = scenario.flushes.clock.epoch_start(int(good[key("rollup_current_epoch")]))
        assert good[key("next_missing_coinbase_eta_timestamp_seconds")] == epoch_start
        etas = {k: v for k, v in good.items() if k[0].endswith("entry_queue_eta_timestamp_seconds")}
        assert len(etas) == 2 and set(etas.values()) == {epoch_start}
        assert good[key("build_info", version="0.1.0")] == 1
        saved = json.loads(scenario.scraper_config.read_text())
        assert {
            Address.parse(a["address"]): S(a["lastSeenState"]) for a in saved["attesters"]
        } == scenario.states

        # The node goes away: connections are dropped without an answer.
        proxy.faults.extend(["drop"] * 100_000)
        down = scraper.wait_for_metrics(
            "a failed cycle", lambda s: s.get(key("scrape_success", scraper="chain")) == 0
        )
        last_success = good[key("last_successful_scrape_timestamp_seconds", scraper="chain")]
        assert scraped(down) == scraped(good), "the last good values stay"
        frozen_at = down[key("last_successful_scrape_timestamp_seconds", scraper="chain")]
        time.sleep(1.0)
        later = scraper.metrics()
        assert later[key("scrape_success", scraper="chain")] == 0
        assert later[key("last_successful_scrape_timestamp_seconds", scraper="chain")] == frozen_at
        assert frozen_at >= last_success
        assert time.time() - frozen_at >= 1.0, "the last success ages while the node is away"
        scraper.wait_for("the failure in the log", lambda: "scrape failed" in scraper.stderr)

        # The node is back, and the chain moved on meanwhile.
        proxy.faults.clear()
        isolated_devnet.actions.flush(1)
        flushed = attrs.evolve(
            scenario,
            states={**scenario.states, scenario.next_in_entry_queue: S.ACTIVE},
            entry_queue_length=1,
        )
        # A cycle may read the entry queue just before the flush's block and the views just after it
        # (the attester then counts as ACTIVE already): wait for a cycle that saw the flush throughout.
        recovered = scraper.settle_on(expected_metrics(flushed))
        assert recovered[key("last_successful_scrape_timestamp_seconds", scraper="chain")] > frozen_at
        moved = f"attester {scenario.next_in_entry_queue}: IN_STAKING_QUEUE -> ACTIVE"
        scraper.wait_for("the recovery in the log", lambda: "scrape succeeded again after" in scraper.stderr)
        scraper.wait_for("the state change in the log", lambda: moved in scraper.stderr)

        assert scraper.stop() == 0
        assert "Traceback" not in scraper.stderr
    finally:
        proxy.stop()


def test_once_prints_the_metrics_and_keeps_the_states(
    isolated_devnet: DevnetHandle, scenario: Scenario, running: list[Scraper]
) -> None:
    args = [
        "--config",
        str(isolated_devnet.config_path),
        "--scraper-config",
        str(scenario.scraper_config),
        "--once",
    ]

    code, out, err = start(running, args).finish()

    assert code == 0, err
    series = parse(out)
    assert scraped(series) == expected_metrics(scenario)
    assert series[key("scrape_success", scraper="chain")] == 1
    assert "IN_STAKING_QUEUE" in scenario.scraper_config.read_text()


def test_once_fails_when_the_node_cannot_be_read(
    devnet: DevnetHandle, tmp_path: Path, running: list[Scraper], closed_port: int
) -> None:
    config = network_config(devnet, tmp_path / "cfg", rpc_url=f"http://127.0.0.1:{closed_port}")
    path = write_scraper_config(tmp_path / "scrape.json", [ScrapedAttester(random_validator().attester)], ())

    code, out, err = start(
        running, ["--config", str(config), "--scraper-config", str(path), "--once"]
    ).finish()

    assert code == 1
    assert parse(out)[key("scrape_success", scraper="chain")] == 0
    assert "connection failed" in err and "Traceback" not in err


def test_a_wrong_chain_id_stops_the_start_with_a_clear_error(
    devnet: DevnetHandle, tmp_path: Path, running: list[Scraper]
) -> None:
    config = network_config(devnet, tmp_path / "cfg", chain_id=1)
    path = write_scraper_config(
        tmp_path / "scrape.json", [ScrapedAttester(random_validator().attester)], (), chain_id=1
    )

    code, out, err = start(
        running, ["--config", str(config), "--scraper-config", str(path), "--listen", "127.0.0.1:0"]
    ).finish()

    assert code == 1
    assert err.splitlines() == [
        f"error: rpc_url {devnet.rpc_url} reports chain id {devnet.chain_id} but the config for network "
        "'devnet' expects 1"
    ]
    assert out == ""


def test_a_scraper_config_with_a_private_key_is_refused(
    devnet: DevnetHandle, tmp_path: Path, running: list[Scraper]
) -> None:
    secret = random_validator().eth_key.reveal_hex()
    path = write_scraper_config(tmp_path / "scrape.json", [ScrapedAttester(random_validator().attester)], ())
    doc = json.loads(path.read_text())
    doc["attesters"][0]["coinbase"] = secret
    path.write_text(json.dumps(doc, indent=2) + "\n")
    before = path.read_bytes()

    code, out, err = start(
        running,
        ["--config", str(devnet.config_path), "--scraper-config", str(path), "--listen", "127.0.0.1:0"],
    ).finish()

    assert code == 1
    assert err.splitlines() == [
        f"error: {path}: attesters[0].coinbase: looks like a private key; "
        "a scraper config holds public data only"
    ]
    assert secret[2:] not in out + err
    assert path.read_bytes() == before


def test_a_token_guards_the_metrics(devnet: DevnetHandle, tmp_path: Path, running: list[Scraper]) -> None:
    path = write_scraper_config(tmp_path / "scrape.json", [ScrapedAttester(random_validator().attester)], ())
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    scraper = start(
        running,
        [
            "--config",
            str(devnet.config_path),
            "--scraper-config",
            str(path),
            "--listen",
            "127.0.0.1:0",
            "--interval",
            INTERVAL,
        ],
        env={"AZTEC_BUTLER_SCRAPER_TOKEN_FILE": str(token_file)},
    ).serving()

    refused = scraper.get()
    wrong = scraper.get("not-the-token")
    allowed = scraper.wait_for_metrics(
        "a successful cycle", lambda s: s.get(key("scrape_success", scraper="chain")) == 1, token=TOKEN
    )

    assert (refused.status_code, wrong.status_code) == (401, 401)
    assert "aztec_butler" not in refused.text + wrong.text
    assert allowed[key("attesters", state="NEW")] == 1
    assert "bearer token required" in scraper.stderr  # on the line announcing the address
    assert TOKEN not in scraper.stderr
    assert scraper.stop() == 0
