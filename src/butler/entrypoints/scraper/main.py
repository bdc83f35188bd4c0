"""`aztec-butler-scraper`: Prometheus monitoring of one network's publishers and attester lifecycle."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler import __version__
from butler.domain.errors import ButlerError, InputError, UsageError
from butler.entrypoints.console import exit_with, note, parse_plac, remember_secret, report_error
from butler.entrypoints.options import long_flg, scraper_config_option

if TYPE_CHECKING:  # adapters load only once the arguments are known to be good
    from butler.entrypoints.bootstrap import Services

PROG = "aztec-butler-scraper"
DEFAULT_LISTEN = "127.0.0.1:9478"
DEFAULT_INTERVAL = 60.0
# Below a second the scraper would hammer the node; above a day it would not be monitoring.
MIN_INTERVAL = 1.0
MAX_INTERVAL = 86400.0


@attrs.frozen
class Options:
    config: str | None
    scraper_config: Path | None
    host: str
    port: int
    interval: float
    once: bool


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
) -> Options | None:
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
        return None
    host, port = parse_listen(listen)
    if not (MIN_INTERVAL <= interval <= MAX_INTERVAL):
        raise UsageError(
            f"--interval must be between {MIN_INTERVAL:g} and {MAX_INTERVAL:g} seconds, got {interval:g}"
        )
    return Options(config, scraper_config, host, port, interval, once)


def scrape(services: Services, args: Options) -> int:
    from butler.adapters.files.config_file import CONFIG_ENV
    from butler.adapters.secrets.sources import scraper_token
    from butler.usecases.steps.scraper_config_scope import check_scraper_config

    token = None if args.once else scraper_token(services.settings.environ)
    if token is not None:
        remember_secret(token.reveal())
    if not args.config and not services.settings.environ.get(CONFIG_ENV):
        # The operator CLI's lookup by --network does not exist here: one config per process, named.
        raise UsageError(f"no network config: pass --config NETWORK.toml or set {CONFIG_ENV}")
    loaded = services.network(args.config, None)  # the Safe secrets it may name are never read
    network = loaded.config
    path = services.scraper_config_path(args.scraper_config, network.network)
    files = services.scraper_configs
    if not files.exists(path):
        raise InputError(
            f"{path}: scraper config not found: write it with `aztec-butler generate-scraper-config` "
            "or `prepare-deployment`, or pass --scraper-config PATH"
        )
    watched = files.read(path)  # refuses anything that looks like a private key
    chain = services.cycle_chain(loaded, cycle_seconds(args.interval))
    try:
        check_scraper_config(path, watched, network)
        attesters = _counted(len(watched.attesters), "attester")
        publishers = _counted(len(watched.publishers), "publisher")
        note(
            f"{PROG} {__version__}: network {network.network} (chain {network.chain_id}), {attesters}, "
            f"{publishers}, scraper config {path}"
        )
        from butler.entrypoints.scraper.service import ScraperService

        service = ScraperService(loaded, chain, files, path, services.clock)
        if args.once:
            return service.once()
        return service.serve(args.host, args.port, token, args.interval)
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


def run(argv: Sequence[str], services: Services | None = None) -> int:
    """Run `aztec-butler-scraper ARGV`; without `services`, over the real adapters and this process's
    environment and working folder."""
    try:
        options = parse_plac(scraper, PROG, list(argv))
        if options is None:
            return 0
        from butler.entrypoints.bootstrap import build_services, process_settings

        return scrape(services or build_services(process_settings()), options)
    except ButlerError as error:
        return report_error(error)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


def main() -> None:
    exit_with(run)


if __name__ == "__main__":
    main()
