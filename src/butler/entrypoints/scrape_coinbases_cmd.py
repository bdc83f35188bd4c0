"""`aztec-butler scrape-coinbases`: attester -> coinbase from the provider's `StakedWithProvider` events."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import plac

from butler.domain.address import Address
from butler.domain.coinbases import CoinbaseRecord
from butler.entrypoints.console import ProgressLine, note, run_plac
from butler.entrypoints.options import long_flg, long_opt, network_options


@long_opt(
    "start_block",
    "first block to scan (default: the config's registry_first_block)",
    type=int,
    metavar="N",
)
@long_opt(
    "attesters",
    "production keyfile whose attesters to report (default: the scraper config's); its coinbases are "
    "checked against the chain too",
    type=Path,
    metavar="FILE",
)
@plac.flg("full", "rescan from the start block, ignoring what the mapping file already covers", abbrev="F")
@plac.opt(
    "output",
    "coinbase mapping file, read for incremental scans and rewritten "
    "(default: $XDG_DATA_HOME/aztec-butler/NETWORK-coinbases.json)",
    type=Path,
    abbrev="o",
    metavar="PATH",
)
@long_flg("update_scraper_config", "write the coinbases found into the scraper config")
@plac.opt(
    "scraper_config",
    "scraper config (default: $XDG_DATA_HOME/aztec-butler/NETWORK-scrape-config.json)",
    type=Path,
    abbrev="s",
    metavar="PATH",
)
@plac.opt(
    "confirmations",
    "blocks to stay behind the head (default: 12; 0 on local dev chains 1337 and 31337)",
    type=int,
    abbrev="C",
    metavar="N",
)
@plac.flg("json", "print the report as a JSON object (attester -> {coinbase, block} or null)", abbrev="j")
@network_options
def scrape_coinbases(
    start_block: int | None = None,
    attesters: Path | None = None,
    full: bool = False,
    output: Path | None = None,
    update_scraper_config: bool = False,
    scraper_config: Path | None = None,
    confirmations: int | None = None,
    json: bool = False,
    config: str | None = None,
    network: str | None = None,
) -> int:
    """Map attesters to the coinbases delegators staked them with (StakedWithProvider events).

    Scans the configured provider's events from the start block up to the head minus a confirmation
    depth, in block ranges that adapt to what the node accepts. The mapping file records the blocks it
    covers, so the next run scans only newer blocks (--full rescans). The report on stdout lists each
    attester of --attesters (or of the scraper config; every mapped attester when there is neither)
    with its coinbase and the block of the event, or "none" when no delegator has staked it yet.

    The command fails (exit 1) and writes nothing when an event names the zero address as coinbase,
    when one attester was staked with two different coinbases, or when a coinbase on chain differs
    from a non-zero one the scraper config or --attesters keyfile records.

    example:
      aztec-butler scrape-coinbases -c testnet.toml --update-scraper-config
    """
    from butler.adapters.local_coinbase_mapping_files import (
        LocalCoinbaseMappingFiles,
        default_coinbase_mapping_path,
    )
    from butler.adapters.local_key_files import LocalKeyFiles
    from butler.adapters.local_scraper_config_files import LocalScraperConfigFiles
    from butler.adapters.system_clock import SystemClock
    from butler.entrypoints.network import load_config, open_chain, scraper_config_path
    from butler.usecases.scrape_coinbases import ScrapeRequest
    from butler.usecases.scrape_coinbases import scrape_coinbases as scrape

    _, network_config, _ = load_config(config, network)
    name = network_config.network
    request = ScrapeRequest(
        mapping_path=output if output is not None else default_coinbase_mapping_path(name, os.environ),
        scraper_config_path=scraper_config_path(scraper_config, name),
        attesters_file=attesters,
        start_block=start_block,
        confirmations=confirmations,
        full=full,
        update_scraper_config=update_scraper_config,
    )
    result = scrape(
        request,
        config=network_config,
        chain=open_chain(network_config),
        mappings=LocalCoinbaseMappingFiles(),
        scraper_configs=LocalScraperConfigFiles(),
        key_files=LocalKeyFiles(),
        clock=SystemClock(),
        progress=ProgressLine("scanned blocks", min_total=50_000),
    )

    if result.scanned:
        ranges = ", ".join(str(r) for r in result.scanned)
        note(
            f"scanned blocks {ranges} ({result.blocks_scanned:,} blocks) of provider {result.provider_id} "
            f"on {name}; head {result.head}, safe head {result.safe_head}"
        )
    elif result.mapping is not None:
        note(
            f"no new blocks to scan: {request.mapping_path} covers blocks up to "
            f"{result.mapping.last_scanned_block}; safe head {result.safe_head}"
        )
    else:
        note(f"nothing to scan: the start block is after the safe head {result.safe_head}")
    if json:
        _print_json(result.lines)
    else:
        for attester, record in result.lines:
            shown = f"{record.coinbase} block {record.block}" if record is not None else "none"
            sys.stdout.write(f"{attester} {shown}\n")
    with_coinbase = sum(1 for _, record in result.lines if record is not None)
    listed = f" of {result.listed_from}" if result.listed_from else ""
    note(f"{with_coinbase} of {len(result.lines)} attesters{listed} have a coinbase")
    if result.unlisted:
        more = f"{result.unlisted} more attester" + ("s have" if result.unlisted != 1 else " has")
        note(f"{more} a coinbase with provider {result.provider_id} (not listed)")
    if result.mapping_written:
        note(f"wrote {request.mapping_path}")
    if update_scraper_config:
        count = len(result.scraper_config_updated)
        note(
            f"updated the coinbases of {count} attesters in {request.scraper_config_path}"
            if count
            else f"{request.scraper_config_path} already records every coinbase found"
        )
    return 0


def _print_json(lines: Sequence[tuple[Address, CoinbaseRecord | None]]) -> None:
    data = {
        str(attester): ({"coinbase": str(record.coinbase), "block": record.block} if record else None)
        for attester, record in lines
    }
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def main(prog: str, argv: list[str]) -> int:
    return run_plac(scrape_coinbases, f"aztec-butler {prog}", argv)
