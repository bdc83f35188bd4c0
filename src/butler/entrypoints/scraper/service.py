"""The scraper's service: a cycle every interval, the last status served on /metrics, what changed on
stderr."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from butler import __version__
from butler.domain.secret_text import SecretText
from butler.entrypoints.console import note

if TYPE_CHECKING:
    from butler.domain.scrape_status import ScrapeStatus
    from butler.entrypoints.bootstrap import CycleChain, LoadedNetwork
    from butler.ports.clock import Clock
    from butler.ports.json_documents import ScraperConfigFiles

LOGGED_CHANGES = 20


class _Stop(BaseException):
    """Raised by the SIGTERM/SIGINT handler to leave the cycle loop wherever it is."""


class ScraperService:
    """One network's monitoring: cycles over the chain, the latest status behind /metrics, and what
    changed between cycles on stderr."""

    def __init__(
        self,
        loaded: LoadedNetwork,
        chain: CycleChain,
        files: ScraperConfigFiles,
        path: Path,
        clock: Clock,
    ) -> None:
        from butler.entrypoints.scraper.collector import LatestStatus, ScraperCollector, metrics_registry

        network = loaded.config
        self.network = network
        self.rpc_url = loaded.endpoints.rpc_url
        self.chain = chain
        self.files = files
        self.path = path
        self.clock = clock
        self.latest = LatestStatus()
        self.registry = metrics_registry(
            ScraperCollector(network=network.network, version=__version__, status=self.latest.get)
        )
        self.failures_in_a_row = 0
        self.aggregation_refused = chain.aggregation_refused()

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
            with self.chain.within():
                status = scrape_cycle(
                    previous,
                    chain=self.chain.chain,
                    files=self.files,
                    config_path=self.path,
                    network=self.network,
                    clock=self.clock,
                )
        except Exception as error:
            # A bug must not stop the monitoring either; the message may quote the url, so redact it.
            text = f"unexpected {type(error).__name__}: {error}".replace(
                self.rpc_url, redact_url(self.rpc_url)
            )
            status = failed(previous, started=started, finished=self.clock.now(), error=text)
        self.latest.set(status)
        if self.aggregation_refused is None:
            self.aggregation_refused = self.chain.aggregation_refused()
            if self.aggregation_refused is not None:
                note(
                    f"the node refused aggregated calls ({self.aggregation_refused}): "
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
