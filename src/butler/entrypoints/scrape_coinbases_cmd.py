"""`aztec-butler scrape-coinbases`: attester -> coinbase from the provider's `StakedWithProvider` events."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.address import Address
from butler.domain.coinbases import DEFAULT_CONFIRMATIONS, CoinbaseRecord
from butler.entrypoints.console import ProgressLine, note, parse_plac
from butler.entrypoints.options import long_flg, long_opt, network_options, scraper_config_option

if TYPE_CHECKING:
    from butler.entrypoints.bootstrap import Services
    from butler.usecases.scrape_coinbases import Scraped, ScrapeRequest


@attrs.frozen
class Options:
    start_block: int | None
    attesters: Path | None
    full: bool
    output: Path | None
    update_scraper_config: bool
    scraper_config: Path | None
    confirmations: int | None
    json: bool
    config: str | None
    network: str | None


@long_opt(
    "start_block",
    "first block to scan (default: the config's registry_first_block)",
    type=int,
    metavar="N",
)
@long_opt(
    "attesters",
    "production keyfile whose attesters to report (default: the scraper config's); its coinbases are "
    "checked against the chain too, and a validator lacking the coinbase found on chain fails the run",
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
@scraper_config_option("scraper config")
@plac.opt(
    "confirmations",
    f"blocks to stay behind the head (default: {DEFAULT_CONFIRMATIONS} on every chain; a local devnet "
    "that never reorganises may pass 0)",
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
) -> Options:
    """Map attesters to the coinbases delegators staked them with (StakedWithProvider events).

    Scans the configured provider's events from the start block up to the head minus a confirmation
    depth, in block ranges that adapt to what the node accepts. The mapping file records the blocks it
    covers, so the next run scans only newer blocks (--full rescans). The report on stdout lists each
    attester of --attesters (or of the scraper config; every mapped attester when there is neither)
    with its coinbase and the block of the event, or "none" when no delegator has staked it yet.

    The mapping keeps the hashes of blocks it scanned; when the chain reorganised below them, the run
    says so and scans again from the newest block the chain still agrees with.

    An attester staked more than once (its deposits after the first fail in the GSE and are refunded)
    gets the coinbase of the stake whose deposit the GSE took, read from the rollup's Deposit and
    FailedDeposit events (or, before any flush, the first stake: the entry queue is first in, first
    out); the other stakes are listed with their fate. One that cannot be decided is listed and left
    out, the others are still recorded, and the command exits 1. It also exits 1 when a validator of
    --attesters lacks the coinbase found on chain (fill-coinbases writes it into the keyfiles).

    The command fails (exit 1) and writes nothing when an event names the zero address as coinbase, or
    when a coinbase on chain differs from a non-zero one the scraper config or --attesters keyfile
    records.

    example:
      aztec-butler scrape-coinbases -c testnet.toml --update-scraper-config
    """
    return Options(
        start_block,
        attesters,
        full,
        output,
        update_scraper_config,
        scraper_config,
        confirmations,
        json,
        config,
        network,
    )


def run(services: Services, args: Options) -> int:
    from butler.usecases.scrape_coinbases import ScrapeRequest, scrape_coinbases

    loaded = services.network(args.config, args.network)
    name = loaded.config.network
    request = ScrapeRequest(
        mapping_path=services.coinbase_mapping_path(args.output, name),
        scraper_config_path=services.scraper_config_path(args.scraper_config, name),
        attesters_file=args.attesters,
        start_block=args.start_block,
        confirmations=args.confirmations,
        full=args.full,
        update_scraper_config=args.update_scraper_config,
    )
    result = scrape_coinbases(
        request,
        config=loaded.config,
        chain=services.chain(loaded),
        mappings=services.coinbase_mappings,
        scraper_configs=services.scraper_configs,
        key_files=services.key_files,
        clock=services.clock,
        progress=ProgressLine("scanned blocks", min_total=50_000),
    )
    _report_scan(result, request, name)
    if args.json:
        _print_json(result.lines)
    else:
        for attester, record in result.lines:
            shown = f"{record.coinbase} block {record.block}" if record is not None else "none"
            sys.stdout.write(f"{attester} {shown}\n")
    _report_outcome(result, request)
    return _report_problems(result, args.attesters)


def _report_scan(result: Scraped, request: ScrapeRequest, network: str) -> None:
    if result.reorg is not None:
        note(result.reorg)
    if result.scanned:
        ranges = ", ".join(str(r) for r in result.scanned)
        note(
            f"scanned blocks {ranges} ({result.blocks_scanned:,} blocks) of provider {result.provider_id} "
            f"on {network}; head {result.head}, safe head {result.safe_head}"
        )
    elif result.mapping is not None:
        note(
            f"no new blocks to scan: {request.mapping_path} covers blocks up to "
            f"{result.mapping.last_scanned_block}; safe head {result.safe_head}"
        )
    else:
        note(f"nothing to scan: the start block is after the safe head {result.safe_head}")


def _report_outcome(result: Scraped, request: ScrapeRequest) -> None:
    with_coinbase = sum(1 for _, record in result.lines if record is not None)
    listed = f" of {result.listed_from}" if result.listed_from else ""
    note(f"{with_coinbase} of {len(result.lines)} attesters{listed} have a coinbase")
    if result.unlisted:
        more = f"{result.unlisted} more attester" + ("s have" if result.unlisted != 1 else " has")
        note(f"{more} a coinbase with provider {result.provider_id} (not listed)")
    if result.mapping_written:
        note(f"wrote {request.mapping_path}")
    if request.update_scraper_config:
        count = len(result.scraper_config_updated)
        note(
            f"updated the coinbases of {count} attesters in {request.scraper_config_path}"
            if count
            else f"{request.scraper_config_path} already records every coinbase found"
        )


def _report_problems(result: Scraped, keyfile: Path | None) -> int:
    """Duplicate stakes and what the keyfile lacks, on stderr; 1 when the operator has to act."""
    for attester, resolution in result.staked_twice:
        if resolution.problem is not None:
            continue
        winner = resolution.winner
        counted = (
            f"counts the stake at block {winner.block_number} (coinbase {winner.coinbase})"
            if winner is not None
            else "has no stake that reached the GSE"
        )
        pending = "" if resolution.settled else "; rechecked on the next run while a deposit is queued"
        note(f"attester {attester} was staked {len(resolution.others) + 1} times: {counted}{pending}")
        for other in resolution.others:
            note(f"  {other.describe()}")
    for attester, problem in result.undecidable:
        note(f"error: attester {attester}: staked more than once and undecidable: {problem}; not recorded")
    for attester, record in result.keyfile_lacks:
        note(
            f"error: {keyfile}: validator {attester} lacks its coinbase {record.coinbase} (block "
            f"{record.block}); run aztec-butler fill-coinbases --keyfile {keyfile}"
        )
    return 1 if result.undecidable or result.keyfile_lacks else 0


def _print_json(lines: Sequence[tuple[Address, CoinbaseRecord | None]]) -> None:
    data = {
        str(attester): ({"coinbase": str(record.coinbase), "block": record.block} if record else None)
        for attester, record in lines
    }
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler COMMAND ARGV`: the options parsed, then `services` opened and the command run."""
    options = parse_plac(scrape_coinbases, f"aztec-butler {prog}", argv)
    return run(services(), options)
