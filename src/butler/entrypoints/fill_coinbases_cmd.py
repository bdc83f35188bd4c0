"""`aztec-butler fill-coinbases`: the coinbases found on chain, written into new copies of the keyfiles."""

from __future__ import annotations

import os
from pathlib import Path

import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.entrypoints.console import note, run_plac
from butler.entrypoints.options import long_opt, network_options, scraper_config_option


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
) -> int:
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
    from butler.adapters.files.json_documents import local_coinbase_mapping_files, local_scraper_config_files
    from butler.adapters.files.key_files import LocalKeyFiles
    from butler.adapters.files.scraper_config_location import default_coinbase_mapping_path
    from butler.entrypoints.network import load_config, scraper_config_path
    from butler.usecases.fill_coinbases import fill_coinbases as fill

    _, network_config, _ = load_config(config, network)
    name = network_config.network
    result = fill(
        keyfile or [],
        network=network_config,
        files=LocalKeyFiles(),
        mappings=local_coinbase_mapping_files(),
        mapping_path=coinbase_mapping
        if coinbase_mapping is not None
        else default_coinbase_mapping_path(name, os.environ),
        scraper_configs=local_scraper_config_files(),
        scraper_config_path=scraper_config_path(scraper_config, name),
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


def main(prog: str, argv: list[str]) -> int:
    return run_plac(fill_coinbases, f"aztec-butler {prog}", argv, repeatable=("keyfile",))
