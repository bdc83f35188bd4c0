"""`aztec-butler fill-coinbases`: the coinbases found on chain, written into new copies of the keyfiles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.entrypoints.console import note, parse_plac
from butler.entrypoints.options import long_opt, network_options, scraper_config_option

if TYPE_CHECKING:
    from butler.entrypoints.bootstrap import Services


@attrs.frozen
class Options:
    keyfile: list[Path]
    coinbase_mapping: Path | None
    scraper_config: Path | None
    config: str | None
    network: str | None


@long_opt(
    "keyfile",
    "production keyfile(s) to fill: all keyfiles of a high-availability set at once",
    type=Path,
    metavar="FILE",
)
@plac.opt(
    "coinbase_mapping",
    "coinbase mapping of scrape-coinbases (default: $XDG_DATA_HOME/aztec-butler/<network>-coinbases.json)",
    type=Path,
    abbrev="m",
    metavar="PATH",
)
@scraper_config_option("scraper config, whose recorded coinbases count too")
@network_options
def fill_coinbases(
    keyfile: list[Path] | None = None,
    coinbase_mapping: Path | None = None,
    scraper_config: Path | None = None,
    config: str | None = None,
    network: str | None = None,
) -> Options:
    """Write every known coinbase into the validators of production keyfiles that lack one.

    The coinbases come from the coinbase mapping that scrape-coinbases keeps and from the scraper
    config. Each keyfile is written again as <keyfile>.new (or the next free .new2, .new3, ...: the same
    suffix for every keyfile given, so an HA set stays one set; nothing is ever replaced), with the
    validators' coinbases filled in. A validator whose coinbase differs from the one on record fails the
    command and nothing is written. The validators that still lack a coinbase (not staked yet, or not
    scraped yet) are listed; when no keyfile gains a coinbase, nothing is written.

    example:
      aztec-butler scrape-coinbases -c testnet.toml
      aztec-butler fill-coinbases -c testnet.toml --keyfile A_prod-keyfile.json B_prod-keyfile.json
    """
    return Options(keyfile or [], coinbase_mapping, scraper_config, config, network)


def run(services: Services, args: Options) -> int:
    from butler.usecases.fill_coinbases import fill_coinbases

    loaded = services.network(args.config, args.network)
    name = loaded.config.network
    result = fill_coinbases(
        args.keyfile,
        network=loaded.config,
        files=services.key_files,
        mappings=services.coinbase_mappings,
        mapping_path=services.coinbase_mapping_path(args.coinbase_mapping, name),
        scraper_configs=services.scraper_configs,
        scraper_config_path=services.scraper_config_path(args.scraper_config, name),
    )
    for each in result.files:
        filled = each.filled
        if each.target is not None:
            note(f"wrote {each.target}: {len(filled.filled)} coinbase(s) added to {each.source.name}")
        for attester in filled.lacking:
            note(f"{each.source}: validator {attester} still lacks a coinbase")
    if not result.written:
        note("nothing written: the keyfiles already hold every coinbase known")
    return 0


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler COMMAND ARGV`: the options parsed, then `services` opened and the command run."""
    options = parse_plac(fill_coinbases, f"aztec-butler {prog}", argv, repeatable=("keyfile",))
    return run(services(), options)
