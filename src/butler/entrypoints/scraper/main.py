"""`aztec-butler-scraper`: Prometheus monitoring of one network's publishers and attester lifecycle."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler import __version__
from butler.domain.config import NetworkConfig
from butler.domain.errors import ButlerError, ChainError, InputError, UsageError
from butler.domain.secret_text import SecretText
from butler.entrypoints.console import exit_with, note, remember_secret, report_error, run_plac
from butler.entrypoints.options import long_flg, scraper_config_option

if TYPE_CHECKING:  # adapters load only once the arguments are known to be good
    from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
    from butler.adapters.chain.rpc import RpcTransport
    from butler.domain.scrape_status import ScrapeStatus
    from butler.ports.clock import Clock
    from butler.ports.json_documents import ScraperConfigFiles

PROG = "aztec-butler-scraper"
DEFAULT_LISTEN = "127.0.0.1:9478"
DEFAULT_INTERVAL = 60.0
# Below a second the scraper would hammer the node; above a day it would not be monitoring.
MIN_INTERVAL = 1.0
MAX_INTERVAL = 86400.0
# A cycle gives up on a silent node well within a minute: the next cycle tries again anyway, and a
# failure shown soon is worth more than a retry that keeps success at 1 for minutes.
RPC_TIMEOUT_SECONDS = 10.0
RPC_ATTEMPTS = 3
LOGGED_CHANGES = 20


@plac.opt(
    "config",
    "network config TOML (default: $AZTEC_BUTLER_CONFIG); one network per process",
    abbrev="c",
    metavar="NETWORK.toml",
)
@scraper_config_option("scraper config JSON")
@plac.opt(
    "listen", f"address of the /metrics server (default: {DEFAULT_LISTEN})", abbrev="l", metavar="HOST:PORT"
)
@plac.opt(
    "interval",
    f"seconds from the start of one cycle to the next (default: {DEFAULT_INTERVAL:g})",
    type=float,
    abbrev="i",
    metavar="SECONDS",
)
@long_flg("once", "run one cycle, print the metrics on stdout and exit (1 if the cycle failed)")
@plac.flg("version", "print the version and exit", abbrev="V")
def scraper(
    config: str | None = None,
    scraper_config: Path | None = None,
    listen: str = DEFAULT_LISTEN,
    interval: float = DEFAULT_INTERVAL,
    once: bool = False,
    version: bool = False,
) -> int:
    """Export Prometheus metrics for one network: publisher balances and required top-ups, attesters
    per lifecycle state, attesters without a coinbase, queue lengths, and the scraper's own health.

    Every interval one cycle reads (in batches) the publishers' balances, the provider queue, the
    rollup entry queue and the status of every attester of the scraper config, advances each
    attester's state (NEW, IN_STAKING_PROVIDER_QUEUE, IN_STAKING_QUEUE, ACTIVE, NO_LONGER_ACTIVE) and
    saves changed states into the scraper config (atomically), so that a restart keeps the history.
    The scraper config is read again every cycle, so an updated copy takes effect without a restart.
    /metrics serves what the last cycle found and never reads the chain itself. When the node fails,
    the last good values stay, with aztec_butler_scrape_success 0 and an ageing
    aztec_butler_last_successful_scrape_timestamp_seconds; the next cycle tries again.

    Nothing private is needed or accepted: a scraper config holding anything that looks like a
    private key is refused, and Safe keys named in the network config are never read. When
    $AZTEC_BUTLER_SCRAPER_TOKEN (or a file named by $AZTEC_BUTLER_SCRAPER_TOKEN_FILE) is set,
    /metrics answers 401 unless the request carries `Authorization: Bearer <token>`.

    Stops cleanly on SIGTERM or Ctrl-C. Exit codes: 0 stopped (or --once succeeded), 1 a check
    failed (wrong chain id, bad or private scraper config, cycle failed with --once), 2 usage error.

    examples:
      aztec-butler-scraper --config ~/.config/aztec-butler/mainnet.toml --listen 0.0.0.0:9478
      aztec-butler-scraper --config devnet.toml --scraper-config devnet-scrape-config.json --once
    """
    if version:
        sys.stdout.write(f"{PROG} {__version__}\n")
        return 0
    host, port = parse_listen(listen)
    if not (MIN_INTERVAL <= interval <= MAX_INTERVAL):
        raise UsageError(
            f"--interval must be between {MIN_INTERVAL:g} and {MAX_INTERVAL:g} seconds, got {interval:g}"
        )
    from butler.adapters.secrets.sources import scraper_token

    token = None if once else scraper_token(os.environ)
    if token is not None:
        remember_secret(token.reveal())

    from butler.adapters.clock import SystemClock
    from butler.adapters.files.config_file import CONFIG_ENV
    from butler.adapters.files.json_documents import local_scraper_config_files
    from butler.entrypoints.network import load_config, scraper_config_path
    from butler.usecases.steps.scraper_config_scope import check_scraper_config

    if not config and not os.environ.get(CONFIG_ENV):
        # The operator CLI's lookup by --network does not exist here: one config per process, named.
        raise UsageError(f"no network config: pass --config NETWORK.toml or set {CONFIG_ENV}")
    _, network, _ = load_config(config, None)  # the Safe secrets it may name are never read
    path = scraper_config_path(scraper_config, network.network)
    files = local_scraper_config_files()
    if not files.exists(path):
        raise InputError(
            f"{path}: scraper config not found: write it with `aztec-butler generate-scraper-config` "
            "or `prepare-deployment`, or pass --scraper-config PATH"
        )
    watched = files.read(path)  # refuses anything that looks like a private key
    transport, chain = _open_chain(network, cycle_seconds(interval))
    try:
        check_scraper_config(path, watched, network)
        attesters = _counted(len(watched.attesters), "attester")
        publishers = _counted(len(watched.publishers), "publisher")
        note(
            f"{PROG} {__version__}: network {network.network} (chain {network.chain_id}), {attesters}, "
            f"{publishers}, scraper config {path}"
        )
        service = _Service(network, chain, files, path, SystemClock(), cycle_deadline(interval, transport))
        if once:
            return service.once()
        return service.serve(host, port, token, interval)
    finally:
        chain.close()


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT, [IPv6]:PORT or :PORT (every IPv4 interface); port 0 picks a free port."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise UsageError(f"--listen: expected HOST:PORT (e.g. {DEFAULT_LISTEN}), got {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise UsageError(f"--listen: write an IPv6 address in brackets, e.g. [::1]:9478, got {text!r}")
    return host or "0.0.0.0", int(port_text)  # noqa: S104 - ":PORT" asks for every interface


def cycle_seconds(interval: float) -> float:
    """How long a cycle's node calls, retries and waits may take in all: one interval, less a margin for
    the rest of the cycle, so that a failing node is reported before the next cycle is due."""
    return max(MIN_INTERVAL / 2, interval * 0.9)


def cycle_deadline(interval: float, transport: RpcTransport) -> Callable[[], AbstractContextManager[None]]:
    """What every cycle runs inside."""
    seconds = cycle_seconds(interval)
    return lambda: transport.within(seconds)


def _open_chain(network: NetworkConfig, deadline: float) -> tuple[RpcTransport, JsonRpcChain]:
    """The chain adapter, its chain id and rollup checked now: a wrong chain, or a configured rollup
    that is not the canonical one, stops the start; an unreachable node only delays the checks to the
    first cycle that reaches it (the service keeps reporting)."""
    from butler.adapters.chain.jsonrpc_chain import JsonRpcChain, WrongChain, WrongRollup
    from butler.adapters.chain.rpc import RpcTransport

    transport = RpcTransport(network.rpc_url, timeout=RPC_TIMEOUT_SECONDS, max_attempts=RPC_ATTEMPTS)
    # Thousands of attesters: a few hundred reads per eth_call, a handful of HTTP requests per cycle.
    chain = JsonRpcChain.from_config(network, transport, aggregate=True)
    try:
        with transport.within(deadline):
            chain.rollup()
    except (WrongChain, WrongRollup):
        chain.close()
        raise
    except ChainError as error:
        note(f"warning: cannot check the chain id and rollup yet, retrying every cycle: {error}")
    return transport, chain


class _Stop(BaseException):
    """Raised by the SIGTERM/SIGINT handler to leave the cycle loop wherever it is."""


class _Service:
    def __init__(
        self,
        network: NetworkConfig,
        chain: JsonRpcChain,
        files: ScraperConfigFiles,
        path: Path,
        clock: Clock,
        deadline: Callable[[], AbstractContextManager[None]],
    ) -> None:
        from butler.entrypoints.scraper.collector import LatestStatus, ScraperCollector, metrics_registry

        self.network = network
        self.chain = chain
        self.files = files
        self.path = path
        self.clock = clock
        self.latest = LatestStatus()
        self.registry = metrics_registry(
            ScraperCollector(network=network.network, version=__version__, status=self.latest.get)
        )
        self.deadline = deadline
        self.failures_in_a_row = 0
        self.aggregating = chain.aggregating

    def once(self) -> int:
        from butler.entrypoints.scraper.collector import metrics_text

        status = self.cycle()
        sys.stdout.write(metrics_text(self.registry))
        return 0 if status.succeeded else 1

    def serve(self, host: str, port: int, token: SecretText | None, interval: float) -> int:
        from butler.entrypoints.scraper.server import METRICS_PATH, MetricsServer, metrics_app

        server = MetricsServer(metrics_app(self.registry, token.reveal() if token else None), host, port)
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            if not stopping:  # a second signal must not interrupt the shutdown itself
                stopping = True
                raise _Stop

        handlers = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            server.start()
            shown = f"[{host}]" if ":" in host else host
            guarded = ", bearer token required" if token else ""
            note(f"serving http://{shown}:{server.port}{METRICS_PATH}{guarded}; a cycle every {interval:g} s")
            while True:
                started = time.monotonic()
                self.cycle()
                time.sleep(max(0.0, started + interval - time.monotonic()))
        except _Stop:
            note("stopping")
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            server.stop()
        return 0

    def cycle(self) -> ScrapeStatus:
        from butler.adapters.http.error_text import redact_url
        from butler.usecases.scrape_cycle import failed, scrape_cycle

        previous = self.latest.get()
        started = self.clock.now()
        try:
            with self.deadline():
                status = scrape_cycle(
                    previous,
                    chain=self.chain,
                    files=self.files,
                    config_path=self.path,
                    network=self.network,
                    clock=self.clock,
                )
        except Exception as error:
            # A bug must not stop the monitoring either; the message may quote the url, so redact it.
            text = f"unexpected {type(error).__name__}: {error}".replace(
                self.network.rpc_url, redact_url(self.network.rpc_url)
            )
            status = failed(previous, started=started, finished=self.clock.now(), error=text)
        self.latest.set(status)
        if self.aggregating and not self.chain.aggregating:
            self.aggregating = False
            note(
                f"the node refused aggregated calls ({self.chain.aggregation_refused}): "
                "reading items one call each from now on"
            )
        self._log(previous, status)
        return status

    def _log(self, previous: ScrapeStatus, status: ScrapeStatus) -> None:
        if not status.succeeded:
            self.failures_in_a_row += 1
            kept = "keeping the last good values" if status.snapshot is not None else "no values yet"
            reason = f" [{status.suspicion.value}]" if status.suspicion is not None else ""
            note(f"scrape failed{reason} ({self.failures_in_a_row} in a row, {kept}): {status.error}")
            if status.snapshot is None or status.snapshot is previous.snapshot:
                return
        elif self.failures_in_a_row:
            note(f"scrape succeeded again after {self.failures_in_a_row} failed cycles")
            self.failures_in_a_row = 0
        snapshot = status.snapshot
        if snapshot is None:
            return
        if previous.snapshot is None:
            counts = ", ".join(f"{state.value} {n}" for state, n in snapshot.counts.items())
            note(f"first scrape in {status.duration_seconds:.2f} s: {counts}")
        if snapshot.even_split and (previous.snapshot is None or not previous.snapshot.even_split):
            note(
                "the scraper config names no attester's publishers: required top-ups assume the attesters "
                "split evenly over the publishers (attesters / publishers, rounded up)"
            )
        for change in snapshot.changes[:LOGGED_CHANGES]:
            note(f"attester {change.attester}: {change.previous.value} -> {change.state.value}")
        if len(snapshot.changes) > LOGGED_CHANGES:
            note(f"... and {len(snapshot.changes) - LOGGED_CHANGES} more state changes")
        known = set(previous.snapshot.rejected) if previous.snapshot is not None else set()
        for refusal in snapshot.rejected:
            if refusal not in known:
                note(
                    f"attester {refusal.attester}: stays {refusal.state.value} although the chain shows "
                    f"{refusal.position.value}; refused (lagging node, or staked again after its exit?)"
                )


def run(argv: Sequence[str]) -> int:
    try:
        return run_plac(scraper, PROG, list(argv))
    except ButlerError as error:
        return report_error(error)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


def main() -> None:
    exit_with(run)


if __name__ == "__main__":
    main()
